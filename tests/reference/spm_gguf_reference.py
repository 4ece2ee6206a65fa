"""Reference token ids for a SentencePiece ("llama") GGUF vocabulary, pinned in
stdlib/tests/data/lm/spm-vocab.gguf and stdlib/tests/data/lm/spm-vocab.json and checked by
stdlib/tests/lm_gguf_tokenizer.rs.

1. Trains a small SentencePiece BPE model (byte fallback, Llama's options: no normalisation,
   extra whitespace kept, digits split, a dummy space prefix) on review texts from
   stdlib/data/text/reviews.csv, plus one user-defined symbol.
2. Writes its vocabulary as a vocab-only GGUF file (architecture "llama",
   tokenizer.ggml.model "llama": tokens, scores, token types, BOS/EOS/UNK ids, add_bos_token,
   add_space_prefix), the way llama.cpp's convert_hf_to_gguf.py writes a Llama vocabulary.
3. Tokenizes fixed texts with llama.cpp (llama-cpp-python, `vocab_only=True`): these ids are
   the reference. The original SentencePiece model's ids are written beside them, to show
   where the two agree (they part after user-defined and control tokens, where llama.cpp
   prefixes a space again).
   llama.cpp's ids with `add_space_prefix = false` (as in Gemma's files) are written too.
4. Decodes llama.cpp's ids with transformers' tokenizer built from the same GGUF file
   (GGUFLlamaConverter, special tokens skipped), the decoder Ladder's follows.

    nice .venv-ref/bin/python tests/reference/spm_gguf_reference.py

Run once; never in CI.
"""
import csv
import io
import json
import os

import gguf
import llama_cpp
import sentencepiece as spm
import transformers

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT = os.path.join(ROOT, "stdlib", "tests", "data", "lm")
REVIEWS = os.path.join(ROOT, "stdlib", "data", "text", "reviews.csv")

VOCAB_SIZE = 700
USER_DEFINED = "<sep>"

# (text, special): `special` texts hold control-token strings, which Ladder matches (as
# Hugging Face's tokenizers do); llama.cpp matches them only with special=True.
TEXTS = [
    ("The battery was great, and the screen felt thoroughly magnificent.", False),
    ("Hello world", False),
    (" leading space", False),
    ("  two leading spaces and  double  spaces inside", False),
    ("trailing spaces   ", False),
    ("first line\nsecond line\n\nafter a blank line\n", False),
    ("\ttabbed\tcolumns", False),
    ("Café, naïve, résumé, Zürich, São Paulo", False),
    ("Ελληνικά and Русский and 日本語", False),
    ("Emoji: 😀🎉👍🏽 and 🇫🇷 flags", False),
    ("Numbers 12345, 3.14159 and 2026-12-06", False),
    ('fn main() {\n    println!("hi {}", 42);\n}', False),
    ("left<sep>right", False),
    ("", False),
    ("   ", False),
    ("Hello</s> again<s>there", True),
]


def training_text():
    with open(REVIEWS, newline="") as f:
        rows = [r["text"] for r in csv.DictReader(f)]
    return rows[:2000]


def train():
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(training_text()),
        model_writer=model,
        model_type="bpe",
        vocab_size=VOCAB_SIZE,
        byte_fallback=True,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        add_dummy_prefix=True,
        split_digits=True,
        allow_whitespace_only_pieces=True,
        user_defined_symbols=[USER_DEFINED],
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        minloglevel=2,
    )
    return spm.SentencePieceProcessor(model_proto=model.getvalue())


def token_type(sp, i):
    # As convert_hf_to_gguf.py assigns GGUF token types, with <sep> marked user-defined.
    if sp.is_unknown(i):
        return gguf.TokenType.UNKNOWN
    if sp.is_control(i):
        return gguf.TokenType.CONTROL
    if sp.is_unused(i):
        return gguf.TokenType.UNUSED
    if sp.is_byte(i):
        return gguf.TokenType.BYTE
    if sp.id_to_piece(i) == USER_DEFINED:
        return gguf.TokenType.USER_DEFINED
    return gguf.TokenType.NORMAL


def write_gguf(sp, path, space_prefix=True):
    n = sp.get_piece_size()
    w = gguf.GGUFWriter(path, "llama")
    # The hyper-parameters llama.cpp reads before it looks at the vocabulary.
    w.add_context_length(64)
    w.add_embedding_length(8)
    w.add_block_count(1)
    w.add_feed_forward_length(16)
    w.add_head_count(2)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n)
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list([sp.id_to_piece(i).encode() for i in range(n)])
    w.add_token_scores([sp.get_score(i) for i in range(n)])
    w.add_token_types([token_type(sp, i) for i in range(n)])
    w.add_unk_token_id(sp.unk_id())
    w.add_bos_token_id(sp.bos_id())
    w.add_eos_token_id(sp.eos_id())
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_add_space_prefix(space_prefix)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    sp = train()
    path = os.path.join(OUT, "spm-vocab.gguf")
    write_gguf(sp, path)
    llm = llama_cpp.Llama(model_path=path, vocab_only=True, verbose=False)
    # The same vocabulary without the space prefix (as Gemma's files have), in a file the
    # test does not need: it sets add_space_prefix = false on the pinned file's metadata.
    unprefixed = os.path.join(OUT, "spm-vocab-unprefixed.gguf")
    write_gguf(sp, unprefixed, space_prefix=False)
    llm_unprefixed = llama_cpp.Llama(model_path=unprefixed, vocab_only=True, verbose=False)
    os.remove(unprefixed)
    hf = transformers.AutoTokenizer.from_pretrained(OUT, gguf_file=os.path.basename(path))
    cases = []
    agree = 0
    for text, special in TEXTS:
        ids = llm.tokenize(text.encode(), add_bos=True, special=special)
        sp_ids = [sp.bos_id()] + sp.encode(text)
        agree += ids == sp_ids
        cases.append(
            {
                "text": text,
                "special": special,
                "llama_cpp_ids": ids,
                "llama_cpp_ids_without_space_prefix": llm_unprefixed.tokenize(
                    text.encode(), add_bos=True, special=special
                ),
                "sentencepiece_ids": sp_ids,
                "transformers_decoded": hf.decode(ids, skip_special_tokens=True),
                "llama_cpp_pieces": [llm.detokenize([i]).decode("utf-8", "replace") for i in ids],
            }
        )
    out = {
        "gguf": "spm-vocab.gguf",
        "made_by": "tests/reference/spm_gguf_reference.py",
        "versions": {
            "llama_cpp_python": llama_cpp.__version__,
            "sentencepiece": spm.__version__,
            "gguf": "0.19.0",
            "transformers": transformers.__version__,
        },
        "vocab_size": sp.get_piece_size(),
        "bos": sp.bos_id(),
        "eos": sp.eos_id(),
        "unk": sp.unk_id(),
        "cases": cases,
    }
    with open(os.path.join(OUT, "spm-vocab.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes; llama.cpp and SentencePiece agree on {agree}/{len(TEXTS)}")
    for c in cases:
        if c["llama_cpp_ids"] != c["sentencepiece_ids"]:
            print("differ:", repr(c["text"]), c["llama_cpp_ids"], c["sentencepiece_ids"])


if __name__ == "__main__":
    main()

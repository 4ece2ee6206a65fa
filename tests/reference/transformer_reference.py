#!/usr/bin/env python3
"""Reference logits for Ladder's from-scratch transformer classifier, computed by PyTorch's
own layers (nn.TransformerEncoderLayer with norm_first=True, GELU, key padding mask) from
the weights Ladder saved. The numbers are pinned in stdlib/tests/text.rs
(`the_transformer_matches_pytorch`).

Make the model with Ladder (any build with the text module):

    let m = transformer_classifier(50, 3, #{dim: 16, heads: 2, layers: 2, ff: 32,
                                           max_len: 10, dropout: 0.0, seed: 7});
    save_model(m, "/tmp/transformer_ref");

then run (torch and safetensors installed):

    python3 tests/reference/transformer_reference.py /tmp/transformer_ref
"""

import json
import sys

import torch
from safetensors.torch import load_file

IDS = [[2, 9, 14, 3, 0, 0], [5, 6, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6]]


def main(base):
    spec = json.load(open(base + ".json"))["network"]["layers"]
    enc, head = spec[0], spec[1]
    assert enc["type"] == "transformer_encoder", enc
    w = load_file(base + ".safetensors")
    dim, heads, ff = enc["dim"], enc["heads"], enc["ff"]
    torch.manual_seed(0)
    blocks = []
    for i in range(enc["layers"]):
        layer = torch.nn.TransformerEncoderLayer(
            dim, heads, ff, dropout=0.0, activation="gelu", batch_first=True,
            norm_first=True, layer_norm_eps=1e-5)
        p = lambda n: w[f"0.blocks.{i}.{n}"]
        with torch.no_grad():
            layer.self_attn.in_proj_weight.copy_(
                torch.cat([p("q.weight").T, p("k.weight").T, p("v.weight").T]))
            layer.self_attn.in_proj_bias.copy_(
                torch.cat([p("q.bias"), p("k.bias"), p("v.bias")]))
            layer.self_attn.out_proj.weight.copy_(p("out.weight").T)
            layer.self_attn.out_proj.bias.copy_(p("out.bias"))
            layer.linear1.weight.copy_(p("up.weight").T)
            layer.linear1.bias.copy_(p("up.bias"))
            layer.linear2.weight.copy_(p("down.weight").T)
            layer.linear2.bias.copy_(p("down.bias"))
            layer.norm1.weight.copy_(p("ln1.weight"))
            layer.norm1.bias.copy_(p("ln1.bias"))
            layer.norm2.weight.copy_(p("ln2.weight"))
            layer.norm2.bias.copy_(p("ln2.bias"))
        layer.eval()
        blocks.append(layer)
    ids = torch.tensor(IDS)
    pad = ids == enc["pad_id"]
    h = w["0.tokens"][ids] + w["0.positions"][: ids.shape[1]]
    with torch.no_grad():
        for layer in blocks:
            # The plain (non-fused) path: PyTorch's fast path zeroes padded rows instead.
            x = layer.norm1(h)
            a, _ = layer.self_attn(x, x, x, key_padding_mask=pad, need_weights=False)
            h = h + a
            h = h + layer.linear2(torch.nn.functional.gelu(layer.linear1(layer.norm2(h))))
        h = torch.nn.functional.layer_norm(h, (dim,), w["0.norm.weight"], w["0.norm.bias"], 1e-5)
        keep = (~pad).float().unsqueeze(2)
        pooled = (h * keep).sum(1) / keep.sum(1).clamp(min=1)
        logits = pooled @ w["1.weight"] + w["1.bias"]
    for row in logits.tolist():
        print("[" + ", ".join(f"{v:.7f}" for v in row) + "],")


if __name__ == "__main__":
    main(sys.argv[1])

//! The memory a training step's activations take per row, read off a network's layers, so
//! `fit` can refuse a batch that `max_memory` cannot hold before the first step: past it the
//! system's out-of-memory killer would end the process mid-step, session and all.
//!
//! A layer stack's activations are counted twice, for themselves and their gradients. Inside a
//! sequence model the values the forward pass keeps are counted from its architecture and
//! scaled by what a step was measured to hold at its peak (with the counting allocator, per
//! row, the fixed part taken out): the from-scratch transformer 1.29–1.36 times its kept
//! values, counted as 2; BERT and the decoders 1.0–1.28 times (candle frees each gradient once
//! used, and a big model's gradients are small beside its kept values: SmolLM2 with LoRA at
//! 128 tokens held 1.0 times), counted as 1.5. `stdlib/tests/model_memory.rs` checks that the
//! advised batch fits, and is at least 40 % of the largest that does.

use super::layers::Layer;
use super::pretrained::PretrainedLayer;
use super::transformer::TransformerSpec;
use crate::decoder::train::layer::LmLayer;

/// Bytes one row of a training batch holds through a forward and backward pass: the input,
/// each layer's output (kept for the backward pass) and its gradient, dropout's mask, and
/// inside a transformer, a fine-tuned encoder or a LoRA-adapted language model every
/// activation of every block, at `element_bytes` each; `row` is one input row's shape (token
/// ids for those three). `None` where a shape does not fit the layers.
pub fn training_bytes_per_row(
    layers: &[Layer],
    row: &[usize],
    element_bytes: usize,
) -> Option<usize> {
    let mut shape = row.to_vec();
    let mut elements: usize = shape.iter().product();
    for layer in layers {
        let copies = match layer {
            Layer::Linear { w, .. } => {
                let (_, outputs) = w.dims2().ok()?;
                *shape.last_mut()? = outputs;
                2
            }
            Layer::Embedding { table } => {
                let (_, dim) = table.dims2().ok()?;
                shape.push(dim);
                2
            }
            Layer::LayerNorm { .. } | Layer::Activation(_) => 2,
            Layer::Dropout { .. } => 3,
            // Mean over the sequence: [seq, dim] a row becomes [dim].
            Layer::MeanPool => {
                if shape.len() < 2 {
                    return None;
                }
                shape.remove(0);
                2
            }
            // A reshape of the same values.
            Layer::Flatten => {
                shape = vec![shape.iter().product()];
                0
            }
            Layer::TransformerEncoder(t) => {
                let inside = transformer_per_token(&t.spec).checked_mul(tokens(&shape, None)?)?;
                elements = elements.checked_add(inside.checked_mul(2)?)?;
                shape = vec![t.spec.dim];
                2
            }
            Layer::Pretrained(p) => {
                let inside = pretrained_per_row(p, tokens(&shape, Some(p.spec.max_len))?)?;
                elements = elements.checked_add(one_and_a_half(inside)?)?;
                shape = vec![p.spec.dim];
                // A frozen encoder's pooled rows need no gradient.
                if p.spec.frozen {
                    1
                } else {
                    2
                }
            }
            Layer::Lm(l) => {
                let inside = lm_per_token(l).checked_mul(tokens(&shape, Some(l.spec.max_len))?)?;
                elements = elements.checked_add(one_and_a_half(inside)?)?;
                shape = vec![l.spec.dim];
                if l.lora.is_some() {
                    2
                } else {
                    1
                }
            }
        };
        let size = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?;
        elements = elements.checked_add(size.checked_mul(copies)?)?;
    }
    elements.checked_mul(element_bytes)
}

fn one_and_a_half(values: usize) -> Option<usize> {
    values.checked_add(values / 2)
}

/// How many tokens a row of ids holds, cut to `max_len` where the layer cuts it.
fn tokens(shape: &[usize], max_len: Option<usize>) -> Option<usize> {
    let [width] = shape else { return None };
    Some(max_len.map_or(*width, |m| (*width).min(m)))
}

/// Values a token keeps through the from-scratch transformer: its embedding and position
/// sum; per block the first norm, q, k, v, the attention's output and its projection, the
/// residual sum, the second norm, the feed-forward's inner layer and its GELU, its output and
/// the second residual; with dropout, each dropout's mask and output (after the embeddings
/// and after each of a block's two sub-layers); the final norm. The attention's weights are
/// recomputed in its backward pass, never kept (kernels/packed_attention.rs).
fn transformer_per_token(s: &TransformerSpec) -> usize {
    let (d, f) = (s.dim, s.ff);
    let block = 10 * d + 2 * f;
    let dropout = if s.dropout > 0.0 {
        (1 + 2 * s.layers) * 2 * d
    } else {
        0
    };
    2 * d + s.layers * block + dropout + d
}

/// Values a row keeps through a BERT encoder: per token and layer as the transformer's
/// block, plus the attention's scores and weights (heads × tokens each), which this encoder
/// keeps; the embeddings' three sums and norm. Frozen, only its pooled output.
fn pretrained_per_row(p: &PretrainedLayer, tokens: usize) -> Option<usize> {
    if p.spec.frozen {
        return Some(0);
    }
    let c = &p.source.config;
    let (d, f, heads) = (c.hidden_size, c.intermediate_size, c.num_attention_heads);
    let block = (10 * d + 2 * f).checked_add(2 * heads * tokens)?;
    block
        .checked_mul(c.num_hidden_layers)?
        .checked_add(4 * d)?
        .checked_mul(tokens)
}

/// Values a token keeps through a LoRA-adapted decoder, up to the layer read: the embedding;
/// per block the two RMS norms, q, k, v, the attention's output and its projection, the two
/// residual sums, gate, up, their SwiGLU product and the down projection, and each adapter's
/// rank-wide inner product; the final norm when the last layer is read. Frozen (features
/// memoised, no gradient), nothing inside.
fn lm_per_token(l: &LmLayer) -> usize {
    let Some(lora) = &l.spec.lora else { return 0 };
    let c = &l.shared.decoder.config;
    let (d, f) = (c.hidden, c.intermediate);
    let (q, kv) = (c.heads * c.head_dim, c.kv_heads * c.head_dim);
    let block = 4 * d + 2 * q + 2 * kv + d + 3 * f + d + lora.rank * lora.targets.len();
    let final_norm = if l.spec.layer == c.layers { d } else { 0 };
    d + l.spec.layer * block + final_norm
}

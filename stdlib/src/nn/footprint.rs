//! The memory a training step's activations take per row, read off a network's layers, so
//! `fit` can refuse a batch that `max_memory` cannot hold before the first step: past it the
//! system's out-of-memory killer would end the process mid-step, session and all.

use super::layers::Layer;

/// Bytes one row of a training batch holds through a forward and backward pass: the input,
/// each layer's output (kept for the backward pass) and its gradient, and dropout's mask, at
/// `element_bytes` each; `row` is one input row's shape. `None` for networks whose
/// activations cannot be read off their shapes (pretrained encoders, transformers, language
/// models: their attention grows with the sequence).
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
            Layer::Pretrained(_) | Layer::TransformerEncoder(_) | Layer::Lm(_) => return None,
        };
        let size = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?;
        elements = elements.checked_add(size.checked_mul(copies)?)?;
    }
    elements.checked_mul(element_bytes)
}

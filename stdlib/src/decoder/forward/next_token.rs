//! The next-token loss of a batch: each row's token t + 1 predicted from its tokens up to t,
//! the loss a causal language model is fine-tuned with (and PEFT's LoRA step).

use super::model::{Batch, Decoder};
use super::Adapters;
use crate::error::{Error, Result};
use crate::kernels::head_loss::{projected_cross_entropy, IGNORE};
use candle_core::Tensor;

impl Decoder {
    /// Mean next-token cross-entropy over every row's positions 0..len − 1 (padding and each
    /// row's last token predict nothing). On the CPU in f32 the output projection and the loss
    /// are one op that holds a block of logits at a time (kernels/head_loss.rs); elsewhere the
    /// logits of the counted positions are computed whole.
    pub fn next_token_loss(
        &self,
        batch: &Batch,
        adapters: Option<&dyn Adapters>,
        train: bool,
    ) -> Result<Tensor> {
        let labels = next_tokens(batch)?;
        let counted = labels.iter().filter(|&&c| c != IGNORE).count();
        if counted == 0 {
            return Err(Error::shape(
                "next-token loss: no row has two tokens (one to read, one to predict)",
            ));
        }
        let h = self.hidden_rows(batch, self.config.layers, adapters, train)?;
        let w = self.head_weight();
        let total = match projected_cross_entropy(&h, w, &labels)? {
            Some(per_position) => per_position.sum_all()?,
            None => {
                let (at, ids): (Vec<u32>, Vec<u32>) = labels
                    .iter()
                    .enumerate()
                    .filter(|(_, &c)| c != IGNORE)
                    .map(|(i, &c)| (i as u32, c))
                    .unzip();
                let device = h.device();
                let rows = h.index_select(&Tensor::new(at.as_slice(), device)?, 0)?;
                let logits = self.head(&rows)?;
                let ids = Tensor::new(ids.as_slice(), device)?;
                crate::loss::cross_entropy(&logits, &ids)?.sum_all()?
            }
        };
        Ok((total / counted as f64)?)
    }
}

/// Each position's next token, or [`IGNORE`] where the row has none.
fn next_tokens(batch: &Batch) -> Result<Vec<u32>> {
    let ids = batch.ids.to_vec2::<u32>()?;
    Ok(ids
        .iter()
        .zip(&batch.lengths)
        .flat_map(|(row, &len)| {
            (0..row.len()).map(move |t| if t + 1 < len { row[t + 1] } else { IGNORE })
        })
        .collect())
}

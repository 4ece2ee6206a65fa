//! A language model's next-token loss through its output projection as one op: per row,
//! z = h · Wᵀ, loss = log Σ exp(z) − z[y], and d loss / dh = (softmax(z) − onehot(y)) · W,
//! found a block of rows at a time in the forward pass and kept for the backward pass.
//!
//! Why: the logits are a vocabulary a position (49,152 for SmolLM2: 100 MB for 4 × 128
//! tokens). Held whole, they and their gradient were written, copied, zero-filled and added
//! to, several passes over fresh memory a step (each page faulted in anew), most of them on
//! one thread. Here each thread holds one block's logits at a time, small enough for the heap
//! to reuse. W is frozen (LoRA fine-tunes leave the output projection alone): the op gives it
//! no gradient.

use super::cross_entropy::{log_sum_exp, row_gradient};
use super::dense::{gemm_on, View};
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use std::mem::MaybeUninit;
use std::sync::Mutex;

/// A label that is not counted (padding, the last position of a row): its loss and gradient
/// are zero.
pub const IGNORE: u32 = u32::MAX;

/// Logits held per block of rows: 24 MiB, under the heap's mapping threshold (heap.rs), so a
/// block's buffer is reused from block to block and step to step.
const BLOCK_LOGITS: usize = 6 << 20;

/// Per-row losses (rows) of the logits h · Wᵀ against `labels` (h: rows × hidden, W:
/// vocabulary × hidden, both f32 CPU; a label is a token id or [`IGNORE`]); `None` where the
/// op does not apply (the caller computes the logits and composes the loss). W gets no
/// gradient.
pub fn projected_cross_entropy(h: &Tensor, w: &Tensor, labels: &[u32]) -> Result<Option<Tensor>> {
    in_blocks(h, w, labels, BLOCK_LOGITS)
}

/// [`projected_cross_entropy`] holding at most `block_logits` logits per block.
fn in_blocks(
    h: &Tensor,
    w: &Tensor,
    labels: &[u32],
    block_logits: usize,
) -> Result<Option<Tensor>> {
    if !super::takes_kernels(h) || !super::takes_kernels(w) || h.rank() != 2 || w.rank() != 2 {
        return Ok(None);
    }
    let ((rows, hidden), (vocab, w_hidden)) = (h.dims2()?, w.dims2()?);
    if hidden != w_hidden {
        candle_core::bail!(
            "next-token loss: hidden states of width {hidden} against an output projection of width {w_hidden}"
        );
    }
    if labels.len() != rows {
        candle_core::bail!(
            "next-token loss: {} labels for {rows} positions",
            labels.len()
        );
    }
    if let Some(bad) = labels.iter().find(|&&c| c != IGNORE && c as usize >= vocab) {
        candle_core::bail!("next-token loss: token id {bad} is outside the vocabulary of {vocab}");
    }
    let op = HeadLoss {
        w: w.detach(),
        labels: labels.to_vec(),
        block_logits,
        // Nothing will ask for a gradient of h (no variable behind it): losses only.
        with_grad: h.track_op(),
        grad: Mutex::new(Vec::new()),
    };
    Ok(Some(h.apply_op1(op)?))
}

struct HeadLoss {
    w: Tensor,
    labels: Vec<u32>,
    block_logits: usize,
    with_grad: bool,
    /// d loss_i / dh_i for every row, from the forward pass.
    grad: Mutex<Vec<f32>>,
}

impl HeadLoss {
    /// Losses (and, `with_grad`, gradients) of `labels.len()` rows from h's first row on, one block of logits
    /// (`z`, reused) at a time, on this thread.
    fn block(
        &self,
        h: View,
        w: View,
        lo: usize,
        loss: &mut [f32],
        grad: &mut [f32],
        z: &mut Vec<f32>,
    ) {
        let (rows, vocab) = (loss.len(), w.rows());
        z.clear();
        z.reserve(rows * vocab);
        gemm_on(
            &mut z.spare_capacity_mut()[..rows * vocab],
            false,
            h.row_range(lo, rows),
            w.t(),
            1,
        );
        // Safety: gemm wrote all rows × vocab values.
        unsafe { z.set_len(rows * vocab) };
        for ((row, l), &c) in z
            .chunks_mut(vocab)
            .zip(loss.iter_mut())
            .zip(&self.labels[lo..])
        {
            if c == IGNORE {
                row.fill(0.0);
                *l = 0.0;
                continue;
            }
            let lse = log_sum_exp(row);
            *l = lse - row[c as usize];
            if self.with_grad {
                row_gradient(row, lse, 1.0, c as usize);
            }
        }
        if !self.with_grad {
            return;
        }
        let grad = as_uninit(grad);
        gemm_on(grad, false, View::dense(z, rows, vocab), w, 1);
    }
}

fn as_uninit(v: &mut [f32]) -> &mut [MaybeUninit<f32>] {
    // Safety: same layout; the callee only writes initialised values.
    unsafe { &mut *(v as *mut [f32] as *mut [MaybeUninit<f32>]) }
}

impl CustomOp1 for HeadLoss {
    fn name(&self) -> &'static str {
        "next_token_loss"
    }

    fn cpu_fwd(&self, hs: &CpuStorage, hl: &Layout) -> Result<(CpuStorage, Shape)> {
        let (ws, wl) = self.w.storage_and_layout();
        let candle_core::Storage::Cpu(ws) = &*ws else {
            candle_core::bail!("next-token loss: the output projection is not on the CPU")
        };
        let (h, w) = (View::new(hs, hl)?, View::new(ws, wl)?);
        let (rows, hidden, vocab) = (h.rows(), h.cols(), w.rows());
        let threads = crate::threads::threads_for(rows * vocab * hidden * 2);
        // Every thread gets a block, and no block's logits outgrow BLOCK_LOGITS.
        let block = rows
            .div_ceil(threads)
            .min(self.block_logits / vocab.max(1))
            .max(1);
        let mut loss = vec![0f32; rows];
        let mut grad = vec![0f32; rows * hidden];
        if threads > 1 && rows > block {
            use rayon::prelude::*;
            crate::threads::with_threads(threads, || {
                loss.par_chunks_mut(block)
                    .zip(grad.par_chunks_mut(block * hidden))
                    .enumerate()
                    .for_each_init(Vec::new, |z, (i, (l, g))| {
                        self.block(h, w, i * block, l, g, z)
                    })
            });
        } else {
            let mut z = Vec::new();
            for (i, (l, g)) in loss
                .chunks_mut(block)
                .zip(grad.chunks_mut(block * hidden))
                .enumerate()
            {
                self.block(h, w, i * block, l, g, &mut z);
            }
        }
        *self.grad.lock().unwrap_or_else(|e| e.into_inner()) = grad;
        Ok((CpuStorage::F32(loss), Shape::from(rows)))
    }

    fn bwd(&self, h: &Tensor, _loss: &Tensor, g: &Tensor) -> Result<Option<Tensor>> {
        let (rows, hidden) = h.dims2()?;
        let g = g.contiguous()?;
        let (gs, gl) = g.storage_and_layout();
        let gv = super::storage_values(&gs, gl, self.name())?;
        let grad = self.grad.lock().unwrap_or_else(|e| e.into_inner());
        if grad.len() != rows * hidden || gv.len() != rows {
            candle_core::bail!("next-token loss: backward without its forward pass");
        }
        let per = super::rows_per_chunk(hidden);
        let dh = super::new_chunked(rows * hidden, per * hidden, rows * hidden, |t, c| {
            let from = t * per * hidden;
            for (i, (out, d)) in c
                .chunks_mut(hidden)
                .zip(grad[from..].chunks(hidden))
                .enumerate()
            {
                let gi = gv[t * per + i];
                out.iter_mut().zip(d).for_each(|(o, &d)| *o = gi * d);
            }
        });
        Ok(Some(Tensor::from_vec(dh, (rows, hidden), h.device())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::{Device, Var};

    fn values(n: usize, scale: f64, seed: f64) -> Vec<f32> {
        (0..n)
            .map(|i| ((i as f64 * 0.37 + seed).sin() * scale) as f32)
            .collect()
    }

    #[test]
    fn loss_and_gradient_match_the_logits_and_cross_entropy() {
        let dev = Device::Cpu;
        let (rows, hidden, vocab) = (7, 5, 11);
        let h = Var::from_vec(values(rows * hidden, 1.5, 0.3), (rows, hidden), &dev).unwrap();
        let w = Tensor::from_vec(values(vocab * hidden, 2.0, 1.1), (vocab, hidden), &dev).unwrap();
        let labels = [3u32, IGNORE, 0, 10, 4, IGNORE, 7];
        let weights = Tensor::new(&[1f32, 2.0, 0.5, -1.0, 3.0, 1.0, 0.25], &dev).unwrap();
        let fused = projected_cross_entropy(h.as_tensor(), &w, &labels)
            .unwrap()
            .unwrap();
        // The same loss from the whole logits, ignored rows masked to zero.
        let logits = h.as_tensor().matmul(&w.t().unwrap()).unwrap();
        let ids: Vec<u32> = labels
            .iter()
            .map(|&c| if c == IGNORE { 0 } else { c })
            .collect();
        let mask: Vec<f32> = labels.iter().map(|&c| (c != IGNORE) as u8 as f32).collect();
        let composed = crate::kernels::cross_entropy::cross_entropy(
            &logits,
            &Tensor::new(ids.as_slice(), &dev).unwrap(),
        )
        .unwrap()
        .unwrap()
        .mul(&Tensor::new(mask.as_slice(), &dev).unwrap())
        .unwrap();
        assert!(max_diff(&fused, &composed) < 1e-5, "{fused} vs {composed}");
        let (gf, gc) = (
            weighted_grads(&fused, &weights),
            weighted_grads(&composed, &weights),
        );
        let (a, b) = (gf.get(&h).unwrap(), gc.get(&h).unwrap());
        assert!(max_diff(a, b) < 1e-5, "{a} vs {b}");
    }

    #[test]
    fn blocks_give_the_one_block_values() {
        let dev = Device::Cpu;
        let (rows, hidden, vocab) = (13, 8, 50);
        let h = Tensor::from_vec(values(rows * hidden, 1.0, 0.1), (rows, hidden), &dev).unwrap();
        let w = Tensor::from_vec(values(vocab * hidden, 1.0, 0.7), (vocab, hidden), &dev).unwrap();
        let labels: Vec<u32> = (0..rows as u32).map(|i| (i * 47) % vocab as u32).collect();
        let h = Var::from_tensor(&h).unwrap();
        let weights = Tensor::from_vec(values(rows, 1.0, 2.0), rows, &dev).unwrap();
        let run = |block_logits| {
            let loss = in_blocks(h.as_tensor(), &w, &labels, block_logits)
                .unwrap()
                .unwrap();
            let g = weighted_grads(&loss, &weights).get(&h).unwrap().clone();
            (loss, g)
        };
        let (one, g_one) = run(rows * vocab);
        // Blocks of 3 rows (the last one shorter), on the threads the policy gives.
        let (many, g_many) = run(3 * vocab);
        assert!(max_diff(&many, &one) < 1e-6 && max_diff(&g_many, &g_one) < 1e-6);
    }

    #[test]
    fn without_a_variable_behind_h_the_losses_are_the_same() {
        let dev = Device::Cpu;
        let (rows, hidden, vocab) = (5, 4, 9);
        let h = Tensor::from_vec(values(rows * hidden, 1.0, 0.4), (rows, hidden), &dev).unwrap();
        let w = Tensor::from_vec(values(vocab * hidden, 1.0, 0.9), (vocab, hidden), &dev).unwrap();
        let labels = [1u32, 8, IGNORE, 0, 4];
        let plain = projected_cross_entropy(&h, &w, &labels).unwrap().unwrap();
        let var = Var::from_tensor(&h).unwrap();
        let tracked = projected_cross_entropy(var.as_tensor(), &w, &labels)
            .unwrap()
            .unwrap();
        assert!(max_diff(&plain, &tracked) < 1e-7);
    }

    #[test]
    fn a_token_outside_the_vocabulary_is_an_error() {
        let dev = Device::Cpu;
        let h = Tensor::zeros((2, 3), candle_core::DType::F32, &dev).unwrap();
        let w = Tensor::zeros((4, 3), candle_core::DType::F32, &dev).unwrap();
        let e = projected_cross_entropy(&h, &w, &[0, 4])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("token id 4") && e.contains("vocabulary of 4"),
            "{e}"
        );
    }
}

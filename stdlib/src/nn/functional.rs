//! Stateless operations that layers share, so that a layer kind and the transformer draw the
//! same values the same way.

use crate::error::Result;
use crate::rng::Rng;
use candle_core::{Device, Tensor, Var};

/// Inverted dropout with the project's generator (training only; `None` in evaluation).
/// The `dropout` layer and the transformer both use it, so they draw their masks the same way.
pub fn dropout(x: &Tensor, p: f64, rng: Option<&mut Rng>) -> Result<Tensor> {
    match rng {
        Some(rng) if p > 0.0 => {
            let keep = 1.0 - p as f32;
            let mut mask = vec![0f32; x.elem_count()];
            rng.fill_uniform_f32(&mut mask, |u| if u < keep { 1.0 / keep } else { 0.0 });
            if crate::kernels::takes_kernels(x) {
                return Ok(crate::kernels::dropout::masked(x, mask)?);
            }
            let mask = Tensor::from_vec(mask, x.dims(), &Device::Cpu)?
                .to_device(x.device())?
                .to_dtype(x.dtype())?;
            Ok(x.mul(&mask)?)
        }
        _ => Ok(x.clone()),
    }
}

/// A variable holding `values` (on the CPU, in their own buffer: a copy would double the
/// memory a large layer needs while it is built).
pub fn var(values: Vec<f32>, shape: &[usize], device: &Device) -> Result<Var> {
    Ok(Var::from_vec(values, shape, device)?)
}

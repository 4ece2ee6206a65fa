//! A network's linear layer and the activation after it as one fused op
//! ([`crate::kernels::dense`]).

use super::layers::{Activation, Layer};
use crate::kernels::dense::{linear, FusedAct};
use candle_core::{DType, Tensor};

/// The fused form of an activation, if it has one (GELU and SiLU need their input for the
/// derivative and stay separate ops).
pub fn fused_act(a: Activation) -> Option<FusedAct> {
    match a {
        Activation::Identity => Some(FusedAct::Identity),
        Activation::Relu => Some(FusedAct::Relu),
        Activation::Tanh => Some(FusedAct::Tanh),
        Activation::Sigmoid => Some(FusedAct::Sigmoid),
        Activation::Gelu | Activation::Silu => None,
    }
}

/// A network's forward step at `layers[0]`: a linear layer, with the activation that follows it
/// when that one fuses, as one op. Returns the output and how many layers it covered, or `None`
/// (not a linear layer, or tensors the fused op does not take: the caller runs the layer itself,
/// which also reports shape errors).
pub fn layer_pair(layers: &[Layer], x: &Tensor) -> crate::error::Result<Option<(Tensor, usize)>> {
    let Some(Layer::Linear { w, b }) = layers.first() else {
        return Ok(None);
    };
    // Half-precision activations (a mixed-precision network) keep the plain ops.
    let half = matches!(x.dtype(), DType::BF16 | DType::F16);
    if half || crate::kernels::plain_ops() || x.rank() != 2 || x.dims()[1] != w.dims()[0] {
        return Ok(None);
    }
    let (act, used) = match layers.get(1) {
        Some(Layer::Activation(a)) => match fused_act(*a) {
            Some(f) => (f, 2),
            None => (FusedAct::Identity, 1),
        },
        _ => (FusedAct::Identity, 1),
    };
    let x = if x.dtype() == DType::F32 {
        x.clone()
    } else {
        x.to_dtype(DType::F32)?
    };
    let b = b.as_ref().map(|b| b.as_tensor());
    Ok(linear(&x, w.as_tensor(), b, act)?.map(|y| (y, used)))
}

#[cfg(test)]
mod tests;

//! SwiGLU, silu(gate) · up, for f32 CPU tensors as one op with its backward pass. Why: composed
//! from candle's ops the SiLU's gradient alone is seven full-size ops (negate, exp, add,
//! reciprocal, ...), on the widest activations of every layer of a fine-tuned language model.

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Result, Shape, Tensor};

/// `None` where the op does not apply (the caller composes candle's ops).
pub fn swiglu(gate: &Tensor, up: &Tensor) -> Result<Option<Tensor>> {
    let ok = |t: &Tensor| t.device().is_cpu() && t.dtype() == DType::F32;
    if !ok(gate) || !ok(up) || gate.dims() != up.dims() {
        return Ok(None);
    }
    Ok(Some(
        gate.contiguous()?.apply_op2(&up.contiguous()?, SwiGlu)?,
    ))
}

struct SwiGlu;

/// σ(x) from the kernel's exp of a non-positive argument (stable for either sign).
#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    let e = super::exp::exp(-x.abs());
    if x >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    }
}

#[inline(always)]
fn forward_plain(g: &[f32], u: &[f32], y: &mut [f32]) {
    for ((y, &g), &u) in y.iter_mut().zip(g).zip(u) {
        *y = g * sigmoid(g) * u;
    }
}

/// d gate = dy · up · σ(g)(1 + g(1 − σ(g))); d up = dy · g σ(g).
#[inline(always)]
fn backward_plain(g: &[f32], u: &[f32], dy: &[f32], dg: &mut [f32], du: &mut [f32]) {
    for i in 0..g.len() {
        let s = sigmoid(g[i]);
        du[i] = dy[i] * g[i] * s;
        dg[i] = dy[i] * u[i] * s * (1.0 + g[i] * (1.0 - s));
    }
}

/// Compiled for AVX2 where the CPU has it: the baseline target has no vector `floor`, so the
/// loops' exp would stay scalar.
fn forward(g: &[f32], u: &[f32], y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // Safety: the CPU has the features.
        return unsafe { forward_avx2(g, u, y) };
    }
    forward_plain(g, u, y)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn forward_avx2(g: &[f32], u: &[f32], y: &mut [f32]) {
    forward_plain(g, u, y)
}

fn backward(g: &[f32], u: &[f32], dy: &[f32], dg: &mut [f32], du: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
        // Safety: the CPU has the features.
        return unsafe { backward_avx2(g, u, dy, dg, du) };
    }
    backward_plain(g, u, dy, dg, du)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn backward_avx2(g: &[f32], u: &[f32], dy: &[f32], dg: &mut [f32], du: &mut [f32]) {
    backward_plain(g, u, dy, dg, du)
}

fn f32s<'a>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [f32]> {
    super::f32_values(s, l, "swiglu")
}

impl CustomOp2 for SwiGlu {
    fn name(&self) -> &'static str {
        "swiglu"
    }

    fn cpu_fwd(
        &self,
        g: &CpuStorage,
        gl: &Layout,
        u: &CpuStorage,
        ul: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (g, u) = (f32s(g, gl)?, f32s(u, ul)?);
        let mut y = vec![0f32; g.len()];
        forward(g, u, &mut y);
        Ok((CpuStorage::F32(y), gl.shape().clone()))
    }

    fn bwd(
        &self,
        g: &Tensor,
        u: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let flat = |t: &Tensor| t.flatten_all()?.to_vec1::<f32>();
        let (gs, us, dys) = (flat(g)?, flat(u)?, flat(&dy.contiguous()?)?);
        let (mut dg, mut du) = (vec![0f32; gs.len()], vec![0f32; gs.len()]);
        backward(&gs, &us, &dys, &mut dg, &mut du);
        Ok((
            Some(Tensor::from_vec(dg, g.shape(), g.device())?),
            Some(Tensor::from_vec(du, u.shape(), u.device())?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testing::{max_diff, weighted_grads};
    use candle_core::{Device, Var};

    #[test]
    fn swiglu_and_gradients_match_the_composed_ops() {
        let dev = Device::Cpu;
        let var = |a: f64| {
            Var::from_tensor(
                &Tensor::arange(0f32, 20.0, &dev)
                    .unwrap()
                    .reshape((4, 5))
                    .unwrap()
                    .affine(a, -6.0)
                    .unwrap(),
            )
            .unwrap()
        };
        let (g, u) = (var(0.7), var(-0.4));
        let fused = swiglu(g.as_tensor(), u.as_tensor()).unwrap().unwrap();
        let composed = (g.as_tensor().silu().unwrap() * u.as_tensor()).unwrap();
        assert!(max_diff(&fused, &composed) < 1e-5);
        let weights = g.as_tensor().cos().unwrap();
        let grads = |y: &Tensor| weighted_grads(y, &weights);
        let (a, b) = (grads(&fused), grads(&composed));
        for v in [&g, &u] {
            let (x, y) = (a.get(v).unwrap(), b.get(v).unwrap());
            assert!(max_diff(x, y) < 1e-5, "{x} vs {y}");
        }
    }
}

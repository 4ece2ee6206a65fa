//! SwiGLU, silu(gate) · up, for f32 CPU tensors as one op with its backward pass. Why: composed
//! from candle's ops the SiLU's gradient alone is seven full-size ops (negate, exp, add,
//! reciprocal, ...), on the widest activations of every layer of a fine-tuned language model.

use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

/// `None` where the op does not apply (the caller composes candle's ops).
pub fn swiglu(gate: &Tensor, up: &Tensor) -> Result<Option<Tensor>> {
    let ok = super::takes_kernels;
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

/// out[i] = f(a[i], b[i], c[i]) over the threads the policy gives, each chunk compiled for AVX2
/// where the CPU has it (the baseline target has no vector `floor`, so exp would stay scalar).
fn zip3(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    f: impl Fn(f32, f32, f32) -> f32 + Sync + Copy,
) -> Vec<f32> {
    const CHUNK: usize = 1 << 14;
    super::new_chunked(a.len(), CHUNK, a.len() * 16, |i, o| {
        let r = i * CHUNK..i * CHUNK + o.len();
        let (a, b, c) = (&a[r.clone()], &b[r.clone()], &c[r]);
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // Safety: the CPU has the features.
            return unsafe { zip3_avx2(a, b, c, o, f) };
        }
        zip3_plain(a, b, c, o, f)
    })
}

#[inline(always)]
fn zip3_plain(a: &[f32], b: &[f32], c: &[f32], out: &mut [f32], f: impl Fn(f32, f32, f32) -> f32) {
    for (((o, &a), &b), &c) in out.iter_mut().zip(a).zip(b).zip(c) {
        *o = f(a, b, c);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn zip3_avx2(
    a: &[f32],
    b: &[f32],
    c: &[f32],
    out: &mut [f32],
    f: impl Fn(f32, f32, f32) -> f32,
) {
    zip3_plain(a, b, c, out, f)
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
        let (g, u) = (
            super::f32_values(g, gl, "swiglu")?,
            super::f32_values(u, ul, "swiglu")?,
        );
        let y = zip3(g, u, u, |g, u, _| g * sigmoid(g) * u);
        Ok((CpuStorage::F32(y), gl.shape().clone()))
    }

    fn bwd(
        &self,
        g: &Tensor,
        u: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        // The values in place (copies would be three passes on one thread).
        let (g, u, dy) = (g.contiguous()?, u.contiguous()?, dy.contiguous()?);
        let ((g_s, g_l), (u_s, u_l), (dy_s, dy_l)) = (
            g.storage_and_layout(),
            u.storage_and_layout(),
            dy.storage_and_layout(),
        );
        let gs = super::storage_values(&g_s, g_l, "swiglu")?;
        let us = super::storage_values(&u_s, u_l, "swiglu")?;
        let dys = super::storage_values(&dy_s, dy_l, "swiglu")?;
        // d up = dy · g σ(g); d gate = dy · up · σ(g)(1 + g(1 − σ(g))).
        let du = zip3(gs, dys, dys, |g, dy, _| dy * g * sigmoid(g));
        let dg = zip3(gs, us, dys, |g, u, dy| {
            let s = sigmoid(g);
            dy * u * s * (1.0 + g * (1.0 - s))
        });
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

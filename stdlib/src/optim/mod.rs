//! Optimisers (SGD with momentum, AdamW, Lion) and learning-rate schedules, following
//! PyTorch's update rules (Lion: Chen et al. 2023).

pub mod bindings;

use crate::bail;
use crate::error::Result;
use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// buf = μ·buf + g (buf = g at the first step); θ ← θ − lr·buf. Weight decay adds λθ to g.
    Sgd { momentum: f64, weight_decay: f64 },
    /// PyTorch's AdamW: θ ← θ(1 − lr·λ); Adam step with bias correction.
    AdamW {
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    },
    /// c = β1·m + (1−β1)·g; θ ← θ − lr·(sign(c) + λ·θ); m ← β2·m + (1−β2)·g.
    Lion {
        beta1: f64,
        beta2: f64,
        weight_decay: f64,
    },
}

impl Kind {
    /// Defaults by name: sgd (momentum 0.9), adamw (0.9, 0.999, 1e-8, weight decay 0.01),
    /// adam (AdamW without weight decay), lion (0.9, 0.99, weight decay 0).
    pub fn by_name(name: &str) -> Result<Kind> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "sgd" => Kind::Sgd {
                momentum: 0.9,
                weight_decay: 0.0,
            },
            "adamw" => Kind::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.01,
            },
            "adam" => Kind::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.0,
            },
            "lion" => Kind::Lion {
                beta1: 0.9,
                beta2: 0.99,
                weight_decay: 0.0,
            },
            other => bail!("unknown optimizer \"{other}\" (expected sgd, adam, adamw or lion)"),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Kind::Sgd { .. } => "sgd",
            Kind::AdamW { .. } => "adamw",
            Kind::Lion { .. } => "lion",
        }
    }

    pub fn set_weight_decay(&mut self, wd: f64) {
        match self {
            Kind::Sgd { weight_decay, .. }
            | Kind::AdamW { weight_decay, .. }
            | Kind::Lion { weight_decay, .. } => *weight_decay = wd,
        }
    }

    pub fn set_betas(&mut self, b1: Option<f64>, b2: Option<f64>) {
        match self {
            Kind::Sgd { momentum, .. } => {
                if let Some(b) = b1 {
                    *momentum = b
                }
            }
            Kind::AdamW { beta1, beta2, .. } | Kind::Lion { beta1, beta2, .. } => {
                if let Some(b) = b1 {
                    *beta1 = b
                }
                if let Some(b) = b2 {
                    *beta2 = b
                }
            }
        }
    }
}

/// Learning rate over training.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    Constant,
    /// Linear ramp from 0 over `warmup` steps, then constant.
    Warmup {
        warmup: usize,
    },
    /// Optional linear warm-up, then cosine decay from lr to `min_lr` at the last step.
    Cosine {
        warmup: usize,
        min_lr: f64,
    },
}

impl Schedule {
    /// lr at `step` (0-based) of `total` steps.
    pub fn lr(&self, base: f64, step: usize, total: usize) -> f64 {
        let warm = |w: usize| {
            if w > 0 && step < w {
                Some(base * (step + 1) as f64 / w as f64)
            } else {
                None
            }
        };
        match self {
            Schedule::Constant => base,
            Schedule::Warmup { warmup } => warm(*warmup).unwrap_or(base),
            Schedule::Cosine { warmup, min_lr } => warm(*warmup).unwrap_or_else(|| {
                let span = total.saturating_sub(*warmup).max(1) as f64;
                let progress = ((step - warmup) as f64 / span).min(1.0);
                min_lr + (base - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }),
        }
    }
}

/// An optimiser bound to a set of variables.
pub struct Optimizer {
    pub kind: Kind,
    pub lr: f64,
    vars: Vec<Var>,
    /// Per variable: momentum / first moment, and (AdamW) second moment.
    state: Vec<(Option<Tensor>, Option<Tensor>)>,
    /// AdamW moments of f32 CPU variables, updated in place by one fused loop (a dozen
    /// tensor ops per variable per step cost more than the small models' matmuls).
    cpu_moments: Vec<(Vec<f32>, Vec<f32>)>,
    steps: usize,
}

impl Optimizer {
    pub fn new(kind: Kind, vars: Vec<Var>, lr: f64) -> Result<Optimizer> {
        if !(lr.is_finite() && lr >= 0.0) {
            bail!("optimizer: the learning rate must be a non-negative number, got {lr}");
        }
        check_room(&kind, &vars)?;
        let state = vars.iter().map(|_| (None, None)).collect();
        let cpu_moments = vars.iter().map(|_| (Vec::new(), Vec::new())).collect();
        Ok(Optimizer {
            kind,
            lr,
            vars,
            state,
            cpu_moments,
            steps: 0,
        })
    }

    pub fn steps(&self) -> usize {
        self.steps
    }

    /// One update from the gradients of a backward pass (variables without a gradient are
    /// left alone).
    pub fn step(&mut self, grads: &GradStore) -> Result<()> {
        self.steps += 1;
        let t = self.steps as i32;
        let lr = self.lr;
        let params = self
            .vars
            .iter()
            .zip(self.state.iter_mut())
            .zip(self.cpu_moments.iter_mut());
        for ((var, (m, v)), fused) in params {
            let Some(g) = grads.get(var.as_tensor()) else {
                continue;
            };
            let theta = var.as_tensor();
            if let Kind::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
            } = self.kind
            {
                if theta.device().is_cpu()
                    && theta.dtype() == candle_core::DType::F32
                    && theta.is_contiguous()
                {
                    let step = AdamStep {
                        lr,
                        beta1,
                        beta2,
                        eps,
                        weight_decay,
                        t,
                    };
                    adamw_in_place(var, g, fused, step)?;
                    continue;
                }
            }
            match self.kind {
                Kind::Sgd {
                    momentum,
                    weight_decay,
                } => {
                    let g = if weight_decay != 0.0 {
                        (g + theta.affine(weight_decay, 0.0)?)?
                    } else {
                        g.clone()
                    };
                    let buf = match m.take() {
                        Some(b) if momentum != 0.0 => (b.affine(momentum, 0.0)? + &g)?,
                        _ => g,
                    };
                    var.set(&(theta - buf.affine(lr, 0.0)?)?)?;
                    if momentum != 0.0 {
                        *m = Some(buf);
                    }
                }
                Kind::AdamW {
                    beta1,
                    beta2,
                    eps,
                    weight_decay,
                } => {
                    let m1 = match m.take() {
                        Some(m) => (m.affine(beta1, 0.0)? + g.affine(1.0 - beta1, 0.0)?)?,
                        None => g.affine(1.0 - beta1, 0.0)?,
                    };
                    let v1 = match v.take() {
                        Some(v) => (v.affine(beta2, 0.0)? + g.sqr()?.affine(1.0 - beta2, 0.0)?)?,
                        None => g.sqr()?.affine(1.0 - beta2, 0.0)?,
                    };
                    let bc1 = 1.0 - beta1.powi(t);
                    let bc2 = 1.0 - beta2.powi(t);
                    let denom = (v1.affine(1.0 / bc2, 0.0)?.sqrt()? + eps)?;
                    let update = m1.affine(lr / bc1, 0.0)?.div(&denom)?;
                    let decayed = if weight_decay != 0.0 {
                        theta.affine(1.0 - lr * weight_decay, 0.0)?
                    } else {
                        theta.clone()
                    };
                    var.set(&(decayed - update)?)?;
                    *m = Some(m1);
                    *v = Some(v1);
                }
                Kind::Lion {
                    beta1,
                    beta2,
                    weight_decay,
                } => {
                    let prev = match m.take() {
                        Some(m) => m,
                        None => g.zeros_like()?,
                    };
                    let c = (prev.affine(beta1, 0.0)? + g.affine(1.0 - beta1, 0.0)?)?;
                    let mut update = c.sign()?;
                    if weight_decay != 0.0 {
                        update = (update + theta.affine(weight_decay, 0.0)?)?;
                    }
                    var.set(&(theta - update.affine(lr, 0.0)?)?)?;
                    *m = Some((prev.affine(beta2, 0.0)? + g.affine(1.0 - beta2, 0.0)?)?);
                }
            }
        }
        Ok(())
    }
}

/// The parameters training `vars` on the CPU updates, and the bytes their gradients and the
/// optimiser's state take (GPU variables are the GPU's to hold).
pub fn training_state(kind: &Kind, vars: &[Var]) -> (usize, usize) {
    let cpu = vars.iter().filter(|v| v.device().is_cpu());
    let (count, bytes) = cpu.fold((0, 0), |(n, b), v| {
        (
            n + v.elem_count(),
            b + v.elem_count() * v.dtype().size_in_bytes(),
        )
    });
    let moments = match kind {
        Kind::AdamW { .. } => 2,
        Kind::Lion { .. } => 1,
        Kind::Sgd { momentum, .. } => usize::from(*momentum != 0.0),
    };
    (count, bytes.saturating_mul(1 + moments))
}

/// Refuse, before training starts, variables whose gradients and optimiser state would not
/// fit the session's memory budget (`max_memory`): they are allocated during the first step,
/// inside library code that cannot stop, and past the machine's memory the system kills the
/// process.
fn check_room(kind: &Kind, vars: &[Var]) -> Result<()> {
    let (count, need) = training_state(kind, vars);
    if let Some(budget) = ladder_scripting::memory::over_budget(need) {
        let what = format!(
            "training {count} parameters with {} (their gradients and its state)",
            kind.name()
        );
        return Err(crate::error::Error::Memory(
            ladder_scripting::memory::refusal(&what, need, budget),
        ));
    }
    Ok(())
}

struct AdamStep {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    t: i32,
}

/// PyTorch's AdamW update for an f32 CPU variable in one pass over its values, written into
/// the variable's own storage (no copies of θ or g).
fn adamw_in_place(
    var: &Var,
    g: &Tensor,
    moments: &mut (Vec<f32>, Vec<f32>),
    s: AdamStep,
) -> Result<()> {
    let theta = var.as_tensor();
    if g.dims() != theta.dims() {
        crate::bail_shape!(
            "optimizer: gradient of shape {:?} for a weight of shape {:?}",
            g.dims(),
            theta.dims()
        );
    }
    let g = if g.dtype() == candle_core::DType::F32 && g.is_contiguous() {
        g.clone()
    } else {
        g.to_dtype(candle_core::DType::F32)?.contiguous()?
    };
    let n = theta.elem_count();
    if moments.0.len() != n {
        *moments = (vec![0.0; n], vec![0.0; n]);
    }
    let op = AdamInPlace {
        s,
        moments: std::cell::RefCell::new(moments),
    };
    theta.inplace_op2(&g, &op)?;
    Ok(())
}

/// The fused AdamW update as a candle in-place op on θ, with g as its second operand.
struct AdamInPlace<'a> {
    s: AdamStep,
    moments: std::cell::RefCell<&'a mut (Vec<f32>, Vec<f32>)>,
}

impl candle_core::InplaceOp2 for AdamInPlace<'_> {
    fn name(&self) -> &'static str {
        "adamw_in_place"
    }

    fn cpu_fwd(
        &self,
        th: &mut candle_core::CpuStorage,
        thl: &candle_core::Layout,
        g: &candle_core::CpuStorage,
        gl: &candle_core::Layout,
    ) -> candle_core::Result<()> {
        use candle_core::CpuStorage::F32;
        let (F32(th), F32(g)) = (th, g) else {
            candle_core::bail!("adamw_in_place: expects f32 tensors")
        };
        let (Some((t0, t1)), Some((g0, g1))) = (thl.contiguous_offsets(), gl.contiguous_offsets())
        else {
            candle_core::bail!("adamw_in_place: expects contiguous tensors")
        };
        let (th, g) = (&mut th[t0..t1], &g[g0..g1]);
        let mut moments = self.moments.borrow_mut();
        let (m, v) = &mut **moments;
        let s = &self.s;
        let (b1, b2) = (s.beta1 as f32, s.beta2 as f32);
        let decay = (1.0 - s.lr * s.weight_decay) as f32;
        let step = (s.lr / (1.0 - s.beta1.powi(s.t))) as f32;
        let inv_bc2 = (1.0 / (1.0 - s.beta2.powi(s.t))) as f32;
        let eps = s.eps as f32;
        let n = th.len();
        let (m, v, g) = (&mut m[..n], &mut v[..n], &g[..n]);
        let update = |th: &mut [f32], m: &mut [f32], v: &mut [f32], g: &[f32]| {
            for i in 0..th.len() {
                let gi = g[i];
                m[i] = b1 * m[i] + (1.0 - b1) * gi;
                v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
                th[i] = th[i] * decay - step * m[i] / ((v[i] * inv_bc2).sqrt() + eps);
            }
        };
        // Element-wise, so any split gives the same values; a large table (an embedding of a
        // 30,000-token vocabulary) is worth the threads the policy gives its products.
        const CHUNK: usize = 1 << 14;
        let threads = crate::threads::threads_for(n * 8);
        if threads > 1 && n > CHUNK {
            use rayon::prelude::*;
            crate::threads::with_threads(threads, || {
                th.par_chunks_mut(CHUNK)
                    .zip(m.par_chunks_mut(CHUNK))
                    .zip(v.par_chunks_mut(CHUNK))
                    .zip(g.par_chunks(CHUNK))
                    .for_each(|(((th, m), v), g)| update(th, m, v, g))
            });
        } else {
            update(th, m, v, g);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

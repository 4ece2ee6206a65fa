//! Optimiser trajectories against `stdlib/reference/optimizers.py` (PyTorch's update rules
//! and Chen et al.'s Lion, in numpy): three steps on f(θ) = Σ c·θ².

use super::*;
use candle_core::Device;

fn run(kind: Kind, lr: f64) -> Vec<f32> {
    run_in(kind, lr, candle_core::DType::F32)
}

/// Three steps with θ in `dtype`: f32 takes AdamW's in-place CPU loop, f64 the composed candle
/// ops that every other device (CUDA) takes.
fn run_in(kind: Kind, lr: f64, dtype: candle_core::DType) -> Vec<f32> {
    let theta = Var::from_tensor(
        &Tensor::new(&[1.0f32, -2.0, 0.5], &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap(),
    )
    .unwrap();
    let c = Tensor::new(&[1.0f32, 2.0, 3.0], &Device::Cpu)
        .unwrap()
        .to_dtype(dtype)
        .unwrap();
    let mut opt = Optimizer::new(kind, vec![theta.clone()], lr).unwrap();
    for _ in 0..3 {
        let loss = theta
            .as_tensor()
            .sqr()
            .unwrap()
            .mul(&c)
            .unwrap()
            .sum_all()
            .unwrap();
        opt.step(&loss.backward().unwrap()).unwrap();
    }
    theta
        .as_tensor()
        .to_dtype(candle_core::DType::F32)
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()
}

fn close(got: &[f32], want: &[f64], what: &str) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            (*g as f64 - w).abs() <= 1e-5,
            "{what}: got {got:?}, reference {want:?}"
        );
    }
}

#[test]
fn sgd_matches_reference() {
    close(
        &run(
            Kind::Sgd {
                momentum: 0.9,
                weight_decay: 0.0,
            },
            0.1,
        ),
        &[0.062, 1.08, -0.427],
        "sgd momentum",
    );
    close(
        &run(
            Kind::Sgd {
                momentum: 0.0,
                weight_decay: 0.1,
            },
            0.05,
        ),
        &[0.7169173750, -1.0049197500, 0.1678511875],
        "sgd wd",
    );
}

#[test]
fn adamw_matches_reference() {
    close(
        &run(Kind::by_name("adamw").unwrap(), 0.1),
        &[0.6989111832, -1.6949445140, 0.2037123809],
        "adamw",
    );
    close(
        &run(Kind::by_name("adam").unwrap(), 0.05),
        &[0.8503116964, -1.8501369222, 0.3507931362],
        "adam",
    );
}

#[test]
fn adamw_off_the_cpu_f32_path_matches_reference_too() {
    close(
        &run_in(
            Kind::by_name("adamw").unwrap(),
            0.1,
            candle_core::DType::F64,
        ),
        &[0.6989111832, -1.6949445140, 0.2037123809],
        "adamw (composed ops)",
    );
}

#[test]
fn lion_matches_reference() {
    close(
        &run(Kind::by_name("lion").unwrap(), 0.01),
        &[0.97, -1.97, 0.47],
        "lion",
    );
    close(
        &run(
            Kind::Lion {
                beta1: 0.9,
                beta2: 0.99,
                weight_decay: 0.1,
            },
            0.01,
        ),
        &[0.9670329890, -1.9640359880, 0.4685314895],
        "lion wd",
    );
}

#[test]
fn schedules_match_reference() {
    let c = Schedule::Cosine {
        warmup: 0,
        min_lr: 0.0,
    };
    let got: Vec<f32> = [0, 5, 9].iter().map(|&s| c.lr(1.0, s, 10) as f32).collect();
    close(&got, &[1.0, 0.5, 0.0244717419], "cosine");
    let w = Schedule::Cosine {
        warmup: 2,
        min_lr: 0.0,
    };
    let got: Vec<f32> = [0, 1, 2, 6]
        .iter()
        .map(|&s| w.lr(1.0, s, 10) as f32)
        .collect();
    close(&got, &[0.5, 1.0, 1.0, 0.5], "cosine with warm-up");
    assert_eq!(Schedule::Warmup { warmup: 4 }.lr(0.1, 1, 100), 0.05);
    assert_eq!(Schedule::Constant.lr(0.1, 50, 100), 0.1);
    assert!(Kind::by_name("adagrad")
        .unwrap_err()
        .message()
        .contains("expected sgd, adam, adamw or lion"));
}

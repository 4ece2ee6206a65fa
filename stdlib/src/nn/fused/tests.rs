//! The fused op against candle's plain ops: same outputs and gradients, and the same losses
//! over training steps.

use super::*;
use crate::data::Dataset;
use crate::kernels::dense::{linear, FusedAct};
use crate::kernels::with_plain_ops;
use crate::nn::network::Network;
use crate::train::{fit, FitConfig, Silent};
use candle_core::{Device, Var};

fn randn(shape: &[usize], seed: u64) -> Tensor {
    crate::tensor::build::randn(shape, seed).unwrap().0
}

fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims());
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

fn plain(x: &Tensor, w: &Tensor, b: Option<&Tensor>, act: FusedAct) -> Tensor {
    let y = x.matmul(w).unwrap();
    let y = match b {
        Some(b) => y.broadcast_add(b).unwrap(),
        None => y,
    };
    let a = match act {
        FusedAct::Identity => Activation::Identity,
        FusedAct::Relu => Activation::Relu,
        FusedAct::Tanh => Activation::Tanh,
        FusedAct::Sigmoid => Activation::Sigmoid,
    };
    a.apply(&y).unwrap()
}

#[test]
fn outputs_and_gradients_match_the_plain_ops() {
    for act in [
        FusedAct::Identity,
        FusedAct::Relu,
        FusedAct::Tanh,
        FusedAct::Sigmoid,
    ] {
        for (bias, transposed) in [(true, false), (false, false), (true, true)] {
            // x of 7 rows × 5 features, either dense or a transposed (strided) view.
            let x = if transposed {
                Var::from_tensor(&randn(&[5, 7], 1).t().unwrap()).unwrap()
            } else {
                Var::from_tensor(&randn(&[7, 5], 1)).unwrap()
            };
            let w = Var::from_tensor(&randn(&[5, 3], 2)).unwrap();
            let b = Var::from_tensor(&randn(&[3], 3)).unwrap();
            let b_t = bias.then(|| b.as_tensor());
            // A non-trivial upstream gradient: weights on each output.
            let up = randn(&[7, 3], 4);
            let fused = linear(x.as_tensor(), w.as_tensor(), b_t, act)
                .unwrap()
                .expect("f32 CPU tensors take the fused path");
            let reference = plain(x.as_tensor(), w.as_tensor(), b_t, act);
            let ctx = format!("{act:?}, bias {bias}, transposed x {transposed}");
            assert!(max_diff(&fused, &reference) < 1e-5, "{ctx}: outputs");
            let gf = fused
                .mul(&up)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let gp = reference
                .mul(&up)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let mut vars = vec![("x", &x), ("w", &w)];
            if bias {
                vars.push(("b", &b));
            }
            for (name, v) in vars {
                let (a, r) = (gf.get(v.as_tensor()), gp.get(v.as_tensor()));
                let d = max_diff(a.expect("fused grad"), r.expect("plain grad"));
                assert!(d < 1e-5, "{ctx}: gradient of {name} differs by {d}");
            }
            if !bias {
                assert!(gf.get(b.as_tensor()).is_none());
            }
        }
    }
}

#[test]
fn inputs_without_gradients_get_none_and_other_tensors_fall_back() {
    let x = randn(&[4, 3], 1);
    let w = Var::from_tensor(&randn(&[3, 2], 2)).unwrap();
    let y = linear(&x, w.as_tensor(), None, FusedAct::Relu)
        .unwrap()
        .unwrap();
    let g = y.sum_all().unwrap().backward().unwrap();
    assert!(g.get(&x).is_none());
    assert!(g.get(w.as_tensor()).is_some());
    // f64, strided 3-D and broadcast (zero-stride) operands are left to candle.
    let x64 = x.to_dtype(DType::F64).unwrap();
    let w64 = w.as_tensor().to_dtype(DType::F64).unwrap();
    assert!(linear(&x64, &w64, None, FusedAct::Identity)
        .unwrap()
        .is_none());
    let x3t = randn(&[2, 3, 4], 3).transpose(1, 2).unwrap();
    assert!(linear(&x3t, w.as_tensor(), None, FusedAct::Identity)
        .unwrap()
        .is_none());
    let xb = randn(&[1, 3], 4).broadcast_as((4, 3)).unwrap();
    assert!(linear(&xb, w.as_tensor(), None, FusedAct::Identity)
        .unwrap()
        .is_none());
}

/// Losses per step of a seeded fit, with the fused path on or off.
fn losses(net: &Network, data: &Dataset, plain_ops: bool) -> Vec<f64> {
    let cfg = FitConfig {
        epochs: 3,
        batch_size: 16,
        lr: 1e-2,
        seed: 7,
        ..FitConfig::default()
    };
    let run = || fit(net, data, &cfg, &mut Silent).unwrap().losses;
    if plain_ops {
        with_plain_ops(run)
    } else {
        run()
    }
}

fn assert_same_training(make: impl Fn() -> Network, data: &Dataset, what: &str) {
    let (fused_net, plain_net) = (make(), make());
    let a = losses(&fused_net, data, false);
    let b = losses(&plain_net, data, true);
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(
            (x - y).abs() < 1e-5,
            "{what}: step {i}: fused loss {x} vs plain {y}"
        );
    }
    // The fused run is itself deterministic.
    assert_eq!(losses(&make(), data, false), a, "{what}: repeat run");
}

#[test]
fn training_matches_the_plain_ops_for_every_layer_kind_and_label_kind() {
    use crate::nn::layers::{Activation as A, LayerSpec};
    use crate::nn::network::NetworkSpec;
    let x = crate::tensor::build::randn(&[64, 6], 11).unwrap();
    let y: Vec<u32> =
        x.0.sum(1)
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
            .iter()
            .map(|&v| (v > 0.0) as u32)
            .collect();
    let y = crate::Tensor(Tensor::from_vec(y, 64, &Device::Cpu).unwrap());
    let hard = Dataset::new("t", x.clone(), Some(y), None, 2).unwrap();
    for act in [A::Relu, A::Tanh, A::Sigmoid, A::Gelu] {
        let make = || Network::mlp(&[6, 16, 8, 2], act, 0.0, false, 3).unwrap();
        assert_same_training(make, &hard, &format!("mlp {act:?}"));
    }
    let make = || Network::mlp(&[6, 16, 2], A::Relu, 0.2, true, 3).unwrap();
    assert_same_training(make, &hard, "mlp with dropout and layer norm");
    let make = || {
        let linear = |i, o, bias| LayerSpec::Linear {
            inputs: i,
            outputs: o,
            bias,
            zero_init: false,
        };
        let spec = NetworkSpec {
            kind: "sequential".into(),
            layers: vec![
                linear(6, 8, false),
                LayerSpec::Activation {
                    activation: A::Silu,
                },
                linear(8, 8, true),
                linear(8, 2, true),
            ],
            seed: 5,
            precision: Default::default(),
        };
        Network::new(spec, &Device::Cpu).unwrap()
    };
    assert_same_training(
        make,
        &hard,
        "sequential without bias, silu, stacked linears",
    );
    let soft = crate::tensor::build::rand(&[64, 1], 12).unwrap().0;
    let soft = Tensor::cat(&[&soft, &soft.affine(-1.0, 1.0).unwrap()], 1).unwrap();
    let weights = crate::tensor::build::rand(&[64], 13).unwrap().0;
    let soft_weighted = hard
        .with_soft_labels(&crate::Tensor(soft))
        .unwrap()
        .with_weights(&crate::Tensor(weights))
        .unwrap();
    let make = || Network::mlp(&[6, 16, 2], A::Relu, 0.0, false, 3).unwrap();
    assert_same_training(make, &soft_weighted, "soft labels with sample weights");
}

/// The transformer (attention on packed heads, layer norm, GELU, cross-entropy: every kernel a
/// training step uses) against the plain ops a GPU runs, over three epochs with dropout.
#[test]
fn transformer_training_matches_the_plain_ops() {
    use crate::nn::layers::LayerSpec;
    use crate::nn::network::NetworkSpec;
    use crate::nn::transformer::TransformerSpec;
    let mut rng = crate::rng::Rng::new(21);
    let (rows, len) = (48, 12);
    let mut ids = Vec::with_capacity(rows * len);
    let mut labels = Vec::with_capacity(rows);
    for r in 0..rows {
        let real = 4 + r % 8; // padded rows of 4 to 11 tokens
        let row: Vec<f32> = (0..len)
            .map(|c| {
                if c < real {
                    (1 + rng.below(29)) as f32
                } else {
                    0.0
                }
            })
            .collect();
        labels.push((row[0] < 15.0) as u32);
        ids.extend(row);
    }
    let x = crate::Tensor(Tensor::from_vec(ids, (rows, len), &Device::Cpu).unwrap());
    let y = crate::Tensor(Tensor::from_vec(labels, rows, &Device::Cpu).unwrap());
    let data = Dataset::new("tokens", x, Some(y), None, 2).unwrap();
    let make = || {
        let spec = NetworkSpec {
            kind: "transformer".into(),
            layers: vec![
                LayerSpec::TransformerEncoder(TransformerSpec {
                    vocab: 30,
                    dim: 16,
                    heads: 2,
                    ff: 32,
                    layers: 2,
                    max_len: len,
                    dropout: 0.1,
                    pad_id: 0,
                }),
                LayerSpec::Linear {
                    inputs: 16,
                    outputs: 2,
                    bias: true,
                    zero_init: false,
                },
            ],
            seed: 4,
            precision: Default::default(),
        };
        Network::new(spec, &Device::Cpu).unwrap()
    };
    assert_same_training(make, &data, "transformer");
}

/// A contiguous (batch, seq, inputs) tensor goes through the op as (batch·seq) rows: values
/// and gradients as the plain ops on the reshaped tensor give them, shapes kept.
#[test]
fn three_d_inputs_keep_their_shape_and_match_the_plain_ops() {
    let (x, w, b) = three_d_case(5);
    let y = linear(
        x.as_tensor(),
        w.as_tensor(),
        Some(b.as_tensor()),
        FusedAct::Tanh,
    )
    .unwrap()
    .expect("the op applies");
    let plain = plain_3d(&x, &w, &b).tanh().unwrap();
    assert_matches_plain(&y, &plain, [&x, &w, &b], 1e-5);
}

/// GELU(x·W + b) as one op: values and gradients as candle's `gelu_erf` after the plain ops.
#[test]
fn linear_gelu_matches_the_plain_ops() {
    let (x, w, b) = three_d_case(300);
    let y = crate::kernels::dense::linear_gelu(x.as_tensor(), w.as_tensor(), b.as_tensor())
        .unwrap()
        .expect("the op applies");
    let plain = plain_3d(&x, &w, &b).gelu_erf().unwrap();
    assert_matches_plain(&y, &plain, [&x, &w, &b], 1e-4);
}

/// x (2, 70, 16), W (16, outputs), b (outputs).
fn three_d_case(outputs: usize) -> (Var, Var, Var) {
    let v = |shape: &[usize], seed| Var::from_tensor(&randn(shape, seed)).unwrap();
    (
        v(&[2, 70, 16], 11),
        v(&[16, outputs], 12),
        v(&[outputs], 13),
    )
}

/// x·W + b with candle's ops.
fn plain_3d(x: &Var, w: &Var, b: &Var) -> Tensor {
    x.as_tensor()
        .broadcast_matmul(w.as_tensor())
        .unwrap()
        .broadcast_add(b.as_tensor())
        .unwrap()
}

/// Same shape and values as `plain`, and the same gradients for `vars` (relative to their
/// largest value).
fn assert_matches_plain(y: &Tensor, plain: &Tensor, vars: [&Var; 3], tolerance: f32) {
    use crate::kernels::testing::{max_diff, weighted_grads};
    assert_eq!(y.dims(), plain.dims());
    assert!(
        max_diff(y, plain) < tolerance,
        "values differ by {}",
        max_diff(y, plain)
    );
    let weights = randn(y.dims(), 14);
    let (ga, gb) = (weighted_grads(y, &weights), weighted_grads(plain, &weights));
    for v in vars {
        let (a, c) = (
            ga.get(v.as_tensor()).unwrap(),
            gb.get(v.as_tensor()).unwrap(),
        );
        assert_eq!(a.dims(), v.dims());
        let scale = max_diff(c, &c.zeros_like().unwrap()).max(1.0);
        assert!(
            max_diff(a, c) <= tolerance * scale,
            "gradients differ by {}",
            max_diff(a, c)
        );
    }
}

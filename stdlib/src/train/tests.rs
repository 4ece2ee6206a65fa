//! Training: reproducibility, accuracy on breast_cancer, and clear errors.

use super::*;
use crate::data::builtin::dataset;
use crate::data::split::{train_test_split, Scaler};
use crate::error::Error;
use crate::nn::layers::Activation;
use crate::train::Classifier;

fn cancer() -> (Dataset, Dataset) {
    let ds = dataset("breast_cancer").unwrap();
    let (train, test) = train_test_split(&ds, 0.2, 0, true).unwrap();
    let s = Scaler::fit(&train, "scaler").unwrap();
    (s.transform(&train).unwrap(), s.transform(&test).unwrap())
}

fn small_cfg(seed: u64) -> FitConfig {
    FitConfig {
        epochs: 3,
        batch_size: 16,
        lr: 0.01,
        seed,
        ..FitConfig::default()
    }
}

#[test]
fn a_seeded_fit_repeats_exactly_and_seeds_differ() {
    let ds = dataset("iris").unwrap();
    let run = |seed: u64| {
        let net = Network::mlp(&[4, 16, 3], Activation::Relu, 0.2, false, 7).unwrap();
        fit(&net, &ds, &small_cfg(seed), &mut Silent)
            .unwrap()
            .losses
    };
    let (a, b, c) = (run(1), run(1), run(2));
    assert_eq!(a, b, "same seed, same losses (bit for bit)");
    assert_ne!(a, c, "another seed shuffles and drops out differently");
}

#[test]
fn logistic_regression_and_mlp_reach_95_percent_on_breast_cancer() {
    let (train, test) = cancer();
    let lr = Network::logistic_regression(30, 2, 0).unwrap();
    let cfg = FitConfig {
        epochs: 20,
        batch_size: 32,
        lr: 0.01,
        eval: Some(test.clone()),
        ..FitConfig::default()
    };
    let h = fit(&lr, &train, &cfg, &mut Silent).unwrap();
    let acc = lr.accuracy(&test).unwrap();
    assert!(acc >= 0.95, "logistic regression test accuracy {acc}");
    assert_eq!(h.epochs.last().unwrap().eval_accuracy, Some(acc));
    let mlp = Network::mlp(&[30, 32, 2], Activation::Relu, 0.0, false, 0).unwrap();
    fit(
        &mlp,
        &train,
        &FitConfig {
            epochs: 20,
            batch_size: 32,
            lr: 1e-3,
            ..FitConfig::default()
        },
        &mut Silent,
    )
    .unwrap();
    let acc = mlp.accuracy(&test).unwrap();
    assert!(acc >= 0.95, "MLP test accuracy {acc}");
}

#[test]
fn every_loss_trains_and_weights_matter() {
    let (train, _) = cancer();
    let probs = {
        let teacher = Network::logistic_regression(30, 2, 3).unwrap();
        fit(&teacher, &train, &small_cfg(0), &mut Silent).unwrap();
        teacher.predict_proba(&train.x).unwrap()
    };
    let weak = train
        .with_soft_labels(&crate::tensor::Tensor(probs.clone()))
        .unwrap();
    for loss in [
        LossSpec::CrossEntropy,
        LossSpec::Focal {
            gamma: 2.0,
            alpha: 0.25,
        },
        LossSpec::ZLoss { a: 1.0, b: 1.0 },
        LossSpec::Distill {
            teacher_logits: probs.log().unwrap(),
            temperature: 2.0,
            alpha: 0.5,
        },
        LossSpec::Confidence {
            aux_coef: 0.5,
            warmup_frac: 0.1,
        },
        LossSpec::Product {
            alpha: 1.0,
            beta: 1.0,
        },
    ] {
        let net = Network::mlp(&[30, 8, 2], Activation::Relu, 0.0, false, 0).unwrap();
        let cfg = FitConfig {
            loss: loss.clone(),
            ..small_cfg(0)
        };
        let h = fit(&net, &weak, &cfg, &mut Silent).unwrap();
        assert!(h.losses.iter().all(|l| l.is_finite()), "{loss:?}");
        assert!(
            h.epochs.last().unwrap().loss < h.epochs[0].loss * 1.5,
            "{loss:?}"
        );
    }
    let uniform = Network::logistic_regression(30, 2, 0).unwrap();
    let weighted = Network::logistic_regression(30, 2, 0).unwrap();
    let w: Vec<f32> = (0..train.len())
        .map(|i| if i % 2 == 0 { 1.0 } else { 0.1 })
        .collect();
    let wt = crate::tensor::Tensor(Tensor::new(w, &candle_core::Device::Cpu).unwrap());
    let a = fit(&uniform, &train, &small_cfg(0), &mut Silent)
        .unwrap()
        .losses;
    let b = fit(
        &weighted,
        &train.with_weights(&wt).unwrap(),
        &small_cfg(0),
        &mut Silent,
    )
    .unwrap()
    .losses;
    assert_ne!(a, b);
    let rw = FitConfig {
        reweight: Some(Reweighting {
            strategy: reweight::Strategy::LinUpper,
            r_start: 1.0,
            r_end: 0.1,
            delta: 1.0,
        }),
        ..small_cfg(0)
    };
    let c = fit(
        &Network::logistic_regression(30, 2, 0).unwrap(),
        &train,
        &rw,
        &mut Silent,
    )
    .unwrap()
    .losses;
    assert_ne!(a, c);
}

#[test]
fn bad_inputs_are_named() {
    let ds = dataset("iris").unwrap();
    let net = Network::mlp(&[3, 4, 3], Activation::Relu, 0.0, false, 0).unwrap();
    let e = fit(&net, &ds, &small_cfg(0), &mut Silent).unwrap_err();
    assert!(
        e.message()
            .contains("the model expects 3 input features but data set \"iris\" has 4"),
        "{e}"
    );
    let two = Network::logistic_regression(4, 2, 0).unwrap();
    let e = fit(&two, &ds, &small_cfg(0), &mut Silent).unwrap_err();
    assert!(
        e.message().contains("label 2 in row")
            && e.message()
                .contains("out of range for a model with 2 outputs"),
        "{e}"
    );
    let e = fit(
        &Network::logistic_regression(4, 3, 0).unwrap(),
        &ds,
        &FitConfig {
            loss: LossSpec::Product {
                alpha: 1.0,
                beta: 1.0,
            },
            ..small_cfg(0)
        },
        &mut Silent,
    )
    .unwrap_err();
    assert!(
        e.message().contains("needs") || e.message().contains("soft"),
        "{e}"
    );
}

/// iris with row 1 replaced by `value` in every column.
fn iris_with_row_1(value: f32) -> Dataset {
    let ds = dataset("iris").unwrap();
    let mut flat: Vec<f32> = ds.x.to_vec2::<f32>().unwrap().concat();
    flat[4..8].fill(value);
    Dataset {
        x: crate::tensor::Tensor(
            Tensor::from_vec(flat, (150, 4), &candle_core::Device::Cpu).unwrap(),
        ),
        ..ds
    }
}

#[test]
fn a_nan_loss_stops_with_a_clear_error_and_keeps_the_weights() {
    // The features are checked up front now, so the loss is made NaN another way: a NaN
    // sample weight (set directly: `with_weights` refuses it too).
    let ds = dataset("iris").unwrap();
    let mut w = vec![1.0f32; 150];
    w[1] = f32::NAN;
    let bad = Dataset {
        weights: Some(crate::tensor::Tensor(
            Tensor::from_vec(w, 150, &candle_core::Device::Cpu).unwrap(),
        )),
        ..ds
    };
    let net = Network::logistic_regression(4, 3, 0).unwrap();
    let before = net.vars()[0]
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let cfg = FitConfig {
        shuffle: false,
        batch_size: 150,
        ..small_cfg(0)
    };
    let e = fit(&net, &bad, &cfg, &mut Silent).unwrap_err();
    assert!(
        e.message()
            .starts_with("fit: the loss became NaN at step 1 (epoch 1)"),
        "{e}"
    );
    assert_eq!(
        net.vars()[0]
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap(),
        before
    );
}

#[test]
fn non_finite_features_are_refused_before_any_step() {
    // An MLP would not notice: ReLU maps NaN to 0, so the loss stays finite while the first
    // layer's weights become NaN.
    let net = Network::mlp(&[4, 8, 3], Activation::Relu, 0.0, false, 0).unwrap();
    let before = net.vars()[0]
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    for (value, shown) in [(f32::NAN, "NaN"), (f32::NEG_INFINITY, "-inf")] {
        let e = fit(&net, &iris_with_row_1(value), &small_cfg(0), &mut Silent).unwrap_err();
        assert!(matches!(e, Error::Data(_)), "{e:?}");
        assert!(
            e.message().starts_with(&format!(
                "fit: data set \"iris\" has {shown} at row 1, column 0"
            )),
            "{e}"
        );
    }
    let validation = FitConfig {
        eval: Some(iris_with_row_1(f32::NAN)),
        ..small_cfg(0)
    };
    let e = fit(&net, &dataset("iris").unwrap(), &validation, &mut Silent).unwrap_err();
    assert!(
        e.message()
            .contains("validation set \"iris\" has NaN at row 1"),
        "{e}"
    );
    let after = net.vars()[0]
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    assert_eq!(after, before, "no step ran");
}

/// Stops after a given number of steps, as an interrupt would.
struct StopAfter(usize);

impl Monitor for StopAfter {
    fn step(&mut self, info: &StepInfo) -> crate::error::Result<()> {
        if info.step >= self.0 {
            Err(Error::interrupted())
        } else {
            Ok(())
        }
    }
}

#[test]
fn an_interrupted_fit_keeps_the_weights_of_the_last_step() {
    let ds = dataset("iris").unwrap();
    let cfg = FitConfig {
        batch_size: 50,
        ..small_cfg(0)
    };
    let stopped = Network::logistic_regression(4, 3, 0).unwrap();
    let e = fit(&stopped, &ds, &cfg, &mut StopAfter(3)).unwrap_err();
    assert!(e.is_interrupt());
    // One epoch of 50-row batches is exactly those three steps.
    let full = Network::logistic_regression(4, 3, 0).unwrap();
    fit(&full, &ds, &FitConfig { epochs: 1, ..cfg }, &mut Silent).unwrap();
    let w = |n: &Network| n.vars()[0].flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(w(&stopped), w(&full));
}

#[test]
fn mixed_precision_trains_f32_weights_and_tracks_the_f32_run() {
    use crate::nn::network::Precision;
    let (train, test) = cancer();
    let cfg = FitConfig {
        epochs: 5,
        batch_size: 32,
        lr: 1e-3,
        seed: 0,
        ..FitConfig::default()
    };
    let build = || Network::mlp(&[30, 64, 64, 2], Activation::Relu, 0.1, true, 3).unwrap();
    let full = fit(&build(), &train, &cfg, &mut Silent).unwrap().losses;
    // bf16 keeps 8 bits of mantissa, f16 11: the first loss (same weights, same batch) differs
    // by their rounding only (measured: 6.8e-4 and 5.2e-5 relative).
    for (precision, tol) in [(Precision::Bf16, 5e-3), (Precision::F16, 5e-4)] {
        let net = build().with_precision(precision).unwrap();
        let half = fit(&net, &train, &cfg, &mut Silent).unwrap().losses;
        let rel = (full[0] - half[0]).abs() / full[0].abs();
        assert!(
            rel <= tol,
            "{precision:?}: first loss {} vs f32 {}",
            half[0],
            full[0]
        );
        assert!(
            rel > 0.0,
            "{precision:?}: the loss equals f32's to the bit: was it half?"
        );
        for (name, v) in net.named_vars() {
            assert_eq!(
                v.dtype(),
                DType::F32,
                "{precision:?}: {name} is the f32 master weight"
            );
        }
        assert_eq!(net.forward(&test.x).unwrap().dtype(), DType::F32);
        assert_eq!(
            net.fresh(1).unwrap().spec.precision,
            precision,
            "a fresh copy keeps it"
        );
        let acc = net.accuracy(&test).unwrap();
        assert!(acc >= 0.94, "{precision:?}: test accuracy {acc}");
    }
    // Layers without a half-precision forward say so.
    let e = Network::new(
        crate::nn::network::NetworkSpec {
            kind: "sequential".into(),
            layers: vec![crate::nn::layers::LayerSpec::MeanPool],
            seed: 0,
            precision: Precision::Bf16,
        },
        &candle_core::Device::Cpu,
    )
    .unwrap_err();
    assert!(e.message().contains("mixed precision is available"), "{e}");
}

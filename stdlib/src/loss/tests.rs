//! Every loss against values computed independently by `stdlib/reference/losses.py` (numpy,
//! from the published formulas); tolerance 1e-5.

use super::reweight::{weights, Strategy};
use super::*;
use candle_core::Device;

const Z3: [[f32; 3]; 4] = [
    [2.0, 1.0, 0.1],
    [0.5, 2.5, -1.0],
    [-1.0, 0.0, 1.0],
    [3.0, -2.0, 0.5],
];
const Y3: [u32; 4] = [0, 1, 2, 1];
const SOFT3: [[f32; 3]; 4] = [
    [0.7, 0.2, 0.1],
    [0.1, 0.8, 0.1],
    [0.2, 0.3, 0.5],
    [0.3, 0.3, 0.4],
];
const T3: [[f32; 3]; 4] = [
    [1.0, 0.5, -0.5],
    [0.0, 3.0, 0.0],
    [-2.0, 0.5, 2.5],
    [1.5, 1.0, 0.0],
];
const W: [f32; 4] = [1.0, 2.0, 0.5, 1.5];
const Z2: [[f32; 2]; 6] = [
    [1.0, -1.0],
    [0.2, 0.4],
    [-0.5, 1.5],
    [2.0, 1.9],
    [0.0, 0.3],
    [-1.0, -0.2],
];
const WEAK2: [[f32; 2]; 6] = [
    [0.8, 0.2],
    [0.4, 0.6],
    [0.3, 0.7],
    [0.6, 0.4],
    [0.45, 0.55],
    [0.2, 0.8],
];
const Y2: [u32; 6] = [0, 1, 1, 0, 1, 1];

fn t2<const K: usize>(v: &[[f32; K]]) -> Tensor {
    Tensor::from_vec(v.concat(), (v.len(), K), &Device::Cpu).unwrap()
}
fn t1(v: &[f32]) -> Tensor {
    Tensor::new(v, &Device::Cpu).unwrap()
}
fn labels(v: &[u32]) -> Tensor {
    Tensor::new(v, &Device::Cpu).unwrap()
}
fn value(per_sample: Tensor, w: Option<&Tensor>) -> f64 {
    reduce(&per_sample, w)
        .unwrap()
        .to_dtype(DType::F64)
        .unwrap()
        .to_scalar::<f64>()
        .unwrap()
}
fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-5,
        "{what}: got {got}, reference {want}"
    );
}

#[test]
fn cross_entropy_hard_and_soft_match_reference() {
    let (z, y, w) = (t2(&Z3), labels(&Y3), t1(&W));
    close(
        value(cross_entropy(&z, &y).unwrap(), None),
        1.5157278586,
        "ce",
    );
    close(
        value(cross_entropy(&z, &y).unwrap(), Some(&w)),
        1.7109670565,
        "ce weighted",
    );
    close(
        value(soft_cross_entropy(&z, &t2(&SOFT3)).unwrap(), None),
        1.3007278586,
        "soft ce",
    );
    close(
        value(soft_cross_entropy(&z, &t2(&SOFT3)).unwrap(), Some(&w)),
        1.3289670565,
        "soft ce weighted",
    );
}

#[test]
fn distillation_matches_reference() {
    let (z, y, w, t) = (t2(&Z3), labels(&Y3), t1(&W), t2(&T3));
    close(
        value(distillation(&z, &t, 2.0, 0.7, Some(&y)).unwrap(), None),
        0.8020831075,
        "kd T=2 α=0.7",
    );
    close(
        value(distillation(&z, &t, 4.0, 1.0, Some(&y)).unwrap(), Some(&w)),
        0.6328591968,
        "kd T=4 α=1 weighted",
    );
}

#[test]
fn w2s_confidence_and_product_match_reference() {
    let (z, weak) = (t2(&Z2), t2(&WEAK2));
    close(
        value(confidence(&z, &weak, 0.25).unwrap(), None),
        0.5888495770,
        "logconf coef 0.25",
    );
    let w = t1(&[1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
    close(
        value(confidence(&z, &weak, 0.5).unwrap(), Some(&w)),
        0.5647759619,
        "logconf coef 0.5 weighted",
    );
    close(
        value(product(&z, &weak, 1.0, 1.0).unwrap(), None),
        0.4831988060,
        "product",
    );
    close(confidence_coef(5, 100, 0.5, 0.1), 0.25, "coef in warm-up");
    close(
        confidence_coef(50, 100, 0.5, 0.1),
        0.5,
        "coef after warm-up",
    );
}

#[test]
fn focal_z_loss_and_info_nce_match_reference() {
    let (z, y, w) = (t2(&Z3), labels(&Y3), t1(&W));
    close(
        value(focal(&z, &y, 2.0, 0.25).unwrap(), None),
        0.3199759845,
        "focal 3 classes",
    );
    close(
        value(focal(&t2(&Z2), &labels(&Y2), 2.0, 0.25).unwrap(), None),
        0.0291959536,
        "focal binary",
    );
    close(
        value(z_loss(&z, &y, 1.0, 1.0).unwrap(), None),
        1.0139426531,
        "z-loss a=1 b=1",
    );
    close(
        value(z_loss(&z, &y, 0.1, 10.0).unwrap(), Some(&w)),
        12.7711351001,
        "z-loss a=0.1 b=10 weighted",
    );
    let q = (t2(&Z3).narrow(1, 0, 2).unwrap() / 3.0).unwrap();
    let k = (t2(&T3).narrow(1, 0, 2).unwrap() / 3.0).unwrap();
    close(
        value(info_nce(&q, &k, 0.05).unwrap(), None),
        0.9414751979,
        "info_nce τ=0.05",
    );
    close(
        value(info_nce(&z, &t2(&T3), 1.0).unwrap(), None),
        0.6076153080,
        "info_nce τ=1",
    );
}

#[test]
fn reweighting_strategies_match_reference() {
    let losses =
        crate::tensor::ops::to_vec_f32(&cross_entropy(&t2(&Z3), &labels(&Y3)).unwrap()).unwrap();
    for (s, want) in [
        (
            Strategy::LinUpper,
            [0.1140861105, 0.0921076748, 0.1132174385, 0.6805887762],
        ),
        (
            Strategy::Quadratic,
            [0.3011828811, 0.2008632134, 0.2970906921, 0.2008632134],
        ),
        (
            Strategy::Extremes,
            [0.2229701068, 0.2761745131, 0.2246808670, 0.2761745131],
        ),
    ] {
        let got = weights(&losses, s, 0.5, 1.0).unwrap();
        for (g, w) in got.iter().zip(want) {
            close(*g as f64, w, &format!("{s:?}"));
        }
    }
}

#[test]
fn bad_labels_and_shapes_are_named() {
    let z = t2(&Z3);
    let e = check_labels(&z, &labels(&[0, 1, 3, 1]), "cross_entropy").unwrap_err();
    assert_eq!(
        e.message(),
        "cross_entropy: label 3 in row 2 is out of range for 3 classes (logits shape [4, 3])"
    );
    let e = soft_cross_entropy(&z, &t2(&WEAK2)).unwrap_err();
    assert!(
        e.message().contains("[4, 3]") && e.message().contains("[6, 2]"),
        "{e}"
    );
}

#[test]
fn gradients_flow_through_every_loss() {
    let v = candle_core::Var::from_tensor(&t2(&Z3)).unwrap();
    let y = labels(&Y3);
    for l in [
        cross_entropy(v.as_tensor(), &y).unwrap(),
        focal(v.as_tensor(), &y, 2.0, 0.25).unwrap(),
        z_loss(v.as_tensor(), &y, 1.0, 1.0).unwrap(),
        distillation(v.as_tensor(), &t2(&T3), 2.0, 0.5, Some(&y)).unwrap(),
    ] {
        let g = reduce(&l, None).unwrap().backward().unwrap();
        let grad = g.get(v.as_tensor()).expect("a gradient");
        assert!(
            grad.abs()
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f32>()
                .unwrap()
                > 0.0
        );
    }
}

//! A model's weights cost their own size while the model is built, and training asks the
//! memory budget for its gradients and optimiser state before the first step: a model that
//! fits `max_memory` but whose construction or training would not is refused, not killed by
//! the system. One binary with the counting allocator, so that the peak is this test's.

use ladder_scripting::memory::{self, CountingAllocator};

mod common;
use common::{error, plain, session};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

#[test]
fn building_and_training_a_model_stay_within_what_they_ask_for() {
    let mut s = session();
    plain(&mut s, "let kept = 7;");
    // 64 × 400,000 f32 weights: 102.4 MB, built once (not drawn, then copied).
    let weights = 64 * 400_000 * 4;
    let before = memory::live_bytes().expect("the counting allocator");
    memory::reset_peak();
    plain(&mut s, "let m = mlp([64, 400000, 2]);");
    let rise = memory::peak_bytes().unwrap() - before;
    assert!(
        rise < weights + weights / 4,
        "building took {} MB at its peak for {} MB of weights",
        rise >> 20,
        weights >> 20
    );
    // Room for the weights' gradients but not for AdamW's two moments as well.
    let limit = memory::live_bytes().unwrap() + 2 * weights;
    plain(&mut s, &format!("%limit max_memory {limit}"));
    plain(
        &mut s,
        "let x = []; for i in 0..8 { let r = []; for j in 0..64 { r.push(0.01 * (i + j)); } x.push(r); }
         let d = dataset(x, [0, 1, 0, 1, 0, 1, 0, 1]);",
    );
    let e = error(
        &mut s,
        "fit(m, d, #{epochs: 1, optimizer: \"adamw\", progress: false})",
    );
    assert!(
        e.contains("training 26800002 parameters with adamw (their gradients and its state) needs 306.7 MiB")
            && e.contains("max_memory"),
        "{e}"
    );
    assert_eq!(plain(&mut s, "kept"), "7");
}

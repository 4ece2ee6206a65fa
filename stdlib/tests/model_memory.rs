//! A model's weights cost their own size while the model is built, and training asks the
//! memory budget for its gradients and optimiser state before the first step: a model that
//! fits `max_memory` but whose construction or training would not is refused, not killed by
//! the system. One binary with the counting allocator, so that the peak is this test's.

use ladder_scripting::memory::{self, CountingAllocator};

mod common;
use common::{error, plain, session};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// The counter is the process's: tests that read it run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn alone() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn building_and_training_a_model_stay_within_what_they_ask_for() {
    let _alone = alone();
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

/// What a cell's fit holds at its peak beyond what it leaves behind: the step's activations,
/// the gradients and the optimiser's state, not what stays after it (a run record, scratch
/// buffers a thread fills on first use: which threads take part varies from run to run).
fn peak_rise(s: &mut ladder_scripting::Session, code: &str) -> usize {
    let before = memory::live_bytes().expect("the counting allocator");
    memory::reset_peak();
    plain(s, code);
    let after = memory::live_bytes().unwrap();
    memory::peak_bytes()
        .unwrap()
        .saturating_sub(before.max(after))
}

/// A batch of sequence models' activations that `max_memory` cannot hold is refused before
/// the first step, naming a batch size that fits: measured here, `fit` with that batch stays
/// under the limit, and the advice is at least 40 % of the largest batch that truly fits
/// (the estimate counts every kept activation's gradient; candle frees them as it goes).
/// `room` rows must take more than the 64 MiB a cell may always grow by. The caller holds
/// [`alone`] from its first line: loading a model beside a measured step moves its peak.
fn advised_batch_fits(build: &str, width: usize, room: usize) {
    let mut s = session();
    // A store of this test's own: writing records into one the other tests wrote to would
    // move its checkpoints (and their buffers) into the steps measured here.
    let store = tempfile::tempdir().unwrap();
    let path = store.path().join("runs.sqlite").display().to_string();
    plain(&mut s, &format!("runs_db(\"{path}\"); let kept = 7;"));
    plain(
        &mut s,
        &format!(
            "fn data(n) {{ let x = []; let y = []; for i in 0..n {{ let r = [];
               for j in 0..{width} {{ r.push(1 + (i * 7 + j * 3) % 40); }} x.push(r); y.push(i % 2); }}
               dataset(tensor(x), tensor(y)) }}
             let m = {build};
             let small = data(16); let large = data(48); let all = data({});",
            3 * room
        ),
    );
    let fit = |data: &str, batch: usize| {
        format!("fit(m, {data}, #{{epochs: 1, batch_size: {batch}, progress: false}});")
    };
    // A first step fills what stays: the run store's first record, the threads' scratch
    // buffers; the two measured steps then differ by their activations alone.
    plain(&mut s, &fit("large", 48));
    let p16 = peak_rise(&mut s, &fit("small", 16));
    let p48 = peak_rise(&mut s, &fit("large", 48));
    let per_row = p48.saturating_sub(p16) / 32;
    let fixed = p16.saturating_sub(16 * per_row);
    let limit = memory::live_bytes().unwrap() + fixed + room * per_row;
    plain(&mut s, &format!("%limit max_memory {limit}"));

    let before_refusal = memory::live_bytes().unwrap();
    let e = error(&mut s, &fit("all", 3 * room));
    let advised: usize = e
        .split("give a batch_size of at most ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{build}: no advice in: {e}"));
    assert!(
        advised <= room && advised * 10 >= room * 4,
        "{build}: advised {advised} rows where about {room} fit ({} KiB a row measured): {e}",
        per_row >> 10
    );
    plain(&mut s, &format!("let fitting = all.head({advised});"));
    // What the process came to hold since the advice (the refused call's run record, the rows
    // just taken) is not the advice's to answer for: the limit moves by as much.
    let limit = limit + memory::live_bytes().unwrap().saturating_sub(before_refusal);
    plain(&mut s, &format!("%limit max_memory {limit}"));
    let rise = peak_rise(&mut s, &fit("fitting", advised));
    let held = memory::live_bytes().unwrap();
    assert!(
        held + rise <= limit + limit / 50,
        "{build}: batch {advised} peaked at {} MiB over a {} MiB limit",
        (held + rise) >> 20,
        limit >> 20
    );
    assert_eq!(plain(&mut s, "kept"), "7");
}

#[test]
fn a_transformer_batch_too_large_is_refused_with_one_that_fits() {
    let _alone = alone();
    advised_batch_fits(
        "transformer_classifier(50, 2, #{dim: 64, heads: 4, layers: 2, ff: 256, max_len: 64, dropout: 0.1})",
        64,
        100,
    );
}

#[test]
fn a_lora_batch_too_large_is_refused_with_one_that_fits() {
    let _alone = alone();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lm/tiny-llama");
    advised_batch_fits(
        &format!(r#"lm_classifier(#{{path: "{path}", classes: 2, lora: #{{r: 4, alpha: 8}}}})"#),
        64,
        300,
    );
}

#[test]
fn a_fine_tuned_encoder_batch_too_large_is_refused_with_one_that_fits() {
    let _alone = alone();
    if let Err(e) = ladder_stdlib::text::encoder::Encoder::open(None) {
        eprintln!("SKIPPED: all-MiniLM-L6-v2 is not installed ({e})");
        return;
    }
    advised_batch_fits(
        "pretrained_classifier(#{classes: 2, frozen: false, max_len: 32})",
        32,
        60,
    );
}

//! The run store: 10,000 records written one by one (each its own transaction, as a recorded
//! call writes it), then queried. Run: `cargo bench -p ladder-stdlib --bench runs`.
//! Target: writing one record costs under 1 ms.

use ladder_stdlib::runs::{RunFilter, RunRecord, RunStore};
use serde_json::json;
use std::time::Instant;

const RECORDS: usize = 10_000;

fn record(i: usize) -> RunRecord {
    let mut r = RunRecord::start(if i.is_multiple_of(2) {
        "weak_to_strong"
    } else {
        "fit"
    });
    let loss = if i.is_multiple_of(3) {
        "logconf"
    } else {
        "xent"
    };
    r.options = json!({"epochs": 20, "lr": 0.01, "loss": loss});
    r.dataset = Some("moons".into());
    r.fingerprint = Some("sha256:9f2c4e1d7a3b5c60".into());
    r.seed = Some((i % 10) as i64);
    for (k, v) in [
        ("pgr", 0.61),
        ("pgr_low", 0.52),
        ("pgr_high", 0.7),
        ("weak_acc", 0.8),
    ] {
        r.metrics.insert(k.into(), json!(v));
    }
    r.tags
        .insert("sweep".into(), json!(format!("s{}", i / 100)));
    r.source = Some("notebooks/sweep.ipynb".into());
    r.cell = Some("4".into());
    r
}

fn main() {
    println!("{}", ladder_stdlib::machine::describe());
    let dir = std::env::temp_dir().join(format!("ladder-runs-bench-{}", std::process::id()));
    let path = dir.join("runs.sqlite");
    let records: Vec<RunRecord> = (0..RECORDS).map(record).collect();

    let start = Instant::now();
    let store = RunStore::open(&path).unwrap();
    println!(
        "open (create): {:.2} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    let start = Instant::now();
    for r in &records {
        store.insert(r).unwrap();
    }
    let write = start.elapsed().as_secs_f64();
    println!(
        "write {RECORDS} records, one transaction each: {:.2} s, {:.1} µs a record (target < 1000 µs)",
        write,
        write / RECORDS as f64 * 1e6
    );

    let time = |what: &str, filter: RunFilter| {
        let start = Instant::now();
        let n = store.list(&filter).unwrap().len();
        println!(
            "query {what}: {n} records in {:.1} ms",
            start.elapsed().as_secs_f64() * 1e3
        );
    };
    time("all", RunFilter::default());
    time(
        "name = fit",
        RunFilter {
            name: Some("fit".into()),
            ..Default::default()
        },
    );
    let mut by_option = RunFilter::default();
    by_option.options.insert("loss".into(), json!("logconf"));
    time("options.loss = logconf", by_option);
    let mut by_tag = RunFilter::default();
    by_tag.tags.insert("sweep".into(), json!("s42"));
    time("tags.sweep = s42", by_tag);
    let start = Instant::now();
    for r in records.iter().step_by(100) {
        store.get(&r.id).unwrap().unwrap();
    }
    println!(
        "get by id: {:.1} µs",
        start.elapsed().as_secs_f64() / (RECORDS / 100) as f64 * 1e6
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

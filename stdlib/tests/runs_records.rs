//! Run records from cells: experiment calls write one record each (an inner call belongs to
//! its outer one), failures are recorded as failed, and the cell functions read them back.

mod common;

use common::{error, plain};
use ladder_scripting::{CaptureFrontend, Session};
use ladder_stdlib::runs::{RunFilter, RunStore};
use std::path::Path;
use std::rc::Rc;

/// A session recording into its own store under `dir`.
fn session_in(dir: &Path) -> Session {
    session_and_output_in(dir).0
}

/// The same, with what its cells print.
fn session_and_output_in(dir: &Path) -> (Session, Rc<CaptureFrontend>) {
    let frontend = Rc::new(CaptureFrontend::new());
    let mut s = Session::with_libraries(frontend.clone(), vec![ladder_stdlib::library()]);
    let store = dir.join("runs.sqlite");
    plain(
        &mut s,
        &format!("runs_db({:?});", store.display().to_string()),
    );
    (s, frontend)
}

fn records(dir: &Path) -> Vec<ladder_stdlib::runs::RunRecord> {
    RunStore::open(&dir.join("runs.sqlite"))
        .unwrap()
        .list(&RunFilter::default())
        .unwrap()
}

const DATA: &str = "let data = moons(#{n: 200});";

#[test]
fn a_fit_writes_one_record_with_its_data_options_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session_in(dir.path());
    plain(&mut s, DATA);
    plain(
        &mut s,
        "fit(mlp([2, 8, 2]), data, #{epochs: 2, seed: 7, progress: false});",
    );
    let all = records(dir.path());
    assert_eq!(all.len(), 1);
    let r = &all[0];
    assert_eq!((r.name.as_str(), r.status.as_str()), ("fit", "ok"));
    assert_eq!(r.seed, Some(7));
    assert_eq!(r.options["epochs"], 2);
    assert!(r.fingerprint.as_deref().unwrap().starts_with("sha256:"));
    assert!(r.metrics["accuracy"].as_f64().unwrap() > 0.0);
    assert_eq!(r.cell.as_deref(), Some("3"), "the session's third cell");
    // The same data gives the same fingerprint; other data another.
    plain(
        &mut s,
        "fit(mlp([2, 8, 2]), data, #{epochs: 1, progress: false});",
    );
    plain(
        &mut s,
        "fit(mlp([2, 8, 2]), moons(#{n: 100, seed: 1}), #{epochs: 1, progress: false});",
    );
    let all = records(dir.path());
    assert_eq!(all[0].fingerprint, all[1].fingerprint);
    assert_ne!(all[0].fingerprint, all[2].fingerprint);
}

#[test]
fn calls_inside_a_recorded_call_make_no_record_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session_in(dir.path());
    plain(&mut s, DATA);
    // A weak model built by a function that itself calls fit: still one record.
    plain(
        &mut s,
        r#"let weak = |inputs, classes, seed| {
               let m = logistic_regression(inputs, classes);
               fit(m, data, #{epochs: 1, progress: false});
               m
           };
           weak_to_strong(data, #{weak: #{build: weak, epochs: 1}, strong: #{hidden: [8], epochs: 1}, seeds: [0, 1]});"#,
    );
    let all = records(dir.path());
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].name, "weak_to_strong");
    for key in [
        "pgr",
        "pgr_low",
        "pgr_high",
        "weak_acc",
        "w2s_acc",
        "ceiling_acc",
    ] {
        assert!(all[0].metrics.contains_key(key), "{key} missing");
    }
}

#[test]
fn a_failing_call_is_recorded_failed_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session_in(dir.path());
    plain(&mut s, DATA);
    let message = error(
        &mut s,
        "fit(mlp([3, 8, 2]), data, #{epochs: 1, progress: false})",
    );
    let all = records(dir.path());
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, "failed");
    let recorded = all[0].error.as_deref().unwrap();
    assert!(
        recorded.contains(message.lines().next().unwrap()),
        "{recorded} / {message}"
    );
}

#[test]
fn cell_functions_list_show_compare_and_plot_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session_in(dir.path());
    plain(
        &mut s,
        r#"for w in [1, 2, 4] { for loss in ["xent", "logconf"] {
               record("probe", #{options: #{weak_size: w, loss: loss}, metrics: #{pgr: w * 0.1}});
           } }"#,
    );
    assert_eq!(plain(&mut s, "runs().len"), "6");
    assert_eq!(
        plain(&mut s, r#"runs(#{options: #{loss: "xent"}}).len"#),
        "3"
    );
    let table = plain(&mut s, "runs()");
    assert!(
        table.contains("weak_size") && table.contains("pgr"),
        "{table}"
    );
    let chart = plain(&mut s, r#"runs().plot("weak_size", "pgr", #{by: "loss"})"#);
    assert!(chart.contains("line"), "{chart}");
    assert_eq!(plain(&mut s, r#"run(runs()[0].id)["pgr"]"#), "0.1");
    let compared = plain(&mut s, "let r = runs(); compare([r[0].id, r[5].id])");
    assert!(compared.starts_with("Runs compared"), "{compared}");
}

#[test]
fn bad_filters_and_ids_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session_in(dir.path());
    let e = error(&mut s, r#"runs(#{nmae: "fit"})"#);
    assert!(e.contains("nmae") && e.contains("name"), "{e}");
    let e = error(&mut s, r#"run("no-such-id")"#);
    assert!(e.contains("no run with id"), "{e}");
    let e = error(&mut s, r#"runs(#{options: 3})"#);
    assert!(e.contains("must be a map"), "{e}");
    assert_eq!(
        error(&mut s, r#"record(" ", #{metrics: #{acc: 1.0}})"#),
        r#"record: the name is empty; name the run, as in record("probe", #{metrics: ...})"#
    );
    // A store that cannot be opened is refused and the session keeps the one it had.
    let before = plain(&mut s, "runs_db()");
    let e = error(&mut s, r#"runs_db("")"#);
    assert!(e.contains("the path is empty"), "{e}");
    assert_eq!(plain(&mut s, "runs_db()"), before);
}

#[test]
fn bad_limits_statuses_and_empty_comparisons_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session_in(dir.path());
    plain(
        &mut s,
        r#"for i in 0..3 { record("probe", #{metrics: #{acc: i * 0.5}}); }"#,
    );
    assert_eq!(
        error(&mut s, "runs(#{limit: -1})"),
        "runs: option `limit` must not be negative, got -1"
    );
    assert_eq!(
        error(&mut s, r#"runs(#{status: "okay"})"#),
        r#"runs: option `status` must be "ok", "failed" or "interrupted", got "okay""#
    );
    assert_eq!(plain(&mut s, r#"runs(#{status: "ok", limit: 2}).len"#), "2");
    assert_eq!(plain(&mut s, r#"runs(#{status: "failed"}).len"#), "0");
    assert_eq!(
        error(&mut s, "compare([])"),
        "compare: needs at least two runs (ids or run records) to compare, got 0"
    );
    assert_eq!(
        error(&mut s, "compare([runs()[0].id])"),
        "compare: needs at least two runs (ids or run records) to compare, got 1"
    );
    let compared = plain(&mut s, "let r = runs(); compare([r[0], r[2]])");
    assert!(compared.starts_with("Runs compared"), "{compared}");
}

#[test]
fn a_sweep_records_each_point_goes_past_a_failure_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, output) = session_and_output_in(dir.path());
    plain(&mut s, DATA);
    let point = r#"|cfg| {
        if cfg.size == 4 && cfg.seed == 1 { throw "point failed on purpose"; }
        fit(mlp([2, cfg.size, 2]), data, #{epochs: 1, seed: cfg.seed, progress: false});
        #{double: cfg.size * 2}
    }"#;
    let runs = plain(
        &mut s,
        &format!("let f = {point}; sweep(#{{size: [2, 4], seed: [0, 1]}}, f).len"),
    );
    assert_eq!(runs, "4");
    let all = records(dir.path());
    assert_eq!(
        all.len(),
        4,
        "one record per point: the fits inside belong to it"
    );
    let failed: Vec<_> = all.iter().filter(|r| r.status == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].error.as_deref().unwrap().contains("on purpose"));
    let ok = all.iter().find(|r| r.status == "ok").unwrap();
    assert_eq!(ok.name, "sweep");
    assert!(
        ok.metrics.contains_key("accuracy"),
        "the inner fit's metrics: {ok:?}"
    );
    assert!(ok.metrics.contains_key("double"), "the point's own value");
    assert!(ok.tags["sweep"].as_str().unwrap().starts_with("sweep-"));
    assert_eq!(ok.tags["point"]["size"], ok.options["size"]);
    // Why the point failed shows in the cell's output and in the table of its records, whose
    // point `seed` is told apart from the record's own.
    let stderr = output.text(ladder_scripting::Stream::Stderr);
    assert!(
        stderr.contains(r#"sweep: point {"seed":1,"size":4} failed: "#)
            && stderr.contains("point failed on purpose"),
        "{stderr}"
    );
    let table = plain(&mut s, r#"runs(#{name: "sweep"})"#);
    let header = table.lines().nth(1).unwrap_or_default();
    assert!(
        header.contains("options.seed") && header.trim_end().ends_with("error"),
        "{table}"
    );
    assert!(table.contains("point failed on purpose"), "{table}");

    // Resumed: only the failed point runs again (and fails again).
    let again = plain(
        &mut s,
        "sweep(#{size: [2, 4], seed: [0, 1]}, f, #{resume: true}).len",
    );
    assert_eq!(
        again, "4",
        "three points recorded before and the one that ran"
    );
    assert_eq!(records(dir.path()).len(), 5);
}

#[test]
fn bad_sweeps_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session_in(dir.path());
    let e = error(&mut s, "sweep(#{}, |cfg| 1)");
    assert!(e.contains("grid is empty"), "{e}");
    let e = error(&mut s, "sweep(#{seed: []}, |cfg| 1)");
    assert!(e.contains("`seed` has no values"), "{e}");
    let e = error(&mut s, "sweep(#{seed: [0, 1]}, |cfg| 1, #{jobs: 2})");
    assert!(e.contains("not supported yet"), "{e}");
    let e = error(&mut s, "sweep(#{seed: [0, 1]}, |cfg| 1, #{resum: true})");
    assert!(e.contains("resum"), "{e}");
    assert!(records(dir.path()).is_empty());
}

#[test]
fn an_interrupted_sweep_stops_and_records_the_running_point_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session_in(dir.path());
    let handle = s.interrupt_handle();
    let store = dir.path().join("runs.sqlite");
    // Interrupt once the first point is recorded; the second point never ends by itself.
    let interrupter = std::thread::spawn(move || loop {
        let written = RunStore::open(&store).and_then(|s| s.count()).unwrap_or(0);
        if written >= 1 {
            handle.interrupt();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    });
    let outcome = s.execute("sweep(#{i: [0, 1, 2, 3]}, |cfg| { if cfg.i > 0 { loop {} } cfg.i })");
    interrupter.join().unwrap();
    let e = outcome.expect_err("the sweep must stop");
    assert_eq!(
        e.kind,
        ladder_scripting::ErrorKind::Interrupted,
        "{}",
        e.report()
    );
    let statuses: Vec<String> = records(dir.path()).into_iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        ["ok", "interrupted"],
        "no point runs after the interrupt"
    );
}

/// `print` shows a library value's text form (the table), not its type's name, and a run
/// table has `len()` as arrays do.
#[test]
fn print_shows_library_values_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, output) = session_and_output_in(dir.path());
    plain(
        &mut s,
        r#"record("probe", #{metrics: #{acc: 0.5}}); let r = runs(); print(r); print(`${r.len()} of them`); print(moons(#{n: 10}))"#,
    );
    let printed = output.text(ladder_scripting::Stream::Stdout);
    assert!(printed.starts_with("1 run\n"), "{printed}");
    assert!(
        printed.contains("probe") && printed.contains("1 of them"),
        "{printed}"
    );
    assert!(!printed.contains("\nDataset\n"), "{printed}");
}

//! The GPU check's Ladder scripts rehearsed on the CPU (`-p device=cpu`), as they run on the
//! GPU machine, so a change to the standard library that breaks them shows up here rather than
//! on the one run a GPU session has.

use std::path::Path;
use std::process::Command;

fn run(script: &str, params: &[&str]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("stdlib/checks")
        .join(script);
    let mut command = Command::new(env!("CARGO_BIN_EXE_ladder"));
    command.arg("run").arg(&path);
    for p in params {
        command.arg("-p").arg(p);
    }
    let out = command.output().expect("run ladder");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_correctness_checks_run_and_pass_on_the_cpu() {
    let lms = tempfile::tempdir().unwrap();
    let layout = Path::new(env!("CARGO_MANIFEST_DIR")).join("stdlib/checks/tiny_lms.sh");
    let laid = Command::new(&layout).arg(lms.path()).status().unwrap();
    assert!(laid.success(), "{}", layout.display());
    let lm_dir = format!("lm_dir={}", lms.path().display());
    let out = run("gpu_check.rhai", &["device=cpu", &lm_dir]);
    let summary = out
        .lines()
        .find(|l| l.starts_with("gpu_check:") && l.contains("checks within tolerance"))
        .unwrap_or_else(|| panic!("no summary in:\n{out}"));
    let counts: Vec<&str> = summary.split_whitespace().collect();
    // "gpu_check: N of M checks within tolerance on cpu"
    assert_eq!(counts[1], counts[3], "{summary}");
    assert!(counts[3].parse::<usize>().unwrap() >= 35, "{summary}");
    assert!(!out.contains("FAIL"), "{out}");
    for check in [
        "lm llama/tiny-llama.gguf score",
        "lm qwen2-folder greedy text",
        "lm_classifier LoRA fit",
    ] {
        assert!(
            out.contains(&format!("ok   {check}")),
            "{check} did not run:\n{out}"
        );
    }
}

#[test]
fn the_benchmark_prints_every_figure_at_the_small_size() {
    let out = run("gpu_bench.rhai", &["device=cpu", "size=small"]);
    for key in [
        "matmul_f32_tflops",
        "matmul_bf16_tflops",
        "mlp_step_ms",
        "transformer_step_ms",
    ] {
        let value = out
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key} in:\n{out}"));
        let v: f64 = value.parse().unwrap();
        assert!(v.is_finite() && v > 0.0, "{key}={value}");
    }
}

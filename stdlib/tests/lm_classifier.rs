//! The decoder-LM classifier as a user meets it, on the tiny Llama of tests/data/lm: token ids
//! whose class decides which tokens they hold. Frozen features + head and LoRA + head train
//! with `fit`; `kind: "lm"` model specs serve `weak_to_strong` and `distill`; `save_model`
//! round-trips it and `save_lora` writes PEFT's files.

mod common;
use common::{error, number, plain, session};

fn setup() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lm/tiny-llama");
    format!(
        r#"
let P = "{path}";
let x = []; let y = [];
for i in 0..96 {{
    let c = i % 2; let row = []; let n = 3 + i % 4;
    for j in 0..7 {{
        if j < n {{ row.push(if c == 0 {{ 10 + (i * 7 + j * 3) % 20 }} else {{ 60 + (i * 5 + j * 11) % 20 }}) }}
        else {{ row.push(0) }}
    }}
    x.push(row); y.push(c);
}}
let data = dataset(tensor(x), tensor(y));
"#
    )
}

#[test]
fn frozen_and_lora_classifiers_learn_save_and_reload() {
    let mut s = session();
    plain(&mut s, &setup());
    let acc = number(
        &mut s,
        r#"let m = lm_classifier(#{path: P, classes: 2, pooling: "mean"});
           fit(m, data, #{epochs: 20, lr: 0.05, progress: false}); accuracy(m, data)"#,
    );
    assert!(acc > 0.9, "frozen features + linear head: {acc}");

    let losses = plain(
        &mut s,
        r#"let t = lm_classifier(#{path: P, classes: 2, lora: #{r: 4, alpha: 8}, seed: 1});
           let h = fit(t, data, #{epochs: 6, lr: 0.01, batch_size: 16, progress: false});
           let l = h.loss; `${l[0]} ${l[l.len() - 1]}`"#,
    );
    let v: Vec<f64> = losses
        .trim_matches('"')
        .split(' ')
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(v[1] < v[0], "LoRA fit loss should fall: {v:?}");
    // The adapters are trainable variables: 2 layers × 7 projections × (A, B), plus the head.
    // Per layer, A (4 × inputs) + B (outputs × 4): q 256, k 192, v 192, o 256, gate 384,
    // up 384, down 384 = 2048; two layers, and the head 32 × 2 + 2.
    assert_eq!(number(&mut s, "t.n_params"), 2.0 * 2048.0 + 66.0);

    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("m").display().to_string();
    let same = plain(
        &mut s,
        &format!(
            r#"save_model(t, "{base}"); let back = load_model("{base}");
               let a = predict_proba(t, data); let b = predict_proba(back, data);
               (a - b).abs().max()"#
        ),
    );
    let diff: f64 = same["tensor(".len()..same.find(',').unwrap()]
        .parse()
        .unwrap();
    assert!(diff < 1e-5, "{same}");
    let peft = dir.path().join("peft").display().to_string();
    plain(&mut s, &format!(r#"save_lora(t, "{peft}")"#));
    assert!(dir.path().join("peft/adapter_model.safetensors").is_file());
    // A relative path (or an installed model's name) is written as where the weights are.
    let relative = dir.path().join("relative").display().to_string();
    plain(
        &mut s,
        &format!(
            r#"save_lora(lm_classifier(#{{path: "tests/data/lm/tiny-llama", classes: 2, lora: #{{r: 2, alpha: 4}}}}), "{relative}")"#
        ),
    );
    let config = std::fs::read_to_string(dir.path().join("relative/adapter_config.json")).unwrap();
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    let base = config["base_model_name_or_path"].as_str().unwrap();
    assert!(
        std::path::Path::new(base).is_absolute() && std::path::Path::new(base).exists(),
        "{base}"
    );
    // Started from that adapter, a classifier has its adapters.
    let from = number(
        &mut s,
        &format!(
            r#"let u = lm_classifier(#{{path: P, classes: 2, lora: #{{r: 4, alpha: 8}}, adapter: "{peft}"}}); u.n_params"#
        ),
    );
    assert_eq!(from, number(&mut s, "t.n_params"));
    // The adapter's own config is enough, and the model describes what it loaded.
    let only = plain(
        &mut s,
        &format!(r#"let w = lm_classifier(#{{path: P, classes: 2, adapter: "{peft}"}}); w"#),
    );
    assert!(only.contains("LoRA r 4"), "{only}");
    assert_eq!(number(&mut s, "w.n_params"), number(&mut s, "t.n_params"));
    // Settings that disagree with the adapter's are an error naming both, not ignored.
    let e = error(
        &mut s,
        &format!(r#"lm_classifier(#{{path: P, classes: 2, lora: #{{r: 8}}, adapter: "{peft}"}})"#),
    );
    assert!(
        e.contains("r 8") && e.contains("r 4") && e.contains("adapter_config.json"),
        "{e}"
    );
    assert!(error(&mut s, "save_lora(m, \"/tmp/x\")").contains("no LoRA adapters"));
}

#[test]
fn lm_specs_serve_weak_to_strong_and_distill() {
    let mut s = session();
    plain(&mut s, &setup());
    let pgr = plain(
        &mut s,
        r#"let parts = split(data, #{test: 0.25, seed: 0, stratify: true});
           let r = weak_to_strong(parts[0], #{test: parts[1],
               weak: #{kind: "logistic", features: [0], epochs: 5},
               strong: #{kind: "lm", path: P, pooling: "mean", epochs: 30, lr: 0.05},
               seeds: [0]});
           r.ceiling"#,
    );
    assert!(
        pgr.parse::<f64>().unwrap() > 0.75,
        "the LM trained on true labels: {pgr}"
    );
    let acc = plain(
        &mut s,
        r#"let teacher = lm_classifier(#{path: P, classes: 2, pooling: "mean"});
           fit(teacher, data, #{epochs: 20, lr: 0.05, progress: false});
           let d = distill(teacher, #{kind: "lm", path: P, layer: 1, epochs: 30, lr: 0.05}, data, #{test: data});
           accuracy(d.student, data)"#,
    );
    assert!(
        acc.parse::<f64>().unwrap() > 0.8,
        "distilled LM student: {acc}"
    );
}

#[test]
fn features_report_cut_rows_and_bad_options_name_themselves() {
    let (mut s, out) = common::session_with_output();
    plain(&mut s, &setup());
    let dims = plain(
        &mut s,
        r#"let f = lm_features(P, data, #{layer: 1, max_len: 4}); f.shape"#,
    );
    assert_eq!(dims, "[96, 32]");
    // Rows hold 3 to 6 tokens: those of 5 and 6 (half of them) are cut to 4.
    let said = out.text(ladder_scripting::Stream::Stderr);
    assert!(
        said.contains("48 of 96 rows were longer than 4 tokens"),
        "{said}"
    );
    assert!(error(&mut s, r#"lm_features(P, data, #{layer: 9})"#).contains("layer 9"));
    assert!(error(
        &mut s,
        r#"lm_classifier(#{path: P, classes: 2, pooling: "max"})"#
    )
    .contains("pooling"));
    assert!(error(
        &mut s,
        r#"lm_classifier(#{path: P, classes: 2, lora: #{r: 2, targets: ["qkv"]}})"#
    )
    .contains("qkv"));
    assert!(
        error(&mut s, r#"lm_classifier(#{path: "/no/such", classes: 2})"#).contains("/no/such")
    );
    // A negative layer is refused, not taken as the embeddings (layer 0).
    let e = error(
        &mut s,
        r#"lm_classifier(#{path: P, classes: 2, layer: -3})"#,
    );
    assert!(e.contains("layer") && e.contains("-3"), "{e}");
}

#[test]
fn a_lora_alpha_that_is_not_a_positive_number_is_refused() {
    let mut s = session();
    plain(&mut s, &setup());
    assert_eq!(
        error(
            &mut s,
            r#"lm_classifier(#{path: P, classes: 2, lora: #{r: 4, alpha: -1.0}})"#
        ),
        "lm_classifier.lora: option `alpha` must be a number above 0, got -1"
    );
    assert_eq!(
        error(
            &mut s,
            r#"lm_classifier(#{path: P, classes: 2, lora: #{r: 4, alpha: 0}})"#
        ),
        "lm_classifier.lora: option `alpha` must be a number above 0, got 0"
    );
    assert_eq!(
        error(
            &mut s,
            r#"lm_classifier(#{path: P, classes: 2, lora: #{r: 4, alpha: 0.0 / 0.0}})"#
        ),
        "lm_classifier.lora: option `alpha` must be a number above 0, got NaN"
    );
    assert_eq!(
        plain(
            &mut s,
            r#"lm_classifier(#{path: P, classes: 2, lora: #{r: 4, alpha: 0.5}}).kind"#
        ),
        plain(
            &mut s,
            r#"lm_classifier(#{path: P, classes: 2, lora: #{r: 4}}).kind"#
        )
    );
}

/// Per-step losses of a seeded LoRA fit, then the first of the model's predictions.
fn lora_run(s: &mut ladder_scripting::Session) -> Vec<f64> {
    let text = plain(
        s,
        r#"let t = lm_classifier(#{path: P, classes: 2, lora: #{r: 4, alpha: 8}, head: "mlp", hidden: 8, seed: 3});
           let h = fit(t, data, #{epochs: 2, lr: 0.01, batch_size: 16, seed: 5, progress: false});
           let out = h.loss; out += predict_proba(t, data).flatten().to_array().extract(0, 8); out"#,
    );
    text.trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|x| x.trim().parse().unwrap())
        .collect()
}

/// A GPU runs candle's ops where the CPU runs Ladder's kernels (attention, RMSNorm, SwiGLU,
/// the LoRA products): the same seeded LoRA fit on those plain ops, here on the CPU, gives
/// the same losses and predictions.
#[test]
fn lora_training_on_the_plain_ops_a_gpu_runs_match_the_kernels() {
    let mut s = session();
    plain(&mut s, &setup());
    let kernels = lora_run(&mut s);
    let mut s = session();
    plain(&mut s, &setup());
    let plain_ops = ladder_stdlib::kernels::with_plain_ops(|| lora_run(&mut s));
    assert_eq!(kernels.len(), plain_ops.len());
    assert!(kernels.len() > 16, "{kernels:?}");
    for (i, (k, p)) in kernels.iter().zip(&plain_ops).enumerate() {
        assert!(
            (k - p).abs() < 1e-4,
            "value {i}: kernels {k}, plain ops {p}"
        );
    }
}

//! The ML core as a user meets it: Rhai cells in a session with the standard library.

use ladder_scripting::Output;
use ladder_stdlib::library;

mod common;
use common::{error, plain, session_with_output as session};

#[test]
fn tensors_compute_and_render_like_numpy() {
    let (mut s, _) = session();
    assert_eq!(
        plain(&mut s, "let x = tensor([[1.0, 2.0], [3.0, 4.0]]); x.shape"),
        "[2, 2]"
    );
    assert_eq!(
        plain(&mut s, "(x + 1.0).to_array()"),
        "[[2.0, 3.0], [4.0, 5.0]]"
    );
    assert_eq!(
        plain(&mut s, "(x * tensor([10.0, 100.0])).to_array()"),
        "[[10.0, 200.0], [30.0, 400.0]]"
    );
    assert_eq!(
        plain(&mut s, "matmul(x, x.t()).to_array()"),
        "[[5.0, 11.0], [11.0, 25.0]]"
    );
    assert_eq!(plain(&mut s, "x.sum(0).to_array()"), "[4.0, 6.0]");
    assert_eq!(plain(&mut s, "x.argmax(1).to_array()"), "[1, 1]");
    assert_eq!(plain(&mut s, "x[1][0]"), "3.0");
    assert_eq!(plain(&mut s, "(x > 2.0).to_array()"), "[[0, 0], [1, 1]]");
    assert_eq!(
        plain(&mut s, "tensor(0..4).reshape([2, -1]).shape"),
        "[2, 2]"
    );
    assert_eq!(plain(&mut s, "concat([x, x], 0).shape"), "[4, 2]");
    assert_eq!(plain(&mut s, "x.dtype + \" \" + x.device"), "\"f32 cpu\"");
    assert!(plain(&mut s, "x").starts_with("tensor([[1., 2.],"));
    assert_eq!(
        plain(
            &mut s,
            "randn([3], 7).to_array() == randn([3], 7).to_array()"
        ),
        "true"
    );
    let e = error(&mut s, "matmul(x, ones([3, 2]))");
    assert!(
        e.contains("matmul: shapes [2, 2] and [3, 2] are not aligned"),
        "{e}"
    );
    let e = error(&mut s, "x + ones([3])");
    assert!(
        e.contains("shapes [2, 2] and [3] cannot be broadcast"),
        "{e}"
    );
    let e = error(&mut s, "device(\"cuda\")");
    assert!(
        e.contains("no CUDA support") || e.contains("no usable GPU"),
        "{e}"
    );
    assert_eq!(
        plain(&mut s, "x.shape"),
        "[2, 2]",
        "the session survives errors"
    );
}

#[test]
fn data_sets_load_split_and_render() {
    let (mut s, _) = session();
    let text = plain(&mut s, "let d = dataset(\"iris\"); d");
    assert!(
        text.starts_with("Dataset \"iris\": 150 rows × 4 features, 3 classes"),
        "{text}"
    );
    assert_eq!(
        plain(
            &mut s,
            "let parts = split(d, #{test: 0.2, seed: 0, stratify: true}); parts[1].class_counts()"
        ),
        "[10, 10, 10]"
    );
    assert_eq!(
        plain(&mut s, "let h = halves(d, 0); h[0].len() + h[1].len()"),
        "150"
    );
    assert_eq!(plain(&mut s, "kfold(d, 5, 0).len()"), "5");
    assert_eq!(plain(&mut s, "moons(#{n: 50, seed: 1}).x.shape"), "[50, 2]");
    assert_eq!(plain(&mut s, "xor(#{n: 20, noise: 0.1}).n_classes"), "2");
    let e = error(&mut s, "load_csv(\"/nonexistent.csv\")");
    assert!(e.contains("load_csv(\"/nonexistent.csv\")"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "a,b,target\n1,2,0\n3,4,1\n").unwrap();
    let e = error(
        &mut s,
        &format!(
            "load_csv(\"{}\", #{{label: \"target\", features: [\"a\", \"c\"]}})",
            path.display()
        ),
    );
    assert!(
        e.contains("no column named \"c\" (columns: a, b, target)"),
        "{e}"
    );
    let e = error(&mut s, "dataset(zeros([0, 3]), tensor([0]))");
    assert!(e.contains("it has no rows"), "{e}");
    let e = error(
        &mut s,
        "dataset(tensor([[1.0], [2.0]]), tensor([0, 5]), #{classes: 2})",
    );
    assert!(
        e.contains("label 5 in row 1 is out of range for 2 classes"),
        "{e}"
    );
}

/// A data set's first rows, as pandas' `head`, and rows by a range, as a list of indices.
#[test]
fn data_sets_give_their_first_rows_and_rows_by_range() {
    let (mut s, _) = session();
    plain(&mut s, r#"let d = dataset("iris");"#);
    assert_eq!(plain(&mut s, "d.head().len()"), "5");
    assert_eq!(
        plain(&mut s, "d.head(3).y"),
        plain(&mut s, "subset(d, [0, 1, 2]).y")
    );
    assert_eq!(plain(&mut s, "d.head(1000).len()"), "150");
    assert_eq!(
        plain(&mut s, "d.subset(10..13).x"),
        plain(&mut s, "d.subset([10, 11, 12]).x")
    );
    assert_eq!(
        plain(&mut s, "d.subset(10..=12).x"),
        plain(&mut s, "d.subset([10, 11, 12]).x")
    );
    let e = error(&mut s, "d.head(0)");
    assert!(e.contains("head: n must be at least 1, got 0"), "{e}");
    let e = error(&mut s, "d.subset(140..160)");
    assert!(
        e.contains("subset: 150 is not a row index of \"iris\" (0..150)"),
        "{e}"
    );
}

#[test]
fn fit_trains_reports_progress_and_renders_history() {
    let (mut s, frontend) = session();
    plain(
        &mut s,
        r#"
        let d = dataset("breast_cancer");
        let parts = split(d, #{test: 0.2, seed: 0, stratify: true});
        let scaled = standardize(parts[0], parts[1]);
        let model = mlp([30, 16, 2], #{seed: 0});
        let h = fit(model, scaled[0], #{epochs: 5, batch_size: 32, lr: 0.01, validation: scaled[1], seed: 0});
    "#,
    );
    let acc: f64 = plain(&mut s, "accuracy(model, scaled[1])").parse().unwrap();
    assert!(acc >= 0.95, "{acc}");
    let table = plain(&mut s, "h");
    assert!(table.starts_with("History: 75 steps"), "{table}");
    assert!(table.contains("eval accuracy"), "{table}");
    let outputs = frontend.take();
    let displays: Vec<&Output> = outputs
        .iter()
        .filter(|o| matches!(o, Output::Display(..) | Output::UpdateDisplay(..)))
        .collect();
    assert!(!displays.is_empty(), "fit shows progress");
    assert!(matches!(displays[0], Output::Display(_, Some(id)) if id.starts_with("ladder-fit-")));
    let Some(Output::UpdateDisplay(last, _)) = displays.last() else {
        panic!("fit ends by updating its display: {displays:?}");
    };
    assert!(
        last.plain().unwrap().contains("step 75/75"),
        "{:?}",
        last.plain()
    );
    // The final state, which a saved notebook keeps, carries the loss curve.
    let png = last
        .png_bytes()
        .expect("final progress shows the loss curve");
    assert!(png.starts_with(b"\x89PNG"), "a PNG image");
    assert!(last.data["text/html"].as_str().unwrap().contains("<img"));
    assert_eq!(plain(&mut s, "h.loss.len()"), "75");
    assert_eq!(
        plain(&mut s, "predict_proba(model, scaled[1]).shape"),
        "[114, 2]"
    );
    let e = error(
        &mut s,
        "fit(logistic_regression(4, 2), scaled[0], #{epochs: 1, progress: false})",
    );
    assert!(
        e.contains("the model expects 4 input features but data set \"breast_cancer\" has 30"),
        "{e}"
    );
    let e = error(&mut s, "fit(model, scaled[0], #{epoch: 1})");
    assert!(e.contains("unknown option 'epoch'"), "{e}");
}

#[test]
fn a_seeded_fit_in_rhai_repeats_and_a_rhai_loop_trains() {
    let (mut s, _) = session();
    plain(
        &mut s,
        r#"
        let d = dataset("iris");
        fn run(d, seed) { let m = mlp([4, 8, 3], #{dropout: 0.1}); fit(m, d, #{epochs: 2, seed: seed, progress: false}).loss }
    "#,
    );
    assert_eq!(plain(&mut s, "run(d, 1) == run(d, 1)"), "true");
    assert_eq!(plain(&mut s, "run(d, 1) == run(d, 2)"), "false");
    let out = plain(
        &mut s,
        r#"
        let m = sequential([linear(4, 16), relu(), dropout(0.1), linear(16, 3)], 0);
        let opt = optimizer(m, #{name: "adamw", lr: 0.01});
        let first = 0.0; let last = 0.0;
        for epoch in 0..30 {
            for b in batches(d, 50, epoch) {
                last = opt.step(cross_entropy(forward(m, b.x, true), b.y));
                if first == 0.0 { first = last; }
            }
        }
        last < first
    "#,
    );
    assert_eq!(out, "true");
}

#[test]
fn losses_in_rhai_match_the_reference_values() {
    let (mut s, _) = session();
    plain(&mut s, "let z = tensor([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-1.0, 0.0, 1.0], [3.0, -2.0, 0.5]]); let y = tensor([0, 1, 2, 1]);");
    let ce: f64 = plain(&mut s, "cross_entropy(z, y).item()").parse().unwrap();
    assert!((ce - 1.5157278586).abs() < 1e-5, "{ce}");
    let e = error(&mut s, "cross_entropy(z, tensor([0, 1, 3, 1]))");
    assert!(
        e.contains("label 3 in row 2 is out of range for 3 classes"),
        "{e}"
    );
    let e = error(&mut s, "let nan = tensor([[0.0, 0.0]]) / 0.0; optimizer(mlp([2, 2]), #{}).step(cross_entropy(nan, tensor([0])))");
    assert!(e.contains("the loss is NaN"), "{e}");
}

#[test]
fn models_save_and_load() {
    let (mut s, _) = session();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model");
    plain(
        &mut s,
        &format!(
            "let m = mlp([4, 5, 3], #{{seed: 3}}); save_model(m, \"{}\");",
            path.display()
        ),
    );
    assert_eq!(plain(&mut s, &format!("let back = load_model(\"{}\"); (logits(back, ones([2, 4])) == logits(m, ones([2, 4]))).to_array()", path.display())), "[[1, 1, 1], [1, 1, 1]]");
    assert!(plain(&mut s, "back").starts_with("Model mlp (43 parameters, seed 3, cpu)"));
}

#[test]
fn the_readme_example_runs() {
    let (mut s, _) = session();
    let acc: f64 = plain(&mut s, r#"
        let parts = split(dataset("breast_cancer"), #{test: 0.2, seed: 0, stratify: true});
        let data = standardize(parts[0], parts[1]);
        let model = mlp([30, 64, 2], #{dropout: 0.1, seed: 0});
        let h = fit(model, data[0], #{epochs: 20, lr: 1e-3, validation: data[1], schedule: "cosine", progress: false});
        accuracy(model, data[1])
    "#).parse().unwrap();
    assert!(acc >= 0.95, "{acc}");
    let w2s: f64 = plain(&mut s, r#"
        let halves = halves(data[0], 0);
        let weak = logistic_regression(30, 2); fit(weak, halves[0], #{epochs: 5, progress: false});
        let w2s = mlp([30, 64, 2]);
        fit(w2s, with_soft_labels(halves[1], predict_proba(weak, halves[1])), #{loss: "w2s", progress: false});
        let m = sequential([linear(30, 16), relu(), linear(16, 2)], 0);
        let opt = optimizer(m, #{name: "lion", lr: 3e-4});
        for epoch in 0..5 { for b in batches(data[0], 32, epoch) { opt.step(cross_entropy(forward(m, b.x, true), b.y)); } }
        accuracy(w2s, data[1])
    "#).parse().unwrap();
    assert!(w2s > 0.8, "{w2s}");
}

#[test]
fn an_interrupt_stops_fit_and_keeps_the_session() {
    let (mut s, _) = session();
    plain(
        &mut s,
        "let d = dataset(\"digits\"); let m = mlp([64, 64, 10]); let before = logits(m, d.x);",
    );
    let handle = s.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        handle.interrupt();
    });
    let started = std::time::Instant::now();
    let result = s.execute("fit(m, d, #{epochs: 100000, progress: false})");
    stopper.join().unwrap();
    let e = result.expect_err("the fit was interrupted");
    assert_eq!(
        e.kind,
        ladder_scripting::ErrorKind::Interrupted,
        "{}",
        e.report()
    );
    assert!(started.elapsed().as_secs() < 30);
    // The model kept the weights of the steps it took, and the session still works.
    assert_eq!(
        plain(&mut s, "(logits(m, d.x) == before).to_array().len()"),
        "1797"
    );
    assert_eq!(
        plain(&mut s, "sum(logits(m, d.x) != before).item() > 0.0"),
        "true"
    );
}

#[test]
fn functions_carry_doc_comments_and_parameter_names_for_completion() {
    let mut engine = ladder_scripting::rhai::Engine::new();
    let mut renderers = ladder_scripting::Renderers::default();
    library().install(&mut engine, &mut renderers);
    let json: serde_json::Value =
        serde_json::from_str(&engine.gen_fn_metadata_to_json(false).unwrap()).unwrap();
    let functions = json["functions"].as_array().unwrap();
    let find = |name: &str, arity: usize| {
        functions
            .iter()
            .find(|f| f["name"] == name && f["params"].as_array().map_or(0, |p| p.len()) == arity)
            .unwrap_or_else(|| panic!("{name}/{arity} is registered"))
    };
    let fit = find("fit", 3);
    assert!(
        fit["docComments"][0]
            .as_str()
            .unwrap()
            .contains("Train a model in place"),
        "{fit}"
    );
    assert_eq!(fit["params"][0]["name"], "model");
    for (name, arity) in [
        ("tensor", 1),
        ("matmul", 2),
        ("dataset", 1),
        ("split", 2),
        ("mlp", 2),
        ("cross_entropy", 2),
        ("optimizer", 2),
        ("save_model", 2),
    ] {
        assert!(
            find(name, arity)["docComments"]
                .as_array()
                .is_some_and(|d| !d.is_empty()),
            "{name} has a doc comment"
        );
    }
}

#[test]
fn tensors_too_big_for_max_memory_are_refused_before_allocating() {
    let (mut s, _) = session();
    plain(&mut s, "let keep = 3;");
    plain(&mut s, "%limit max_memory 1G");
    for (code, names) in [
        (
            "zeros([200000, 200000])",
            "zeros: a [200000, 200000] f32 tensor needs 149.0 GiB",
        ),
        (
            "randn([100000, 100000], 0)",
            "randn: a [100000, 100000] f32 tensor",
        ),
        ("eye(100000)", "eye: a [100000, 100000] f32 tensor"),
        (
            "matmul(ones([100000, 1]), ones([1, 100000]))",
            "matmul: a [100000, 100000] f32 tensor",
        ),
        (
            "ones([100000, 1]) + ones([100000])",
            "add (+): a [100000, 100000] f32 tensor",
        ),
        (
            "concat([ones([1, 100000000]), ones([2, 100000000])], 0)",
            "concat: a [3, 100000000]",
        ),
        (
            "mlp([200000, 200000])",
            "linear layer weights: a [200000, 200000] f32 tensor",
        ),
        (
            "zeros([4294967296, 4294967296, 4294967296])",
            "more bytes than a machine can address",
        ),
    ] {
        let e = error(&mut s, code);
        assert!(e.contains(names), "{code}: {e}");
        assert!(e.contains("max_memory"), "{code}: {e}");
    }
    // A data file bigger than the budget (sparse: it takes no disk) is refused unread.
    let big = std::env::temp_dir().join(format!("ladder-big-{}.csv", std::process::id()));
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(64 << 30))
        .unwrap();
    let path = big.display().to_string();
    for reader in ["load_csv", "read_text_csv"] {
        let e = error(&mut s, &format!("{reader}(\"{path}\")"));
        assert!(
            e.contains(&format!("{reader}(\"{path}\"): the file needs 64.0 GiB")),
            "{e}"
        );
    }
    let _ = std::fs::remove_file(&big);
    assert_eq!(plain(&mut s, "keep"), "3");
    assert_eq!(plain(&mut s, "zeros([2, 3]).shape"), "[2, 3]");
}

/// Finding 2: an integer label too large for a class index is refused where it is read,
/// naming the label and its row, instead of wrapping to u32 or asking for billions of
/// per-class counters.
#[test]
fn huge_integer_labels_are_refused_naming_the_label_and_row() {
    let (mut s, _) = session();
    let e = error(&mut s, "dataset([[1.0, 2.0], [3.0, 4.0]], [0, 4294967296])");
    assert!(
        e.contains("label 4294967296 in row 1") && e.contains("too large"),
        "{e}"
    );
    let e = error(&mut s, "dataset([[1.0, 2.0], [3.0, 4.0]], [0, 3000000000])");
    assert!(e.contains("label 3000000000 in row 1"), "{e}");
    let e = error(
        &mut s,
        "dataset([[1.0], [2.0]], [0, 1], #{classes: 3000000000})",
    );
    assert!(e.contains("3000000000") && e.contains("classes"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    std::fs::write(&csv, "a,b,label\n1,2,0\n3,4,99999999999\n").unwrap();
    let e = error(&mut s, &format!("load_csv(\"{}\")", csv.display()));
    assert!(
        e.contains("line 3") && e.contains("label 99999999999") && e.contains("too large"),
        "{e}"
    );
    let jsonl = dir.path().join("big.jsonl");
    std::fs::write(
        &jsonl,
        "{\"a\": 1, \"label\": 0}\n{\"a\": 2, \"label\": 4294967296}\n",
    )
    .unwrap();
    let e = error(&mut s, &format!("load_jsonl(\"{}\")", jsonl.display()));
    assert!(
        e.contains("line 2") && e.contains("label 4294967296"),
        "{e}"
    );
    // A large but sane class index still works.
    assert_eq!(
        plain(&mut s, "dataset([[1.0], [2.0]], [0, 999]).n_classes"),
        "1000"
    );
}

/// Finding 3: numbers and names in one label column would share class ids ("2.0" became
/// class 0, the same as the label 0), so the mix is refused, naming one of each.
#[test]
fn loaded_labels_that_mix_numbers_and_names_are_refused() {
    let (mut s, _) = session();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("mix.csv");
    std::fs::write(&csv, "a,label\n1,0\n2,1\n3,2\n4,2.0\n5,1\n").unwrap();
    let e = error(&mut s, &format!("load_csv(\"{}\")", csv.display()));
    assert!(
        e.contains("labels mix numbers and names")
            && e.contains("line 2: \"0\"")
            && e.contains("line 5: \"2.0\""),
        "{e}"
    );
    let jsonl = dir.path().join("mix.jsonl");
    std::fs::write(
        &jsonl,
        "{\"a\": 1, \"label\": 0}\n{\"a\": 2, \"label\": 1}\n{\"a\": 3, \"label\": 2.0}\n",
    )
    .unwrap();
    let e = error(&mut s, &format!("load_jsonl(\"{}\")", jsonl.display()));
    assert!(
        e.contains("labels mix numbers and names") && e.contains("line 3: \"2.0\""),
        "{e}"
    );
    std::fs::write(
        &jsonl,
        "{\"a\": 1, \"label\": 0}\n{\"a\": 2, \"label\": null}\n",
    )
    .unwrap();
    let e = error(&mut s, &format!("load_jsonl(\"{}\")", jsonl.display()));
    assert!(
        e.contains("line 2") && e.contains("null is not a label"),
        "{e}"
    );
    // Names alone still load, numbered in order of first appearance.
    std::fs::write(&csv, "a,label\n1,cat\n2,dog\n3,cat\n").unwrap();
    assert_eq!(
        plain(
            &mut s,
            &format!("load_csv(\"{}\").y.to_array()", csv.display())
        ),
        "[0, 1, 0]"
    );
}

/// Finding 6: soft labels must be probability rows for the data set's classes.
#[test]
fn soft_labels_must_be_probability_rows() {
    let (mut s, _) = session();
    plain(&mut s, "let d = dataset([[1.0], [2.0], [3.0]], [0, 1, 2]);");
    let e = error(
        &mut s,
        "with_soft_labels(d, tensor([[1.0, 0.0, 0.0], [5.0, -4.0, 0.0], [0.0, 0.0, 1.0]]))",
    );
    assert!(
        e.starts_with("with_soft_labels:") && e.contains("-4") && e.contains("row 1"),
        "{e}"
    );
    let e = error(
        &mut s,
        "with_soft_labels(d, tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.2, 0.2]]))",
    );
    assert!(e.contains("row 2 sums to 0.6"), "{e}");
    let e = error(&mut s, "with_soft_labels(d, (ones([3, 3]) - 1.0) / 0.0)");
    assert!(e.contains("row 0") && e.contains("NaN"), "{e}");
    let e = error(
        &mut s,
        "with_soft_labels(d, tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))",
    );
    assert!(e.contains("2 columns") && e.contains("3 classes"), "{e}");
    let e = error(&mut s, "dataset([[1.0]], [0], #{soft: [[0.5, 0.6]]})");
    assert!(
        e.contains("soft labels") && e.contains("row 0 sums to 1.1"),
        "{e}"
    );
    let e = error(
        &mut s,
        "dataset([[1.0]], [0], #{soft: [[0.5, 0.25, 0.25]], classes: 2})",
    );
    assert!(e.contains("3 columns") && e.contains("2 classes"), "{e}");
    // Rounded probabilities are fine.
    assert_eq!(
        plain(
            &mut s,
            "with_soft_labels(d, tensor([[0.333, 0.333, 0.334], [0.0, 1.0, 0.0], [0.1, 0.2, 0.7]])).n_classes"
        ),
        "3"
    );
}

/// Finding 14: an empty path would write the hidden files `.json` and `.safetensors`; a
/// model file of another format version is refused, naming the file and the version.
#[test]
fn save_model_refuses_an_empty_path_and_load_model_an_unknown_format() {
    let (mut s, _) = session();
    let e = error(&mut s, "save_model(mlp([2, 2]), \"\")");
    assert_eq!(e, "save_model: empty path");
    for path in [".json", "some/dir/", "dir/.safetensors"] {
        let e = error(&mut s, &format!("save_model(mlp([2, 2]), \"{path}\")"));
        assert!(
            e.starts_with(&format!("save_model: \"{path}\" has no file name")),
            "{path}: {e}"
        );
    }
    assert!(!std::path::Path::new(".json").exists());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m");
    plain(
        &mut s,
        &format!("save_model(mlp([2, 2]), \"{}\");", path.display()),
    );
    let spec = dir.path().join("m.json");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(&spec, text.replace("ladder-model/1", "ladder-model/9")).unwrap();
    let e = error(&mut s, &format!("load_model(\"{}\")", path.display()));
    assert!(
        e.contains(&spec.display().to_string()) && e.contains("\"ladder-model/9\""),
        "{e}"
    );
    // Named by its weights' file, a model that is not there is named as the user wrote it.
    let e = error(&mut s, "load_model(\"/no/such/model.safetensors\")");
    assert!(
        e.contains("no saved model at /no/such/model.safetensors: /no/such/model.json is missing"),
        "{e}"
    );
}

#[test]
fn negative_counts_are_refused_like_negative_dimensions() {
    let (mut s, _) = session();
    assert_eq!(
        error(&mut s, "linspace(0.0, 1.0, -3)"),
        "linspace: n must not be negative, got -3"
    );
    assert_eq!(
        error(&mut s, "eye(-3)"),
        "eye: n must not be negative, got -3"
    );
    assert_eq!(error(&mut s, "zeros(-5)"), "zeros: negative dimension -5");
    // 0 is still an empty tensor.
    assert_eq!(plain(&mut s, "linspace(0.0, 1.0, 0).shape"), "[0]");
    assert_eq!(plain(&mut s, "eye(0).shape"), "[0, 0]");
    assert_eq!(
        plain(&mut s, "linspace(0.0, 1.0, 3).to_array()"),
        "[0.0, 0.5, 1.0]"
    );
}

/// A thread count the machine cannot run is refused before any pool is built: a pool of
/// 100,000 threads would hang the session at its next product.
#[test]
fn thread_counts_the_machine_cannot_run_are_refused() {
    let (mut s, _) = session();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let e = error(&mut s, "set_threads(100000)");
    assert!(
        e.starts_with("set_threads(100000): give 0 (auto) or 1 to ")
            && e.contains(&format!("this machine has {cores} cores")),
        "{e}"
    );
    let e = error(&mut s, "set_threads(-1)");
    assert!(
        e.starts_with("set_threads(-1): give 0 (auto) or 1 to "),
        "{e}"
    );
    assert_eq!(plain(&mut s, "threads()"), "0");
}

/// Findings 11 and 12: model and layer sizes, dropout and batch sizes are refused where they
/// are given, naming the value as the user wrote it (not clamped to 0 and refused later).
#[test]
fn bad_sizes_and_dropout_are_refused_at_construction_with_the_given_value() {
    let (mut s, _) = session();
    assert_eq!(
        error(&mut s, "mlp([4, 8, 3], #{dropout: -0.5})"),
        "mlp: option `dropout` must be in [0, 1), got -0.5"
    );
    assert_eq!(
        error(&mut s, "mlp([4, 8, 3], #{dropout: 1.0})"),
        "mlp: option `dropout` must be in [0, 1), got 1"
    );
    assert_eq!(
        error(&mut s, "logistic_regression(4, -3)"),
        "logistic_regression: needs at least 2 classes, got -3"
    );
    assert_eq!(
        error(&mut s, "logistic_regression(4, -3, #{seed: 1})"),
        "logistic_regression: needs at least 2 classes, got -3"
    );
    assert_eq!(
        error(&mut s, "logistic_regression(-4, 3)"),
        "logistic_regression: needs at least 1 input, got -4"
    );
    assert_eq!(
        error(&mut s, "linear(3, -1)"),
        "linear: sizes must be positive, got 3 → -1"
    );
    assert_eq!(
        error(&mut s, "linear(0, 2, #{bias: false})"),
        "linear: sizes must be positive, got 0 → 2"
    );
    assert_eq!(
        error(&mut s, "embedding(10, -4)"),
        "embedding: vocab and dim must be positive, got vocab = 10, dim = -4"
    );
    assert_eq!(
        error(&mut s, "embedding(0, 4)"),
        "embedding: vocab and dim must be positive, got vocab = 0, dim = 4"
    );
    assert_eq!(
        error(&mut s, "layer_norm(-2)"),
        "layer_norm: size must be positive, got -2"
    );
    plain(
        &mut s,
        "let d = dataset([[1.0], [2.0], [3.0], [4.0]], [0, 1, 0, 1]);",
    );
    assert_eq!(
        error(&mut s, "batches(d, -3, 0)"),
        "batches: batch_size must be at least 1, got -3"
    );
    assert_eq!(
        error(&mut s, "batches(d, 0, 0)"),
        "batches: batch_size must be at least 1, got 0"
    );
    // Sound values still build.
    assert_eq!(plain(&mut s, "len(batches(d, 3, 0))"), "2");
    assert_eq!(
        plain(&mut s, "mlp([4, 8, 3], #{dropout: 0.5}).kind"),
        "\"mlp\""
    );
    assert_eq!(
        plain(
            &mut s,
            "sequential([embedding(10, 4), mean_pool(), linear(4, 2)]).kind"
        ),
        "\"sequential\""
    );
}

/// Finding 12: weights that are all zero make the weighted loss 0/0; they are refused where
/// they are given, and `fit` refuses a data set left with only zero weights (a subset) before
/// any step, instead of blaming a NaN loss on the learning rate.
#[test]
fn all_zero_sample_weights_are_refused() {
    let (mut s, _) = session();
    plain(
        &mut s,
        "let d = dataset([[1.0], [2.0], [3.0], [4.0]], [0, 1, 0, 1]);",
    );
    assert_eq!(
        error(&mut s, "with_weights(d, [0.0, 0.0, 0.0, 0.0])"),
        "with_weights: all 4 sample weights for \"data\" are zero; a model cannot learn from them"
    );
    assert_eq!(
        error(
            &mut s,
            "dataset([[1.0], [2.0]], [0, 1], #{name: \"pair\", weights: [0.0, 0.0]})"
        ),
        "with_weights: all 2 sample weights for \"pair\" are zero; a model cannot learn from them"
    );
    plain(&mut s, "let dw = with_weights(d, [1.0, 0.0, 0.0, 0.0]);");
    assert_eq!(
        error(
            &mut s,
            "fit(logistic_regression(1, 2), subset(dw, [1, 2, 3]), #{epochs: 1, progress: false})"
        ),
        "fit: all sample weights of data set \"data\" are zero; a model cannot learn from them"
    );
    // Some zero weights are fine.
    plain(
        &mut s,
        "fit(logistic_regression(1, 2), dw, #{epochs: 1, progress: false});",
    );
}

/// A mini-batch whose sample weights are all zero (the data set's are not) has nothing to learn
/// from: its weighted mean Σwℓ/Σw is 0/0. Training goes on: the batch's loss is 0 and it leaves
/// the model and the optimizer's state alone, so the model ends as one trained on the weighted
/// rows only (not a NaN-loss error blaming the learning rate).
#[test]
fn a_batch_of_zero_weights_is_skipped_not_a_nan_loss() {
    let (mut s, _) = session();
    plain(
        &mut s,
        "let d = dataset([[1.0], [2.0], [3.0], [4.0]], [0, 1, 0, 1]);
         let dw = with_weights(d, [1.0, 0.0, 0.0, 0.0]);
         let o = #{epochs: 1, batch_size: 1, shuffle: false, progress: false};
         let m = logistic_regression(1, 2);
         let h = fit(m, dw, o);
         let one = logistic_regression(1, 2);
         fit(one, subset(dw, [0]), o);",
    );
    assert_eq!(plain(&mut s, "h.loss.len()"), "4");
    assert_eq!(
        plain(&mut s, "[h.loss[1], h.loss[2], h.loss[3]]"),
        "[0.0, 0.0, 0.0]"
    );
    assert_eq!(plain(&mut s, "h.loss[0] > 0.0"), "true");
    // The epoch's mean loss is over the batches that weigh something.
    assert_eq!(plain(&mut s, "h.final_loss == h.loss[0]"), "true");
    assert_eq!(
        plain(
            &mut s,
            "predict_proba(m, d.x).to_array() == predict_proba(one, d.x).to_array()"
        ),
        "true",
        "the zero-weight steps changed the model"
    );
}

/// Finding 12: a model file whose layers do not fit together names the file.
#[test]
fn load_model_names_the_file_whose_layer_sizes_disagree() {
    let (mut s, _) = session();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrongshape");
    plain(
        &mut s,
        &format!("save_model(mlp([4, 9, 3]), \"{}\");", path.display()),
    );
    let spec = dir.path().join("wrongshape.json");
    let text = std::fs::read_to_string(&spec).unwrap();
    assert_eq!(text.matches("\"inputs\": 9").count(), 1, "{text}");
    std::fs::write(&spec, text.replace("\"inputs\": 9", "\"inputs\": 8")).unwrap();
    let e = error(&mut s, &format!("load_model(\"{}\")", path.display()));
    assert_eq!(
        e,
        format!(
            "load_model: {}: layer 2 (linear(8 → 3)) expects 8 inputs but layer 0 (linear(4 → 9)) produces 9",
            spec.display()
        )
    );
}

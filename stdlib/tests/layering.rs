//! The library's modules point one way: no import cycle between the top-level modules of
//! `src/`, none between the files of `nn/`, and `kernels` (the numeric bottom) imports
//! nothing above `error` and `threads`.
//!
//! What counts as an import: every `crate::<module>` path in code (comments skipped), `use`
//! lines or inline paths alike. Two kinds of code are left out, on purpose:
//! - unit tests (`tests.rs`, `tests/`, and a file's `#[cfg(test)]` items): they may
//!   drive a module through a higher one (e.g. the fused layers compared over `fit`), which no
//!   build of the library itself depends on;
//! - the Rhai bindings (`bindings.rs`, `bindings/`): they are the scripting surface laid over
//!   the whole library, so a module's bindings may call any module (nn's `evaluate` uses train),
//!   while the plain-Rust modules below them stay acyclic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The module graph: node → (dependency → files that import it).
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn is_test_or_binding(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    let file = *parts.last().unwrap();
    file == "tests.rs"
        || file == "bindings.rs"
        || parts[..parts.len() - 1]
            .iter()
            .any(|d| *d == "tests" || *d == "bindings")
}

/// The library code of a file: comments removed, and each top-level `#[cfg(test)]` item left
/// out (a `mod tests;` line, or a block up to its closing `}` at the start of a line).
fn library_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("#[cfg(test)]") {
            for item in lines.by_ref() {
                if item.starts_with('}') || (!item.starts_with(' ') && item.ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        let code = match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The first segment of every path that starts with `prefix` (e.g. `crate::`), including
/// each branch of a `prefix{a::x, b}` group.
fn paths_after(code: &str, prefix: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        // `$crate::` in macros and longer names ending in the prefix are other paths.
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut start) = (0, 0);
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        found.push(ident(&group[start..j]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(ident(&group[start..j]));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            found.push(ident(rest));
        }
    }
    found.retain(|s| !s.is_empty());
    found
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// (path relative to `src/`, library code) of every file that is neither a test nor bindings.
fn library_files() -> Vec<(String, String)> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if is_test_or_binding(&rel) {
                return None;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            Some((rel, library_code(&text)))
        })
        .collect()
}

/// The node a file belongs to: its first path segment under `dir` (`x.rs` → `x`).
fn node_of(rel: &str) -> String {
    let first = rel.split('/').next().unwrap();
    first.strip_suffix(".rs").unwrap_or(first).to_string()
}

fn add_edge(g: &mut Graph, from: &str, to: &str, file: &str) {
    g.entry(from.to_string())
        .or_default()
        .entry(to.to_string())
        .or_default()
        .insert(file.to_string());
}

/// The top-level modules and which of them each one imports.
fn top_level_graph() -> Graph {
    let files = library_files();
    let modules: BTreeSet<String> = files.iter().map(|(rel, _)| node_of(rel)).collect();
    let mut g = Graph::new();
    for (rel, code) in &files {
        let from = node_of(rel);
        if from == "lib" {
            continue;
        }
        g.entry(from.clone()).or_default();
        for m in paths_after(code, "crate::") {
            if m != from && modules.contains(&m) {
                add_edge(&mut g, &from, &m, rel);
            }
        }
    }
    g
}

/// The files of the module folder `dir` (such as `nn`) and which of them each one imports
/// (`super::x`, `crate::nn::x`; a name that is not a file of the folder, such as a re-export
/// of `mod.rs`, counts as `mod`).
fn folder_graph(dir: &str) -> Graph {
    let files: Vec<(String, String)> = library_files()
        .into_iter()
        .filter_map(|(rel, code)| Some((rel.strip_prefix(&format!("{dir}/"))?.to_string(), code)))
        .collect();
    let nodes: BTreeSet<String> = files.iter().map(|(rel, _)| node_of(rel)).collect();
    let absolute = format!("crate::{}::", dir.replace('/', "::"));
    let mut g = Graph::new();
    for (rel, code) in &files {
        let from = node_of(rel);
        g.entry(from.clone()).or_default();
        // From dir/x.rs `super::` is dir; from dir/x/y.rs it is x itself, and `super::super::`
        // is dir.
        let nested = rel.matches('/').count() > 0;
        let mut names = paths_after(code, &absolute);
        if nested {
            names.extend(paths_after(code, "super::super::"));
        } else if from != "mod" {
            names.extend(paths_after(code, "super::"));
        } else {
            for line in code.lines() {
                let l = line.trim_start();
                if let Some(path) = l.strip_prefix("pub use ").or(l.strip_prefix("use ")) {
                    names.push(path.split("::").next().unwrap_or("").trim().to_string());
                }
            }
        }
        for n in names {
            let to = if nodes.contains(&n) { n } else { "mod".into() };
            if to != from && (nodes.contains(&to) || to == "mod") {
                add_edge(&mut g, &from, &to, rel);
            }
        }
    }
    g
}

/// A cycle of the graph, as its nodes with the files behind each edge, if there is one.
fn find_cycle(g: &Graph) -> Option<String> {
    fn visit(
        g: &Graph,
        n: &str,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for next in g.get(n).into_iter().flat_map(|d| d.keys()) {
            match state.get(next.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == next).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(g, next, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if !state.contains_key(n) {
            if let Some(cycle) = visit(g, n, &mut state, &mut Vec::new()) {
                let steps: Vec<String> = cycle
                    .windows(2)
                    .map(|w| {
                        let files: Vec<&str> = g[&w[0]][&w[1]].iter().map(|s| s.as_str()).collect();
                        format!("{} -> {} ({})", w[0], w[1], files.join(", "))
                    })
                    .collect();
                return Some(steps.join("\n  "));
            }
        }
    }
    None
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let g = top_level_graph();
    assert!(g.contains_key("tensor") && g.contains_key("nn"), "{g:?}");
    if let Some(c) = find_cycle(&g) {
        panic!("import cycle between stdlib's modules:\n  {c}");
    }
}

#[test]
fn the_files_of_nn_import_each_other_without_cycles() {
    let g = folder_graph("nn");
    assert!(g.contains_key("layers") && g.contains_key("fused"), "{g:?}");
    if let Some(c) = find_cycle(&g) {
        panic!("import cycle between the files of nn:\n  {c}");
    }
}

#[test]
fn the_files_of_weak_supervision_import_each_other_without_cycles() {
    let g = folder_graph("experiments/weak");
    assert!(
        g.contains_key("rules") && g.contains_key("rule_text"),
        "{g:?}"
    );
    if let Some(c) = find_cycle(&g) {
        panic!("import cycle between the files of experiments/weak:\n  {c}");
    }
}

#[test]
fn kernels_import_nothing_above_error_and_threads() {
    let g = top_level_graph();
    let allowed = |below: &[&str], m: &str| {
        let deps = g.get(m).unwrap_or_else(|| panic!("no module {m}"));
        let above: Vec<String> = deps
            .iter()
            .filter(|(d, _)| !below.contains(&d.as_str()))
            .map(|(d, files)| {
                format!(
                    "{d} ({})",
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        assert!(above.is_empty(), "{m} imports {}", above.join(", "));
    };
    allowed(&["error", "threads"], "kernels");
    allowed(&["error", "heap"], "threads");
    allowed(&[], "heap");
    allowed(&[], "error");
}

#[test]
fn the_checks_see_imports_and_report_cycles() {
    let code = library_code(
        "use crate::{a::x, b};\n// crate::c in a comment\nlet y = crate::d::f();\n$crate::e\n\
         #[cfg(test)]\nuse crate::t;\n#[cfg(test)]\nmod tests {\n    use crate::u;\n}\nuse crate::v;",
    );
    assert_eq!(paths_after(&code, "crate::"), ["a", "b", "d", "v"]);
    let mut g = Graph::new();
    add_edge(&mut g, "a", "b", "a.rs");
    add_edge(&mut g, "b", "c", "b.rs");
    assert_eq!(find_cycle(&g), None);
    add_edge(&mut g, "c", "a", "c/mod.rs");
    assert_eq!(
        find_cycle(&g).unwrap(),
        "a -> b (a.rs)\n  b -> c (b.rs)\n  c -> a (c/mod.rs)"
    );
    assert!(is_test_or_binding("nn/fused/tests.rs"));
    assert!(is_test_or_binding("data/bindings.rs"));
    assert!(is_test_or_binding("experiments/bindings/boost.rs"));
    assert!(!is_test_or_binding("nn/layers.rs"));
}

// Bad input at the library's entry points, as a user meets it in a cell (kept here, a file
// of its own callers, while other test files are being reworked).

mod common;
use common::{error, plain, session};

/// Sizes a script chooses (rows, dimensions, vocabularies, ranks, resamples) are refused by
/// the `max_memory` guard before anything is allocated: a `LimitExceeded` naming the call and
/// the size, and the session keeps its variables.
#[test]
fn sizes_a_script_chooses_are_refused_before_allocating() {
    let mut s = session();
    let lm = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/lm/tiny-llama");
    plain(
        &mut s,
        r#"let keep = 3;
let tok = train_tokenizer(["a b c", "b c d", "c d e a"], #{vocab_size: 40, min_frequency: 1});"#,
    );
    plain(&mut s, "%limit max_memory 1G");
    for (code, names) in [
        ("blobs(#{n: 2000000000})", "blobs: a [2000000000, 2] f32"),
        ("moons(#{n: 2000000000})", "moons: a [2000000000, 2] f32"),
        (
            "blobs(#{n: 10, dim: 2000000000})",
            "blobs: a [10, 2000000000] f32",
        ),
        ("blobs(#{n: 10, centers: 2000000000})", "blobs: the centres"),
        (
            "parity(#{n: 100000, bits: 10000})",
            "parity: a [100000, 10000] f32",
        ),
        (
            r#"tok.encode(["a b"], #{max_len: 2000000000})"#,
            "encode: a [1, 2000000000]",
        ),
        (
            "transformer_classifier(tok, 2, #{dim: 1000000, heads: 1})",
            "dim 1000000",
        ),
        (
            "transformer_classifier(100000000, 2, #{dim: 64})",
            "vocab 100000000",
        ),
        (
            "transformer_classifier(tok, 2, #{max_len: 2000000000})",
            "max_len 2000000000",
        ),
        (
            r#"train_tokenizer(["a b c"], #{vocab_size: 2000000000})"#,
            "vocab_size 2000000000",
        ),
        (
            "samme(dataset(\"iris\"), #{rounds: 2000000000, classes: 2000000000})",
            "SAMME",
        ),
        (
            "dawid_skene(label_matrix([[0, 1, 0], [1, 1, 1]], #{classes: 200000000}))",
            "200000000 classes",
        ),
        (
            r#"bootstrap_ci([0, 1, 1], [0, 1, 1], "accuracy", #{resamples: 2000000000})"#,
            "bootstrap_ci",
        ),
        (
            &format!(r#"lm_classifier(#{{path: "{lm}", classes: 2, lora: #{{r: 100000000}}}})"#),
            "rank 100000000",
        ),
        // A layer is refused where it is written, not later where a model builds it.
        (
            "embedding(1000000000, 1000)",
            "embedding: a [1000000000, 1000] f32",
        ),
        ("linear(100000, 100000)", "linear: a [100000, 100000] f32"),
    ] {
        let e = s.execute(code).unwrap_err();
        assert_eq!(e.name, "LimitExceeded", "{code}: {}", e.message);
        assert!(e.message.contains(names), "{code}: {}", e.message);
        assert!(e.message.contains("max_memory"), "{code}: {}", e.message);
    }
    assert_eq!(plain(&mut s, "keep"), "3");
    // Nothing was allocated: a script may catch the refusal and try a smaller size.
    let n = plain(
        &mut s,
        "let n = 2000000000; let d = (); \
         while d == () { try { d = blobs(#{n: n}); } catch (e) { n /= 1000; } } n",
    );
    assert_eq!(n, "2000000");
}

/// A batch whose activations (and their gradients) `max_memory` cannot hold is refused before
/// the first step, with the largest batch that fits; the model is untouched and a smaller
/// batch trains.
#[test]
fn fit_refuses_a_batch_whose_activations_do_not_fit() {
    let mut s = session();
    plain(
        &mut s,
        "let d = blobs(#{n: 400, dim: 4, centers: 2, seed: 0}); \
         let m = sequential([linear(4, 50000), relu(), dropout(0.1), linear(50000, 2)]); \
         let before = m.predict_proba(d)[0][0];",
    );
    plain(&mut s, "%limit max_memory 300M");
    let e = error(
        &mut s,
        "fit(m, d, #{epochs: 1, batch_size: 400, progress: false})",
    );
    assert!(
        e.starts_with("fit: a batch of 400 rows needs about ") && e.contains("max_memory"),
        "{e}"
    );
    assert!(e.contains("batch_size of at most "), "{e}");
    assert_eq!(plain(&mut s, "m.predict_proba(d)[0][0] == before"), "true");
    plain(
        &mut s,
        "fit(m, d, #{epochs: 1, batch_size: 16, progress: false});",
    );
}

/// A NaN or infinite feature is refused before training (ReLU would turn it into NaN weights
/// behind a finite loss), naming the row and column.
#[test]
fn fit_refuses_non_finite_features_naming_row_and_column() {
    let mut s = session();
    plain(&mut s, "let m = mlp([2, 4, 2], #{seed: 0});");
    let e = error(
        &mut s,
        "fit(m, dataset([[1.0, 0.0], [0.0, 0.0/0.0], [1.0, 1.0]], [0, 1, 1]), #{epochs: 1, progress: false})",
    );
    assert!(
        e.contains("NaN") && e.contains("row 1") && e.contains("column 1"),
        "{e}"
    );
    let e = error(
        &mut s,
        "fit(m, dataset([[1.0, 0.0], [1.0/0.0, 1.0]], [0, 1]), #{epochs: 1, progress: false})",
    );
    assert!(
        e.contains("inf") && e.contains("row 1") && e.contains("column 0"),
        "{e}"
    );
}

/// `scaler` and `standardize` refuse a NaN or infinite feature as `fit` does (one NaN would make
/// its column's mean and std NaN, and so every standardised value of the column), naming the
/// row and column.
#[test]
fn scaler_refuses_non_finite_features_naming_row_and_column() {
    let mut s = session();
    assert_eq!(
        error(
            &mut s,
            "scaler(dataset([[1.0, 0.0], [0.0, 0.0/0.0], [1.0, 1.0]], [0, 1, 1]))"
        ),
        "scaler: data set \"data\" has NaN at row 1, column 1 (\"x1\"); its column's mean and standard deviation would not be numbers (drop the row or fill in the value first)"
    );
    let e = error(
        &mut s,
        "let d = dataset([[1.0, 0.0], [1.0/0.0, 1.0]], [0, 1]); standardize(d, d)",
    );
    assert!(
        e.starts_with("standardize: ") && e.contains("inf at row 1, column 0"),
        "{e}"
    );
}

/// A validation set that does not fit the model is refused before the first step, naming
/// `validation`, and the model is left as it was.
#[test]
fn fit_checks_the_validation_set_before_training() {
    let mut s = session();
    plain(
        &mut s,
        r#"let d = dataset("iris");
let m = mlp([4, 8, 3], #{seed: 0});
let before = predict_proba(m, d.x).to_array()[0];"#,
    );
    let e = error(
        &mut s,
        r#"fit(m, d, #{epochs: 2, validation: dataset("wine"), progress: false})"#,
    );
    assert!(e.contains("validation set") && e.contains("13"), "{e}");
    let e = error(
        &mut s,
        "fit(m, d, #{epochs: 2, validation: dataset([[1.0, 2.0, 3.0, 4.0]], [5]), progress: false})",
    );
    assert!(e.contains("validation set") && e.contains("label 5"), "{e}");
    let e = error(
        &mut s,
        "fit(m, d, #{epochs: 2, validation: dataset([[1.0, 2.0, 0.0/0.0, 4.0]], [1]), progress: false})",
    );
    assert!(e.contains("validation set") && e.contains("NaN"), "{e}");
    assert_eq!(
        plain(&mut s, "predict_proba(m, d.x).to_array()[0] == before"),
        "true",
        "a refused fit leaves the model alone"
    );
    // A transformer's input width is not in its spec: a validation row is tried first.
    plain(
        &mut s,
        r#"let t = transformer_classifier(50, 2, #{dim: 8, heads: 2, layers: 1, max_len: 4});
let ids = dataset([[2, 3, 0, 0], [4, 5, 6, 0]], [0, 1]);"#,
    );
    let e = error(
        &mut s,
        "fit(t, ids, #{epochs: 1, validation: dataset([[2, 3, 4, 5, 6, 7]], [1]), progress: false})",
    );
    assert!(
        e.starts_with("fit: validation set \"data\": transformer: rows have 6 tokens"),
        "{e}"
    );
}

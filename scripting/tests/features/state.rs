//! State that lasts across cells.

use super::{fail, run, session};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn variables_constants_and_functions_persist() {
    let (mut s, _) = session();
    run(&mut s, "let x = 40;");
    run(&mut s, "const LIMIT = 2;");
    run(&mut s, "fn add(a, b) { a + b }");
    assert_eq!(run(&mut s, "add(x, LIMIT)").as_deref(), Some("42"));
    run(&mut s, "x += 1;");
    assert_eq!(run(&mut s, "x").as_deref(), Some("41"));
}

#[test]
fn constants_stay_constant_in_later_cells() {
    let (mut s, _) = session();
    run(&mut s, "const LIMIT = 2;");
    let e = fail(&mut s, "LIMIT = 3;");
    assert_eq!(e.name, "ConstantError", "{}", e.report());
    assert_eq!(run(&mut s, "LIMIT").as_deref(), Some("2"));
}

#[test]
fn functions_see_constants_of_earlier_cells() {
    let (mut s, _) = session();
    run(&mut s, "const SCALE = 10;");
    run(&mut s, "fn scaled(v) { v * global::SCALE }");
    assert_eq!(run(&mut s, "scaled(4)").as_deref(), Some("40"));
}

#[test]
fn redefining_a_function_replaces_it() {
    let (mut s, _) = session();
    run(&mut s, "fn f(x) { x + 1 }");
    assert_eq!(run(&mut s, "f(1)").as_deref(), Some("2"));
    run(&mut s, "fn f(x) { x * 10 }");
    assert_eq!(run(&mut s, "f(1)").as_deref(), Some("10"));
    // An overload with another arity lives alongside.
    run(&mut s, "fn f(x, y) { x - y }");
    assert_eq!(run(&mut s, "f(1) + f(5, 2)").as_deref(), Some("13"));
}

#[test]
fn functions_call_functions_from_other_cells() {
    let (mut s, _) = session();
    run(&mut s, "fn double(x) { x * 2 }");
    run(&mut s, "fn quad(x) { double(double(x)) }");
    assert_eq!(run(&mut s, "quad(3)").as_deref(), Some("12"));
    // Later redefinition of the callee is seen by the caller.
    run(&mut s, "fn double(x) { x * 3 }");
    assert_eq!(run(&mut s, "quad(1)").as_deref(), Some("9"));
}

#[test]
fn rebinding_keeps_only_the_latest_value() {
    let (mut s, _) = session();
    run(&mut s, "let x = 1;");
    run(&mut s, "let x = \"two\";");
    run(&mut s, "let y = 3; let y = y + 1;");
    let vars = s.variables();
    assert_eq!(
        vars,
        vec![
            ("x".to_string(), "string".to_string()),
            ("y".to_string(), "i64".to_string())
        ]
    );
    assert_eq!(run(&mut s, "y").as_deref(), Some("4"));
}

#[test]
fn a_failing_cell_keeps_what_ran_before_the_error() {
    let (mut s, _) = session();
    run(&mut s, "let kept = 1;");
    fail(&mut s, "let before = 2; let x = nope + 1; let after = 3;");
    assert_eq!(run(&mut s, "kept + before").as_deref(), Some("3"));
    assert!(s.get("after").is_none());
}

#[test]
fn imported_modules_persist() {
    let dir = std::env::temp_dir().join(format!("ladder-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("helpers.rhai");
    std::fs::write(
        &path,
        "/// Triple a number.\nfn triple(x) { x * 3 }\nexport const BASE = 7;\nprint(\"loading helpers\");\n",
    )
    .unwrap();
    let (mut s, out) = session();
    let module = path.with_extension("");
    run(&mut s, &format!("import \"{}\" as h;", module.display()));
    assert_eq!(
        out.text(ladder_scripting::Stream::Stdout),
        "loading helpers\n"
    );
    assert_eq!(run(&mut s, "h::triple(h::BASE)").as_deref(), Some("21"));
    // Functions defined later can use the module too.
    run(&mut s, "fn nine() { h::triple(3) }");
    assert_eq!(run(&mut s, "nine()").as_deref(), Some("9"));
    assert_eq!(
        out.text(ladder_scripting::Stream::Stdout),
        "loading helpers\n",
        "the module's top level runs once per import"
    );

    // Importing again after editing the file picks up the change.
    std::fs::write(&path, "fn triple(x) { x * 300 }\nexport const BASE = 1;\n").unwrap();
    run(&mut s, &format!("import \"{}\" as h;", module.display()));
    assert_eq!(run(&mut s, "h::triple(h::BASE)").as_deref(), Some("300"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A native value that counts how many times it has been dropped.
#[derive(Clone)]
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_shadowed_value_is_freed_when_its_name_is_rebound() {
    let (mut s, _) = session();
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = drops.clone();
    s.engine_mut()
        .register_type_with_name::<Tracked>("Tracked")
        .register_fn("tracked", move || Tracked(counter.clone()));
    run(&mut s, "let big = tracked();");
    assert_eq!(drops.load(Ordering::SeqCst), 0, "still bound");
    run(&mut s, "let big = 1;");
    assert_eq!(drops.load(Ordering::SeqCst), 1, "freed once rebound");

    // Shadowing inside one cell frees the earlier value too, once the cell ends.
    run(&mut s, "let t = tracked(); let t = tracked();");
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    run(&mut s, "let t = 0;");
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn reset_forgets_everything_but_keeps_builtins() {
    let (mut s, out) = session();
    run(&mut s, "let x = 1; fn f() { 2 }");
    s.reset();
    assert!(s.variables().is_empty());
    assert_eq!(fail(&mut s, "f()").name, "FunctionNotFound");
    run(&mut s, "print(\"still here\")");
    assert_eq!(out.text(ladder_scripting::Stream::Stdout), "still here\n");
}

#[test]
fn relative_imports_resolve_against_the_import_dir() {
    let dir = std::env::temp_dir().join(format!("ladder-import-dir-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("lib/half.rhai"), "fn half(x) { x / 2 }\n").unwrap();
    let (mut s, _) = session();
    s.set_import_dir(&dir);
    run(&mut s, "import \"lib/half\" as m;");
    assert_eq!(run(&mut s, "m::half(8)").as_deref(), Some("4"));
    s.reset();
    run(&mut s, "import \"lib/half\" as m;");
    assert_eq!(run(&mut s, "m::half(6)").as_deref(), Some("3"));
    let e = fail(&mut s, "import \"lib/missing\" as x;");
    assert_eq!(e.name, "ModuleNotFound", "{}", e.report());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rebinding_keeps_each_name_in_its_first_place_with_its_latest_value_and_kind() {
    let (mut s, _) = session();
    run(
        &mut s,
        "let data = [1, 2, 3]; let a = 1; const K = 5; let b = 2;",
    );
    run(&mut s, "let a = 10; let b = 20; let c = 3;");
    run(&mut s, "let b = 200;");
    let names: Vec<String> = s.variables().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["data", "a", "K", "b", "c"]);
    assert_eq!(
        run(&mut s, "[data, a, K, b, c]").as_deref(),
        Some("[[1, 2, 3], 10, 5, 200, 3]")
    );
    let e = fail(&mut s, "K = 6;");
    assert_eq!(e.name, "ConstantError", "{}", e.report());

    // A constant rebound as a variable (and back) takes the latest kind.
    run(&mut s, "let K = 6;");
    assert_eq!(run(&mut s, "K += 1; K").as_deref(), Some("7"));
    run(&mut s, "const a = 11;");
    assert_eq!(fail(&mut s, "a = 12;").name, "ConstantError");
    let names: Vec<String> = s.variables().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 5, "one entry a name: {names:?}");
}

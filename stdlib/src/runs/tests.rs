use super::*;
use serde_json::json;

fn sample(name: &str, seed: i64) -> RunRecord {
    let mut r = RunRecord::start(name);
    r.options = json!({"epochs": 3, "loss": "xent"});
    r.dataset = Some("moons".into());
    r.fingerprint = Some("sha256:0123".into());
    r.seed = Some(seed);
    r.metrics
        .insert("pgr".into(), json!(0.5 + seed as f64 / 10.0));
    r.tags.insert("sweep".into(), json!("s1"));
    r
}

fn temp_store() -> (tempfile::TempDir, RunStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(&dir.path().join("sub/runs.sqlite")).unwrap();
    (dir, store)
}

#[test]
fn a_record_comes_back_equal() {
    let (_dir, store) = temp_store();
    let r = sample("weak_to_strong", 1);
    store.insert(&r).unwrap();
    assert_eq!(store.get(&r.id).unwrap(), Some(r.clone()));
    assert_eq!(store.get(&r.id[..8]).unwrap(), Some(r));
    assert_eq!(store.get("nope").unwrap(), None);
}

#[test]
fn filters_select_by_columns_options_and_tags() {
    let (_dir, store) = temp_store();
    for seed in 0..4 {
        store.insert(&sample("fit", seed)).unwrap();
    }
    let mut other = sample("samme", 9);
    other.options = json!({"loss": "logconf"});
    other.tags.insert("sweep".into(), json!("s2"));
    store.insert(&other).unwrap();

    let count = |f: RunFilter| store.list(&f).unwrap().len();
    assert_eq!(count(RunFilter::default()), 5);
    let by_name = RunFilter {
        name: Some("fit".into()),
        ..Default::default()
    };
    assert_eq!(count(by_name), 4);
    let mut by_option = RunFilter::default();
    by_option.options.insert("loss".into(), json!("logconf"));
    assert_eq!(count(by_option), 1);
    let mut by_number = RunFilter::default();
    by_number.options.insert("epochs".into(), json!(3));
    assert_eq!(count(by_number), 4);
    let mut by_tag = RunFilter::default();
    by_tag.tags.insert("sweep".into(), json!("s1"));
    assert_eq!(count(by_tag), 4);
    let by_seed = RunFilter {
        seed: Some(2),
        ..Default::default()
    };
    assert_eq!(store.list(&by_seed).unwrap()[0].seed, Some(2));
    let newest = RunFilter {
        limit: Some(2),
        ..Default::default()
    };
    let names: Vec<_> = store.list(&newest).unwrap();
    assert_eq!(names.len(), 2);
    assert_eq!(names[1].name, "samme", "oldest first, newest last");
}

#[test]
fn merging_imports_only_new_records() {
    let (dir, mut store) = temp_store();
    let shared = sample("fit", 0);
    store.insert(&shared).unwrap();
    let task_path = dir.path().join("task-3.sqlite");
    let task = RunStore::open(&task_path).unwrap();
    task.insert(&shared).unwrap();
    task.insert(&sample("fit", 1)).unwrap();
    drop(task);
    assert_eq!(store.merge_from(&task_path).unwrap(), 1);
    assert_eq!(store.merge_from(&task_path).unwrap(), 0);
    assert_eq!(store.count().unwrap(), 2);
    let missing = store.merge_from(&dir.path().join("none.sqlite"));
    assert!(missing.unwrap_err().to_string().contains("no run store"));
}

#[test]
fn an_empty_path_or_a_folder_is_refused_by_name() {
    let e = RunStore::open(std::path::Path::new("")).err().unwrap();
    assert_eq!(
        e.message(),
        "run store: the path is empty; give a file, such as runs.sqlite"
    );
    let dir = tempfile::tempdir().unwrap();
    let e = RunStore::open(dir.path()).err().unwrap();
    assert_eq!(
        e.message(),
        format!(
            "run store {}: is a folder; give a file in it, such as {}",
            dir.path().display(),
            dir.path().join("runs.sqlite").display()
        )
    );
}

#[test]
fn a_store_from_a_newer_ladder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.sqlite");
    drop(RunStore::open(&path).unwrap());
    let db = rusqlite::Connection::open(&path).unwrap();
    db.pragma_update(None, "user_version", 99).unwrap();
    drop(db);
    let err = RunStore::open(&path).err().unwrap().to_string();
    assert!(err.contains("newer"), "{err}");
}

#[test]
fn the_default_path_follows_the_environment() {
    use std::path::PathBuf;
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.into())
        }
    };
    let path = |pairs| super::store::default_path_in(env(pairs));
    let all = &[
        (STORE_ENV, "/tmp/x/runs.sqlite"),
        ("XDG_DATA_HOME", "/data"),
        ("HOME", "/home/u"),
    ];
    assert_eq!(path(all), PathBuf::from("/tmp/x/runs.sqlite"));
    assert_eq!(
        path(&[("XDG_DATA_HOME", "/data"), ("HOME", "/home/u")]),
        PathBuf::from("/data/ladder/runs.sqlite")
    );
    assert_eq!(
        path(&[(STORE_ENV, ""), ("HOME", "/home/u")]),
        PathBuf::from("/home/u/.local/share/ladder/runs.sqlite")
    );
}

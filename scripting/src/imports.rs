//! Module files for `import "path" as name;`: loaded once, reloaded when the file changes.
//!
//! Rhai's file resolver caches a module forever; in a notebook one edits a helper file and
//! imports it again, so the cache entry is dropped when the file's modification time moves.

use rhai::module_resolvers::FileModuleResolver;
use rhai::{
    Engine, EvalAltResult, GlobalRuntimeState, Module, ModuleResolver, Position, Scope, Shared,
};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

type SharedModule = Shared<Module>;

/// When a file was last modified, and its length (two saves within the clock's resolution
/// usually change the length).
type Stamp = (Option<SystemTime>, Option<u64>);

pub struct ReloadingResolver {
    files: RefCell<FileModuleResolver>,
    loaded: RefCell<HashMap<PathBuf, Stamp>>,
}

impl ReloadingResolver {
    /// Resolve relative paths against `dir` (the current directory when `None`).
    pub fn new(dir: Option<&std::path::Path>) -> Self {
        Self {
            files: RefCell::new(match dir {
                Some(dir) => FileModuleResolver::new_with_path(dir),
                None => FileModuleResolver::new(),
            }),
            loaded: RefCell::default(),
        }
    }

    /// Forget the cached module for `path` when its file changed since it was loaded.
    fn refresh(&self, path: &str, source: Option<&str>) {
        let file = self
            .files
            .borrow()
            .get_file_path(path, source.map(std::path::Path::new));
        let meta = std::fs::metadata(&file).ok();
        let stamp = (
            meta.as_ref().and_then(|m| m.modified().ok()),
            meta.as_ref().map(|m| m.len()),
        );
        let mut loaded = self.loaded.borrow_mut();
        let changed = loaded.get(&file).is_some_and(|seen| *seen != stamp);
        if changed {
            // A nested import (a module importing another) runs while the outer resolve
            // holds the resolver; the outer file is refreshed on its own call anyway.
            if let Ok(mut files) = self.files.try_borrow_mut() {
                let _ = files.clear_cache_for_path(&file);
            }
        }
        loaded.insert(file, stamp);
    }
}

impl ModuleResolver for ReloadingResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        self.refresh(path, source);
        self.files.borrow().resolve(engine, source, path, pos)
    }

    fn resolve_raw(
        &self,
        engine: &Engine,
        global: &mut GlobalRuntimeState,
        scope: &mut Scope,
        path: &str,
        pos: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        self.refresh(path, None);
        self.files
            .borrow()
            .resolve_raw(engine, global, scope, path, pos)
    }
}

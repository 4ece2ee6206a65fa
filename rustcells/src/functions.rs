//! Rust functions a cell registered with `ladder_bridge::register(name, f)`, callable from
//! Rhai as `name(...)`. Each one is served by a thread in the Rust child process on a Unix
//! socket; a call sends the arguments as one frame (columns as they are, other values as
//! JSON: see wire.rs) and reads the answer, so a function over a whole column costs one round
//! trip.

use crate::wire;
use ladder_scripting::rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext, Position};
use serde_json::Value;
use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What a function's manifest (`fns/NAME.json`, written by the bridge) says.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Manifest {
    pub name: String,
    pub arity: usize,
    pub socket: PathBuf,
}

impl Manifest {
    fn read(path: &Path) -> Option<Manifest> {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        Some(Manifest {
            name: v["name"].as_str()?.to_string(),
            arity: v["arity"].as_u64()? as usize,
            socket: PathBuf::from(v["socket"].as_str()?),
        })
    }
}

/// One registered function and its open connection.
pub(crate) struct RustFunction {
    manifest: Manifest,
    /// The socket file's identity when registered: a re-registration makes a new one.
    generation: Option<std::time::SystemTime>,
    connection: RefCell<Option<UnixStream>>,
    folder: PathBuf,
}

impl RustFunction {
    fn call(&self, args: &[&mut Dynamic]) -> Result<Dynamic, String> {
        let mut request = Vec::new();
        for a in args.iter() {
            wire::encode_argument(a, &self.folder, &mut request)?;
        }
        let answer = self.round_trip(&request).map_err(|e| {
            self.connection.borrow_mut().take();
            format!(
                "the Rust side is gone ({e}): it restarts after an interrupt or a crash; run the cell that registers `{}` again",
                self.manifest.name
            )
        })?;
        wire::decode_answer(&answer)?
    }

    fn round_trip(&self, request: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut slot = self.connection.borrow_mut();
        if slot.is_none() {
            *slot = Some(UnixStream::connect(&self.manifest.socket)?);
        }
        let stream = slot.as_mut().expect("connected above");
        stream.write_all(&(request.len() as u32).to_le_bytes())?;
        stream.write_all(request)?;
        let mut len = [0u8; 4];
        stream.read_exact(&mut len)?;
        let mut answer = vec![0u8; u32::from_le_bytes(len) as usize];
        stream.read_exact(&mut answer)?;
        Ok(answer)
    }
}

/// The functions registered so far, by name.
#[derive(Default)]
pub(crate) struct Functions {
    known: RefCell<HashMap<String, Rc<RustFunction>>>,
}

impl Functions {
    /// Read the manifests in `folder/fns` and register what is new or re-registered in
    /// `engine`. Returns the names registered.
    pub fn refresh(&self, folder: &Path, engine: &mut Engine) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(folder.join("fns")) else {
            return Vec::new();
        };
        let mut added = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Some(manifest) = Manifest::read(&path) else {
                continue;
            };
            let generation = std::fs::metadata(&manifest.socket)
                .and_then(|m| m.modified())
                .ok();
            let mut known = self.known.borrow_mut();
            if let Some(old) = known.get(&manifest.name) {
                if old.manifest == manifest && old.generation == generation {
                    continue;
                }
            }
            let function = Rc::new(RustFunction {
                manifest: manifest.clone(),
                generation,
                connection: RefCell::new(None),
                folder: folder.to_path_buf(),
            });
            known.insert(manifest.name.clone(), function.clone());
            register(engine, function);
            added.push(manifest.name);
        }
        added.sort();
        added
    }

    /// Register every known function again (a `%reset` rebuilds the engine).
    pub fn reregister(&self, engine: &mut Engine) {
        for function in self.known.borrow().values() {
            register(engine, function.clone());
        }
    }
}

fn register(engine: &mut Engine, function: Rc<RustFunction>) {
    let name = function.manifest.name.clone();
    let types = vec![TypeId::of::<Dynamic>(); function.manifest.arity];
    engine.register_raw_fn(
        name.clone(),
        types,
        move |_: NativeCallContext, args: &mut [&mut Dynamic]| {
            function.call(args).map_err(|message| {
                Box::new(EvalAltResult::ErrorRuntime(
                    format!("{name} (Rust): {message}").into(),
                    Position::NONE,
                ))
            })
        },
    );
}

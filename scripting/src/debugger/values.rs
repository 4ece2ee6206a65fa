//! How values appear in the variables panel: a name, a type, a short value, and a
//! reference for the children of arrays and maps (tensors and other library types show
//! their first rendered line, e.g. their shape, and have none).

use crate::mime::{plain_text, Renderers};
use rhai::{Dynamic, Engine};
use serde_json::{json, Value};

/// The longest short value shown.
const SHORT: usize = 120;
/// The most children listed for one array or map.
const MAX_CHILDREN: usize = 300;

/// What a variables reference starts from.
#[derive(Clone, Debug, PartialEq)]
pub enum Root {
    /// Every variable of a scope (the session's, or the stopped frame's).
    Scope,
    /// One variable of that scope.
    Var(String),
    /// The argument copies of an outer frame (by its index in the call stack).
    Args(usize),
    /// One of them.
    Arg(usize, usize),
}

/// A step from a value to one of its children.
#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Index(usize),
    Field(String),
}

/// Where a variables reference points: a root (chosen by the caller) and a path below it.
#[derive(Clone, Debug, PartialEq)]
pub struct Path<R> {
    pub root: R,
    pub keys: Vec<Key>,
}

/// Variables references handed out since the last reset (DAP numbers them from 1).
#[derive(Debug)]
pub struct Refs<R> {
    paths: Vec<Path<R>>,
}

impl<R> Default for Refs<R> {
    fn default() -> Self {
        Self { paths: Vec::new() }
    }
}

impl<R: Clone + PartialEq> Refs<R> {
    pub fn add(&mut self, path: Path<R>) -> u64 {
        if let Some(i) = self.paths.iter().position(|p| *p == path) {
            return i as u64 + 1;
        }
        self.paths.push(path);
        self.paths.len() as u64
    }

    pub fn get(&self, reference: u64) -> Option<&Path<R>> {
        self.paths.get((reference as usize).checked_sub(1)?)
    }

    pub fn clear(&mut self) {
        self.paths.clear();
    }
}

/// The child of `value` at `key`.
pub fn child(value: &Dynamic, key: &Key) -> Option<Dynamic> {
    match key {
        Key::Index(i) => value.read_lock::<rhai::Array>()?.get(*i).cloned(),
        Key::Field(name) => value.read_lock::<rhai::Map>()?.get(name.as_str()).cloned(),
    }
}

/// Follow `keys` down from `value`.
pub fn descend(value: Dynamic, keys: &[Key]) -> Option<Dynamic> {
    keys.iter().try_fold(value, |v, key| child(&v, key))
}

/// The children of an array or map, with their keys.
pub fn children(value: &Dynamic) -> Vec<(Key, Dynamic)> {
    if let Some(array) = value.read_lock::<rhai::Array>() {
        return array
            .iter()
            .take(MAX_CHILDREN)
            .enumerate()
            .map(|(i, v)| (Key::Index(i), v.clone()))
            .collect();
    }
    if let Some(map) = value.read_lock::<rhai::Map>() {
        return map
            .iter()
            .take(MAX_CHILDREN)
            .map(|(k, v)| (Key::Field(k.to_string()), v.clone()))
            .collect();
    }
    Vec::new()
}

pub fn has_children(value: &Dynamic) -> bool {
    value.is_array() || value.is_map()
}

/// The type as Rhai names it to users (`Tensor`, not the Rust path).
pub fn type_name(engine: &Engine, value: &Dynamic) -> String {
    engine.map_type_name(value.type_name()).to_string()
}

/// The type a debugging front end is told. JupyterLab's variables tree shows the value only
/// for Python's scalar type names (`int`, `float`, `bool`, `str`) and the type for any other,
/// so Rhai's scalars go by those names; everything else by its Rhai name.
pub fn dap_type(engine: &Engine, value: &Dynamic) -> String {
    let name = type_name(engine, value);
    match name.as_str() {
        "i64" | "i32" | "u8" | "u16" | "u32" | "u64" | "i8" | "i16" => "int".into(),
        "f64" | "f32" => "float".into(),
        "string" | "char" => "str".into(),
        _ => name,
    }
}

/// A one-line value: the rendered text's first line, cut short.
pub fn short_value(renderers: &Renderers, value: &Dynamic) -> String {
    let text = if value.is_unit() {
        "()".to_string()
    } else if has_children(value) || value.is_string() || value.is_char() {
        plain_text(value)
    } else {
        renderers
            .render(value)
            .and_then(|b| b.plain().map(str::to_string))
            .unwrap_or_else(|| plain_text(value))
    };
    let first = text.lines().next().unwrap_or("");
    let mut short: String = first.chars().take(SHORT).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// One DAP `Variable`; `reference` is 0 for a value without children.
pub fn variable(
    engine: &Engine,
    renderers: &Renderers,
    name: &str,
    evaluate_name: &str,
    value: &Dynamic,
    reference: u64,
) -> Value {
    json!({
        "name": name,
        "value": short_value(renderers, value),
        "type": dap_type(engine, value),
        "evaluateName": evaluate_name,
        "variablesReference": reference,
    })
}

/// How a child is read in Rhai (`xs[2]`, `m.key` or `m["odd key"]`).
pub fn child_expression(parent: &str, key: &Key) -> String {
    match key {
        Key::Index(i) => format!("{parent}[{i}]"),
        Key::Field(name) if is_identifier(name) => format!("{parent}.{name}"),
        Key::Field(name) => format!("{parent}[{name:?}]"),
    }
}

pub fn key_name(key: &Key) -> String {
    match key {
        Key::Index(i) => i.to_string(),
        Key::Field(name) => name.clone(),
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The variables of a list of named values, registering references for the nested ones.
pub fn list<R: Clone + PartialEq>(
    engine: &Engine,
    renderers: &Renderers,
    refs: &mut Refs<R>,
    parent: Option<(&Path<R>, &str)>,
    root_of: impl Fn(&str) -> R,
    entries: Vec<(Key, Dynamic)>,
) -> Vec<Value> {
    entries
        .into_iter()
        .map(|(key, value)| {
            let name = key_name(&key);
            let (path, evaluate) = match parent {
                Some((path, expression)) => {
                    let mut keys = path.keys.clone();
                    keys.push(key.clone());
                    let path = Path {
                        root: path.root.clone(),
                        keys,
                    };
                    (path, child_expression(expression, &key))
                }
                None => (
                    Path {
                        root: root_of(&name),
                        keys: Vec::new(),
                    },
                    name.clone(),
                ),
            };
            let reference = if has_children(&value) {
                refs.add(path)
            } else {
                0
            };
            variable(engine, renderers, &name, &evaluate, &value, reference)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_values_are_reached_by_their_keys() {
        let mut map = rhai::Map::new();
        map.insert(
            "xs".into(),
            Dynamic::from(vec![Dynamic::from(1_i64), Dynamic::from(7_i64)]),
        );
        let value = Dynamic::from(map);
        let keys = [Key::Field("xs".into()), Key::Index(1)];
        assert_eq!(descend(value, &keys).unwrap().as_int(), Ok(7));
        assert_eq!(
            child_expression("m", &Key::Field("odd key".into())),
            "m[\"odd key\"]"
        );
        assert_eq!(child_expression("m", &Key::Field("xs".into())), "m.xs");
    }

    #[test]
    fn references_are_stable_and_start_at_one() {
        let mut refs: Refs<u8> = Refs::default();
        let path = Path {
            root: 0,
            keys: vec![Key::Index(3)],
        };
        assert_eq!(refs.add(path.clone()), 1);
        assert_eq!(
            refs.add(Path {
                root: 1,
                keys: vec![]
            }),
            2
        );
        assert_eq!(refs.add(path.clone()), 1);
        assert_eq!(refs.get(1), Some(&path));
        assert_eq!(refs.get(0), None);
    }

    #[test]
    fn long_values_are_cut_to_one_line() {
        let r = Renderers::default();
        let long: rhai::Array = (0..1000_i64).map(Dynamic::from).collect();
        let short = short_value(&r, &Dynamic::from(long));
        assert!(
            short.ends_with('…') && short.chars().count() == SHORT + 1,
            "{short}"
        );
        assert_eq!(short_value(&r, &Dynamic::from("a\nb")), "\"a\\nb\"");
    }
}

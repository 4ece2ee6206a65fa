//! Reading option maps (`#{epochs: 10, lr: 0.01}`) with errors that name the bad key.

use crate::bail;
use crate::error::Result;
use ladder_scripting::rhai::{Dynamic, Map};

/// An option map being read by one function; `finish` rejects keys nobody asked for.
pub struct Opts<'a> {
    what: &'a str,
    map: Map,
    used: Vec<String>,
}

impl<'a> Opts<'a> {
    pub fn new(what: &'a str, map: Map) -> Self {
        Opts {
            what,
            map,
            used: Vec::new(),
        }
    }

    pub fn empty(what: &'a str) -> Self {
        Self::new(what, Map::new())
    }

    pub fn raw(&mut self, key: &str) -> Option<Dynamic> {
        self.used.push(key.to_string());
        self.map.get(key).filter(|v| !v.is_unit()).cloned()
    }

    pub fn float(&mut self, key: &str, default: f64) -> Result<f64> {
        match self.raw(key) {
            None => Ok(default),
            Some(v) => match (v.as_float(), v.as_int()) {
                (Ok(f), _) => Ok(f),
                (_, Ok(i)) => Ok(i as f64),
                _ => bail!(
                    "{}: option `{key}` must be a number, got {}",
                    self.what,
                    v.type_name()
                ),
            },
        }
    }

    pub fn int(&mut self, key: &str, default: i64) -> Result<i64> {
        match self.raw(key) {
            None => Ok(default),
            Some(v) => match v.as_int() {
                Ok(i) => Ok(i),
                Err(_) => bail!(
                    "{}: option `{key}` must be an integer, got {}",
                    self.what,
                    v.type_name()
                ),
            },
        }
    }

    pub fn usize(&mut self, key: &str, default: usize) -> Result<usize> {
        let v = self.int(key, default as i64)?;
        if v < 0 {
            bail!(
                "{}: option `{key}` must not be negative, got {v}",
                self.what
            );
        }
        Ok(v as usize)
    }

    pub fn bool(&mut self, key: &str, default: bool) -> Result<bool> {
        match self.raw(key) {
            None => Ok(default),
            Some(v) => v.as_bool().map_err(|t| {
                crate::error::Error::new(format!(
                    "{}: option `{key}` must be true or false, got {t}",
                    self.what
                ))
            }),
        }
    }

    pub fn string(&mut self, key: &str, default: &str) -> Result<String> {
        match self.raw(key) {
            None => Ok(default.to_string()),
            Some(v) => v.into_string().map_err(|t| {
                crate::error::Error::new(format!(
                    "{}: option `{key}` must be a string, got {t}",
                    self.what
                ))
            }),
        }
    }

    /// Error on keys that were never read (a typo like `epoch` for `epochs`).
    pub fn finish(self) -> Result<()> {
        let unknown: Vec<&str> = self
            .map
            .keys()
            .map(|k| k.as_str())
            .filter(|k| !self.used.iter().any(|u| u == k))
            .collect();
        if !unknown.is_empty() {
            let mut known = self.used.clone();
            known.sort();
            known.dedup();
            bail!(
                "{}: unknown option(s) {} (known: {})",
                self.what,
                unknown.join(", "),
                known.join(", ")
            );
        }
        Ok(())
    }
}

//! The one reader of option maps (`#{epochs: 10, lr: 0.01}`): every function that takes
//! options reads them through an [`Opts`], so a wrong type names the key and the type it got,
//! and a misspelt key (`epoch` for `epochs`) names itself and lists the keys the function reads.
//! Errors are [`Error::Options`].

use crate::error::{Error, Result};
use ladder_scripting::rhai::{Dynamic, Map};

/// An option map being read by one function; `finish` rejects keys nobody asked for. Call
/// `finish` once every option is read and before the work starts, so a typo costs nothing.
pub struct Opts<'a> {
    what: &'a str,
    map: Map,
    /// Keys read so far, in reading order (the order the error lists them in).
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

    /// The function name errors start with.
    pub fn what(&self) -> &str {
        self.what
    }

    /// An error about option `key`, e.g. `fail("lr", "must be positive")`.
    pub fn fail(&self, key: &str, message: impl std::fmt::Display) -> Error {
        Error::options(format!("{}: option `{key}` {message}", self.what))
    }

    fn wrong_type(&self, key: &str, wanted: &str, got: &Dynamic) -> Error {
        self.fail(key, format!("must be {wanted}, got {}", got.type_name()))
    }

    /// The value of `key` as given (`()` counts as absent), marking the key as known.
    pub fn raw(&mut self, key: &str) -> Option<Dynamic> {
        if !self.used.iter().any(|u| u == key) {
            self.used.push(key.to_string());
        }
        self.map.get(key).filter(|v| !v.is_unit()).cloned()
    }

    /// A number (int or float), if given.
    pub fn float_opt(&mut self, key: &str) -> Result<Option<f64>> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => match (v.as_float(), v.as_int()) {
                (Ok(f), _) => Ok(Some(f)),
                (_, Ok(i)) => Ok(Some(i as f64)),
                _ => Err(self.wrong_type(key, "a number", &v)),
            },
        }
    }

    pub fn float(&mut self, key: &str, default: f64) -> Result<f64> {
        Ok(self.float_opt(key)?.unwrap_or(default))
    }

    /// An integer, if given.
    pub fn int_opt(&mut self, key: &str) -> Result<Option<i64>> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => match v.as_int() {
                Ok(i) => Ok(Some(i)),
                Err(_) => Err(self.wrong_type(key, "an integer", &v)),
            },
        }
    }

    pub fn int(&mut self, key: &str, default: i64) -> Result<i64> {
        Ok(self.int_opt(key)?.unwrap_or(default))
    }

    pub fn usize(&mut self, key: &str, default: usize) -> Result<usize> {
        let v = self.int(key, default as i64)?;
        if v < 0 {
            return Err(self.fail(key, format!("must not be negative, got {v}")));
        }
        Ok(v as usize)
    }

    /// An optional non-negative integer (a layer index).
    pub fn usize_opt(&mut self, key: &str) -> Result<Option<usize>> {
        match self.int_opt(key)? {
            Some(v) if v < 0 => Err(self.fail(key, format!("must not be negative, got {v}"))),
            v => Ok(v.map(|v| v as usize)),
        }
    }

    /// A count of at least 1 (rounds, folds, iterations).
    pub fn count(&mut self, key: &str, default: usize) -> Result<usize> {
        let v = self.int(key, default as i64)?;
        if v < 1 {
            return Err(self.fail(key, format!("must be at least 1, got {v}")));
        }
        Ok(v as usize)
    }

    /// A seed: any integer, read as its 64 bits.
    pub fn seed(&mut self, key: &str) -> Result<u64> {
        Ok(self.int(key, 0)? as u64)
    }

    pub fn bool(&mut self, key: &str, default: bool) -> Result<bool> {
        match self.raw(key) {
            None => Ok(default),
            Some(v) => v
                .as_bool()
                .map_err(|_| self.wrong_type(key, "true or false", &v)),
        }
    }

    /// A string, if given.
    pub fn string_opt(&mut self, key: &str) -> Result<Option<String>> {
        match self.raw(key) {
            None => Ok(None),
            Some(v) => match v.clone().into_string() {
                Ok(s) => Ok(Some(s)),
                Err(_) => Err(self.wrong_type(key, "a string", &v)),
            },
        }
    }

    pub fn string(&mut self, key: &str, default: &str) -> Result<String> {
        Ok(self.string_opt(key)?.unwrap_or_else(|| default.to_string()))
    }

    /// The keys not read so far, to hand on to another reader (a model spec's `fit` options);
    /// that reader's `finish` reports the unknown ones.
    pub fn rest(self) -> Map {
        let used = self.used;
        self.map
            .into_iter()
            .filter(|(k, _)| !used.iter().any(|u| u == k.as_str()))
            .collect()
    }

    /// Error on keys that were never read.
    pub fn finish(self) -> Result<()> {
        let unknown: Vec<String> = self
            .map
            .keys()
            .filter(|k| !self.used.iter().any(|u| u == k.as_str()))
            .map(|k| format!("'{k}'"))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let noun = if unknown.len() == 1 {
            "option"
        } else {
            "options"
        };
        Err(Error::options(format!(
            "{}: unknown {noun} {} (known: {})",
            self.what,
            unknown.join(", "),
            self.used.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect()
    }

    #[test]
    fn unknown_keys_are_named_with_the_known_ones_in_reading_order() {
        let mut o = Opts::new("fit", map(&[("epoch", Dynamic::from_int(3))]));
        o.usize("epochs", 1).unwrap();
        o.float("lr", 0.1).unwrap();
        let e = o.finish().unwrap_err();
        assert!(matches!(e, Error::Options(_)));
        assert_eq!(
            e.to_string(),
            "fit: unknown option 'epoch' (known: epochs, lr)"
        );
    }

    #[test]
    fn wrong_types_and_ranges_name_the_key() {
        let mut o = Opts::new("samme", map(&[("rounds", Dynamic::from("ten"))]));
        let e = o.count("rounds", 50).unwrap_err().to_string();
        assert_eq!(e, "samme: option `rounds` must be an integer, got string");
        let mut o = Opts::new("samme", map(&[("rounds", Dynamic::from_int(0))]));
        let e = o.count("rounds", 50).unwrap_err().to_string();
        assert_eq!(e, "samme: option `rounds` must be at least 1, got 0");
    }

    #[test]
    fn unit_is_absent_and_ints_are_numbers() {
        let mut o = Opts::new(
            "f",
            map(&[("a", Dynamic::UNIT), ("b", Dynamic::from_int(2))]),
        );
        assert_eq!(o.float_opt("a").unwrap(), None);
        assert_eq!(o.float("b", 0.0).unwrap(), 2.0);
        o.finish().unwrap();
    }
}

//! `apply_lfs`: the votes of labelling functions on every row. Rule sets ([`Rules`]) label
//! whole columns at once; closures are called once per row and labelling function.

use super::rules::{Column, Rules};
use crate::error::{Error, RhaiResult};
use ladder_scripting::context;
use ladder_scripting::rhai::{
    Array, Dynamic, EvalAltResult, FnPtr, ImmutableString, Map, NativeCallContext,
};
use std::collections::HashMap;
use std::rc::Rc;

/// One labelling function as `apply_lfs` takes it.
pub enum Lf {
    Closure(FnPtr),
    Rules(Rc<Rules>),
}

/// How many rows pass between two looks at the interrupt flag.
const INTERRUPT_EVERY: usize = 256;

/// The n × m votes, row-major: row `i`'s vote by labelling function `j` at `i * m + j`.
/// `names` name the functions in errors.
pub fn apply(
    ctx: &NativeCallContext,
    rows: &Array,
    lfs: &[Lf],
    names: &[String],
) -> RhaiResult<Vec<i64>> {
    let (n, m) = (rows.len(), lfs.len());
    let mut out = vec![0; n * m];
    let columns = columns(rows, lfs)?;
    for (j, lf) in lfs.iter().enumerate() {
        if let Lf::Rules(rules) = lf {
            context::check_interrupt()?;
            let votes = rules.votes(n, |name| &columns[name])?;
            for (i, v) in votes.into_iter().enumerate() {
                out[i * m + j] = v;
            }
        }
    }
    let closures: Vec<(usize, &FnPtr)> = lfs
        .iter()
        .enumerate()
        .filter_map(|(j, lf)| match lf {
            Lf::Closure(f) => Some((j, f)),
            Lf::Rules(_) => None,
        })
        .collect();
    if closures.is_empty() {
        return Ok(out);
    }
    for (i, row) in rows.iter().enumerate() {
        if i % INTERRUPT_EVERY == 0 {
            context::check_interrupt()?;
        }
        for &(j, f) in &closures {
            out[i * m + j] = call(ctx, f, row, i, &names[j])?;
        }
    }
    Ok(out)
}

/// One closure's vote on one row. The closure gets its own copy of the row, as a Rhai call
/// with the row as argument would, so a closure that changes its argument changes nothing else.
fn call(
    ctx: &NativeCallContext,
    f: &FnPtr,
    row: &Dynamic,
    i: usize,
    name: &str,
) -> RhaiResult<i64> {
    let v = f.call_raw(ctx, None, [row.clone()]).map_err(|e| {
        Error::callback(&e, |e| {
            format!("labelling function '{name}' failed on row {i}: {e}")
        })
    })?;
    Ok(v.as_int().map_err(|t| {
        format!(
            "labelling function '{name}' returned a {t} on row {i}; it must return a class or -1 to abstain"
        )
    })?)
}

/// The columns the rule sets read, in one pass over the rows. Each column is ints, floats
/// (ints and floats mixed) or strings; anything else fails, naming the first rule set that
/// reads the column and the row.
fn columns(rows: &Array, lfs: &[Lf]) -> RhaiResult<HashMap<String, Column>> {
    let mut builders: Vec<Builder> = Vec::new();
    for lf in lfs {
        if let Lf::Rules(rules) = lf {
            for name in rules.columns() {
                if !builders.iter().any(|b| b.name == name) {
                    builders.push(Builder::new(name, &rules.source, rows.len()));
                }
            }
        }
    }
    if builders.is_empty() {
        return Ok(HashMap::new());
    }
    for (i, row) in rows.iter().enumerate() {
        if i % (16 * INTERRUPT_EVERY) == 0 {
            context::check_interrupt()?;
        }
        let map = row.read_lock::<Map>().ok_or_else(|| {
            builders[0].fail(format!(
                "row {i} is a {}, not a map: rules read the named columns of map rows",
                row.type_name()
            ))
        })?;
        for b in builders.iter_mut() {
            let v = map.get(b.name).ok_or_else(|| {
                let have: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
                b.fail(format!(
                    "no column '{}' in row {i} (its columns: {})",
                    b.name,
                    have.join(", ")
                ))
            })?;
            b.push(i, v)?;
        }
    }
    Ok(builders
        .into_iter()
        .map(|b| (b.name.to_string(), b.finish()))
        .collect())
}

/// One column being read from the rows.
struct Builder<'a> {
    name: &'a str,
    /// The first rule set that reads the column, named in errors.
    source: &'a str,
    ints: Vec<i64>,
    floats: Option<Vec<f64>>,
    texts: Vec<ImmutableString>,
}

impl<'a> Builder<'a> {
    fn new(name: &'a str, source: &'a str, n: usize) -> Self {
        Builder {
            name,
            source,
            ints: Vec::with_capacity(n),
            floats: None,
            texts: Vec::new(),
        }
    }

    fn fail(&self, m: String) -> Box<EvalAltResult> {
        Error::data(format!("lf(\"{}\"): {m}", self.source)).into()
    }

    fn push(&mut self, i: usize, v: &Dynamic) -> RhaiResult<()> {
        let is_text = !self.texts.is_empty();
        let mixed = |what: &str| {
            self.fail(format!(
                "column '{}' holds {what} in row {i} but {} in row 0",
                self.name,
                if is_text { "a string" } else { "a number" }
            ))
        };
        if let Ok(x) = v.as_int() {
            if is_text {
                return Err(mixed("a number"));
            }
            match self.floats.as_mut() {
                Some(f) => f.push(x as f64),
                None => self.ints.push(x),
            }
        } else if let Ok(x) = v.as_float() {
            if is_text {
                return Err(mixed("a number"));
            }
            let ints = &mut self.ints;
            self.floats
                .get_or_insert_with(|| ints.drain(..).map(|a| a as f64).collect())
                .push(x);
        } else if let Some(s) = v.read_lock::<ImmutableString>() {
            if i > 0 && !is_text {
                return Err(mixed("a string"));
            }
            self.texts.push(s.clone());
        } else {
            return Err(self.fail(format!(
                "column '{}' holds a {} in row {i}; rules compare numbers and strings",
                self.name,
                v.type_name()
            )));
        }
        Ok(())
    }

    fn finish(self) -> Column {
        match self.floats {
            Some(f) => Column::Float(f),
            None if !self.texts.is_empty() => Column::Text(self.texts),
            None => Column::Int(self.ints),
        }
    }
}

//! `apply_lfs`: the votes of labelling functions on every row. Rule sets ([`Rules`]), and
//! closures that are rules in disguise (see [`closure_rules`]), label whole columns at once;
//! column functions ([`ColumnFn`]) are called once with their whole column; other closures
//! are called once per row.

use super::column_fn::{read_column, ColumnFn};
use super::compile::closure_rules;
use super::rules::{Column, Rules};
use crate::error::{Error, RhaiResult};
use ladder_scripting::context;
use ladder_scripting::rhai::{Array, Dynamic, FnPtr, ImmutableString, Map, NativeCallContext};
use std::collections::HashMap;
use std::rc::Rc;

/// One labelling function as `apply_lfs` takes it.
pub enum Lf {
    /// A closure, with the rules it stands for when its body is one (see [`closure_rules`]).
    Closure(FnPtr, Option<Rules>),
    Rules(Rc<Rules>),
    Column(Rc<ColumnFn>),
}

impl Lf {
    pub fn closure(ctx: &NativeCallContext, f: FnPtr) -> Lf {
        let rules = closure_rules(ctx, &f);
        Lf::Closure(f, rules)
    }

    fn rules(&self) -> Option<&Rules> {
        match self {
            Lf::Closure(_, rules) => rules.as_ref(),
            Lf::Rules(rules) => Some(rules),
            Lf::Column(_) => None,
        }
    }
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
    let mut called: Vec<(usize, &FnPtr)> = Vec::new();
    for (j, lf) in lfs.iter().enumerate() {
        context::check_interrupt()?;
        if let Lf::Column(c) = lf {
            let column = read_column(rows, &c.column, &names[j])?;
            for (i, v) in c.votes(ctx, column, &names[j])?.into_iter().enumerate() {
                out[i * m + j] = v;
            }
            continue;
        }
        let votes = lf.rules().map(|rules| {
            for name in rules.columns() {
                if let Err(m) = &columns[name] {
                    return Err(Error::data(format!("lf(\"{}\"): {m}", rules.source)));
                }
            }
            rules.votes(n, |name| columns[name].as_ref().expect("checked above"))
        });
        match (lf, votes) {
            (_, Some(Ok(votes))) => {
                for (i, v) in votes.into_iter().enumerate() {
                    out[i * m + j] = v;
                }
            }
            (Lf::Rules(_), Some(Err(e))) => return Err(e.into()),
            // The columns do not fit the closure's rules: the closure itself votes (or fails).
            (Lf::Closure(f, _), _) => called.push((j, f)),
            (Lf::Rules(_), None) | (Lf::Column(_), _) => {
                unreachable!("a rule set always has rules; column functions are done above")
            }
        }
    }
    if called.is_empty() {
        return Ok(out);
    }
    for (i, row) in rows.iter().enumerate() {
        if i % INTERRUPT_EVERY == 0 {
            context::check_interrupt()?;
        }
        for &(j, f) in &called {
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

/// The columns the rules read, in one pass over the rows. Each column is ints, floats (ints
/// and floats mixed) or strings; a column that cannot be read holds why, naming the row.
fn columns(rows: &Array, lfs: &[Lf]) -> RhaiResult<HashMap<String, Result<Column, String>>> {
    let mut builders: Vec<Builder> = Vec::new();
    for name in lfs.iter().filter_map(Lf::rules).flat_map(Rules::columns) {
        if !builders.iter().any(|b| b.name == name) {
            builders.push(Builder::new(name, rows.len()));
        }
    }
    for (i, row) in rows.iter().enumerate() {
        if i % (16 * INTERRUPT_EVERY) == 0 {
            context::check_interrupt()?;
        }
        if builders.iter().all(|b| b.failed.is_some()) {
            break;
        }
        let Some(map) = row.read_lock::<Map>() else {
            for b in builders.iter_mut().filter(|b| b.failed.is_none()) {
                b.failed = Some(format!(
                    "row {i} is a {}, not a map: rules read the named columns of map rows",
                    row.type_name()
                ));
            }
            continue;
        };
        for b in builders.iter_mut().filter(|b| b.failed.is_none()) {
            match map.get(b.name) {
                Some(v) => b.push(i, v),
                None => {
                    let have: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
                    b.failed = Some(format!(
                        "no column '{}' in row {i} (its columns: {})",
                        b.name,
                        have.join(", ")
                    ));
                }
            }
        }
    }
    Ok(builders
        .into_iter()
        .map(|b| (b.name.to_string(), b.finish()))
        .collect())
}

/// An int of a column that also holds floats, as a float. Rhai compares two ints exactly, so
/// an int too large to be exact as a float makes the column unreadable as floats.
fn exact_float(x: i64, row: usize, column: &str) -> Result<f64, String> {
    const EXACT: i64 = 1 << 53;
    if (-EXACT..=EXACT).contains(&x) {
        Ok(x as f64)
    } else {
        Err(format!(
            "column '{column}' holds floats and, in row {row}, the int {x}, too large to compare exactly as a float"
        ))
    }
}

/// One column being read from the rows.
struct Builder<'a> {
    name: &'a str,
    /// Why the column cannot be read, once that is known.
    failed: Option<String>,
    ints: Vec<i64>,
    floats: Option<Vec<f64>>,
    texts: Vec<ImmutableString>,
}

impl<'a> Builder<'a> {
    fn new(name: &'a str, n: usize) -> Self {
        Builder {
            name,
            failed: None,
            ints: Vec::with_capacity(n),
            floats: None,
            texts: Vec::new(),
        }
    }

    fn push(&mut self, i: usize, v: &Dynamic) {
        if let Err(m) = self.try_push(i, v) {
            self.failed = Some(m);
        }
    }

    fn try_push(&mut self, i: usize, v: &Dynamic) -> Result<(), String> {
        let is_text = !self.texts.is_empty();
        let mixed = |what: &str| {
            format!(
                "column '{}' holds {what} in row {i} but {} in row 0",
                self.name,
                if is_text { "a string" } else { "a number" }
            )
        };
        if let Ok(x) = v.as_int() {
            if is_text {
                return Err(mixed("a number"));
            }
            match self.floats.as_mut() {
                Some(f) => f.push(exact_float(x, i, self.name)?),
                None => self.ints.push(x),
            }
        } else if let Ok(x) = v.as_float() {
            if is_text {
                return Err(mixed("a number"));
            }
            if self.floats.is_none() {
                let ints = std::mem::take(&mut self.ints);
                let name = self.name;
                let floats = ints
                    .into_iter()
                    .enumerate()
                    .map(|(r, a)| exact_float(a, r, name));
                self.floats = Some(floats.collect::<Result<_, _>>()?);
            }
            self.floats.as_mut().expect("set above").push(x);
        } else if let Some(s) = v.read_lock::<ImmutableString>() {
            if i > 0 && !is_text {
                return Err(mixed("a string"));
            }
            self.texts.push(s.clone());
        } else {
            return Err(format!(
                "column '{}' holds a {} in row {i}; rules compare numbers and strings",
                self.name,
                v.type_name()
            ));
        }
        Ok(())
    }

    fn finish(self) -> Result<Column, String> {
        if let Some(m) = self.failed {
            return Err(m);
        }
        Ok(match self.floats {
            Some(f) => Column::Float(f),
            None if !self.texts.is_empty() => Column::Text(self.texts),
            None => Column::Int(self.ints),
        })
    }
}

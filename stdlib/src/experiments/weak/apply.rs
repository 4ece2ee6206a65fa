//! `apply_lfs`: the votes of labelling functions on every row. Rule sets ([`Rules`]), and
//! closures that are rules in disguise (see [`closure_rules`]), label whole columns at once;
//! column functions ([`ColumnFn`]) are called once with their whole column; other closures
//! are called once per row.

use super::column_fn::ColumnFn;
use super::columns::{columns_len, read_columns, read_map_columns, Wanted};
use super::compile::closure_rules;
use super::rules::{Bound, Rules, BLOCK};
use crate::error::{Error, RhaiResult};
use ladder_scripting::rhai::{Array, Dynamic, FnPtr, Map, NativeCallContext};
use ladder_scripting::{callback, context};
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

/// What labelling functions label: rows (maps, or anything a closure takes), or a map of
/// columns, each an array with one value per row.
pub enum Source<'a> {
    Rows(&'a Array),
    Columns(&'a Map),
}

impl Source<'_> {
    fn len(&self) -> RhaiResult<usize> {
        match self {
            Source::Rows(rows) => Ok(rows.len()),
            Source::Columns(c) => {
                Ok(columns_len(c).map_err(|m| Error::data(format!("apply_lfs: {m}")))?)
            }
        }
    }

    /// Row `i` as a closure gets it: its own copy, so a closure that changes its argument
    /// changes nothing else; from columns, a map of the row's values.
    fn row(&self, i: usize) -> Dynamic {
        match self {
            Source::Rows(rows) => rows[i].clone(),
            Source::Columns(c) => {
                let row: Map = c
                    .iter()
                    .map(|(k, v)| {
                        let values = v.read_lock::<Array>().expect("checked by len");
                        (k.clone(), values[i].clone())
                    })
                    .collect();
                Dynamic::from_map(row)
            }
        }
    }
}

/// The n × m votes, row-major: row `i`'s vote by labelling function `j` at `i * m + j`.
/// `names` name the functions in errors.
pub fn apply(
    ctx: &NativeCallContext,
    source: &Source,
    lfs: &[Lf],
    names: &[String],
) -> RhaiResult<Vec<i64>> {
    let (n, m) = (source.len()?, lfs.len());
    let mut out = vec![0; n * m];
    let columns = match source {
        Source::Rows(rows) => read_columns(rows, &wanted(lfs), context::check_interrupt)?,
        Source::Columns(c) => read_map_columns(c, &wanted(lfs)),
    };
    let mut called: Vec<(usize, &FnPtr)> = Vec::new();
    let mut bound: Vec<(usize, Bound)> = Vec::new();
    for (j, lf) in lfs.iter().enumerate() {
        context::check_interrupt()?;
        if let Lf::Column(c) = lf {
            let read = columns.iter().find(|r| r.name == c.column);
            let raw = read.and_then(|r| r.raw.as_ref()).expect("read above");
            let column = match raw {
                Ok(values) => values.clone(),
                Err(m) => {
                    return Err(
                        Error::data(format!("labelling function '{}': {m}", names[j])).into(),
                    )
                }
            };
            for (i, v) in c.votes(ctx, column, &names[j])?.into_iter().enumerate() {
                out[i * m + j] = v;
            }
            continue;
        }
        let votes = lf.rules().map(|rules| {
            let typed = |name: &str| {
                let read = columns.iter().find(|r| r.name == name);
                read.and_then(|r| r.typed.as_ref()).expect("read above")
            };
            for name in rules.columns() {
                if let Err(m) = typed(name) {
                    return Err(Error::data(format!("lf(\"{}\"): {m}", rules.source)));
                }
            }
            rules.bind(|name| typed(name).as_ref().expect("checked above"))
        });
        match (lf, votes) {
            (_, Some(Ok(b))) => bound.push((j, b)),
            (Lf::Rules(_), Some(Err(e))) => return Err(e.into()),
            // The columns do not fit the closure's rules: the closure itself votes (or fails).
            (Lf::Closure(f, _), _) => called.push((j, f)),
            (Lf::Rules(_), None) | (Lf::Column(_), _) => {
                unreachable!("a rule set always has rules; column functions are done above")
            }
        }
    }
    // Block by block, every rule set's votes, so each block of the n × m output is written
    // while it is in the cache (one pass per rule set over all of it costs more than the
    // comparisons).
    let mut votes = [0; BLOCK];
    for (b, rows) in out.chunks_mut(BLOCK * m).enumerate() {
        context::check_interrupt()?;
        let votes = &mut votes[..rows.len() / m];
        for &(j, ref rules) in &bound {
            rules.votes_into(b * BLOCK, votes);
            for (row, v) in rows.chunks_exact_mut(m).zip(votes.iter()) {
                row[j] = *v;
            }
        }
    }
    if called.is_empty() {
        return Ok(out);
    }
    for i in 0..n {
        if i % INTERRUPT_EVERY == 0 {
            context::check_interrupt()?;
        }
        for &(j, f) in &called {
            out[i * m + j] = call(ctx, f, source.row(i), i, &names[j])?;
        }
    }
    Ok(out)
}

/// Every column the labelling functions read, once: typed for rules, as the rows hold it for
/// column functions.
fn wanted(lfs: &[Lf]) -> Vec<Wanted<'_>> {
    let mut out: Vec<Wanted> = Vec::new();
    for lf in lfs {
        let (names, typed) = match lf {
            Lf::Column(c) => (vec![c.column.as_str()], false),
            _ => (lf.rules().map(Rules::columns).unwrap_or_default(), true),
        };
        for name in names {
            let w = match out.iter_mut().position(|w| w.name == name) {
                Some(k) => &mut out[k],
                None => {
                    out.push(Wanted {
                        name,
                        typed: false,
                        raw: false,
                    });
                    out.last_mut().expect("pushed")
                }
            };
            w.typed |= typed;
            w.raw |= !typed;
        }
    }
    out
}

/// One closure's vote on one row.
fn call(ctx: &NativeCallContext, f: &FnPtr, row: Dynamic, i: usize, name: &str) -> RhaiResult<i64> {
    let v = f.call_raw(ctx, None, [row]).map_err(|e| {
        Error::callback(&e, |e| {
            let why = callback::failure(ctx, e, f, "one argument, the row");
            format!("labelling function '{name}' failed on row {i}: {why}")
        })
    })?;
    Ok(v.as_int().map_err(|t| {
        format!(
            "labelling function '{name}' returned a {t} on row {i}; it must return a class or -1 to abstain"
        )
    })?)
}

//! The metrics a call's result puts in its run record.

use crate::experiments::boost::bindings::Boosted;
use crate::experiments::distill::DistillReport;
use crate::experiments::metrics::Interval;
use crate::experiments::table::{Cell, Table};
use crate::experiments::w2s::protocol::W2sResult;
use crate::experiments::weak::bindings::LabelModel;
use crate::train::History;
use ladder_scripting::rhai::{Array, Dynamic, Map as RhaiMap};
use serde_json::{json, Map, Value};

/// A result that knows its figures of merit.
pub trait RunMetrics {
    fn run_metrics(&self) -> Map<String, Value>;
}

/// A finite number as JSON; NaN (an undefined PGR) and infinities as null.
fn number(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

fn with_interval(m: &mut Map<String, Value>, name: &str, i: &Interval) {
    m.insert(name.into(), number(i.estimate));
    m.insert(format!("{name}_low"), number(i.lower));
    m.insert(format!("{name}_high"), number(i.upper));
}

impl RunMetrics for History {
    fn run_metrics(&self) -> Map<String, Value> {
        let mut m = Map::new();
        if let Some(e) = self.epochs.last() {
            m.insert("epochs".into(), json!(e.epoch));
            m.insert("loss".into(), number(e.loss));
            m.insert("accuracy".into(), number(e.accuracy));
            if let Some(l) = e.eval_loss {
                m.insert("eval_loss".into(), number(l));
            }
            if let Some(a) = e.eval_accuracy {
                m.insert("eval_accuracy".into(), number(a));
            }
        }
        m.insert("seconds".into(), number(self.seconds));
        m
    }
}

impl RunMetrics for W2sResult {
    fn run_metrics(&self) -> Map<String, Value> {
        let mut m = Map::new();
        with_interval(&mut m, "pgr", &self.summary(|r| r.pgr));
        with_interval(&mut m, "weak_acc", &self.summary(|r| r.weak));
        with_interval(&mut m, "w2s_acc", &self.summary(|r| r.w2s));
        with_interval(&mut m, "ceiling_acc", &self.summary(|r| r.ceiling));
        m.insert(
            "agreement".into(),
            number(self.summary(|r| r.agreement).estimate),
        );
        m.insert("seeds".into(), json!(self.runs.len()));
        m
    }
}

impl RunMetrics for DistillReport {
    fn run_metrics(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (i, model) in self.models.iter().enumerate() {
            let who = if i == 0 {
                "teacher".to_string()
            } else {
                format!("student{i}")
            };
            m.insert(format!("{who}_acc"), number(model.accuracy));
        }
        m
    }
}

impl RunMetrics for Boosted {
    fn run_metrics(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("rounds".into(), json!(self.0.rounds.len()));
        m
    }
}

impl RunMetrics for LabelModel {
    fn run_metrics(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("iterations".into(), json!(self.0.iterations));
        m.insert("converged".into(), json!(self.0.converged));
        m
    }
}

/// A table's last row (the summary row of `samme_cv` and `bootstrap_chain`), number columns.
impl RunMetrics for Table {
    fn run_metrics(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (column, cell) in self
            .columns
            .iter()
            .zip(self.rows.last().into_iter().flatten())
        {
            match cell {
                Cell::Int(i) => m.insert(column.clone(), json!(i)),
                Cell::Num(v, _) => m.insert(column.clone(), number(*v)),
                _ => None,
            };
        }
        m
    }
}

impl RunMetrics for Array {
    fn run_metrics(&self) -> Map<String, Value> {
        Map::new()
    }
}

impl RunMetrics for String {
    fn run_metrics(&self) -> Map<String, Value> {
        Map::new()
    }
}

/// A script's value (a sweep point's result): any known result, or a map's numbers.
impl RunMetrics for Dynamic {
    fn run_metrics(&self) -> Map<String, Value> {
        fn known<T: RunMetrics + Clone + 'static>(v: &Dynamic) -> Option<Map<String, Value>> {
            v.read_lock::<T>().map(|t| t.run_metrics())
        }
        known::<W2sResult>(self)
            .or_else(|| known::<History>(self))
            .or_else(|| known::<DistillReport>(self))
            .or_else(|| known::<Boosted>(self))
            .or_else(|| known::<LabelModel>(self))
            .or_else(|| known::<Table>(self))
            .or_else(|| known::<RhaiMap>(self))
            .or_else(|| self.as_float().ok().map(|v| single("value", number(v))))
            .or_else(|| self.as_int().ok().map(|v| single("value", json!(v))))
            .unwrap_or_default()
    }
}

fn single(name: &str, value: Value) -> Map<String, Value> {
    Map::from_iter([(name.to_string(), value)])
}

/// The numbers and booleans of a map (`#{acc: 0.9, pgr: 0.6}`).
impl RunMetrics for RhaiMap {
    fn run_metrics(&self) -> Map<String, Value> {
        self.iter()
            .filter_map(|(k, v)| {
                let value = match () {
                    _ if v.is_float() => number(v.as_float().ok()?),
                    _ if v.is_int() => json!(v.as_int().ok()?),
                    _ if v.is_bool() => json!(v.as_bool().ok()?),
                    _ => return None,
                };
                Some((k.to_string(), value))
            })
            .collect()
    }
}

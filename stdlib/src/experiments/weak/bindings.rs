//! Rhai bindings of weak supervision: `apply_lfs`, `label_matrix`, `lf_analysis`,
//! `majority_vote`, `dawid_skene`.

use super::analysis::{analysis_table, lf_analysis};
use super::apply::{apply, Lf, Source};
use super::column_fn::ColumnFn;
use super::dawid_skene::{DawidSkene, DawidSkeneConfig};
use super::label_matrix::LabelMatrix;
use super::majority::{majority_predict, majority_proba};
use super::rule_text::parse_rules;
use super::rules::Rules;
use crate::bind;
use crate::data::Dataset;
use crate::error::Error;
use crate::experiments::convert::*;
use crate::experiments::table::{Cell, Table};
use crate::opts::Opts;
use crate::plot::chart::Chart;
use crate::runs::{recorded, Call};
use ladder_scripting::rhai::{Array, Dynamic, Engine, FnPtr, Map, NativeCallContext};
use ladder_scripting::{MimeBundle, Render, Renderers};
use std::rc::Rc;

crate::type_names! {
    LabelMatrix => "LabelMatrix",
    LabelModel => "LabelModel",
    ColumnLf => "ColumnLf",
    ColumnFn => "ColumnFn",
}

/// A labelling function made of rules on columns (`lf("stars > 3 => 1")`) as a Rhai value.
#[derive(Clone)]
pub struct ColumnLf(pub Rc<Rules>);

impl ColumnLf {
    fn text(&self) -> String {
        format!("lf(\"{}\")", self.0.source)
    }
}

impl Render for ColumnLf {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.text())
    }
}

fn column_fn_text(c: &ColumnFn) -> String {
    let f = c.f.fn_name();
    let f = if f.starts_with("anon$") {
        "|column| ..."
    } else {
        f
    };
    format!("lf_column(\"{}\", {f})", c.column)
}

impl Render for ColumnFn {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(column_fn_text(self))
    }
}

impl Render for LabelMatrix {
    fn mime_bundle(&self) -> MimeBundle {
        let cols: Vec<&str> = std::iter::once("row")
            .chain(self.names.iter().map(String::as_str))
            .collect();
        let mut t = Table::new(
            format!(
                "Label matrix: {} rows × {} labelling functions, {} classes (-1 = abstain)",
                self.rows(),
                self.lfs(),
                self.n_classes
            ),
            &cols,
        );
        for i in 0..self.rows().min(10) {
            let mut row: Vec<Cell> = vec![i.into()];
            row.extend(self.row(i).iter().map(|&v| Cell::Int(v)));
            t.push(row);
        }
        if self.rows() > 10 {
            t.note(format!("… {} more rows", self.rows() - 10));
        }
        t.mime_bundle()
    }
}

/// A fitted Dawid–Skene label model as a Rhai value.
#[derive(Clone)]
pub struct LabelModel(pub Rc<DawidSkene>);

impl LabelModel {
    fn table(&self) -> Table {
        let m = &self.0;
        let mut t = Table::new(
            format!(
                "Dawid–Skene: {} iterations{}",
                m.iterations,
                if m.converged {
                    " (converged)"
                } else {
                    " (not converged)"
                }
            ),
            &["LF", "estimated accuracy"],
        );
        for (j, name) in m.names.iter().enumerate() {
            let acc: f64 = (0..m.prior.len())
                .map(|y| m.prior[y] * m.confusion[j][y][y])
                .sum();
            t.push(vec![name.clone().into(), Cell::num(acc)]);
        }
        let prior: Vec<String> = m.prior.iter().map(|p| format!("{p:.3}")).collect();
        t.note(format!("class prior: [{}]", prior.join(", ")));
        t
    }
}

impl Render for LabelModel {
    fn mime_bundle(&self) -> MimeBundle {
        self.table().mime_bundle()
    }
}

fn lf_name(f: &FnPtr, j: usize) -> String {
    let n = f.fn_name();
    if n.starts_with("anon$") || n.is_empty() {
        format!("lf_{j}")
    } else {
        n.to_string()
    }
}

/// Options `names` (one per labelling function) and `classes` (the class count).
fn names_and_classes(options: Map, what: &str) -> RhaiResult<(Option<Vec<String>>, Option<usize>)> {
    let mut o = Opts::new(what, options);
    let names = match o.raw("names") {
        Some(v) => {
            let not_strings = || o.fail("names", "must be an array of strings");
            let names = v.read_lock::<Array>().ok_or_else(not_strings)?;
            let names: Option<Vec<String>> =
                names.iter().map(|s| s.clone().into_string().ok()).collect();
            Some(names.ok_or_else(not_strings)?)
        }
        None => None,
    };
    let classes = match o.int_opt("classes")? {
        Some(k) if k < 2 => {
            return Err(o
                .fail("classes", format!("must be at least 2, got {k}"))
                .into())
        }
        k => k.map(|k| k as usize),
    };
    o.finish()?;
    Ok((names, classes))
}

fn apply_lfs(
    ctx: NativeCallContext,
    rows: Source,
    lfs: Array,
    options: Map,
) -> RhaiResult<LabelMatrix> {
    let (names, k) = names_and_classes(options, "apply_lfs")?;
    if lfs.is_empty() {
        return Err("apply_lfs: no labelling functions given".into());
    }
    let lfs: Vec<Lf> = lfs
        .into_iter()
        .enumerate()
        .map(|(j, f)| {
            if let Some(rules) = f.read_lock::<ColumnLf>() {
                return Ok(Lf::Rules(rules.0.clone()));
            }
            if let Some(c) = f.read_lock::<ColumnFn>() {
                return Ok(Lf::Column(Rc::new(c.clone())));
            }
            let what = crate::error::a_type(f.type_name());
            f.try_cast::<FnPtr>().map(|f| Lf::closure(&ctx, f)).ok_or_else(|| {
                format!("apply_lfs: labelling function {j} is {what}, not a function, lf(rules) or lf_column(column, f)")
            })
        })
        .collect::<Result<_, _>>()?;
    let names: Vec<String> = names.unwrap_or_else(|| {
        lfs.iter()
            .enumerate()
            .map(|(j, lf)| match lf {
                Lf::Closure(f, _) => lf_name(f, j),
                Lf::Rules(r) => r.source.clone(),
                Lf::Column(c) => c.default_name(j),
            })
            .collect()
    });
    if names.len() != lfs.len() {
        return Err(Error::options(format!(
            "apply_lfs: {} names for {} labelling functions",
            names.len(),
            lfs.len()
        ))
        .into());
    }
    let votes = apply(&ctx, &rows, &lfs, &names)?;
    let n = votes.len() / lfs.len();
    Ok(LabelMatrix::from_votes(n, lfs.len(), votes, Some(names), k)
        .map_err(|e| format!("apply_lfs: {e}"))?)
}

/// A data set as the columns its labelling functions read, one array each: a text data
/// set's `text` (its features, where it has any, are the texts' token ids), any other's
/// features by name. The labels are left out: the labelling functions stand in for them.
fn columns_of(data: &Dataset) -> RhaiResult<Map> {
    let mut columns = Map::new();
    if let Some(texts) = &data.texts {
        let texts: Array = texts.iter().map(|t| Dynamic::from(t.clone())).collect();
        columns.insert("text".into(), texts.into());
        return Ok(columns);
    }
    let rows = data
        .x
        .to_dtype(candle_core::DType::F64)
        .and_then(|x| x.to_vec2::<f64>())
        .map_err(crate::error::Error::from)?;
    for j in 0..data.x.dims()[1] {
        let column: Array = rows.iter().map(|r| Dynamic::from_float(r[j])).collect();
        columns.insert(data.feature_name(j).into(), column.into());
    }
    Ok(columns)
}

fn label_matrix(rows: Array, options: Map) -> RhaiResult<LabelMatrix> {
    let (names, k) = names_and_classes(options, "label_matrix")?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let arr = r.read_lock::<Array>().ok_or_else(|| {
            format!(
                "label_matrix: row {i} is {}, not an array of votes",
                crate::error::a_type(r.type_name())
            )
        })?;
        out.push(ints(&arr, &format!("row {i}"))?);
    }
    Ok(LabelMatrix::new(out, names, k)?)
}

fn int_array(v: &[i64]) -> Array {
    v.iter().map(|&x| Dynamic::from_int(x)).collect()
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    super::pattern::register(engine);
    crate::doc::register_rendered::<LabelMatrix>(engine, renderers);
    crate::doc::register_rendered::<LabelModel>(engine, renderers);

    bind!(
        engine,
        /// Apply labelling functions to every row: each function takes a row (a map, string or
        /// array) and returns a class or -1 to abstain; `lf("...")` rules label whole columns at
        /// once, `lf_column(column, f)` calls `f` once on a whole column, and both mix with
        /// functions. Options: `names` (default: the functions' names, a
        /// rule's text), `classes` (default: inferred). Example:
        /// `let L = apply_lfs(rows, [|r| if r.text.contains("great") { 1 } else { -1 }, lf("stars < 2 => 0")])`
        fn apply_lfs(
            ctx: NativeCallContext,
            rows: &mut Array,
            lfs: Array,
            options: Map,
        ) -> RhaiResult<LabelMatrix> {
            apply_lfs(ctx, Source::Rows(rows), lfs, options)
        }
    );
    bind!(
        engine,
        /// Apply labelling functions to every row (see `apply_lfs(rows, lfs, options)`).
        fn apply_lfs(
            ctx: NativeCallContext,
            rows: &mut Array,
            lfs: Array,
        ) -> RhaiResult<LabelMatrix> {
            apply_lfs(ctx, Source::Rows(rows), lfs, Map::new())
        }
    );
    bind!(
        engine,
        /// Apply labelling functions to a map of columns, each an array with one value per row
        /// (`#{stars: [5, 1], text: ["great", "awful"]}`): rules and `lf_column` read the arrays
        /// directly, with no row maps to read; a closure gets each row as a map. Options as
        /// for rows.
        ///
        /// let L = apply_lfs(#{stars: stars, text: texts}, [lf("stars > 3 => 1"), lf("text contains 'awful' => 0")], #{classes: 2});
        fn apply_lfs(
            ctx: NativeCallContext,
            columns: &mut Map,
            lfs: Array,
            options: Map,
        ) -> RhaiResult<LabelMatrix> {
            apply_lfs(ctx, Source::Columns(columns), lfs, options)
        }
    );
    bind!(
        engine,
        /// Apply labelling functions to a data set's rows: a text data set's rows hold its `text`,
        /// any other's its features by name (`r.mean_radius`); the labels stay hidden. Options
        /// as for rows.
        ///
        /// let L = apply_lfs(train, [|r| if r.text.contains("great") { 1 } else { -1 }, lf("text contains 'awful' => 0")]);
        fn apply_lfs(
            ctx: NativeCallContext,
            data: Dataset,
            lfs: Array,
            options: Map,
        ) -> RhaiResult<LabelMatrix> {
            apply_lfs(ctx, Source::Columns(&columns_of(&data)?), lfs, options)
        },
        /// Apply labelling functions to a data set's rows (see `apply_lfs(data, lfs, options)`).
        fn apply_lfs(ctx: NativeCallContext, data: Dataset, lfs: Array) -> RhaiResult<LabelMatrix> {
            apply_lfs(ctx, Source::Columns(&columns_of(&data)?), lfs, Map::new())
        }
    );
    bind!(
        engine,
        /// Apply labelling functions to a map of columns (see `apply_lfs(columns, lfs, options)`).
        fn apply_lfs(
            ctx: NativeCallContext,
            columns: &mut Map,
            lfs: Array,
        ) -> RhaiResult<LabelMatrix> {
            apply_lfs(ctx, Source::Columns(columns), lfs, Map::new())
        }
    );
    crate::doc::register_rendered::<ColumnLf>(engine, renderers);
    engine.register_fn("to_string", |l: &mut ColumnLf| l.text());
    engine.register_fn("to_debug", |l: &mut ColumnLf| l.text());
    bind!(
        engine,
        /// A labelling function made of rules on the rows' columns, for `apply_lfs`: rules are
        /// separated by `;`, each `condition => class`. A condition is `column op value`
        /// (> >= < <= == !=, a number or a quoted string), `column contains 'word'` (or
        /// `starts_with`, `ends_with`, and `matches '(?i)re.*gex'` for a regular expression
        /// anywhere in the text) or `column in [value, ...]` (`not in`); the column may be
        /// `lower(text)`, `upper(text)` or `len(text)` (its length in characters). Conditions
        /// join with `and`, `or` (`and` binds tighter), `not` and parentheses. The first rule
        /// that holds votes; none abstains (-1). It labels every row at once, far faster than a
        /// closure called per row.
        ///
        /// let L = apply_lfs(rows, [lf("stars > 3 => 1; stars < 2 => 0"), lf("lower(text) contains 'great' or stars in [4, 5] => 1")]);
        fn lf(rules: &str) -> RhaiResult<ColumnLf> {
            Ok(ColumnLf(Rc::new(parse_rules(rules)?)))
        }
    );
    crate::doc::register_rendered::<ColumnFn>(engine, renderers);
    engine.register_fn("to_string", |c: &mut ColumnFn| column_fn_text(c));
    engine.register_fn("to_debug", |c: &mut ColumnFn| column_fn_text(c));
    bind!(
        engine,
        /// A labelling function of one whole column, for `apply_lfs`: `f` is called once with
        /// the column as an array (each row's value as the row holds it: strings, ints, floats)
        /// and returns one vote per row, an array of ints or a 1-D int tensor (-1 abstains).
        /// Its default name is `column: f`. One call labels every row, so `f` may be a function
        /// written over whole arrays.
        ///
        /// let L = apply_lfs(rows, [lf_column("text", |texts| texts.map(|t| if t.contains("great") { 1 } else { -1 })), lf("stars < 2 => 0")]);
        fn lf_column(column: &str, f: FnPtr) -> ColumnFn {
            ColumnFn {
                column: column.to_string(),
                f,
            }
        }
    );
    bind!(
        engine,
        /// A label matrix from rows of votes (-1 = abstain). Options: `names`, `classes`.
        fn label_matrix(votes: Array, options: Map) -> RhaiResult<LabelMatrix> {
            label_matrix(votes, options)
        }
    );
    bind!(
        engine,
        /// A label matrix from rows of votes (-1 = abstain).
        fn label_matrix(votes: Array) -> RhaiResult<LabelMatrix> {
            label_matrix(votes, Map::new())
        }
    );
    engine.register_get("rows", |l: &mut LabelMatrix| l.rows() as i64);
    engine.register_get("lfs", |l: &mut LabelMatrix| l.lfs() as i64);
    engine.register_get("names", |l: &mut LabelMatrix| -> Array {
        l.names.iter().map(|n| Dynamic::from(n.clone())).collect()
    });
    bind!(
        engine,
        /// The votes as rows of ints, one column per labelling function (-1 = abstain).
        fn to_array(L: &mut LabelMatrix) -> Array {
            L.to_rows()
                .iter()
                .map(|r| Dynamic::from_array(int_array(r)))
                .collect()
        }
    );

    bind!(
        engine,
        /// Pairwise overlaps of the labelling functions as a heatmap: the share of rows where both vote
        /// (the diagonal is each function's coverage).
        ///
        /// let L = apply_lfs(rows, lfs);
        /// L.plot()
        fn plot(L: &mut LabelMatrix) -> Chart {
            crate::plot::results::lf_matrix_chart(
                "labelling-function overlaps",
                overlap_matrix(L),
                L.names.clone(),
            )
        },
        /// Snorkel's LF summary: polarity, coverage, overlaps, conflicts of each function.
        fn lf_analysis(L: &mut LabelMatrix) -> RhaiResult<Table> {
            Ok(analysis_table(&lf_analysis(L, None)?))
        },
        /// Snorkel's LF summary with gold labels (an array, a tensor or a data set's labels):
        /// adds correct, incorrect and empirical accuracy.
        fn lf_analysis(L: &mut LabelMatrix, gold: Dynamic as "Array|Tensor|Dataset") -> RhaiResult<Table> {
            let g = votes_of(&gold, "gold")?;
            Ok(analysis_table(&lf_analysis(L, Some(&g))?))
        }
    );

    bind!(
        engine,
        /// Majority-vote probabilities: equal shares among the classes with most votes (all-abstain rows uniform).
        fn majority_proba(L: &mut LabelMatrix) -> Array {
            rows_array(&majority_proba(L))
        },
        /// Majority-vote labels: the class with most votes; -1 on a tie or when all abstain.
        fn majority_vote(L: &mut LabelMatrix) -> Array {
            int_array(&majority_predict(L))
        }
    );

    bind!(
        engine,
        /// Dawid–Skene EM label model (needs >= 3 labelling functions). Options: `max_iter` (100),
        /// `tol` (1e-5). `model.proba` holds the training rows' probabilistic labels.
        fn dawid_skene(L: &mut LabelMatrix, options: Map) -> RhaiResult<LabelModel> {
            recorded(Call::new("dawid_skene", &options), || {
                let mut o = Opts::new("dawid_skene", options.clone());
                let config = DawidSkeneConfig {
                    max_iter: o.count("max_iter", 100)?,
                    tol: o.float("tol", 1e-5)?,
                };
                // 0 is allowed: no round counts as converged, so EM runs `max_iter` rounds.
                if !(config.tol.is_finite() && config.tol >= 0.0) {
                    return Err(o
                        .fail(
                            "tol",
                            format!("must be 0 or a positive number, got {}", config.tol),
                        )
                        .into());
                }
                o.finish()?;
                Ok(LabelModel(Rc::new(DawidSkene::fit(L, &config)?)))
            })
        },
        /// Dawid–Skene EM label model with the defaults (100 iterations, tol 1e-5).
        fn dawid_skene(L: &mut LabelMatrix) -> RhaiResult<LabelModel> {
            recorded(Call::new("dawid_skene", &Map::new()), || {
                Ok(LabelModel(Rc::new(DawidSkene::fit(
                    L,
                    &DawidSkeneConfig::default(),
                )?)))
            })
        }
    );
    engine.register_get("proba", |m: &mut LabelModel| rows_array(&m.0.posterior));
    engine.register_get("prior", |m: &mut LabelModel| to_array(&m.0.prior));
    engine.register_get("iterations", |m: &mut LabelModel| m.0.iterations as i64);
    bind!(
        engine,
        /// Probabilistic labels of a label matrix from the same labelling functions.
        fn predict_proba(model: &mut LabelModel, L: LabelMatrix) -> RhaiResult<Array> {
            Ok(rows_array(&model.0.predict_proba(&L)?))
        },
        /// The most probable class of each row of a label matrix.
        fn predict(model: &mut LabelModel, L: LabelMatrix) -> RhaiResult<Array> {
            let p = model.0.predict_proba(&L)?;
            Ok(p.iter()
                .map(|r| Dynamic::from_int(crate::experiments::boost::stump::argmax(r) as i64))
                .collect())
        }
    );
}

/// Share of rows where both LF `a` and LF `b` vote (not abstain); the diagonal is coverage.
fn overlap_matrix(l: &LabelMatrix) -> Vec<Vec<f64>> {
    let (n, m) = (l.rows(), l.lfs());
    let mut both = vec![vec![0.0; m]; m];
    for i in 0..n {
        let row = l.row(i);
        for a in 0..m {
            for b in 0..m {
                if row[a] != -1 && row[b] != -1 {
                    both[a][b] += 1.0;
                }
            }
        }
    }
    for r in both.iter_mut() {
        for v in r.iter_mut() {
            *v /= n.max(1) as f64;
        }
    }
    both
}

//! The columns labelling functions read, taken out of map rows in one pass (each row's map is
//! walked once and every wanted column picked from it) or out of a map of column arrays, as
//! typed values for rules ([`Column`]) and/or as the rows hold them for column functions.

use super::rules::Column;
use ladder_scripting::rhai::{Array, Dynamic, ImmutableString, Map};

/// How many rows pass between two looks at the interrupt flag.
const INTERRUPT_EVERY: usize = 4096;

/// A column to read: typed (for rules), as the rows hold it (for a column function), or both.
pub struct Wanted<'a> {
    pub name: &'a str,
    pub typed: bool,
    pub raw: bool,
}

/// One column read from the rows. An error says why it could not be read, naming the row.
pub struct Read {
    pub name: String,
    pub typed: Option<Result<Column, String>>,
    pub raw: Option<Result<Array, String>>,
}

/// Read the wanted columns (names distinct) of `rows` in one pass. `interrupted` is asked
/// every few thousand rows and stops the pass with its error.
pub fn read_columns<E>(
    rows: &Array,
    wanted: &[Wanted],
    mut interrupted: impl FnMut() -> Result<(), E>,
) -> Result<Vec<Read>, E> {
    let n = rows.len();
    let mut builders: Vec<Builder> = wanted.iter().map(|w| Builder::new(w, n)).collect();
    for (i, row) in rows.iter().enumerate() {
        if i % INTERRUPT_EVERY == 0 {
            interrupted()?;
        }
        if builders.iter().all(|b| b.missing.is_some()) {
            break;
        }
        let Some(map) = row.read_lock::<Map>() else {
            let why = format!(
                "row {i} is {}, not a map: labelling functions by column read the columns of map rows",
                crate::error::a_type(row.type_name())
            );
            for b in builders.iter_mut().filter(|b| b.missing.is_none()) {
                b.missing = Some(why.clone());
            }
            continue;
        };
        // One walk over the row's few fields instead of one lookup per column: the names
        // differ mostly in length, so most comparisons stop there.
        for (key, v) in map.iter() {
            let key = key.as_str();
            if let Some(b) = builders
                .iter_mut()
                .find(|b| b.name.len() == key.len() && b.name == key)
            {
                b.push(i, v);
            }
        }
        for b in builders.iter_mut() {
            if b.missing.is_none() && b.seen <= i {
                let have: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
                b.missing = Some(format!(
                    "no column '{}' in row {i} (its columns: {})",
                    b.name,
                    have.join(", ")
                ));
            }
        }
    }
    Ok(builders.into_iter().map(Builder::finish).collect())
}

/// The length of a map of columns: every value an array, all of one length (at least one).
pub fn columns_len(columns: &Map) -> Result<usize, String> {
    let mut len: Option<(usize, &str)> = None;
    for (name, v) in columns.iter() {
        let Some(a) = v.read_lock::<Array>() else {
            return Err(format!(
                "column '{name}' is {}, not an array: columns are arrays of one value per row",
                crate::error::a_type(v.type_name())
            ));
        };
        match len {
            Some((n, first)) if n != a.len() => {
                return Err(format!(
                    "column '{name}' has {} values but column '{first}' has {n}",
                    a.len()
                ))
            }
            Some(_) => {}
            None => len = Some((a.len(), name.as_str())),
        }
    }
    len.map(|(n, _)| n)
        .ok_or_else(|| "no columns: give a map of column arrays".to_string())
}

/// Read the wanted columns out of a map of column arrays (checked by [`columns_len`]).
pub fn read_map_columns(columns: &Map, wanted: &[Wanted]) -> Vec<Read> {
    wanted
        .iter()
        .map(|w| {
            let mut b = Builder::new(w, 0);
            match columns.get(w.name) {
                Some(v) => {
                    let values = v.read_lock::<Array>().expect("checked by columns_len");
                    if let Some(t) = b.typed.as_mut() {
                        for (i, v) in values.iter().enumerate() {
                            if let Err(m) = t.push(w.name, i, v) {
                                t.failed = Some(m);
                                break;
                            }
                        }
                    }
                    if b.raw.is_some() {
                        b.raw = Some(values.clone());
                    }
                }
                None => {
                    let have: Vec<&str> = columns.keys().map(|k| k.as_str()).collect();
                    b.missing = Some(format!(
                        "no column '{}' (the columns: {})",
                        w.name,
                        have.join(", ")
                    ));
                }
            }
            b.finish()
        })
        .collect()
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
    /// Rows read so far (a row without the column is found by this falling behind).
    seen: usize,
    /// Why no value can be read: a row that is no map or lacks the column.
    missing: Option<String>,
    typed: Option<Typed>,
    raw: Option<Array>,
}

/// The typed values of a column, or why its values do not make one type.
struct Typed {
    failed: Option<String>,
    ints: Vec<i64>,
    floats: Option<Vec<f64>>,
    texts: Vec<ImmutableString>,
}

impl<'a> Builder<'a> {
    fn new(w: &Wanted<'a>, n: usize) -> Self {
        Builder {
            name: w.name,
            seen: 0,
            missing: None,
            typed: w.typed.then(|| Typed {
                failed: None,
                ints: Vec::with_capacity(n),
                floats: None,
                texts: Vec::new(),
            }),
            raw: w.raw.then(|| Array::with_capacity(n)),
        }
    }

    fn push(&mut self, i: usize, v: &Dynamic) {
        if self.missing.is_some() {
            return;
        }
        self.seen += 1;
        if let Some(raw) = self.raw.as_mut() {
            raw.push(v.clone());
        }
        if let Some(t) = self.typed.as_mut().filter(|t| t.failed.is_none()) {
            if let Err(m) = t.push(self.name, i, v) {
                t.failed = Some(m);
            }
        }
    }

    fn finish(self) -> Read {
        let missing = self.missing;
        let typed = self.typed.map(|t| match (missing.clone(), t.failed) {
            (Some(m), _) | (None, Some(m)) => Err(m),
            (None, None) => Ok(match t.floats {
                Some(f) => Column::Float(f),
                None if !t.texts.is_empty() => Column::Text(t.texts),
                None => Column::Int(t.ints),
            }),
        });
        let raw = self.raw.map(|r| match &missing {
            Some(m) => Err(m.clone()),
            None => Ok(r),
        });
        Read {
            name: self.name.to_string(),
            typed,
            raw,
        }
    }
}

impl Typed {
    fn push(&mut self, name: &str, i: usize, v: &Dynamic) -> Result<(), String> {
        let is_text = !self.texts.is_empty();
        let mixed = |what: &str| {
            format!(
                "column '{name}' holds {what} in row {i} but {} in row 0",
                if is_text { "a string" } else { "a number" }
            )
        };
        if let Ok(x) = v.as_int() {
            if is_text {
                return Err(mixed("a number"));
            }
            match self.floats.as_mut() {
                Some(f) => f.push(exact_float(x, i, name)?),
                None => self.ints.push(x),
            }
        } else if let Ok(x) = v.as_float() {
            if is_text {
                return Err(mixed("a number"));
            }
            if self.floats.is_none() {
                let ints = std::mem::take(&mut self.ints);
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
                "column '{name}' holds {} in row {i}; rules compare numbers and strings",
                crate::error::a_type(v.type_name())
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, Dynamic)]) -> Dynamic {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert((*k).into(), v.clone());
        }
        Dynamic::from_map(m)
    }

    fn read(rows: &Array, wanted: &[Wanted]) -> Vec<Read> {
        read_columns(rows, wanted, || Ok::<(), ()>(())).unwrap()
    }

    fn both(name: &str) -> Wanted<'_> {
        Wanted {
            name,
            typed: true,
            raw: true,
        }
    }

    #[test]
    fn every_wanted_column_is_read_typed_and_as_the_rows_hold_it() {
        let rows: Array = vec![
            row(&[("n", Dynamic::from_int(3)), ("t", Dynamic::from("a"))]),
            row(&[("n", Dynamic::from_float(0.5)), ("t", Dynamic::from("b"))]),
        ];
        let got = read(&rows, &[both("t"), both("n")]);
        assert!(matches!(&got[0].typed, Some(Ok(Column::Text(t))) if t[1] == "b"));
        assert!(matches!(&got[1].typed, Some(Ok(Column::Float(f))) if f == &[3.0, 0.5]));
        let raw = got[1].raw.as_ref().unwrap().as_ref().unwrap();
        let kinds: Vec<&str> = raw.iter().map(|v| v.type_name()).collect();
        assert_eq!(kinds, ["i64", "f64"]);
    }

    #[test]
    fn mixed_kinds_fail_the_typed_column_only() {
        let rows: Array = vec![
            row(&[("x", Dynamic::from_int(1))]),
            row(&[("x", Dynamic::from("many"))]),
        ];
        let got = read(&rows, &[both("x")]);
        assert_eq!(
            got[0].typed.as_ref().unwrap().as_ref().err().unwrap(),
            "column 'x' holds a string in row 1 but a number in row 0"
        );
        assert_eq!(got[0].raw.as_ref().unwrap().as_ref().unwrap().len(), 2);
    }

    #[test]
    fn a_missing_column_or_a_row_that_is_no_map_names_the_row() {
        let rows: Array = vec![
            row(&[("x", Dynamic::from_int(1)), ("y", Dynamic::from_int(1))]),
            row(&[("y", Dynamic::from_int(2)), ("z", Dynamic::UNIT)]),
        ];
        let got = read(&rows, &[both("x"), both("y")]);
        let want = "no column 'x' in row 1 (its columns: y, z)";
        assert_eq!(got[0].typed.as_ref().unwrap().as_ref().err().unwrap(), want);
        assert_eq!(got[0].raw.as_ref().unwrap().as_ref().err().unwrap(), want);
        assert!(matches!(&got[1].typed, Some(Ok(Column::Int(v))) if v == &[1, 2]));
        assert!(got[1].raw.is_some());
        let got = read(&vec![Dynamic::from_int(1)], &[both("x")]);
        let e = got[0].raw.as_ref().unwrap().as_ref().err().unwrap();
        assert!(e.contains("row 0 is an i64, not a map"), "{e}");
    }

    #[test]
    fn a_map_of_columns_reads_as_the_same_rows_would() {
        let ints: Array = vec![Dynamic::from_int(3), Dynamic::from_float(0.5)];
        let texts: Array = vec![Dynamic::from("a"), Dynamic::from("b")];
        let mut columns = Map::new();
        columns.insert("n".into(), Dynamic::from_array(ints));
        columns.insert("t".into(), Dynamic::from_array(texts));
        assert_eq!(columns_len(&columns), Ok(2));
        let got = read_map_columns(&columns, &[both("t"), both("n"), both("x")]);
        assert!(matches!(&got[0].typed, Some(Ok(Column::Text(t))) if t[1] == "b"));
        assert!(matches!(&got[1].typed, Some(Ok(Column::Float(f))) if f == &[3.0, 0.5]));
        assert_eq!(got[1].raw.as_ref().unwrap().as_ref().unwrap().len(), 2);
        assert_eq!(
            got[2].typed.as_ref().unwrap().as_ref().err().unwrap(),
            "no column 'x' (the columns: n, t)"
        );
    }

    #[test]
    fn columns_of_different_lengths_or_not_arrays_are_refused() {
        let mut columns = Map::new();
        columns.insert("a".into(), Dynamic::from_array(vec![Dynamic::from_int(1)]));
        columns.insert("b".into(), Dynamic::from_array(Array::new()));
        assert_eq!(
            columns_len(&columns),
            Err("column 'b' has 0 values but column 'a' has 1".to_string())
        );
        columns.insert("b".into(), Dynamic::from_int(1));
        assert!(columns_len(&columns)
            .unwrap_err()
            .contains("column 'b' is an i64, not an array"));
        assert!(columns_len(&Map::new()).is_err());
    }

    #[test]
    fn only_the_wanted_forms_are_kept() {
        let rows: Array = vec![row(&[("x", Dynamic::from_int(1))])];
        let got = read(
            &rows,
            &[Wanted {
                name: "x",
                typed: false,
                raw: true,
            }],
        );
        assert!(got[0].typed.is_none() && got[0].raw.is_some());
    }
}

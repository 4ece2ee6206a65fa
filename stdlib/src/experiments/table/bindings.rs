//! The Rhai face of [`Table`]: read a result table's columns, rows and cells as plain values,
//! and print it as the aligned text a cell shows.

use super::{Cell, Table};
use crate::bind;
use crate::error::RhaiResult;
use ladder_scripting::rhai::{Array, Dynamic, Engine, EvalAltResult, Map, INT};
use ladder_scripting::Renderers;

crate::type_names! {
    Table => "Table",
}

type R<T> = Result<T, Box<EvalAltResult>>;

/// A cell as a Rhai value: text, int, float; an empty or undefined (NaN) cell is `()`.
pub fn cell_value(c: &Cell) -> Dynamic {
    match c {
        Cell::Text(s) => s.clone().into(),
        Cell::Int(i) => Dynamic::from_int(*i),
        Cell::Num(v, _) if v.is_nan() => Dynamic::UNIT,
        Cell::Num(v, _) => Dynamic::from_float(*v),
        Cell::Empty => Dynamic::UNIT,
    }
}

/// Row `i` (negative counts from the end, as for arrays) or an error naming the table's size.
fn row_index(t: &Table, i: INT) -> R<usize> {
    let n = t.rows.len() as INT;
    let j = if i < 0 { i + n } else { i };
    if (0..n).contains(&j) {
        Ok(j as usize)
    } else {
        let rows = if n == 1 { "row" } else { "rows" };
        Err(format!(
            "table \"{}\" has {n} {rows} (0..{n}); row {i} is out of range",
            t.title
        )
        .into())
    }
}

fn column_index(t: &Table, name: &str) -> R<usize> {
    t.columns.iter().position(|c| c == name).ok_or_else(|| {
        format!(
            "table \"{}\" has no column \"{name}\" (columns: {})",
            t.title,
            t.columns.join(", ")
        )
        .into()
    })
}

fn get(t: &Table, row: usize, col: usize) -> Dynamic {
    t.rows[row].get(col).map_or(Dynamic::UNIT, cell_value)
}

fn row_map(t: &Table, row: usize) -> Map {
    t.columns
        .iter()
        .enumerate()
        .map(|(j, c)| (c.as_str().into(), get(t, row, j)))
        .collect()
}

fn column(t: &Table, name: &str) -> R<Array> {
    let j = column_index(t, name)?;
    Ok((0..t.rows.len()).map(|i| get(t, i, j)).collect())
}

fn to_maps(t: &Table) -> Array {
    (0..t.rows.len())
        .map(|i| Dynamic::from_map(row_map(t, i)))
        .collect()
}

/// `for row in table { ... }` visits each row as a map from column name to value.
impl IntoIterator for Table {
    type Item = Dynamic;
    type IntoIter = std::vec::IntoIter<Dynamic>;

    fn into_iter(self) -> Self::IntoIter {
        to_maps(&self).into_iter()
    }
}

pub fn register(engine: &mut Engine, renderers: &mut Renderers) {
    crate::doc::register_rendered::<Table>(engine, renderers);
    engine.register_iterator::<Table>();
    bind!(
        engine,
        /// The table as aligned text: title, header, rule, rows, notes.
        fn to_text(table: &mut Table) -> String {
            table.to_text()
        },
        /// The table as aligned text, as `print(table)` shows it.
        fn to_string(table: &mut Table) -> String {
            table.to_text()
        },
        /// The table as aligned text, as `debug(table)` shows it.
        fn to_debug(table: &mut Table) -> String {
            table.to_text()
        }
    );
    engine.register_get("title", |t: &mut Table| t.title.clone());
    engine.register_get("columns", |t: &mut Table| -> Array {
        t.columns.iter().map(|c| c.clone().into()).collect()
    });
    engine.register_get("rows", |t: &mut Table| t.rows.len() as INT);
    engine.register_get("notes", |t: &mut Table| -> Array {
        t.notes.iter().map(|n| n.clone().into()).collect()
    });
    bind!(
        engine,
        /// The number of rows.
        fn len(table: &mut Table) -> INT {
            table.rows.len() as INT
        }
    );
    engine.register_indexer_get(|t: &mut Table, i: INT| -> R<Map> {
        Ok(row_map(t, row_index(t, i)?))
    });
    engine.register_indexer_get(|t: &mut Table, name: &str| column(t, name));
    bind!(engine,
        /// Row `row` (negative counts from the end) as a map from column name to value; `table[row]` is the same.
        /// Empty and undefined cells are `()`.
        fn row(table: &mut Table, row: INT) -> R<Map> as "Map" { Ok(row_map(table, row_index(table, row)?)) }

        /// The values of column `name`, top to bottom; `table[name]` is the same.
        ///
        /// let r = classification_report(y, pred);
        /// r.table.column("f1")
        fn column(table: &mut Table, name: &str) -> RhaiResult<Array> { column(table, name) }

        /// One value: row `row` (negative counts from the end), column `column`; `()` when empty or undefined.
        fn cell(table: &mut Table, row: INT, column: &str) -> R<Dynamic> as "?" {
            Ok(get(table, row_index(table, row)?, column_index(table, column)?))
        }

        /// The rows as arrays of values (in column order; the header is `table.columns`).
        fn to_array(table: &mut Table) -> Array {
            table.rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    Dynamic::from_array(
                        (0..r.len().max(table.columns.len()))
                            .map(|j| get(table, i, j))
                            .collect(),
                    )
                })
                .collect()
        }

        /// The rows as maps from column name to value; `for row in table` visits the same maps.
        fn to_maps(table: &mut Table) -> Array { to_maps(table) }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_become_plain_values() {
        assert_eq!(cell_value(&Cell::Int(3)).as_int().unwrap(), 3);
        assert!(cell_value(&Cell::num(f64::NAN)).is_unit());
        assert!(cell_value(&Cell::Empty).is_unit());
        assert_eq!(cell_value(&Cell::num(0.5)).as_float().unwrap(), 0.5);
        let mut t = Table::new("t", &["a"]);
        t.push(vec![1usize.into()]);
        assert_eq!(row_index(&t, -1).unwrap(), 0);
        assert!(row_index(&t, 1)
            .unwrap_err()
            .to_string()
            .contains("has 1 row (0..1); row 1 is out of range"));
        assert!(column_index(&t, "b")
            .unwrap_err()
            .to_string()
            .contains("no column \"b\" (columns: a)"));
    }
}

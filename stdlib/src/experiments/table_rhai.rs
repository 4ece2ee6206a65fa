//! The Rhai face of [`Table`]: read a result table's columns, rows and cells as plain values,
//! and print it as the aligned text a cell shows.

use super::table::{Cell, Table};
use crate::reg;
use ladder_scripting::rhai::{Array, Dynamic, Engine, EvalAltResult, Map, INT};
use ladder_scripting::Renderers;

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
    engine.register_type_with_name::<Table>("Table");
    engine.register_iterator::<Table>();
    renderers.register::<Table>();
    reg!(
        engine,
        "to_text",
        ["table: Table", "String"],
        "The table as aligned text: title, header, rule, rows, notes.",
        |t: &mut Table| t.to_text()
    );
    reg!(
        engine,
        "to_string",
        ["table: Table", "String"],
        "The table as aligned text, as `print(table)` shows it.",
        |t: &mut Table| t.to_text()
    );
    reg!(
        engine,
        "to_debug",
        ["table: Table", "String"],
        "The table as aligned text, as `debug(table)` shows it.",
        |t: &mut Table| t.to_text()
    );
    engine.register_get("title", |t: &mut Table| t.title.clone());
    engine.register_get("columns", |t: &mut Table| -> Array {
        t.columns.iter().map(|c| c.clone().into()).collect()
    });
    engine.register_get("rows", |t: &mut Table| t.rows.len() as INT);
    engine.register_get("notes", |t: &mut Table| -> Array {
        t.notes.iter().map(|n| n.clone().into()).collect()
    });
    reg!(
        engine,
        "len",
        ["table: Table", "int"],
        "The number of rows.",
        |t: &mut Table| t.rows.len() as INT
    );
    engine.register_indexer_get(|t: &mut Table, i: INT| -> R<Map> {
        Ok(row_map(t, row_index(t, i)?))
    });
    engine.register_indexer_get(|t: &mut Table, name: &str| column(t, name));
    reg!(
        engine,
        "row",
        ["table: Table", "row: int", "Map"],
        "Row `row` (negative counts from the end) as a map from column name to value; `table[row]` is the same.\nEmpty and undefined cells are `()`.",
        |t: &mut Table, i: INT| -> R<Map> { Ok(row_map(t, row_index(t, i)?)) }
    );
    reg!(
        engine,
        "column",
        ["table: Table", "name: &str", "Array"],
        "The values of column `name`, top to bottom; `table[name]` is the same.\n\nlet r = classification_report(y, pred);\nr.table.column(\"f1\")",
        |t: &mut Table, name: &str| column(t, name)
    );
    reg!(
        engine,
        "cell",
        ["table: Table", "row: int", "column: &str", "?"],
        "One value: row `row` (negative counts from the end), column `column`; `()` when empty or undefined.",
        |t: &mut Table, i: INT, name: &str| -> R<Dynamic> {
            Ok(get(t, row_index(t, i)?, column_index(t, name)?))
        }
    );
    reg!(
        engine,
        "to_array",
        ["table: Table", "Array"],
        "The rows as arrays of values (in column order; the header is `table.columns`).",
        |t: &mut Table| -> Array {
            t.rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    Dynamic::from_array(
                        (0..r.len().max(t.columns.len()))
                            .map(|j| get(t, i, j))
                            .collect(),
                    )
                })
                .collect()
        }
    );
    reg!(
        engine,
        "to_maps",
        ["table: Table", "Array"],
        "The rows as maps from column name to value; `for row in table` visits the same maps.",
        |t: &mut Table| to_maps(t)
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

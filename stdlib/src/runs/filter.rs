//! Which records `list` returns: each set field must match (all of them together).

use serde_json::{Map, Value};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunFilter {
    pub name: Option<String>,
    pub status: Option<String>,
    pub dataset: Option<String>,
    pub seed: Option<i64>,
    /// Each key must be present in the record's tags with an equal value.
    pub tags: Map<String, Value>,
    /// Each key must be present in the record's options with an equal value.
    pub options: Map<String, Value>,
    /// The newest `limit` records (all when `None`).
    pub limit: Option<usize>,
}

impl RunFilter {
    /// The SQL condition on the store's columns and JSON, with its parameters.
    pub(super) fn to_sql(&self) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value as Sql;
        let mut conds = vec!["1".to_string()];
        let mut args = Vec::new();
        for (column, value) in [
            ("name", &self.name),
            ("status", &self.status),
            ("dataset", &self.dataset),
        ] {
            if let Some(v) = value {
                conds.push(format!("{column} = ?"));
                args.push(Sql::Text(v.clone()));
            }
        }
        if let Some(seed) = self.seed {
            conds.push("seed = ?".into());
            args.push(Sql::Integer(seed));
        }
        // Both sides go through json_extract, so a string compares as text, a number as a
        // number and an object or array as its minified JSON.
        for (field, map) in [("tags", &self.tags), ("options", &self.options)] {
            for (key, value) in map {
                conds.push(format!(
                    "json_extract(record, '$.{field}.' || json_quote(?)) = json_extract(?, '$')"
                ));
                args.push(Sql::Text(key.clone()));
                args.push(Sql::Text(value.to_string()));
            }
        }
        (conds.join(" AND "), args)
    }
}

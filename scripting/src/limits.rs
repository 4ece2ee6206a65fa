//! Safety limits against runaway scripts, applied to the engine and changeable with
//! `%limit NAME VALUE`.

use rhai::Engine;

/// Sizes and depths a cell may reach before it is stopped with a `LimitExceeded` error.
/// Zero means "no limit" for every field.
///
/// Rhai's size limits (strings, arrays, maps) measure the whole changed value after every
/// operation, which makes building an array with `push` quadratic; they are off by default
/// and `max_memory` (which costs nothing per operation) guards against runaway growth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest string, in bytes.
    pub max_string_size: usize,
    /// Most elements in one array.
    pub max_array_size: usize,
    /// Most entries in one object map.
    pub max_map_size: usize,
    /// Deepest chain of function calls (recursion).
    pub max_call_levels: usize,
    /// Deepest nesting of expressions.
    pub max_expr_depth: usize,
    /// Most Rhai operations in one cell (0: run until done or interrupted).
    pub max_operations: u64,
    /// Most bytes the process may hold while a cell runs (needs the binary to install
    /// [`crate::memory::CountingAllocator`]).
    pub max_memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_string_size: 0,
            max_array_size: 0,
            max_map_size: 0,
            // Each Rhai call level needs a few KiB of native stack; session threads are
            // spawned with a large stack so this depth is safe.
            max_call_levels: 512,
            max_expr_depth: 256,
            max_operations: 0,
            max_memory: crate::memory::default_limit(),
        }
    }
}

/// The settable limits, with a one-line description each.
pub const NAMES: &[(&str, &str)] = &[
    (
        "max_memory",
        "most bytes the process may hold while a cell runs",
    ),
    (
        "max_string_size",
        "longest string, in bytes (checks cost time)",
    ),
    (
        "max_array_size",
        "most elements in one array (checks cost time)",
    ),
    (
        "max_map_size",
        "most entries in one object map (checks cost time)",
    ),
    ("max_call_levels", "deepest chain of function calls"),
    ("max_expr_depth", "deepest nesting of expressions"),
    ("max_operations", "most operations in one cell"),
];

impl Limits {
    /// Apply every limit to an engine.
    pub fn apply(&self, engine: &mut Engine) {
        engine
            .set_max_string_size(self.max_string_size)
            .set_max_array_size(self.max_array_size)
            .set_max_map_size(self.max_map_size)
            .set_max_call_levels(self.max_call_levels)
            .set_max_expr_depths(self.max_expr_depth, self.max_expr_depth)
            .set_max_operations(self.max_operations);
    }

    /// Change one limit by name.
    pub fn set(&mut self, name: &str, value: u64) -> Result<(), String> {
        let as_usize = usize::try_from(value).map_err(|_| format!("{value} is too large"))?;
        match name {
            "max_string_size" => self.max_string_size = as_usize,
            "max_array_size" => self.max_array_size = as_usize,
            "max_map_size" => self.max_map_size = as_usize,
            "max_call_levels" => self.max_call_levels = as_usize,
            "max_expr_depth" => self.max_expr_depth = as_usize,
            "max_operations" => self.max_operations = value,
            "max_memory" => self.max_memory = value,
            _ => {
                let known: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "unknown limit '{name}'; known limits: {}",
                    known.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The current value of a limit by name.
    pub fn get(&self, name: &str) -> Option<u64> {
        Some(match name {
            "max_string_size" => self.max_string_size as u64,
            "max_array_size" => self.max_array_size as u64,
            "max_map_size" => self.max_map_size as u64,
            "max_call_levels" => self.max_call_levels as u64,
            "max_expr_depth" => self.max_expr_depth as u64,
            "max_operations" => self.max_operations,
            "max_memory" => self.max_memory,
            _ => return None,
        })
    }
}

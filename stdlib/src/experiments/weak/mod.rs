//! Weak supervision: label matrices from labelling functions, their analysis, and label
//! models (majority vote, Dawid–Skene) that turn votes into probabilistic labels.

pub mod analysis;
pub mod apply;
pub mod column_fn;
pub mod columns;
pub mod compile;
pub mod dawid_skene;
pub mod label_matrix;
pub mod majority;
pub mod pattern;
pub mod rule_text;
pub mod rules;

pub use analysis::{analysis_table, lf_analysis, LfSummary};
pub use dawid_skene::{DawidSkene, DawidSkeneConfig};
pub use label_matrix::{LabelMatrix, ABSTAIN};
pub use majority::{majority_predict, majority_proba};
pub mod bindings;

//! Weak-to-strong generalisation: the reference protocol over seeds, PGR, and bootstrapping
//! chains.

pub mod bindings;
pub mod protocol;
pub mod report;

pub use protocol::{
    bootstrap_chain, pgr, weak_to_strong, ChainLink, TransferLoss, W2sResult, W2sRun,
};

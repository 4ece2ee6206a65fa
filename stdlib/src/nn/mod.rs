//! Models: layers, networks, saving and loading. The interface experiments use for any model,
//! trainable with `fit`, is [`crate::train::Classifier`].

pub mod bindings;
pub mod footprint;
pub mod functional;
pub mod fused;
pub mod layers;
pub mod lm_classifier;
pub mod network;
pub mod pretrained;
pub mod pretrained_classifier;
pub mod save;
pub mod transformer;

pub use network::{Network, NetworkSpec};

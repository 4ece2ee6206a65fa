//! `lm_classifier`: a network whose first layer is a decoder LM ([`crate::decoder::train::layer`]),
//! frozen or with LoRA adapters, and whose head is a linear layer or a small MLP (as
//! [`super::pretrained_classifier`] does for the BERT encoder).

use super::layers::LayerSpec;
use super::network::{Network, NetworkSpec};
use super::pretrained_classifier::{head_layers, Head};
use crate::bail;
use crate::decoder::train::features::{self, Pooling};
use crate::decoder::train::layer::{LmSpec, LoraSpec};
use crate::error::Result;
use candle_core::Device;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct LmClassifierOptions {
    pub path: String,
    pub classes: usize,
    pub head: Head,
    /// `None`: the model's last layer (after the final norm).
    pub layer: Option<usize>,
    pub pooling: Pooling,
    pub max_len: usize,
    pub pad: u32,
    pub lora: Option<LoraSpec>,
    pub adapter: Option<String>,
    pub seed: u64,
}

impl LmClassifierOptions {
    /// A name for tables of results: "lm(<file>, LoRA r 8)".
    pub fn describe(&self) -> String {
        let file = Path::new(&self.path)
            .file_name()
            .map_or(self.path.clone(), |n| n.to_string_lossy().into_owned());
        match &self.lora {
            None => format!("lm({file})"),
            Some(l) => format!("lm({file}, LoRA r {})", l.rank),
        }
    }
}

pub fn classifier(o: &LmClassifierOptions) -> Result<Network> {
    if o.classes < 2 {
        bail!("lm_classifier: needs at least 2 classes, got {}", o.classes);
    }
    let shared = features::open(Path::new(&o.path), &Device::Cpu)?;
    let c = &shared.decoder.config;
    let layer = o.layer.unwrap_or(c.layers);
    if layer > c.layers {
        bail!(
            "lm_classifier: layer {layer} does not exist: {} has {} layers",
            o.path,
            c.layers
        );
    }
    if o.adapter.is_some() && o.lora.is_none() {
        bail!("lm_classifier: `adapter` needs `lora` settings");
    }
    let name = Path::new(&o.path)
        .file_name()
        .map_or(o.path.clone(), |n| n.to_string_lossy().into_owned());
    let dim = c.hidden;
    let spec = LmSpec {
        path: o.path.clone(),
        name,
        dim,
        layer,
        pooling: o.pooling,
        max_len: o.max_len.min(c.max_positions),
        pad: o.pad,
        lora: o.lora.clone(),
        adapter: o.adapter.clone(),
    };
    let mut layers = vec![LayerSpec::Lm(spec)];
    layers.extend(head_layers(dim, o.classes, o.head, "lm_classifier")?);
    Network::new(
        NetworkSpec {
            kind: "lm_classifier".into(),
            layers,
            seed: o.seed,
            precision: Default::default(),
        },
        &Device::Cpu,
    )
}

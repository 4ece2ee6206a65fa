//! `lm_classifier`: a network whose first layer is a decoder LM ([`crate::decoder::train::layer`]),
//! frozen or with LoRA adapters, and whose head is a linear layer or a small MLP (as
//! [`super::pretrained_classifier`] does for the BERT encoder).

use super::layers::LayerSpec;
use super::network::{Network, NetworkSpec};
use super::pretrained_classifier::{head_layers, Head};
use crate::bail;
use crate::decoder::train::features::{self, Pooling};
use crate::decoder::train::layer::{LmSpec, LoraSpec};
use crate::decoder::train::peft;
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
    let lora = match &o.adapter {
        Some(dir) => Some(adapter_settings(dir, o.lora.as_ref())?),
        None => o.lora.clone(),
    };
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
        lora,
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

/// The LoRA settings of the PEFT adapter in `dir`. `given` (the `lora` option), where set, must
/// agree with them: the adapter's matrices decide the shapes either way.
fn adapter_settings(dir: &str, given: Option<&LoraSpec>) -> Result<LoraSpec> {
    let config = peft::read_config(Path::new(dir))?;
    let found = LoraSpec {
        rank: config.rank,
        alpha: config.alpha,
        targets: config
            .targets
            .iter()
            .map(|t| t.module().to_string())
            .collect(),
    };
    let Some(given) = given else {
        return Ok(found);
    };
    let sorted = |t: &[String]| {
        let mut t = t.to_vec();
        t.sort();
        t.dedup();
        t
    };
    let agree = given.rank == found.rank
        && (given.alpha - found.alpha).abs() <= 1e-9 * found.alpha.abs().max(1.0)
        && sorted(&given.targets) == sorted(&found.targets);
    if !agree {
        bail!(
            "lm_classifier: `lora` says r {}, alpha {} on {} but the adapter's {} says r {}, \
             alpha {} on {}; leave `lora` out to take the adapter's settings",
            given.rank,
            given.alpha,
            given.targets.join("/"),
            Path::new(dir).join(peft::CONFIG).display(),
            found.rank,
            found.alpha,
            found.targets.join("/")
        );
    }
    Ok(found)
}

//! LoRA adapters in PEFT's files: `adapter_model.safetensors` (tensors named
//! `base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`, ...) and
//! `adapter_config.json` (`peft_type` LORA, `r`, `lora_alpha`, `target_modules`, ...), so
//! PEFT's `PeftModel.from_pretrained` loads what Ladder saves and Ladder loads what PEFT saves.

use super::lora::{peft_name, Lora, LoraConfig, Pair};
use crate::decoder::forward::{Decoder, Target};
use crate::error::{Error, Result};
use candle_core::{DType, Device, Tensor, Var};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const WEIGHTS: &str = "adapter_model.safetensors";
pub const CONFIG: &str = "adapter_config.json";

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        Error::io(
            path.display().to_string(),
            format!("cannot write {}: {e}", path.display()),
        )
    })
}

/// Write `lora` into the folder `dir` (created if needed). `base` names the base model for
/// PEFT (`base_model_name_or_path`); `task` is PEFT's `task_type` (e.g. CAUSAL_LM).
pub fn save(lora: &Lora, dir: &Path, base: &str, task: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::io(
            dir.display().to_string(),
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    let tensors: HashMap<String, Tensor> = lora
        .named_vars()
        .into_iter()
        .map(|(n, v)| Ok((n, v.as_tensor().to_device(&Device::Cpu)?)))
        .collect::<Result<_>>()?;
    let bytes = safetensors::serialize(&tensors, None).map_err(|e| Error::new(e.to_string()))?;
    let mut modules: Vec<&str> = lora.config.targets.iter().map(|t| t.module()).collect();
    modules.sort();
    let config = serde_json::json!({
        "peft_type": "LORA",
        "task_type": task,
        "base_model_name_or_path": base,
        "r": lora.config.rank,
        "lora_alpha": lora.config.alpha,
        "lora_dropout": 0.0,
        "target_modules": modules,
        "bias": "none",
        "fan_in_fan_out": false,
        "inference_mode": true,
        "init_lora_weights": true,
        "use_rslora": lora.config.rslora,
        "use_dora": false,
        "modules_to_save": null,
        "layers_to_transform": null,
        "rank_pattern": {},
        "alpha_pattern": {},
    });
    let text = serde_json::to_string_pretty(&config).map_err(|e| Error::new(e.to_string()))?;
    write(&dir.join(WEIGHTS), &bytes)?;
    write(&dir.join(CONFIG), text.as_bytes())
}

/// Read the adapters in `dir` for `decoder` (shapes are checked against its projections).
pub fn load(dir: &Path, decoder: &Decoder) -> Result<Lora> {
    let config = read_config(dir)?;
    let file = dir.join(WEIGHTS);
    let mut tensors = candle_core::safetensors::load(&file, decoder.device()).map_err(|e| {
        Error::io(
            file.display().to_string(),
            format!("cannot read {}: {}", file.display(), Error::from(e)),
        )
    })?;
    let mut pairs = BTreeMap::new();
    for (i, layer) in decoder.weights.layers.iter().enumerate() {
        for &t in &config.targets {
            let p = &layer.proj[t as usize];
            let mut take = |which: &str, shape: (usize, usize)| -> Result<Var> {
                let name = peft_name(i, t, which);
                let x = tensors.remove(&name).ok_or_else(|| {
                    Error::data(format!("{} has no tensor \"{name}\"", file.display()))
                })?;
                if x.dims() != [shape.0, shape.1] {
                    return Err(Error::shape(format!(
                        "{}: \"{name}\" has shape {:?}, the model needs {shape:?}",
                        file.display(),
                        x.dims()
                    )));
                }
                Ok(Var::from_tensor(&x.to_dtype(DType::F32)?)?)
            };
            let a = take("lora_A", (config.rank, p.inputs()))?;
            let b = take("lora_B", (p.outputs(), config.rank))?;
            pairs.insert((i, t), Pair { a, b });
        }
    }
    if let Some(extra) = tensors.keys().next() {
        return Err(Error::data(format!(
            "{}: tensor \"{extra}\" is not a LoRA matrix of this model's layers",
            file.display()
        )));
    }
    Ok(Lora { config, pairs })
}

/// The LoRA settings in `dir`'s adapter_config.json.
pub fn read_config(dir: &Path) -> Result<LoraConfig> {
    let config_path = dir.join(CONFIG);
    let text = std::fs::read_to_string(&config_path).map_err(|e| {
        Error::io(
            config_path.display().to_string(),
            format!("cannot read {}: {e}", config_path.display()),
        )
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::data(format!("{} is not valid JSON: {e}", config_path.display())))?;
    let bad = |what: String| Error::data(format!("{}: {what}", config_path.display()));
    if v["peft_type"].as_str() != Some("LORA") {
        return Err(bad(format!(
            "peft_type is {}, Ladder reads LORA adapters",
            v["peft_type"]
        )));
    }
    if v["use_dora"].as_bool() == Some(true) {
        return Err(bad("DoRA adapters (use_dora) are not supported".into()));
    }
    for key in ["rank_pattern", "alpha_pattern"] {
        if v[key].as_object().is_some_and(|m| !m.is_empty()) {
            return Err(bad(format!("per-module {key} is not supported")));
        }
    }
    let rank = v["r"]
        .as_u64()
        .ok_or_else(|| bad("no integer \"r\"".into()))? as usize;
    let alpha = v["lora_alpha"]
        .as_f64()
        .ok_or_else(|| bad("no number \"lora_alpha\"".into()))?;
    let modules: Vec<String> = match &v["target_modules"] {
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|m| m.as_str().map(String::from))
            .collect(),
        serde_json::Value::String(s) => vec![s.clone()],
        other => return Err(bad(format!("target_modules {other} is not a list"))),
    };
    let mut targets = Vec::new();
    for m in &modules {
        let t = Target::parse(m).ok_or_else(|| {
            bad(format!(
                "target module \"{m}\" is not one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"
            ))
        })?;
        targets.push(t);
    }
    targets.sort();
    Ok(LoraConfig {
        rank,
        alpha,
        targets,
        rslora: v["use_rslora"].as_bool().unwrap_or(false),
    })
}

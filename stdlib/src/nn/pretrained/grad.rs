//! The BERT encoder's forward pass written with differentiable candle operations, over the
//! same named weights as candle-transformers' `BertModel`.
//!
//! Why a second forward: `BertModel` normalises with candle-nn's fused layer norm, which is
//! applied with `apply_op3_no_bwd`, so no gradient reaches any weight before the last layer
//! norm. Fine-tuning therefore trains through this pass (numerically the same model; a test
//! checks the two agree), while inference keeps the faster `BertModel`.

use crate::error::{Error, Result};
use candle_core::{Tensor, Var, D};
use candle_transformers::models::bert::{Config, HiddenAct};
use std::collections::HashMap;

/// The weight names the encoder reads, in a stable order (the order they are saved in).
pub fn weight_names(config: &Config) -> Vec<String> {
    let mut names: Vec<String> = [
        "embeddings.word_embeddings.weight",
        "embeddings.position_embeddings.weight",
        "embeddings.token_type_embeddings.weight",
        "embeddings.LayerNorm.weight",
        "embeddings.LayerNorm.bias",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in 0..config.num_hidden_layers {
        for part in [
            "attention.self.query",
            "attention.self.key",
            "attention.self.value",
            "attention.output.dense",
            "attention.output.LayerNorm",
            "intermediate.dense",
            "output.dense",
            "output.LayerNorm",
        ] {
            for p in ["weight", "bias"] {
                names.push(format!("encoder.layer.{i}.{part}.{p}"));
            }
        }
    }
    names
}

/// Token states (batch, length, hidden) for ids (batch, length, u32) and a 0/1 attention mask
/// (batch, length, f32), reading each weight from `vars` by its name.
pub fn forward(
    vars: &HashMap<String, Var>,
    config: &Config,
    ids: &Tensor,
    mask: &Tensor,
) -> Result<Tensor> {
    let w = |name: &str| -> Result<&Tensor> {
        vars.get(name)
            .map(|v| v.as_tensor())
            .ok_or_else(|| Error(format!("pretrained: the encoder has no weight \"{name}\"")))
    };
    let eps = config.layer_norm_eps as f32;
    let norm = |x: &Tensor, prefix: &str| -> Result<Tensor> {
        Ok(candle_nn::ops::layer_norm_slow(
            x,
            w(&format!("{prefix}.weight"))?,
            w(&format!("{prefix}.bias"))?,
            eps,
        )?)
    };
    let linear = |x: &Tensor, prefix: &str| -> Result<Tensor> {
        let (b, l, k) = x.dims3()?;
        let weight = w(&format!("{prefix}.weight"))?;
        Ok(x.reshape((b * l, k))?
            .matmul(&weight.t()?)?
            .broadcast_add(w(&format!("{prefix}.bias"))?)?
            .reshape((b, l, ()))?)
    };
    let (b, l) = ids.dims2()?;
    let hidden = config.hidden_size;
    let heads = config.num_attention_heads;
    let head_size = hidden / heads;

    let words = w("embeddings.word_embeddings.weight")?
        .index_select(&ids.flatten_all()?, 0)?
        .reshape((b, l, hidden))?;
    let positions = w("embeddings.position_embeddings.weight")?.narrow(0, 0, l)?;
    let token_type = w("embeddings.token_type_embeddings.weight")?.narrow(0, 0, 1)?;
    let mut x = norm(
        &words
            .broadcast_add(&positions)?
            .broadcast_add(&token_type)?,
        "embeddings.LayerNorm",
    )?;
    // Masked keys get the lowest float added to their scores, as transformers does.
    let bias = ((mask.ones_like()? - mask)? * f64::from(f32::MIN))?.reshape((b, 1, 1, l))?;
    let split = |t: Tensor| -> Result<Tensor> {
        Ok(t.reshape((b, l, heads, head_size))?
            .transpose(1, 2)?
            .contiguous()?)
    };
    for i in 0..config.num_hidden_layers {
        let p = format!("encoder.layer.{i}");
        let q = split(linear(&x, &format!("{p}.attention.self.query"))?)?;
        let k = split(linear(&x, &format!("{p}.attention.self.key"))?)?;
        let v = split(linear(&x, &format!("{p}.attention.self.value"))?)?;
        let scores = (q.matmul(&k.t()?)? / (head_size as f64).sqrt())?.broadcast_add(&bias)?;
        let probs = candle_nn::ops::softmax(&scores, D::Minus1)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, l, hidden))?;
        let attended = norm(
            &(linear(&context, &format!("{p}.attention.output.dense"))? + &x)?,
            &format!("{p}.attention.output.LayerNorm"),
        )?;
        let inner = linear(&attended, &format!("{p}.intermediate.dense"))?;
        let inner = match config.hidden_act {
            HiddenAct::Gelu => inner.gelu_erf()?,
            HiddenAct::GeluApproximate => inner.gelu()?,
            HiddenAct::Relu => inner.relu()?,
        };
        x = norm(
            &(linear(&inner, &format!("{p}.output.dense"))? + &attended)?,
            &format!("{p}.output.LayerNorm"),
        )?;
    }
    Ok(x)
}

//! The BERT encoder's forward pass over the same named weights as candle-transformers'
//! `BertModel` (a test checks the two agree to 1e-5), for inference and training.
//!
//! Why not `BertModel::forward` itself: (1) it normalises with candle-nn's fused layer norm,
//! applied with `apply_op3_no_bwd`, so no gradient reaches any weight before the last layer
//! norm and fine-tuning would silently train nothing; here layer norm and attention are
//! Ladder's fused kernels, which have backward passes and split their work over the threads. (2) Its GELU is candle's `gelu_erf`, a scalar erf per element that cost
//! a sixth of the forward pass; [`crate::kernels::gelu`] is the same function, vectorised.

use crate::error::{Error, Result};
use crate::kernels::attention::attention;
use crate::kernels::dense::{linear, FusedAct};
use crate::kernels::gelu::gelu_erf;
use crate::kernels::layer_norm::layer_norm;
use candle_core::{DType, Tensor, D};
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
/// (batch, length, f32), reading each weight from `weights` by its name. With `train`, every
/// operation carries gradients to the weights; without, layer norms use the fused kernel.
pub fn forward(
    weights: &HashMap<String, Tensor>,
    config: &Config,
    ids: &Tensor,
    mask: &Tensor,
    train: bool,
) -> Result<Tensor> {
    let w = |name: &str| -> Result<&Tensor> {
        weights
            .get(name)
            .ok_or_else(|| Error::new(format!("pretrained: the encoder has no weight \"{name}\"")))
    };
    let eps = config.layer_norm_eps as f32;
    let norm = |x: &Tensor, prefix: &str| -> Result<Tensor> {
        let (gamma, beta) = (
            w(&format!("{prefix}.weight"))?,
            w(&format!("{prefix}.bias"))?,
        );
        // Ladder's kernel (one pass a row, split over the threads, with a backward pass);
        // candle's where it does not apply (another device or dtype).
        Ok(match layer_norm(x, gamma, beta, eps)? {
            Some(y) => y,
            None if train => candle_nn::ops::layer_norm_slow(x, gamma, beta, eps)?,
            None => candle_nn::ops::layer_norm(x, gamma, beta, eps)?,
        })
    };
    // x·Wᵀ + b for x (rows, in) and W (out, in), as one fused op where it applies (f32 CPU).
    let dense = |x: &Tensor, weight: &Tensor, bias: &Tensor| -> Result<Tensor> {
        let wt = weight.t()?;
        Ok(match linear(x, &wt, Some(bias), FusedAct::Identity)? {
            Some(y) => y,
            None => x.matmul(&wt)?.broadcast_add(bias)?,
        })
    };
    let layer = |x: &Tensor, prefix: &str| -> Result<Tensor> {
        dense(
            x,
            w(&format!("{prefix}.weight"))?,
            w(&format!("{prefix}.bias"))?,
        )
    };
    let (b, l) = ids.dims2()?;
    let hidden = config.hidden_size;
    let heads = config.num_attention_heads;
    let head_size = hidden / heads;

    // Token states are kept as (b·l, hidden) rows so every dense layer is one 2-D product.
    let words = w("embeddings.word_embeddings.weight")?.index_select(&ids.flatten_all()?, 0)?;
    let positions = w("embeddings.position_embeddings.weight")?.narrow(0, 0, l)?;
    let token_type = w("embeddings.token_type_embeddings.weight")?.narrow(0, 0, 1)?;
    let mut x = norm(
        &words
            .reshape((b, l, hidden))?
            .broadcast_add(&positions)?
            .broadcast_add(&token_type)?
            .reshape((b * l, hidden))?,
        "embeddings.LayerNorm",
    )?;
    // Masked keys get the lowest float added to their scores, as transformers does.
    let bias = ((mask.ones_like()? - mask)? * f64::from(f32::MIN))?.reshape((b, 1, 1, l))?;
    // The fused attention's form of the same mask: 0 for a token, -1e9 for padding (both
    // give a padded key a weight of exactly 0).
    let key_bias: Vec<f32> = mask
        .to_dtype(DType::F32)?
        .flatten_all()?
        .to_vec1::<f32>()?
        .into_iter()
        .map(|m| if m > 0.5 { 0.0 } else { -1e9 })
        .collect();
    let scale = 1.0 / (head_size as f64).sqrt();
    for i in 0..config.num_hidden_layers {
        let p = format!("encoder.layer.{i}.attention");
        // Query, key and value in one product: (b·l, 3·hidden) = (b, l, 3, heads, head_size).
        let part = |n: &str, t: &str| w(&format!("{p}.self.{n}.{t}")).cloned();
        let qkv_w = Tensor::cat(
            &[
                part("query", "weight")?,
                part("key", "weight")?,
                part("value", "weight")?,
            ],
            0,
        )?;
        let qkv_b = Tensor::cat(
            &[
                part("query", "bias")?,
                part("key", "bias")?,
                part("value", "bias")?,
            ],
            0,
        )?;
        let qkv = dense(&x, &qkv_w, &qkv_b)?.reshape((b, l, 3, heads, head_size))?;
        let pick = |j: usize| qkv.narrow(2, j, 1).and_then(|t| t.squeeze(2));
        let q = (pick(0)?.transpose(1, 2)?.contiguous()? * scale)?;
        let v = pick(2)?.transpose(1, 2)?.contiguous()?;
        // The fused kernel (each (sequence, head) pair's scores kept in a scratch buffer,
        // pairs over the threads); candle's ops where it does not apply.
        let k = pick(1)?.transpose(1, 2)?.contiguous()?;
        let heads_out = match attention(&q, &k, &v, key_bias.clone())? {
            Some(out) => out,
            None => {
                let scores = q.matmul(&k.transpose(2, 3)?)?.broadcast_add(&bias)?;
                candle_nn::ops::softmax(&scores, D::Minus1)?.matmul(&v)?
            }
        };
        let context = heads_out
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b * l, hidden))?;
        let attended = norm(
            &(layer(&context, &format!("{p}.output.dense"))? + &x)?,
            &format!("{p}.output.LayerNorm"),
        )?;
        let p = format!("encoder.layer.{i}");
        let inner = layer(&attended, &format!("{p}.intermediate.dense"))?;
        let inner = match config.hidden_act {
            HiddenAct::Gelu => gelu_erf(&inner)?,
            HiddenAct::GeluApproximate => inner.gelu()?,
            HiddenAct::Relu => inner.relu()?,
        };
        x = norm(
            &(layer(&inner, &format!("{p}.output.dense"))? + &attended)?,
            &format!("{p}.output.LayerNorm"),
        )?;
    }
    Ok(x.reshape((b, l, hidden))?)
}

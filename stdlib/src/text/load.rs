//! `tokenize`: the texts of a data set (read by [`crate::data::texts`]) as token ids in `x`
//! (rows × max_len, as f32).

use super::tokenizer::{EncodeOptions, Padding, Tokenizer};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use candle_core::Device;

/// The same rows with `x` = token ids (rows × max_len, f32, padded with the pad id).
/// Labels, soft labels, weights, texts and class names are kept.
pub fn tokenize(data: &Dataset, tok: &Tokenizer, max_len: usize) -> Result<Dataset> {
    let Some(texts) = &data.texts else {
        crate::bail_data!(
            "tokenize: data set \"{}\" has no texts (load it with read_text_csv, read_text_jsonl or dataset(\"reviews\"))",
            data.name
        );
    };
    if max_len > 1 << 16 {
        return Err(Error::options(format!(
            "tokenize: max_len {max_len} is too large"
        )));
    }
    let e = tok.encode_with(
        texts,
        &EncodeOptions {
            max_len,
            padding: Padding::MaxLength,
            truncation: true,
        },
    )?;
    if tok.vocab_size() > 1 << 24 {
        crate::bail_data!(
            "tokenize: ids above 2^24 do not survive f32; the vocabulary has {} tokens",
            tok.vocab_size()
        );
    }
    let ids: Vec<f32> = e.ids.iter().map(|&i| i as f32).collect();
    let x = candle_core::Tensor::from_vec(ids, (e.rows, e.cols), &Device::Cpu)?
        .to_device(data.x.device())?;
    Ok(Dataset {
        x: Tensor(x),
        feature_names: (0..e.cols).map(|i| format!("t{i}")).collect(),
        ..data.clone()
    })
}

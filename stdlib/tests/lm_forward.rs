//! Our decoder forward pass and LoRA against transformers and PEFT, on tiny randomly
//! initialised Llama and Qwen2 models (hidden 32, 2 layers, vocab 100, 4 heads / 2 kv heads)
//! that tests/reference/tiny_lm_reference.py wrote once, with its logits pinned in
//! stdlib/tests/data/lm/reference.json (torch 2.15 CPU, transformers 5.25, peft 0.21.2).
//! Also Ladder's inference pass for GGUF Llama and Qwen2 files (`lm::family::gguf_llama`) on
//! the same models as f32 GGUF files (the Llama's Q/K rows permuted as llama.cpp's converter
//! does): whole prompts, token by token through its KV cache, and forks; its quantised kernels
//! are checked against llama.cpp in lm_smollm2.rs.

use candle_core::{DType, Device, Tensor};
use ladder_stdlib::decoder::forward::{Batch, Decoder, Target};
use ladder_stdlib::decoder::train::lora::{Lora, LoraConfig};
use ladder_stdlib::decoder::train::peft;
use ladder_stdlib::lm::family::gguf::{self, Precision};
use ladder_stdlib::lm::family::CausalLm;
use ladder_stdlib::lm::metadata::Metadata;
use ladder_stdlib::rng::Rng;
use serde_json::Value;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lm")
        .join(name)
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("reference.json")).unwrap()).unwrap()
}

fn prompts(r: &Value) -> Vec<Vec<u32>> {
    r["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect()
        })
        .collect()
}

fn batch(rows: &[Vec<u32>]) -> Batch {
    let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
    Batch::new(&refs, 0, &Device::Cpu).unwrap()
}

fn matrix(v: &Value) -> Vec<Vec<f32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

/// Every real position's logits of a padded batch against transformers' (each prompt alone).
fn assert_logits(got: &Tensor, lengths: &[usize], want: &Value, tol: f32, what: &str) {
    let got = got.to_dtype(DType::F32).unwrap().to_vec3::<f32>().unwrap();
    for (row, len) in lengths.iter().enumerate() {
        let want = matrix(&want[row]);
        assert_eq!(want.len(), *len);
        for pos in 0..*len {
            for (v, (g, w)) in got[row][pos].iter().zip(&want[pos]).enumerate() {
                assert!(
                    (g - w).abs() <= tol,
                    "{what}: row {row} position {pos} token {v}: got {g}, want {w}"
                );
            }
        }
    }
}

#[test]
fn logits_match_transformers_for_llama_and_qwen2_in_a_padded_batch() {
    let r = reference();
    let rows = prompts(&r);
    let b = batch(&rows);
    for family in ["llama", "qwen2"] {
        let m = Decoder::open(&data(&format!("tiny-{family}"))).unwrap();
        for train in [false, true] {
            let logits = m.logits(&b, None, train).unwrap();
            let what = format!("{family} (train {train})");
            assert_logits(&logits, &b.lengths, &r[family]["logits"], 1e-4, &what);
        }
        // Layer 1's hidden states (before the final norm) of the first prompt.
        let h = m.hidden(&b, 1, None, false).unwrap();
        let got = h.get(0).unwrap().to_vec2::<f32>().unwrap();
        let want = matrix(&r[family]["hidden_layer1"]);
        for (p, (g, w)) in got.iter().zip(&want).enumerate() {
            for (g, w) in g.iter().zip(w) {
                assert!(
                    (g - w).abs() < 1e-4,
                    "{family} layer 1, position {p}: {g} vs {w}"
                );
            }
        }
    }
}

#[test]
fn a_llama_gguf_with_permuted_q_and_k_gives_the_same_logits() {
    let r = reference();
    let rows = prompts(&r);
    let b = batch(&rows);
    let m = Decoder::open(&data("tiny-llama.gguf")).unwrap();
    assert_eq!(m.config.vocab, 100);
    assert_eq!(m.config.kv_heads, 2);
    let logits = m.logits(&b, None, false).unwrap();
    assert_logits(&logits, &b.lengths, &r["llama"]["logits"], 1e-4, "gguf");
}

#[test]
fn an_adapter_peft_wrote_loads_and_gives_pefts_logits_and_saves_back_unchanged() {
    let r = reference();
    let rows = prompts(&r);
    let b = batch(&rows);
    let m = Decoder::open(&data("tiny-llama")).unwrap();
    let lora = peft::load(&data("tiny-llama-peft"), &m).unwrap();
    assert_eq!(lora.config.rank, 4);
    assert_eq!(lora.config.targets, Target::ALL.to_vec());
    let logits = m.logits(&b, Some(&lora), false).unwrap();
    assert_logits(
        &logits,
        &b.lengths,
        &r["llama"]["peft_logits"],
        1e-4,
        "peft",
    );

    let dir = tempfile::tempdir().unwrap();
    peft::save(&lora, dir.path(), "tiny-llama", "CAUSAL_LM").unwrap();
    let again = peft::load(dir.path(), &m).unwrap();
    let logits = m.logits(&b, Some(&again), false).unwrap();
    assert_logits(
        &logits,
        &b.lengths,
        &r["llama"]["peft_logits"],
        1e-4,
        "saved",
    );
    let config: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("adapter_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(config["peft_type"], "LORA");
    assert_eq!(config["r"], 4);
}

/// LoRA of this rank and alpha on all seven projections.
fn on_every_projection(rank: usize, alpha: f64) -> LoraConfig {
    LoraConfig {
        rank,
        alpha,
        targets: Target::ALL.to_vec(),
        rslora: false,
    }
}

/// A fixed random projection of the logits: a scalar loss every adapter entry affects.
fn probe_loss(m: &Decoder, lora: &Lora, b: &Batch, w: &Tensor, train: bool) -> Tensor {
    let logits = m.logits(b, Some(lora), train).unwrap();
    (logits * w).unwrap().sum_all().unwrap()
}

#[test]
fn lora_gradients_match_finite_differences() {
    let r = reference();
    let b = batch(&prompts(&r));
    for family in ["llama", "qwen2"] {
        let m = Decoder::open(&data(&format!("tiny-{family}"))).unwrap();
        let cfg = on_every_projection(2, 4.0);
        let lora = Lora::new(&m, cfg, 3).unwrap();
        // B starts at zero, which would leave A without gradient: give it values.
        let mut rng = Rng::new(5);
        let mut normal = |dims: &[usize], sd: f64| {
            let v: Vec<f32> = (0..dims.iter().product())
                .map(|_| (rng.normal() * sd) as f32)
                .collect();
            Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
        };
        for p in lora.pairs.values() {
            p.b.set(&normal(p.b.dims(), 0.3)).unwrap();
        }
        let logits_shape = m.logits(&b, None, false).unwrap();
        let w = normal(logits_shape.dims(), 1.0);
        let grads = probe_loss(&m, &lora, &b, &w, true).backward().unwrap();
        let eps = 3e-3f32;
        let mut checked = 0;
        for (&(layer, target), p) in &lora.pairs {
            if layer != 0 && target != Target::Down {
                continue;
            }
            for var in [&p.a, &p.b] {
                let g = grads.get(var.as_tensor()).unwrap().flatten_all().unwrap();
                let g = g.to_vec1::<f32>().unwrap();
                let base = var.as_tensor().copy().unwrap();
                let flat = base.flatten_all().unwrap().to_vec1::<f32>().unwrap();
                for idx in [0, flat.len() / 2, flat.len() - 1] {
                    let at = |delta: f32| {
                        let mut v = flat.clone();
                        v[idx] += delta;
                        var.set(&Tensor::from_vec(v, base.dims(), &Device::Cpu).unwrap())
                            .unwrap();
                        let l = probe_loss(&m, &lora, &b, &w, false);
                        l.to_scalar::<f32>().unwrap()
                    };
                    let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
                    var.set(&base).unwrap();
                    let tol = 2e-2 * numeric.abs().max(g[idx].abs()).max(1.0);
                    assert!(
                        (numeric - g[idx]).abs() <= tol,
                        "{family} layer {layer} {target:?}[{idx}]: backward {}, finite difference {numeric}",
                        g[idx]
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 7 * 2 * 3, "{checked}");
    }
}

/// The mean next-token loss of a padded batch composed from its whole logits.
fn loss_from_logits(m: &Decoder, lora: &Lora, b: &Batch) -> Tensor {
    let logits = m.logits(b, Some(lora), true).unwrap();
    let ids = b.ids.to_vec2::<u32>().unwrap();
    let (mut rows, mut next) = (vec![], vec![]);
    for (i, &len) in b.lengths.iter().enumerate() {
        for t in 0..len - 1 {
            rows.push(logits.get(i).unwrap().get(t).unwrap());
            next.push(ids[i][t + 1]);
        }
    }
    let rows = Tensor::stack(&rows, 0).unwrap();
    let next = Tensor::new(next.as_slice(), &Device::Cpu).unwrap();
    candle_nn::loss::cross_entropy(&rows, &next).unwrap()
}

#[test]
fn the_fused_next_token_loss_equals_the_loss_of_the_logits_with_its_gradients() {
    let r = reference();
    let b = batch(&prompts(&r));
    assert!(
        b.lengths.iter().any(|&l| l < b.width()),
        "the batch should be padded"
    );
    let m = Decoder::open(&data("tiny-llama")).unwrap();
    let cfg = on_every_projection(2, 4.0);
    let lora = Lora::new(&m, cfg, 3).unwrap();
    for p in lora.pairs.values() {
        p.b.set(&p.b.ones_like().unwrap().affine(0.05, 0.0).unwrap())
            .unwrap();
    }
    let want = loss_from_logits(&m, &lora, &b);
    let fused = m.next_token_loss(&b, Some(&lora), true).unwrap();
    let plain = ladder_stdlib::kernels::with_plain_ops(|| {
        m.next_token_loss(&b, Some(&lora), true).unwrap()
    });
    let (gw, gf, gp) = (
        want.backward().unwrap(),
        fused.backward().unwrap(),
        plain.backward().unwrap(),
    );
    for (got, what) in [(&fused, "fused"), (&plain, "composed")] {
        let (g, w) = (
            got.to_scalar::<f32>().unwrap(),
            want.to_scalar::<f32>().unwrap(),
        );
        assert!((g - w).abs() < 1e-5, "{what} loss {g}, from the logits {w}");
    }
    for p in lora.pairs.values() {
        for var in [&p.a, &p.b] {
            let w = gw.get(var.as_tensor()).unwrap();
            for (grads, what) in [(&gf, "fused"), (&gp, "composed")] {
                let d = (grads.get(var.as_tensor()).unwrap() - w)
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f32>()
                    .unwrap();
                assert!(d < 1e-5, "{what} gradient differs by {d}");
            }
        }
    }
}

#[test]
fn a_lora_fine_tune_lowers_the_next_token_loss() {
    use candle_nn::Optimizer;
    let m = Decoder::open(&data("tiny-qwen2")).unwrap();
    let cfg = on_every_projection(4, 8.0);
    let lora = Lora::new(&m, cfg, 1).unwrap();
    let text: Vec<u32> = (0..16).map(|i| (i * 7 % 100) as u32).collect();
    let b = batch(std::slice::from_ref(&text));
    let vars: Vec<_> = lora.named_vars().into_iter().map(|(_, v)| v).collect();
    let mut opt = candle_nn::AdamW::new_lr(vars, 1e-2).unwrap();
    let mut losses = Vec::new();
    for _ in 0..8 {
        let loss = m.next_token_loss(&b, Some(&lora), true).unwrap();
        losses.push(loss.to_scalar::<f32>().unwrap());
        opt.backward_step(&loss).unwrap();
    }
    assert!(
        losses[7] < losses[0] * 0.8,
        "loss should fall by a fifth in 8 steps: {losses:?}"
    );
}

#[test]
fn bad_files_are_errors_naming_them() {
    let e = Decoder::open(&data("no-such-model")).unwrap_err();
    assert!(e.message().contains("no-such-model"), "{e:?}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"model_type": "gpt2", "hidden_size": 8}"#,
    )
    .unwrap();
    let e = Decoder::open(dir.path()).unwrap_err();
    assert!(
        e.message().contains("gpt2") && e.message().contains("llama, qwen2"),
        "{e:?}"
    );
    std::fs::copy(
        data("tiny-llama/config.json"),
        dir.path().join("config.json"),
    )
    .unwrap();
    let e = Decoder::open(dir.path()).unwrap_err();
    assert!(e.message().contains("model.safetensors"), "{e:?}");
}

/// Adapters Ladder saves load in PEFT: this test's adapter (seeded, B non-zero), saved to
/// $LADDER_WRITE_ADAPTER once and loaded by `tiny_lm_reference.py --check-adapter`, gave
/// PEFT's last-position logits pinned as `ladder_adapter_in_peft`.
#[test]
fn an_adapter_ladder_saved_gives_in_peft_the_logits_it_gives_here() {
    let r = reference();
    let rows = prompts(&r);
    let m = Decoder::open(&data("tiny-llama")).unwrap();
    let cfg = LoraConfig {
        rank: 2,
        alpha: 16.0,
        targets: vec![Target::Q, Target::V, Target::Up],
        rslora: false,
    };
    let lora = Lora::new(&m, cfg, 11).unwrap();
    let mut rng = Rng::new(12);
    for p in lora.pairs.values() {
        let v: Vec<f32> = (0..p.b.elem_count())
            .map(|_| (rng.normal() * 0.3) as f32)
            .collect();
        p.b.set(&Tensor::from_vec(v, p.b.dims(), &Device::Cpu).unwrap())
            .unwrap();
    }
    if let Some(dir) = std::env::var_os("LADDER_WRITE_ADAPTER") {
        peft::save(&lora, std::path::Path::new(&dir), "tiny-llama", "CAUSAL_LM").unwrap();
    }
    let b = batch(&rows[..1]);
    let logits = m.logits(&b, Some(&lora), false).unwrap();
    let last = logits.get(0).unwrap().get(rows[0].len() - 1).unwrap();
    let got = last.to_vec1::<f32>().unwrap();
    let want: Vec<f32> = r["ladder_adapter_in_peft"]
        .as_array()
        .expect("pinned PEFT logits")
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(got.len(), want.len());
    for (v, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() < 1e-4, "token {v}: Ladder {g}, PEFT {w}");
    }
}

/// The family's tiny model as an f32 GGUF on Ladder's pass.
fn gguf_pass(family: &str) -> Box<dyn CausalLm> {
    let meta = Metadata::read(&data(&format!("tiny-{family}.gguf"))).unwrap();
    gguf::load(meta, Precision::AsStored, &Device::Cpu).unwrap()
}

fn prompt_ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn step(m: &mut dyn CausalLm, tokens: &[u32], offset: usize) -> Vec<f32> {
    let t = Tensor::new(tokens, &Device::Cpu)
        .unwrap()
        .unsqueeze(0)
        .unwrap();
    m.forward(&t, offset)
        .unwrap()
        .squeeze(0)
        .unwrap()
        .to_vec1()
        .unwrap()
}

/// transformers' logits after position `pos` of prompt `row`.
fn want_at(r: &Value, family: &str, row: usize, pos: usize) -> Vec<f32> {
    r[family]["logits"][row][pos]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn assert_row_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (v, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4,
            "{what}: token {v}: got {g}, want {w}"
        );
    }
}

#[test]
fn whole_prompts_and_token_by_token_decoding_give_transformers_logits() {
    let r = reference();
    for family in ["llama", "qwen2"] {
        let mut m = gguf_pass(family);
        for (row, prompt) in r["prompts"].as_array().unwrap().iter().enumerate() {
            let prompt = prompt_ids(prompt);
            let n = prompt.len();
            let whole = step(m.as_mut(), &prompt, 0);
            let what = format!("{family} prompt {row}");
            assert_row_close(&whole, &want_at(&r, family, row, n - 1), &what);
            for (pos, &t) in prompt.iter().enumerate() {
                let step = step(m.as_mut(), &[t], pos);
                let what = format!("{family} prompt {row}, step {pos}");
                assert_row_close(&step, &want_at(&r, family, row, pos), &what);
            }
        }
    }
}

#[test]
fn a_fork_continues_from_the_shared_prefix_without_touching_the_original() {
    let r = reference();
    let prompt = prompt_ids(&r["prompts"][0]);
    assert!(prompt.len() >= 3);
    let mut m = gguf_pass("qwen2");
    step(m.as_mut(), &prompt[..1], 0);
    let mut fork = m.fork().expect("the pass forks its cache");
    let rest = step(fork.as_mut(), &prompt[1..], 1);
    assert_row_close(&rest, &want_at(&r, "qwen2", 0, prompt.len() - 1), "fork");
    // The original still holds one position: its next token goes at position 1.
    let next = step(m.as_mut(), &prompt[1..2], 1);
    assert_row_close(
        &next,
        &want_at(&r, "qwen2", 0, 1),
        "original after the fork",
    );
}

#[test]
fn a_position_the_cache_does_not_hold_and_an_empty_batch_are_errors() {
    let mut m = gguf_pass("llama");
    let t = Tensor::new(&[[1u32, 2]], &Device::Cpu).unwrap();
    let e = m.forward(&t, 3).unwrap_err().to_string();
    assert!(e.contains("position 3") && e.contains("0 cached"), "{e}");
    let empty = Tensor::zeros((0, 2), candle_core::DType::U32, &Device::Cpu).unwrap();
    let e = m.forward(&empty, 0).unwrap_err().to_string();
    assert!(e.contains("at least one row"), "{e}");
    // The model still works afterwards.
    m.forward(&t, 0).unwrap();
}

/// On a GPU, GGUF Llama and Qwen2 files run on candle's quantised models (Ladder's own pass
/// is CPU code); the plain-ops switch takes that path here, and it gives transformers' logits
/// for whole prompts and token by token.
#[test]
fn candles_quantised_models_the_gpu_path_give_transformers_logits() {
    let r = reference();
    for family in ["llama", "qwen2"] {
        let mut m = ladder_stdlib::kernels::with_plain_ops(|| gguf_pass(family));
        for (row, prompt) in r["prompts"].as_array().unwrap().iter().enumerate() {
            let prompt = prompt_ids(prompt);
            let n = prompt.len();
            let what = format!("{family} prompt {row} (candle's model)");
            let whole = step(m.as_mut(), &prompt, 0);
            assert_row_close(&whole, &want_at(&r, family, row, n - 1), &what);
            m.reset();
            for (pos, &t) in prompt.iter().enumerate() {
                let step = step(m.as_mut(), &[t], pos);
                let what = format!("{what}, step {pos}");
                assert_row_close(&step, &want_at(&r, family, row, pos), &what);
            }
        }
    }
}

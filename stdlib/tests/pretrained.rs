//! The pretrained encoder (all-MiniLM-L6-v2): embeddings against sentence-transformers, the
//! differentiable training pass against candle-transformers' BertModel, frozen and fine-tuned
//! classifiers, saving and loading, and the missing-model error.
//!
//! Tests that need the model skip (with a message) when it is not installed:
//! `./install.sh --minilm-only` installs it (CI does).

use candle_core::{DType, Device, Tensor};
use ladder_scripting::{NullFrontend, Session};
use ladder_stdlib::data::Dataset;
use ladder_stdlib::nn::layers::Layer;
use ladder_stdlib::nn::pretrained;
use ladder_stdlib::nn::pretrained_classifier::{self, ClassifierOptions, Head};
use ladder_stdlib::nn::{save, Network};
use ladder_stdlib::text::encoder::Encoder;
use ladder_stdlib::train::{fit, FitConfig, Silent};
use ladder_stdlib::Classifier;
use std::rc::Rc;

/// The installed model, or `None` after printing why the test is skipped.
fn model() -> Option<Encoder> {
    match Encoder::open(None) {
        Ok(e) => Some(e),
        Err(e) => {
            eprintln!("SKIPPED: all-MiniLM-L6-v2 is not installed ({e})");
            None
        }
    }
}

fn rows(t: &Tensor) -> Vec<Vec<f32>> {
    t.to_dtype(DType::F32).unwrap().to_vec2::<f32>().unwrap()
}

fn close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{what}[{i}]: got {g}, want {w} (±{tol})"
        );
    }
}

const QUERY: &str = "A man is eating food.";
const OTHERS: [&str; 3] = [
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A monkey is playing drums.",
];

/// Reference values: tests/reference/minilm_reference.py (sentence-transformers 6.2.0, torch
/// 2.15 CPU) on the same model files.
#[test]
fn embeddings_match_sentence_transformers() {
    let Some(enc) = model() else { return };
    let texts: Vec<&str> = std::iter::once(QUERY).chain(OTHERS).collect();
    let emb = enc.embed(&texts, true, enc.source.max_seq_length).unwrap();
    assert_eq!(emb.dims(), [4, 384]);
    let cos =
        rows(&ladder_stdlib::text::encoder::cosine(&emb.narrow(0, 0, 1).unwrap(), &emb).unwrap());
    close(
        &cos[0][1..],
        &[0.755337, -0.104958, 0.047603],
        1e-3,
        "cosines",
    );
    let e = rows(&emb);
    close(
        &e[0][..4],
        &[0.033242, 0.004406, -0.006277, 0.048379],
        1e-3,
        "query",
    );
    close(
        &e[1][..4],
        &[0.052518, 0.055241, -0.011188, -0.005745],
        1e-3,
        "bread",
    );
    close(
        &e[2][..4],
        &[-0.036309, -0.035653, -0.027223, 0.038320],
        1e-3,
        "baby",
    );
    close(
        &e[3][..4],
        &[0.023465, -0.058529, 0.055992, -0.046667],
        1e-3,
        "drums",
    );
    let raw = rows(&enc.embed(&[QUERY], false, 256).unwrap());
    close(
        &raw[0][..4],
        &[0.187239, 0.024818, -0.035356, 0.272502],
        1e-3,
        "raw query",
    );
    let norm = raw[0].iter().map(|v| v * v).sum::<f32>().sqrt();
    close(&[norm], &[5.632677], 1e-3, "raw norm");
    // Batching by length pads short rows: a text embeds the same alone and in a batch.
    let alone = rows(&enc.embed(&[OTHERS[2]], true, 256).unwrap());
    close(&alone[0], &e[3], 1e-5, "alone vs batched");
    // candle's plain ops, the path a GPU takes, give the kernels' embeddings.
    let plain = ladder_stdlib::kernels::with_plain_ops(|| enc.embed(&texts, true, 256).unwrap());
    for (p, k) in rows(&plain).iter().zip(&e) {
        close(p, k, 1e-5, "plain ops vs kernels");
    }
    // Enough rows that a group is dealt out to the cores (each encodes its own rows): every
    // row comes back in its place with the embedding it has alone.
    let many: Vec<&str> = (0..24).flat_map(|_| texts.iter().copied()).collect();
    let spread = rows(&enc.embed(&many, true, 256).unwrap());
    for (i, got) in spread.iter().enumerate() {
        close(got, &e[i % texts.len()], 1e-5, &format!("row {i} of 96"));
    }
}

fn ids_dataset(enc: &Encoder, texts: &[&str], labels: &[u32], max_len: usize) -> Dataset {
    let (ids, _, r, c) = enc.tokenizer.encode_batch(texts, max_len).unwrap();
    let x = Tensor::from_vec(ids, (r, c), &Device::Cpu)
        .unwrap()
        .to_dtype(DType::F32)
        .unwrap();
    let y = Tensor::new(labels, &Device::Cpu).unwrap();
    Dataset::new(
        "tiny",
        ladder_stdlib::Tensor(x),
        Some(ladder_stdlib::Tensor(y)),
        None,
        2,
    )
    .unwrap()
}

const TRAIN: [(&str, u32); 12] = [
    ("I loved this film, it was wonderful.", 1),
    ("A delightful, moving and funny story.", 1),
    ("The acting was superb and the music beautiful.", 1),
    ("One of the best movies I have ever seen.", 1),
    ("A joy from start to finish.", 1),
    ("Brilliant direction and a great cast.", 1),
    ("I hated this film, it was awful.", 0),
    ("A boring, clumsy and painful mess.", 0),
    ("The acting was wooden and the plot made no sense.", 0),
    ("One of the worst movies I have ever seen.", 0),
    ("A waste of two hours.", 0),
    ("Terrible writing and a dull cast.", 0),
];
const HELD_OUT: [(&str, u32); 6] = [
    ("What a fantastic, heart-warming picture.", 1),
    ("I enjoyed every minute of it.", 1),
    ("Beautifully shot and wonderfully acted.", 1),
    ("Dreadful; I walked out halfway through.", 0),
    ("The story was stupid and the jokes fell flat.", 0),
    ("An ugly, tedious disaster.", 0),
];

fn split(pairs: &[(&'static str, u32)]) -> (Vec<&'static str>, Vec<u32>) {
    pairs.iter().copied().unzip()
}

fn options(frozen: bool) -> ClassifierOptions {
    ClassifierOptions {
        path: None,
        classes: 2,
        head: Head::Linear,
        frozen,
        max_len: 0,
        normalize: false,
        seed: 0,
    }
}

fn logits(net: &Network, d: &Dataset) -> Vec<Vec<f32>> {
    rows(&net.logits(&d.x).unwrap())
}

#[test]
fn a_frozen_classifier_learns_a_tiny_task_and_saves() {
    let Some(enc) = model() else { return };
    let (texts, labels) = split(&TRAIN);
    let train = ids_dataset(&enc, &texts, &labels, 24);
    let (texts, labels) = split(&HELD_OUT);
    let test = ids_dataset(&enc, &texts, &labels, 24);
    let net = pretrained_classifier::classifier(&options(true)).unwrap();
    assert_eq!(net.num_parameters(), 384 * 2 + 2, "only the head trains");
    let cfg = FitConfig {
        epochs: 60,
        batch_size: 4,
        lr: 1e-2,
        ..FitConfig::default()
    };
    let h = fit(&net, &train, &cfg, &mut Silent).unwrap();
    assert!(
        h.losses.last().unwrap() < &0.2,
        "loss {:?}",
        h.losses.last()
    );
    assert_eq!(net.accuracy(&train).unwrap(), 1.0);
    let acc = net.accuracy(&test).unwrap();
    assert!(acc >= 5.0 / 6.0, "held-out accuracy {acc}");

    // A frozen model saves its head and refers to the encoder's folder.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frozen").to_string_lossy().into_owned();
    let (weights, _) = save::save(&net, &path).unwrap();
    let saved = candle_core::safetensors::load(&weights, &Device::Cpu).unwrap();
    assert_eq!(
        saved.len(),
        2,
        "head weight and bias only: {:?}",
        saved.keys()
    );
    let back = save::load(&path).unwrap();
    assert_eq!(back.spec, net.spec);
    assert_eq!(logits(&back, &test), logits(&net, &test));
    // Copies and fresh models work (fresh: same encoder, a new head).
    let copy = Classifier::copy(&net).unwrap();
    assert_eq!(rows(&copy.logits(&test.x).unwrap()), logits(&net, &test));
    let other = net.fresh(1).unwrap();
    assert_ne!(logits(&other, &test), logits(&net, &test));
}

/// The forward pass that runs (inference and the differentiable training pass) computes what
/// candle-transformers' BertModel computes on the same weights.
#[test]
fn the_forward_passes_match_bert_model() {
    let Some(enc) = model() else { return };
    let (texts, labels) = split(&HELD_OUT);
    let d = ids_dataset(&enc, &texts, &labels, 20);
    let net = pretrained_classifier::classifier(&options(false)).unwrap();
    let Layer::Pretrained(layer) = &net.layers[0] else {
        panic!("first layer is {:?}", net.layers[0])
    };
    let bert = layer.source.bert_model(&Device::Cpu).unwrap();
    let ids = d.x.to_dtype(DType::U32).unwrap();
    let mask = ids.ne(0u32).unwrap().to_dtype(DType::F32).unwrap();
    let states = bert
        .forward(&ids, &ids.zeros_like().unwrap(), Some(&mask))
        .unwrap();
    let reference = rows(&pretrained::mean_pool(&states, &mask).unwrap());
    let eval = rows(&layer.forward(&d.x, false).unwrap());
    let train = rows(&layer.forward(&d.x, true).unwrap());
    for ((r, e), t) in reference.iter().zip(&eval).zip(&train) {
        close(e, r, 1e-5, "inference pass vs BertModel");
        close(t, r, 1e-5, "training pass vs BertModel");
    }
    // And the classifier's layer gives the encoder's embeddings.
    let direct = rows(&enc.embed(&texts, false, 256).unwrap());
    close(&eval[0], &direct[0], 1e-5, "classifier layer vs encoder");
}

#[test]
fn fine_tuning_changes_the_encoder_and_saves_it() {
    let Some(enc) = model() else { return };
    let (texts, labels) = split(&TRAIN[..4]);
    let (more, more_labels) = split(&TRAIN[6..10]);
    let texts: Vec<&str> = texts.into_iter().chain(more).collect();
    let labels: Vec<u32> = labels.into_iter().chain(more_labels).collect();
    let d = ids_dataset(&enc, &texts, &labels, 16);
    let net = pretrained_classifier::classifier(&options(false)).unwrap();
    let named = net.named_vars();
    assert!(named.len() > 100, "{} trainable tensors", named.len());
    assert!(net.num_parameters() > 22_000_000);
    let weight = |n: &Network, name: &str| {
        n.named_vars()
            .into_iter()
            .find(|(k, _)| k == name)
            .unwrap()
            .1
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
    };
    let q = "0.encoder.layer.0.attention.self.query.weight";
    let before = weight(&net, q);
    let logits_before = logits(&net, &d);
    let cfg = FitConfig {
        epochs: 1,
        batch_size: 8,
        lr: 1e-4,
        ..FitConfig::default()
    };
    fit(&net, &d, &cfg, &mut Silent).unwrap();
    let after = weight(&net, q);
    let moved = before.iter().zip(&after).filter(|(a, b)| a != b).count();
    assert!(
        moved > before.len() / 2,
        "{moved} of {} weights moved",
        before.len()
    );
    // Inference (BertModel) reads the trained weights.
    assert_ne!(logits(&net, &d), logits_before);
    // A fresh model starts again from the pretrained weights.
    assert_eq!(weight(&net.fresh(0).unwrap(), q), before);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tuned").to_string_lossy().into_owned();
    let (file, _) = save::save(&net, &path).unwrap();
    let saved = candle_core::safetensors::load(&file, &Device::Cpu).unwrap();
    assert!(saved.contains_key(q), "the encoder's weights are saved");
    let back = save::load(&path).unwrap();
    assert_eq!(weight(&back, q), after);
    let (a, b) = (logits(&back, &d), logits(&net, &d));
    for (x, y) in a.iter().zip(&b) {
        close(x, y, 1e-5, "reloaded logits");
    }
}

#[test]
fn a_missing_model_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("all-MiniLM-L6-v2");
    let e = pretrained::locate_in(None, &missing).unwrap_err();
    assert!(e.message().contains("is not installed"), "{e}");
    assert!(e.message().contains("./install.sh --with-minilm"), "{e}");
    assert!(e.message().contains(&missing.display().to_string()), "{e}");
    let e = pretrained::locate(Some(dir.path().join("nowhere").to_str().unwrap())).unwrap_err();
    assert!(e.message().contains("does not exist"), "{e}");
    std::fs::write(dir.path().join("config.json"), "{}").unwrap();
    let e = pretrained::locate(Some(dir.path().to_str().unwrap())).unwrap_err();
    assert!(e.message().ends_with("has no model.safetensors, tokenizer.json (it needs config.json, model.safetensors and tokenizer.json)"), "{e}");
}

#[test]
fn bad_token_ids_are_named() {
    let Some(enc) = model() else { return };
    let net = pretrained_classifier::classifier(&options(true)).unwrap();
    let x = Tensor::new(
        &[[101f32, 2023.0, 102.0], [101.0, 40000.0, 102.0]],
        &Device::Cpu,
    )
    .unwrap();
    let e = net.logits(&x).unwrap_err();
    assert!(
        e.message().contains(
            "value 40000 at row 1, column 1 is not a token id of its 30522-token vocabulary"
        ),
        "{e}"
    );
    drop(enc);
}

#[test]
fn rhai_encoder_cosine_and_classifier() {
    let Some(_) = model() else { return };
    let mut s = Session::with_libraries(Rc::new(NullFrontend), vec![ladder_stdlib::library()]);
    let out = s
        .execute(
            r#"
            let enc = encoder();
            let e = enc.embed(["A man is eating food.", "A man is eating a piece of bread."]);
            let c = cosine(e[0], e[1]);
            let m = pretrained_classifier(#{classes: 3, head: "mlp", hidden: 16});
            [e.shape, enc.dim, c, m.n_params, m.kind]
            "#,
        )
        .unwrap();
    let text = format!("{out:?}");
    assert!(text.contains("[2, 384]") && text.contains("384"), "{text}");
    assert!(text.contains("0.755"), "{text}");
    assert!(
        text.contains(&format!("{}", 384 * 16 + 16 + 16 * 3 + 3)),
        "{text}"
    );
    let e = s
        .execute("pretrained_classifier(#{classes: 2, hidden: 8})")
        .unwrap_err();
    assert!(
        format!("{e:?}").contains("option `hidden` needs head"),
        "{e:?}"
    );
}

#[test]
fn embed_refuses_a_zero_batch_and_a_max_len_past_the_positions() {
    let Some(_) = model() else { return };
    let mut s = Session::with_libraries(Rc::new(NullFrontend), vec![ladder_stdlib::library()]);
    s.execute(r#"let enc = encoder(); let long = ""; for i in 0..1000 { long += "word "; }"#)
        .unwrap();
    let e = s
        .execute(r#"enc.embed(["hello"], #{batch_size: 0})"#)
        .unwrap_err();
    assert_eq!(
        e.message,
        "embed: option `batch_size` must be at least 1, got 0"
    );
    let e = s
        .execute(r#"enc.embed([long], #{max_len: 100000})"#)
        .unwrap_err();
    assert_eq!(
        e.message,
        "embed: option `max_len` is 100000, more than the 512 positions all-MiniLM-L6-v2 has"
    );
    // The positions themselves are fine.
    let out = s
        .execute(r#"enc.embed([long], #{max_len: 512}).shape"#)
        .unwrap();
    assert!(format!("{out:?}").contains("[1, 384]"), "{out:?}");
}

/// A data set of token ids (no texts) takes `embed`'s `max_len` and `batch_size` as texts do:
/// `max_len` cuts each row to its first `max_len` ids (pads left out), and `batch_size` only
/// changes how many rows go through the encoder at once, not the embeddings.
#[test]
fn embed_of_token_ids_honours_max_len_and_batch_size() {
    let Some(_) = model() else { return };
    let mut s = Session::with_libraries(Rc::new(NullFrontend), vec![ladder_stdlib::library()]);
    s.execute(
        r#"let enc = encoder();
        let ids = dataset(tensor([[101, 1037, 2158, 2003, 5983, 2833, 102], [101, 1996, 2611, 102, 0, 0, 0]]), [0, 1]);
        let cut = dataset(tensor([[101, 1037, 2158, 2003], [101, 1996, 2611, 102]]), [0, 1]);
        let gap = |a, b| (a - b).abs().max().item();"#,
    )
    .unwrap();
    let number = |s: &mut Session, code: &str| -> f64 {
        let out = s.execute(code).unwrap().unwrap();
        let text = out.plain().unwrap_or_default().to_string();
        text.parse()
            .unwrap_or_else(|_| panic!("{code} gave {text}"))
    };
    let cut = number(
        &mut s,
        "gap.call(enc.embed(ids, #{max_len: 4}), enc.embed(cut))",
    );
    assert!(cut < 1e-5, "max_len 4 should embed the first 4 ids: {cut}");
    let whole = number(&mut s, "gap.call(enc.embed(ids), enc.embed(cut))");
    assert!(whole > 1e-2, "without max_len the rows are whole: {whole}");
    let batched = number(
        &mut s,
        "gap.call(enc.embed(ids, #{batch_size: 1}), enc.embed(ids))",
    );
    assert!(
        batched < 1e-5,
        "batch_size changes only the batching: {batched}"
    );
    // Rows cut to nothing would have nothing to pool.
    let e = s.execute("enc.embed(ids, #{max_len: 0})").unwrap_err();
    assert_eq!(
        e.message,
        "embed: option `max_len` must be at least 1, got 0"
    );
}

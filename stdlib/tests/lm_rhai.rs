//! Language models from a cell: `lm(...)`, `m.generate(...)` streaming into the output, and
//! each bad input a clear error that names the file or value, the session intact. Uses the
//! tiny llama folder of tests/reference/lm_families (and SmolLM2 where installed).

mod common;

use common::{error, plain, session};
use ladder_scripting::{Frontend, InputError, MimeBundle, Session, Stream};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Every `stream` call as it came (CaptureFrontend merges adjacent text).
#[derive(Default)]
struct Pieces(RefCell<Vec<String>>);

impl Frontend for Pieces {
    fn stream(&self, stream: Stream, text: &str) {
        if stream == Stream::Stdout {
            self.0.borrow_mut().push(text.to_string());
        }
    }
    fn display(&self, _: &MimeBundle, _: Option<&str>) {}
    fn update_display(&self, _: &MimeBundle, _: &str) {}
    fn clear_output(&self, _: bool) {}
    fn input(&self, _: &str, _: bool) -> Result<String, InputError> {
        Err(InputError::NotSupported)
    }
}

fn tiny() -> String {
    format!(
        "{}/../tests/reference/lm_families/llama",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A copy of the tiny llama folder to break.
fn copy_tiny() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for f in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::fs::copy(Path::new(&tiny()).join(f), dir.path().join(f)).unwrap();
    }
    let p = dir.path().to_path_buf();
    (dir, p)
}

/// A GGUF header: `arch` as general.architecture and one 32×32 tensor of GGML type `ggml_type`.
fn gguf_header(arch: &str, ggml_type: u32) -> Vec<u8> {
    let mut b = Vec::new();
    let string = |b: &mut Vec<u8>, s: &str| {
        b.extend((s.len() as u64).to_le_bytes());
        b.extend(s.as_bytes());
    };
    b.extend(b"GGUF");
    b.extend(3u32.to_le_bytes());
    b.extend(1u64.to_le_bytes()); // tensors
    b.extend(1u64.to_le_bytes()); // metadata entries
    string(&mut b, "general.architecture");
    b.extend(8u32.to_le_bytes()); // a string value
    string(&mut b, arch);
    string(&mut b, "token_embd.weight");
    b.extend(2u32.to_le_bytes());
    b.extend(32u64.to_le_bytes());
    b.extend(32u64.to_le_bytes());
    b.extend(ggml_type.to_le_bytes());
    b.extend(0u64.to_le_bytes());
    b.resize(b.len().next_multiple_of(32) + 32 * 32 * 4, 0);
    b
}

fn load_error(path: &Path) -> String {
    let mut s = session();
    plain(&mut s, "let keep = 7;");
    let e = error(&mut s, &format!("lm({:?})", path.display().to_string()));
    assert_eq!(plain(&mut s, "keep"), "7");
    e
}

#[test]
fn a_tiny_folder_model_loads_and_describes_itself() {
    let mut s = session();
    let shown = plain(&mut s, &format!("lm({:?})", tiny()));
    assert!(
        shown.starts_with("Lm llama (llama, f32, context 32"),
        "{shown}"
    );
    assert_eq!(
        plain(&mut s, &format!("lm({:?}).encode(\"w2 w14\")", tiny())),
        "[5, 17]"
    );
}

#[test]
fn generate_streams_each_piece_as_it_comes() {
    let out = Rc::new(Pieces::default());
    let mut s = Session::with_libraries(out.clone(), vec![ladder_stdlib::library()]);
    plain(&mut s, &format!("let m = lm({:?});", tiny()));
    let text = plain(&mut s, "m.generate(\"w1 w2 w3\", #{max_tokens: 6})");
    let pieces = out.0.borrow().clone();
    assert!(pieces.len() >= 3, "{pieces:?}");
    assert_eq!(format!("{:?}", pieces.concat().trim_end()), text);
}

#[test]
fn sampling_is_reproducible_with_a_seed() {
    let mut s = session();
    plain(&mut s, &format!("let m = lm({:?});", tiny()));
    let call = "m.generate(\"w1 w2\", #{max_tokens: 8, temperature: 1.5, top_p: 0.9, seed: 3, stream: false})";
    assert_eq!(plain(&mut s, call), plain(&mut s, call));
    let e = error(&mut s, "m.generate(\"w1\", #{top_p: 0.0})");
    assert!(e.contains("top_p"), "{e}");
    let e = error(&mut s, "m.generate(\"w1\", #{max_token: 3})");
    assert!(e.contains("max_token"), "{e}");
}

#[test]
fn a_prompt_longer_than_the_context_is_an_error_with_the_lengths() {
    let mut s = session();
    plain(&mut s, &format!("let m = lm({:?});", tiny()));
    let long = vec!["w3"; 40].join(" ");
    let e = error(&mut s, &format!("m.generate({long:?})"));
    assert!(
        e.contains("40 tokens") && e.contains("context of 32"),
        "{e}"
    );
}

#[test]
fn a_missing_weight_file_is_named() {
    let (_d, dir) = copy_tiny();
    std::fs::remove_file(dir.join("model.safetensors")).unwrap();
    let e = load_error(&dir);
    assert!(
        e.contains("model.safetensors") && e.contains("missing"),
        "{e}"
    );
}

#[test]
fn a_missing_tokenizer_is_named() {
    let (_d, dir) = copy_tiny();
    std::fs::remove_file(dir.join("tokenizer.json")).unwrap();
    let e = load_error(&dir);
    assert!(e.contains("tokenizer.json") && e.contains("missing"), "{e}");
}

#[test]
fn a_corrupt_weight_file_is_named() {
    let (_d, dir) = copy_tiny();
    std::fs::write(dir.join("model.safetensors"), b"not safetensors at all").unwrap();
    let e = load_error(&dir);
    assert!(
        e.contains("model.safetensors") && e.contains("not a readable"),
        "{e}"
    );
}

#[test]
fn an_unknown_architecture_is_named_with_the_supported_list() {
    let (_d, dir) = copy_tiny();
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    std::fs::write(
        dir.join("config.json"),
        config.replace("\"llama\"", "\"gpt_neox\""),
    )
    .unwrap();
    let e = load_error(&dir);
    assert!(
        e.contains("\"gpt_neox\"") && e.contains("qwen2") && e.contains("phi3"),
        "{e}"
    );
}

#[test]
fn a_corrupt_gguf_file_is_named() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("broken.gguf");
    std::fs::write(&f, b"GGUF but not really").unwrap();
    let e = load_error(&f);
    assert!(
        e.contains("broken.gguf") && e.contains("not a readable GGUF"),
        "{e}"
    );
}

#[test]
fn an_unsupported_quantisation_is_named() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("iq2.gguf");
    std::fs::write(&f, gguf_header("llama", 16)).unwrap();
    let e = load_error(&f);
    assert!(
        e.contains("IQ2_XXS") && e.contains("Q4_1") && e.contains("iq2.gguf"),
        "{e}"
    );
}

#[test]
fn an_unsupported_gguf_architecture_is_named() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("gpt2.gguf");
    std::fs::write(&f, gguf_header("gpt2", 0)).unwrap();
    let e = load_error(&f);
    assert!(
        e.contains("\"gpt2\"") && e.contains("llama, qwen2, qwen3"),
        "{e}"
    );
}

#[test]
fn an_unknown_name_says_what_was_looked_for() {
    let mut s = session();
    let e = error(&mut s, "lm(\"no-such-model\")");
    assert!(e.contains("no-such-model") && e.contains("smollm2"), "{e}");
}

#[test]
fn smollm2_chats_with_its_template() {
    let mut s = session();
    if let Err(e) = s.execute("let m = lm(\"smollm2\");") {
        eprintln!("SKIPPED: {}", e.message);
        return;
    }
    let out = plain(
        &mut s,
        "m.generate(\"What is the capital of France? Answer in one word.\", #{chat: true, max_tokens: 12, stream: false})",
    );
    assert!(out.contains("Paris"), "{out}");
    let e = error(&mut s, "m.generate(\"x\", #{chat: true, system: 3})");
    assert!(e.contains("system"), "{e}");
}

#[test]
fn generation_stops_on_interrupt_and_keeps_the_session() {
    let mut s = session();
    if let Err(e) = s.execute("let m = lm(\"smollm2\");") {
        eprintln!("SKIPPED: {}", e.message);
        return;
    }
    plain(&mut s, "let keep = 42;");
    let handle = s.interrupt_handle();
    let interrupter = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        handle.interrupt();
    });
    // Counting never reaches an end token within 8000 tokens.
    let result = s.execute("m.generate(\"1, 2, 3, 4, 5,\", #{max_tokens: 8000, stream: false})");
    interrupter.join().unwrap();
    let e = result.expect_err("generation should have been interrupted");
    assert_eq!(
        e.kind,
        ladder_scripting::ErrorKind::Interrupted,
        "{}",
        e.report()
    );
    assert_eq!(plain(&mut s, "keep"), "42");
    // The model still works after the interrupt.
    let out = plain(
        &mut s,
        "m.generate(\"1, 2, 3,\", #{max_tokens: 3, stream: false})",
    );
    assert!(out.contains('4'), "{out}");
}

/// A model goes to a device with the options it was loaded with, and says where it is; asking
/// this CPU build for the GPU is an error that says so and keeps the session.
#[test]
fn a_model_moves_between_devices_and_names_its_device() {
    let mut s = session();
    plain(
        &mut s,
        &format!(
            "let m = lm({path:?}); let g = lm({path:?}, #{{device: \"cpu\"}}); \
             let h = m.to(device(\"cpu\")); let o = #{{max_tokens: 6, stream: false}};",
            path = tiny()
        ),
    );
    assert_eq!(
        plain(&mut s, "[m.device, g.device, h.device]"),
        r#"["cpu", "cpu", "cpu"]"#
    );
    let texts = plain(
        &mut s,
        r#"[m.generate("w1 w2", o), g.generate("w1 w2", o), h.generate("w1 w2", o)]"#,
    );
    let parts: Vec<&str> = texts
        .trim_matches(|c| c == '[' || c == ']')
        .split(", ")
        .collect();
    assert_eq!(parts.len(), 3, "{texts}");
    assert!(parts[0] == parts[1] && parts[1] == parts[2], "{texts}");
    if !cfg!(feature = "cuda") {
        let e = error(&mut s, &format!("lm({:?}, #{{device: \"cuda\"}})", tiny()));
        assert!(e.contains("CUDA"), "{e}");
        let e = error(
            &mut s,
            &format!(
                "lm_classifier(#{{path: {:?}, classes: 2, device: \"cuda\"}})",
                tiny()
            ),
        );
        assert!(e.contains("CUDA"), "{e}");
        assert_eq!(plain(&mut s, "m.device"), r#""cpu""#);
    }
}

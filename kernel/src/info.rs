//! What `kernel_info_reply` says about this kernel and its language.

use crate::messages::KernelInfoReply;
use crate::wire::PROTOCOL_VERSION;
use serde_json::json;

/// The Rhai release the workspace pins (`rhai = "1.27"` in the root Cargo.toml).
const RHAI_VERSION: &str = "1.27";

pub fn kernel_info() -> KernelInfoReply {
    KernelInfoReply {
        status: "ok",
        protocol_version: PROTOCOL_VERSION,
        implementation: "ladder",
        implementation_version: env!("CARGO_PKG_VERSION"),
        language_info: json!({
            "name": "rhai",
            "version": RHAI_VERSION,
            "mimetype": "text/x-rhai",
            "file_extension": ".rhai",
            // Neither CodeMirror nor Pygments knows Rhai; Rust's keywords, comments,
            // strings and numbers cover most of it.
            "codemirror_mode": "rust",
            "pygments_lexer": "rust",
            "nbconvert_exporter": "script",
        }),
        banner: format!(
            "Ladder {} (Rhai {RHAI_VERSION}): weak-to-strong ML research in Rhai. %help lists commands.",
            env!("CARGO_PKG_VERSION")
        ),
        debugger: true,
        help_links: vec![
            json!({"text": "Rhai language book", "url": "https://rhai.rs/book/"}),
            json!({"text": "Jupyter messaging protocol", "url": "https://jupyter-client.readthedocs.io/en/latest/messaging.html"}),
        ],
        supported_features: vec!["debugger"],
    }
}

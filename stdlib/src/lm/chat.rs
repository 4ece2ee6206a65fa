//! Chat prompts: the model's own Jinja chat template (`tokenizer.chat_template` in a GGUF
//! file, `chat_template` in tokenizer_config.json) rendered with minijinja, Python's string
//! methods included (Hugging Face templates call `.strip()` and friends).

use super::tokenizer::LmTokenizer;
use crate::error::{Error, Result};
use minijinja::{context, Environment};

/// One turn of a conversation.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

/// The prompt text for `messages`, ending where the assistant's answer starts.
pub fn render(tok: &LmTokenizer, messages: &[Message]) -> Result<String> {
    let Some(template) = &tok.chat_template else {
        return Err(Error::options(
            "generate: this model has no chat template (tokenizer.chat_template); call it with chat: false and write the prompt yourself",
        ));
    };
    let mut env = Environment::new();
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.add_function(
        "raise_exception",
        |msg: String| -> std::result::Result<String, minijinja::Error> {
            Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                msg,
            ))
        },
    );
    env.add_template("chat", template)
        .map_err(|e| Error::data(format!("lm: the chat template does not parse: {e}")))?;
    let token = |id: Option<u32>| id.and_then(|i| tok.text.id_to_token(i)).unwrap_or_default();
    env.get_template("chat")
        .and_then(|t| {
            t.render(context! {
                messages => messages,
                add_generation_prompt => true,
                bos_token => token(tok.bos),
                eos_token => token(tok.eos.first().copied()),
            })
        })
        .map_err(|e| Error::data(format!("lm: the chat template fails: {e}")))
}

//! How a value's type is named to the user. Library code that says what a value is reads
//! `Dynamic::type_name`, which names a registered type by its Rust path
//! (`ladder_stdlib::nn::network::Network`); reports show the name scripts know it by
//! (`Model`), which only the engine knows.

use rhai::Engine;

/// A type's name after "a" or "an", as an error says what a value is: "an i64", "an array",
/// "a string", "a Tensor".
pub fn a_type(type_name: &str) -> String {
    format!("{} {type_name}", article(type_name))
}

fn article(type_name: &str) -> &'static str {
    let vowel_sound = type_name.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U'])
        // f32, f64: "eff".
        || (type_name.starts_with('f') && type_name[1..].starts_with(|c: char| c.is_ascii_digit()));
    if vowel_sound {
        "an"
    } else {
        "a"
    }
}

/// `message` with each Rust path of a type the engine registered under another name
/// replaced by that name, an "a" or "an" before it agreeing with the new name.
pub fn shown(message: &str, engine: &Engine) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphabetic() || c == '_') {
        let (before, word) = rest.split_at(start);
        out.push_str(before);
        let end = word
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(word.len());
        let path = word[..end].trim_end_matches(':');
        let name = engine.map_type_name(path);
        // A registered name, not a path Rhai only shortened (it drops a leading `rhai::`).
        if path.contains("::") && !name.contains("::") && name != path {
            for old in ["a ", "an "] {
                let at_word_start = out
                    .strip_suffix(old)
                    .is_some_and(|head| head.is_empty() || head.ends_with([' ', '(', '\n']));
                if at_word_start {
                    out.truncate(out.len() - old.len());
                    out.push_str(article(name));
                    out.push(' ');
                    break;
                }
            }
            out.push_str(name);
        } else {
            out.push_str(path);
        }
        rest = &word[path.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct Interval;
    #[derive(Clone)]
    struct Network;

    #[test]
    fn registered_paths_read_as_their_names_with_the_article_agreeing() {
        let mut engine = Engine::new();
        engine.register_type_with_name::<Interval>("Interval");
        engine.register_type_with_name::<Network>("Model");
        let interval = std::any::type_name::<Interval>();
        let network = std::any::type_name::<Network>();
        assert_eq!(
            shown(&format!("values[2] is a {interval}, not a number"), &engine),
            "values[2] is an Interval, not a number"
        );
        assert_eq!(
            shown(&format!("y: expected a Tensor, got {network}."), &engine),
            "y: expected a Tensor, got Model."
        );
        // Unregistered paths and plain words stay; "a" not before the type stays.
        let kept = "std::io::Error in a file: a::b (see ::x), rhai::packages::Stream";
        assert_eq!(shown(kept, &engine), kept);
        assert_eq!(
            shown(&format!("(an {network}, a {interval})"), &engine),
            "(a Model, an Interval)"
        );
    }
}

//! Which kernel a notebook was written for, so that `ladder run` does not run another
//! language's cells as Rhai (and report the first line of Python as a Rhai syntax error).

use serde_json::Value;
use std::fmt;

/// A kernel other than Ladder's, as the notebook's metadata names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherKernel {
    /// `kernelspec.name` (empty when the notebook names only a language).
    pub name: String,
    /// `kernelspec.language`, else `language_info.name` (empty when neither is set).
    pub language: String,
}

impl fmt::Display for OtherKernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.name.is_empty(), self.language.is_empty()) {
            (false, false) => write!(f, "kernel {} (language {})", self.name, self.language),
            (false, true) => write!(f, "kernel {}", self.name),
            _ => write!(f, "language {}", self.language),
        }
    }
}

/// The other kernel a notebook's metadata names, or `None` when it is for Ladder: no
/// kernelspec nor language at all, language `rhai`, or a kernel named `ladder`.
pub fn other_kernel(metadata: &Value) -> Option<OtherKernel> {
    let text = |v: &Value| v.as_str().unwrap_or("").trim().to_string();
    let name = text(&metadata["kernelspec"]["name"]);
    let mut language = text(&metadata["kernelspec"]["language"]);
    if language.is_empty() {
        language = text(&metadata["language_info"]["name"]);
    }
    let ours = if language.is_empty() {
        name.is_empty() || is_ladder_name(&name)
    } else {
        language.eq_ignore_ascii_case("rhai")
    };
    (!ours).then_some(OtherKernel { name, language })
}

/// `ladder`, or a kernelspec installed under a longer name that starts with it.
fn is_ladder_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "ladder" || lower.starts_with("ladder-") || lower.starts_with("ladder_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_python_notebook_is_for_another_kernel_named_with_its_language() {
        let meta = json!({
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}
        });
        let other = other_kernel(&meta).unwrap();
        assert_eq!(other.to_string(), "kernel python3 (language python)");
        let only_info = json!({"language_info": {"name": "julia"}});
        assert_eq!(
            other_kernel(&only_info).unwrap().to_string(),
            "language julia"
        );
        let only_name = json!({"kernelspec": {"name": "ir"}});
        assert_eq!(other_kernel(&only_name).unwrap().to_string(), "kernel ir");
    }

    #[test]
    fn ladder_rhai_and_unlabelled_notebooks_are_ours() {
        for meta in [
            json!({}),
            json!({"kernelspec": {"name": "ladder", "display_name": "Rhai (Ladder)",
                                  "language": "rhai"}}),
            json!({"kernelspec": {"name": "ladder"}}),
            json!({"kernelspec": {"name": "my-rhai", "language": "Rhai"}}),
            json!({"language_info": {"name": "rhai"}}),
        ] {
            assert_eq!(other_kernel(&meta), None, "{meta}");
        }
    }
}

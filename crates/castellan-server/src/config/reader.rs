//! Typed reads from the tree that collect every conversion error.
//!
//! Values from YAML arrive typed; values from environment variables arrive as
//! strings (`"5432"`, `"true"`, `"a,b"`), so every reader accepts both forms.
//! Each read returns `None` after recording an error, so that all problems
//! are found in one pass.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use serde_json::Value;

use super::error::ConfigError;
use super::secret::{Secret, is_secret_key};
use super::tree::Tree;

/// Longest value excerpt quoted in an error message.
const MAX_SHOWN: usize = 80;

/// Reads typed values from a [`Tree`], collecting errors.
pub struct Reader<'a> {
    tree: &'a Tree,
    /// Errors found so far.
    pub errors: Vec<ConfigError>,
}

impl<'a> Reader<'a> {
    /// A reader over `tree` with no errors yet.
    #[must_use]
    pub fn new(tree: &'a Tree) -> Self {
        Self {
            tree,
            errors: Vec::new(),
        }
    }

    /// Records a custom error for `key`.
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        self.errors.push(ConfigError::value(key, message));
    }

    /// Records a type error; secret values are never shown.
    pub fn mismatch(&mut self, key: &str, expected: &str, got: &Value) {
        let message = if is_secret_key(key) {
            "invalid value".to_owned()
        } else {
            format!("expected {expected}, got {}", show(got))
        };
        self.error(key, message);
    }

    /// The raw value, recording an error when it is missing.
    fn raw(&mut self, key: &str) -> Option<&'a Value> {
        let value = self.tree.get(key);
        if value.is_none() {
            self.error(key, "missing value");
        }
        value
    }

    /// A string; numbers and booleans are taken as their text, null as "".
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.raw(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => Some(String::new()),
            v @ (Value::Number(_) | Value::Bool(_)) => Some(v.to_string()),
            other => {
                self.mismatch(key, "a string", other);
                None
            }
        }
    }

    /// A string where empty (or null) means "not set".
    pub fn opt_string(&mut self, key: &str) -> Option<Option<String>> {
        self.string(key).map(|s| (!s.is_empty()).then_some(s))
    }

    /// A path; empty is allowed.
    pub fn path(&mut self, key: &str) -> Option<PathBuf> {
        self.string(key).map(PathBuf::from)
    }

    /// A path where empty means "not set".
    pub fn opt_path(&mut self, key: &str) -> Option<Option<PathBuf>> {
        self.opt_string(key).map(|o| o.map(PathBuf::from))
    }

    /// A secret string.
    pub fn secret(&mut self, key: &str) -> Option<Secret> {
        self.string(key).map(Secret::new)
    }

    /// A secret where empty means "not set".
    pub fn opt_secret(&mut self, key: &str) -> Option<Option<Secret>> {
        self.opt_string(key).map(|o| o.map(Secret::new))
    }

    /// A boolean: YAML `true`/`false`, or the strings true/false, yes/no,
    /// on/off, 1/0 (any case).
    pub fn bool(&mut self, key: &str) -> Option<bool> {
        let value = self.raw(key)?;
        let parsed = match value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Some(true),
                "false" | "no" | "off" | "0" => Some(false),
                _ => None,
            },
            Value::Number(n) => match n.as_u64() {
                Some(1) => Some(true),
                Some(0) => Some(false),
                _ => None,
            },
            _ => None,
        };
        if parsed.is_none() {
            self.mismatch(key, "true or false", value);
        }
        parsed
    }

    /// An unsigned integer that fits `T`; `expected` describes it for errors.
    pub fn uint<T: TryFrom<u64>>(&mut self, key: &str, expected: &str) -> Option<T> {
        let value = self.raw(key)?;
        let parsed = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        }
        .and_then(|n| T::try_from(n).ok());
        if parsed.is_none() {
            self.mismatch(key, expected, value);
        }
        parsed
    }

    /// A TCP/UDP port.
    pub fn port(&mut self, key: &str) -> Option<u16> {
        self.uint(key, "a port number 0-65535")
    }

    /// A whole number of seconds.
    pub fn seconds(&mut self, key: &str) -> Option<u64> {
        self.uint(key, "a whole number of seconds")
    }

    /// A strictly positive count (e.g. a pool size).
    pub fn positive(&mut self, key: &str) -> Option<u32> {
        let expected = "a positive whole number";
        let n = self.uint::<u32>(key, expected)?;
        if n == 0 {
            self.mismatch(key, expected, &Value::from(0));
            return None;
        }
        Some(n)
    }

    /// A finite floating-point number.
    pub fn float(&mut self, key: &str) -> Option<f64> {
        let value = self.raw(key)?;
        let parsed = match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|f| f.is_finite());
        if parsed.is_none() {
            self.mismatch(key, "a number", value);
        }
        parsed
    }

    /// A string parsed with `FromStr`; `expected` describes it for errors.
    pub fn parsed<T: FromStr>(&mut self, key: &str, expected: &str) -> Option<T> {
        let value = self.raw(key)?;
        let parsed = value.as_str().and_then(|s| s.trim().parse::<T>().ok());
        if parsed.is_none() {
            self.mismatch(key, expected, value);
        }
        parsed
    }

    /// One of a fixed set of strings.
    pub fn choice<T: FromStr>(&mut self, key: &str, all: &[&str]) -> Option<T> {
        self.parsed(key, &format!("one of {}", all.join(", ")))
    }

    /// A listen address; empty or null disables the listener (`Some(None)`).
    /// `:9000` is short for `0.0.0.0:9000`.
    pub fn listen(&mut self, key: &str) -> Option<Option<SocketAddr>> {
        let value = self.raw(key)?;
        let parsed = match value {
            Value::Null => Some(None),
            Value::String(s) if s.trim().is_empty() => Some(None),
            Value::String(s) => {
                let s = s.trim();
                let full = if s.starts_with(':') {
                    format!("0.0.0.0{s}")
                } else {
                    s.to_owned()
                };
                full.parse::<SocketAddr>().ok().map(Some)
            }
            _ => None,
        };
        if parsed.is_none() {
            self.mismatch(
                key,
                "a listen address like 0.0.0.0:9000 or [::]:9000 (empty to disable)",
                value,
            );
        }
        parsed
    }

    /// A list of strings: a YAML list or a comma-separated string (empty
    /// items dropped).
    pub fn list(&mut self, key: &str) -> Option<Vec<String>> {
        let value = self.raw(key)?;
        let parsed = match value {
            Value::Null => Some(Vec::new()),
            Value::String(s) => Some(
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Some(s.trim().to_owned()),
                    v @ Value::Number(_) => Some(v.to_string()),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        if parsed.is_none() {
            self.mismatch(key, "a list of strings or a comma-separated string", value);
        }
        parsed
    }
}

/// A short description of a value for error messages.
fn show(value: &Value) -> String {
    match value {
        Value::Object(_) => "a mapping".to_owned(),
        Value::Array(_) => "a list".to_owned(),
        Value::String(s) if s.chars().count() > MAX_SHOWN => {
            let cut: String = s.chars().take(MAX_SHOWN).collect();
            format!("{}…", Value::String(cut))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::tree::Source;
    use serde_json::json;

    fn tree(v: Value) -> Tree {
        let Value::Object(m) = v else { panic!() };
        let mut t = Tree::default();
        t.merge(m, &Source::Default);
        t
    }

    #[test]
    fn env_strings_convert_to_types() {
        let t = tree(json!({"p": "5432", "b": "TRUE", "n": "off", "f": "0.25",
                            "l": "a, b,,c", "e": "", "s": 12}));
        let mut r = Reader::new(&t);
        assert_eq!(r.port("p"), Some(5432));
        assert_eq!(r.bool("b"), Some(true));
        assert_eq!(r.bool("n"), Some(false));
        assert_eq!(r.float("f"), Some(0.25));
        assert_eq!(r.list("l"), Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(r.list("e"), Some(vec![]));
        assert_eq!(r.string("s"), Some("12".into()));
        assert!(r.errors.is_empty());
    }

    #[test]
    fn mismatches_are_collected_with_precise_messages() {
        let t = tree(json!({"postgresql": {"port": "abc"}, "debug": "maybe",
                            "pool": 0, "big": 70000, "addr": "nope"}));
        let mut r = Reader::new(&t);
        assert_eq!(r.port("postgresql.port"), None);
        assert_eq!(r.bool("debug"), None);
        assert_eq!(r.positive("pool"), None);
        assert_eq!(r.port("big"), None);
        assert_eq!(r.listen("addr"), None);
        assert_eq!(r.string("missing"), None);
        let msgs: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            msgs[0],
            "postgresql.port (CASTELLAN_POSTGRESQL__PORT): expected a port number 0-65535, got \"abc\""
        );
        assert_eq!(
            msgs[1],
            "debug (CASTELLAN_DEBUG): expected true or false, got \"maybe\""
        );
        assert!(msgs[2].contains("positive"), "{}", msgs[2]);
        assert!(msgs[3].contains("70000"), "{}", msgs[3]);
        assert!(msgs[4].contains("listen address"), "{}", msgs[4]);
        assert_eq!(msgs[5], "missing (CASTELLAN_MISSING): missing value");
    }

    #[test]
    fn secret_mismatch_does_not_echo() {
        let t = tree(json!({"secret_key": {"value": "hunter2"}}));
        let mut r = Reader::new(&t);
        assert_eq!(r.secret("secret_key"), None);
        assert_eq!(r.errors[0].message(), "invalid value");
        assert!(!r.errors[0].to_string().contains("hunter2"));
    }

    #[test]
    fn listen_empty_disables_and_short_form() {
        let t = tree(json!({"a": "", "b": null, "c": ":9000", "d": "[::]:9443"}));
        let mut r = Reader::new(&t);
        assert_eq!(r.listen("a"), Some(None));
        assert_eq!(r.listen("b"), Some(None));
        assert_eq!(r.listen("c"), Some(Some("0.0.0.0:9000".parse().unwrap())));
        assert_eq!(r.listen("d"), Some(Some("[::]:9443".parse().unwrap())));
    }

    #[test]
    fn long_values_are_truncated() {
        let long = "x".repeat(200);
        let t = tree(json!({ "p": long }));
        let mut r = Reader::new(&t);
        assert_eq!(r.port("p"), None);
        assert!(r.errors[0].to_string().len() < 200);
    }
}

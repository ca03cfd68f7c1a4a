//! Resolution of `env://NAME[?default]` and `file:///path[?default]` values.
//!
//! Applied after all layers are merged, to string leaves (and strings inside
//! lists) of known keys only, so that foreign keys such as authentik's
//! `redis.password: env://…` do not cause errors.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::error::ConfigError;
use super::files::FileSource;
use super::tree::Tree;

/// Environment-variable reference prefix.
const ENV_SCHEME: &str = "env://";
/// File reference prefix.
const FILE_SCHEME: &str = "file://";

/// Resolves references in the leaves `keys` of `tree`, appending problems to
/// `errors`. `env` is the whole process environment.
pub fn resolve(
    tree: &mut Tree,
    keys: &[String],
    env: &HashMap<String, String>,
    files: &impl FileSource,
    errors: &mut Vec<ConfigError>,
) {
    for key in keys {
        let Some(value) = tree.get(key) else {
            continue;
        };
        let resolved = match value {
            Value::String(s) => resolve_str(s, env, files)
                .map(|r| r.map(|(value, via)| (Value::String(value), vec![via]))),
            Value::Array(items) => resolve_list(items, env, files),
            _ => Ok(None),
        };
        match resolved {
            Ok(Some((value, vias))) => tree.replace_leaf(key, value, Some(vias.join(", "))),
            Ok(None) => {}
            Err(message) => errors.push(ConfigError::value(key, message)),
        }
    }
}

/// What a reference resolved to: the new value and the references used.
type Resolved = Option<(Value, Vec<String>)>;

/// Resolves references inside a list of values.
fn resolve_list(
    items: &[Value],
    env: &HashMap<String, String>,
    files: &impl FileSource,
) -> Result<Resolved, String> {
    let mut vias = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::String(s) => match resolve_str(s, env, files)? {
                Some((value, via)) => {
                    vias.push(via);
                    out.push(Value::String(value));
                }
                None => out.push(item.clone()),
            },
            other => out.push(other.clone()),
        }
    }
    Ok((!vias.is_empty()).then_some((Value::Array(out), vias)))
}

/// Resolves one string: `Ok(None)` if it is not a reference, otherwise the
/// value and the reference without its default part.
///
/// Error messages name the variable or file but never a value or default.
pub fn resolve_str(
    value: &str,
    env: &HashMap<String, String>,
    files: &impl FileSource,
) -> Result<Option<(String, String)>, String> {
    if let Some(rest) = value.strip_prefix(ENV_SCHEME) {
        let (name, default) = split_default(rest);
        let via = format!("{ENV_SCHEME}{name}");
        if name.is_empty() {
            return Err(format!("{ENV_SCHEME}: missing environment variable name"));
        }
        return match (env.get(name), default) {
            (Some(v), _) => Ok(Some((v.clone(), via))),
            (None, Some(d)) => Ok(Some((d.to_owned(), via))),
            (None, None) => Err(format!(
                "{via}: environment variable {name} is not set and no default is given"
            )),
        };
    }
    if let Some(rest) = value.strip_prefix(FILE_SCHEME) {
        let (path, default) = split_default(rest);
        let via = format!("{FILE_SCHEME}{path}");
        if path.is_empty() {
            return Err(format!("{FILE_SCHEME}: missing file path"));
        }
        return match (files.read(Path::new(path)), default) {
            (Ok(Some(text)), _) => Ok(Some((strip_one_newline(text), via))),
            (Ok(None), Some(d)) => Ok(Some((d.to_owned(), via))),
            (Ok(None), None) => Err(format!(
                "{via}: file {path} does not exist and no default is given"
            )),
            (Err(e), _) => Err(format!("{via}: cannot read file {path}: {e}")),
        };
    }
    Ok(None)
}

/// Splits `NAME?default` into the name and optional default.
fn split_default(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once('?') {
        Some((name, default)) => (name, Some(default)),
        None => (rest, None),
    }
}

/// Removes one trailing `\n` (or `\r\n`).
fn strip_one_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io;

    fn env() -> HashMap<String, String> {
        HashMap::from([("PG_PASS".to_owned(), "from-env".to_owned())])
    }

    fn files(path: &Path) -> io::Result<Option<String>> {
        Ok(match path.to_str() {
            Some("/run/secrets/pw") => Some("from-file\n\n".to_owned()),
            Some("/run/secrets/crlf") => Some("x\r\n".to_owned()),
            Some("/denied") => return Err(io::Error::other("permission denied")),
            _ => None,
        })
    }

    fn r(v: &str) -> Result<Option<(String, String)>, String> {
        resolve_str(v, &env(), &files)
    }

    #[test]
    fn plain_values_are_untouched() {
        assert_eq!(r("db.example.com"), Ok(None));
        assert_eq!(r(""), Ok(None));
    }

    #[test]
    fn env_reference_with_and_without_default() {
        assert_eq!(
            r("env://PG_PASS"),
            Ok(Some(("from-env".into(), "env://PG_PASS".into())))
        );
        assert_eq!(
            r("env://PG_PASS?fallback"),
            Ok(Some(("from-env".into(), "env://PG_PASS".into())))
        );
        assert_eq!(
            r("env://UNSET?fallback"),
            Ok(Some(("fallback".into(), "env://UNSET".into())))
        );
        assert_eq!(
            r("env://UNSET?"),
            Ok(Some((String::new(), "env://UNSET".into())))
        );
        let err = r("env://UNSET").unwrap_err();
        assert!(err.contains("UNSET") && err.contains("not set"), "{err}");
    }

    #[test]
    fn file_reference_with_and_without_default() {
        assert_eq!(
            r("file:///run/secrets/pw"),
            Ok(Some((
                "from-file\n".into(),
                "file:///run/secrets/pw".into()
            )))
        );
        assert_eq!(r("file:///run/secrets/crlf").unwrap().unwrap().0, "x");
        assert_eq!(
            r("file:///missing?fallback"),
            Ok(Some(("fallback".into(), "file:///missing".into())))
        );
        let err = r("file:///missing").unwrap_err();
        assert!(
            err.contains("/missing") && err.contains("does not exist"),
            "{err}"
        );
        assert!(
            r("file:///denied?x")
                .unwrap_err()
                .contains("permission denied")
        );
    }

    #[test]
    fn errors_never_contain_the_default() {
        let mut tree = Tree::default();
        let serde_json::Value::Object(m) =
            serde_json::json!({"a": {"b": "file:///denied?topsecret"}})
        else {
            panic!()
        };
        tree.merge(m, &crate::config::tree::Source::Default);
        let mut errors = Vec::new();
        resolve(&mut tree, &["a.b".to_owned()], &env(), &files, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key(), Some("a.b"));
        assert!(!errors[0].to_string().contains("topsecret"));
    }

    #[test]
    fn resolves_leaves_and_list_items_and_records_origin() {
        let mut tree = Tree::default();
        let serde_json::Value::Object(m) = serde_json::json!({
            "p": "env://PG_PASS", "l": ["a", "env://UNSET?b"], "u": "env://NOPE"
        }) else {
            panic!()
        };
        tree.merge(m, &crate::config::tree::Source::Default);
        let mut errors = Vec::new();
        let keys = ["p", "l", "other"].map(str::to_owned);
        resolve(&mut tree, &keys, &env(), &files, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(tree.get("p"), Some(&serde_json::json!("from-env")));
        assert_eq!(tree.get("l"), Some(&serde_json::json!(["a", "b"])));
        assert_eq!(
            tree.origin("p").unwrap().via.as_deref(),
            Some("env://PG_PASS")
        );
        // `u` is not in the known keys: left alone.
        assert_eq!(tree.get("u"), Some(&serde_json::json!("env://NOPE")));
    }
}

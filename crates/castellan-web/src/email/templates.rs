//! Email templates (minijinja, rendered at run time): Castellan's built-ins, embedded in the
//! binary, and custom `*.html` files from `email.template_dir` (with an optional `.txt`
//! sibling for the plain-text part).
use std::path::{Component, Path};

use minijinja::Environment;
use serde_json::{Map, Value};

/// The built-in templates a stage may choose, with their labels (spec §4.7).
pub const BUILTIN: &[(&str, &str)] = &[
    ("email/password_reset.html", "Password Reset"),
    ("email/account_confirmation.html", "Account Confirmation"),
];

/// Embedded template sources (including the base layout and the test message).
const SOURCES: &[(&str, &str)] = &[
    ("email/base.html", include_str!("templates/email/base.html")),
    (
        "email/password_reset.html",
        include_str!("templates/email/password_reset.html"),
    ),
    (
        "email/password_reset.txt",
        include_str!("templates/email/password_reset.txt"),
    ),
    (
        "email/account_confirmation.html",
        include_str!("templates/email/account_confirmation.html"),
    ),
    (
        "email/account_confirmation.txt",
        include_str!("templates/email/account_confirmation.txt"),
    ),
    (
        "email/setup.html",
        include_str!("templates/email/setup.html"),
    ),
    ("email/setup.txt", include_str!("templates/email/setup.txt")),
];

/// A rendered message body.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The HTML part.
    pub html: String,
    /// The plain-text part.
    pub text: String,
}

/// A relative path inside the template directory (no `..`, no absolute paths).
fn safe(name: &str) -> bool {
    Path::new(name)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
}

fn custom(dir: Option<&Path>, name: &str) -> Option<String> {
    let dir = dir?;
    if !safe(name) {
        return None;
    }
    std::fs::read_to_string(dir.join(name)).ok()
}

/// Renders `template` (and its `.txt` sibling when there is one) with `context`. Custom files
/// take precedence over built-ins of the same name.
///
/// # Errors
/// An unknown template, or a template error (syntax, undefined filter), as text.
pub fn render(
    dir: Option<&Path>,
    template: &str,
    context: &Map<String, Value>,
) -> Result<Rendered, String> {
    let mut env = Environment::new();
    for (name, source) in SOURCES {
        env.add_template(name, source).map_err(|e| e.to_string())?;
    }
    let text_name = template.replace(".html", ".txt");
    for name in [template, text_name.as_str()] {
        if let Some(source) = custom(dir, name) {
            env.add_template_owned(name.to_string(), source)
                .map_err(|e| e.to_string())?;
        }
    }
    let context = minijinja::Value::from(minijinja::value::Serde(context));
    let html = env
        .get_template(template)
        .map_err(|e| e.to_string())?
        .render(&context)
        .map_err(|e| e.to_string())?;
    let text = match env.get_template(&text_name) {
        Ok(t) if text_name != template => t.render(&context).map_err(|e| e.to_string())?,
        _ => strip_tags(&html),
    };
    Ok(Rendered { html, text })
}

/// A crude plain-text version of HTML (custom templates without a `.txt` sibling).
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The templates a stage may use: the built-ins, then `Custom Template: <path>` for every
/// readable `*.html` under `dir` (sorted).
#[must_use]
pub fn list_templates(dir: Option<&Path>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = BUILTIN
        .iter()
        .map(|(n, l)| ((*n).to_string(), (*l).to_string()))
        .collect();
    let Some(dir) = dir else {
        return out;
    };
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort();
    out.extend(
        found
            .into_iter()
            .map(|p| (p.clone(), format!("Custom Template: {p}"))),
    );
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "html")
            && std::fs::File::open(&path).is_ok()
            && let Ok(rel) = path.strip_prefix(root)
        {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Whether `template` is one a stage may use.
#[must_use]
pub fn is_known(dir: Option<&Path>, template: &str) -> bool {
    list_templates(dir).iter().any(|(n, _)| n == template)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtins_render_the_link() {
        let ctx = json!({"url": "https://x/if/flow/f/?flow_token=abc",
                         "user": {"username": "jane", "name": "Jane"},
                         "expires": "soon", "token": "abc"});
        let Value::Object(ctx) = ctx else { panic!() };
        for (name, _) in BUILTIN {
            let r = render(None, name, &ctx).unwrap();
            assert!(r.html.contains("flow_token=abc"), "{name}");
            assert!(
                r.text.contains("https://x/if/flow/f/?flow_token=abc"),
                "{name}"
            );
            assert!(r.text.contains("Jane"));
        }
    }

    #[test]
    fn custom_templates_are_listed_and_rendered() {
        let dir = std::env::temp_dir().join(format!("castellan-tpl-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/mine.html"), "<p>Go to {{ url }}</p>").unwrap();
        let list = list_templates(Some(&dir));
        assert_eq!(list.len(), 3);
        assert_eq!(list[2].1, "Custom Template: sub/mine.html");
        let mut ctx = Map::new();
        ctx.insert("url".into(), json!("U"));
        let r = render(Some(&dir), "sub/mine.html", &ctx).unwrap();
        assert_eq!(r.text, "Go to U");
        assert!(render(Some(&dir), "../etc/passwd", &ctx).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

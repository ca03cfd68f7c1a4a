//! Translations of the flow pages: message catalogs per language (English first), the language a
//! request asks for (`Accept-Language`), and the template function `_` that looks messages up.
//! Messages are keyed by their English text, as with gettext; `{name}` placeholders take the
//! function's keyword arguments.
use std::collections::HashMap;
use std::sync::OnceLock;

use minijinja::value::Kwargs;
use minijinja::{Error, State};

/// The language of the messages as written in the templates.
pub const SOURCE: &str = "en";

/// Embedded catalogs: language tag and JSON object of message → translation. `en.json` lists
/// every message of the pages (each its own translation): the file translators start from.
const CATALOGS: &[(&str, &str)] = &[("en", include_str!("locales/en.json"))];

type Catalog = HashMap<String, String>;

fn catalogs() -> &'static HashMap<&'static str, Catalog> {
    static LOADED: OnceLock<HashMap<&'static str, Catalog>> = OnceLock::new();
    LOADED.get_or_init(|| {
        CATALOGS
            .iter()
            .map(|(lang, text)| {
                let catalog = serde_json::from_str::<Catalog>(text).unwrap_or_else(|e| {
                    tracing::error!(lang, error = %e, "translation catalog");
                    Catalog::new()
                });
                (*lang, catalog)
            })
            .collect()
    })
}

/// The languages with a catalog.
pub fn languages() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = catalogs().keys().copied().collect();
    out.sort_unstable();
    out
}

/// The languages to offer in a locale picker: tag and the language's own name.
pub fn choices() -> Vec<(&'static str, &'static str)> {
    languages()
        .into_iter()
        .map(|tag| {
            (
                tag,
                NAMES
                    .iter()
                    .find(|(t, _)| *t == tag)
                    .map_or(tag, |(_, n)| *n),
            )
        })
        .collect()
}

/// Languages' names in themselves.
const NAMES: &[(&str, &str)] = &[("en", "English")];

/// The catalog's messages (for completeness checks).
pub fn messages(lang: &str) -> Vec<String> {
    catalogs()
        .get(lang)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default()
}

/// The best language for an `Accept-Language` header (RFC 9110 §12.5.4: tags by weight, a
/// language range matches its own tag and the tag's primary language); the source language when
/// nothing matches.
pub fn negotiate(accept_language: &str) -> &'static str {
    let available = catalogs();
    let mut ranges: Vec<(f32, usize, String)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut bits = part.split(';');
            let tag = bits.next()?.trim().to_ascii_lowercase();
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!tag.is_empty() && q > 0.0).then_some((q, i, tag))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, tag) in ranges {
        let primary = tag.split('-').next().unwrap_or_default();
        for candidate in [tag.as_str(), primary] {
            if let Some((lang, _)) = available.get_key_value(candidate) {
                return lang;
            }
        }
    }
    SOURCE
}

/// `message` in `lang`, or as written when the catalog has no translation.
pub fn translate(lang: &str, message: &str) -> String {
    catalogs()
        .get(lang)
        .and_then(|c| c.get(message))
        .filter(|t| !t.is_empty())
        .cloned()
        .unwrap_or_else(|| message.to_string())
}

/// The template function `_(message, name=value, …)`: the translation in the page's `locale`,
/// with `{name}` placeholders filled (values are escaped by the template as usual).
pub fn gettext(state: &State<'_, '_>, message: &str, kwargs: Kwargs) -> Result<String, Error> {
    let lang = state
        .lookup("locale")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| SOURCE.to_string());
    let mut out = translate(&lang, message);
    for name in kwargs.args() {
        let value: minijinja::Value = kwargs.get(name)?;
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    kwargs.assert_all_used()?;
    Ok(out)
}

/// The messages a template source asks for: the string literal of every `_("…")` call.
pub fn extract(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("_(\"") {
        let after = &rest[at + 3..];
        let mut message = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, next)) = chars.next() {
                        message.push(next);
                    }
                }
                '"' => {
                    end = i + 1;
                    break;
                }
                _ => message.push(c),
            }
        }
        out.push(message);
        rest = &after[end.min(after.len())..];
    }
    out
}

#[cfg(test)]
mod tests {
    //! Negotiation and lookup.

    use super::*;

    #[test]
    fn negotiation_prefers_weight_then_order() {
        assert_eq!(negotiate(""), "en");
        assert_eq!(negotiate("de-CH, de;q=0.9, en;q=0.8"), "en");
        assert_eq!(negotiate("en-GB"), "en");
        assert_eq!(negotiate("fr;q=0, xx"), "en");
        assert_eq!(languages(), ["en"]);
    }

    #[test]
    fn extraction() {
        let found = extract(r#"<p>{{ _("A \"quoted\" one") }}</p>{{ _("B {x}", x=1) }}"#);
        assert_eq!(found, ["A \"quoted\" one", "B {x}"]);
    }

    #[test]
    fn unknown_messages_stay_as_written() {
        assert_eq!(translate("en", "No such message"), "No such message");
        assert_eq!(translate("de", "Log in"), "Log in");
    }
}

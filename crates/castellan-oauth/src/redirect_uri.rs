//! Redirection endpoint validation (RFC 6749 §3.1.2, §10.6; OpenID Connect Core 1.0
//! §3.1.2.1; spec §7.1.3 step 2, 2024.10.3+ semantics fixing CVE-2024-52289).

use castellan_core::oauth2::{MatchingMode, RedirectUri};
use regex::{Regex, RegexBuilder};

/// Schemes that are never accepted as a redirect target, whatever the configuration.
const FORBIDDEN_SCHEMES: [&str; 3] = ["javascript", "data", "vbscript"];

/// Upper bound on a compiled redirect-URI regex, so a configured pattern cannot exhaust memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Whether `uri` uses a scheme that can run script or embed content (`javascript:`,
/// `data:`, `vbscript:`).
///
/// Compared case-insensitively after dropping what browsers ignore: leading C0 control
/// characters and spaces, and ASCII tabs and newlines anywhere (WHATWG URL parsing).
pub fn forbidden_scheme(uri: &str) -> bool {
    let cleaned: String = uri
        .trim_start_matches(|c: char| c <= '\u{20}')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let Some((scheme, _)) = cleaned.split_once(':') else {
        return false;
    };
    FORBIDDEN_SCHEMES
        .iter()
        .any(|forbidden| scheme.eq_ignore_ascii_case(forbidden))
}

/// Outcome of checking a presented `redirect_uri` against a provider's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectCheck {
    /// The URI matches an allowed entry.
    Allowed,
    /// The URI is not allowed; render an error page, never redirect.
    Denied,
    /// The provider has no redirect URIs yet: the caller saves this entry (strict mode)
    /// on the provider and then allows the request.
    SaveFirst(RedirectUri),
}

/// Compiles a `regex`-mode entry as a full match (`\A(?:…)\z`).
///
/// The pattern must also compile on its own, so unbalanced groups such as
/// `good)|(?:.*` cannot escape the anchors. `None` when either compilation fails.
fn compile(pattern: &str) -> Option<Regex> {
    let build = |p: &str| RegexBuilder::new(p).size_limit(REGEX_SIZE_LIMIT).build();
    build(pattern).ok()?;
    build(&format!(r"\A(?:{pattern})\z")).ok()
}

/// Whether one allowed entry matches the presented URI.
fn entry_matches(entry: &RedirectUri, presented: &str) -> bool {
    match entry.matching_mode {
        MatchingMode::Strict => entry.url == presented,
        MatchingMode::Regex => compile(&entry.url).is_some_and(|re| re.is_match(presented)),
    }
}

/// Checks `presented` against the `allowed` redirect URIs.
///
/// Forbidden schemes are always denied; an empty list saves the first presented URI as
/// a strict entry; `strict` entries compare exact strings; `regex` entries must match the
/// whole URI; an invalid regex matches nothing (see [`invalid_regexes`]).
pub fn check(allowed: &[RedirectUri], presented: &str) -> RedirectCheck {
    if forbidden_scheme(presented) {
        return RedirectCheck::Denied;
    }
    if allowed.is_empty() {
        return RedirectCheck::SaveFirst(RedirectUri {
            matching_mode: MatchingMode::Strict,
            url: presented.to_owned(),
        });
    }
    if allowed.iter().any(|entry| entry_matches(entry, presented)) {
        RedirectCheck::Allowed
    } else {
        RedirectCheck::Denied
    }
}

/// The `regex`-mode entries that do not compile, for `configuration_error` events.
pub fn invalid_regexes(allowed: &[RedirectUri]) -> Vec<String> {
    allowed
        .iter()
        .filter(|e| e.matching_mode == MatchingMode::Regex && compile(&e.url).is_none())
        .map(|e| e.url.clone())
        .collect()
}

/// `scheme://host[:port]` of every strict entry (default ports omitted, deduplicated),
/// for CORS on the token, userinfo and discovery endpoints.
pub fn origins(allowed: &[RedirectUri]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in allowed
        .iter()
        .filter(|e| e.matching_mode == MatchingMode::Strict)
    {
        let Ok(parsed) = url::Url::parse(&entry.url) else {
            continue;
        };
        let origin = parsed.origin();
        if !origin.is_tuple() {
            continue;
        }
        let origin = origin.ascii_serialization();
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(url: &str) -> RedirectUri {
        RedirectUri {
            matching_mode: MatchingMode::Strict,
            url: url.to_owned(),
        }
    }

    fn regex(url: &str) -> RedirectUri {
        RedirectUri {
            matching_mode: MatchingMode::Regex,
            url: url.to_owned(),
        }
    }

    #[test]
    fn forbidden_schemes_any_case_and_padding() {
        assert!(forbidden_scheme("javascript:alert(1)"));
        assert!(forbidden_scheme("JaVaScRiPt:alert(1)"));
        assert!(forbidden_scheme("   javascript:alert(1)"));
        assert!(forbidden_scheme("\u{0}\u{1f} JAVASCRIPT:alert(1)"));
        assert!(forbidden_scheme("java\tscript:alert(1)"));
        assert!(forbidden_scheme("java\nscript:alert(1)"));
        assert!(forbidden_scheme("data:text/html,<script>"));
        assert!(forbidden_scheme("VBScript:msgbox"));
        assert!(!forbidden_scheme("https://example.com/javascript:"));
        assert!(!forbidden_scheme("com.example.app:/callback"));
        assert!(!forbidden_scheme("no-scheme-here"));
    }

    #[test]
    fn forbidden_scheme_denied_even_if_configured() {
        let allowed = [regex(".*"), strict("javascript:alert(1)")];
        assert_eq!(
            check(&allowed, "javascript:alert(1)"),
            RedirectCheck::Denied
        );
        assert_eq!(check(&[], " Data:text/html,x"), RedirectCheck::Denied);
    }

    #[test]
    fn empty_list_saves_first_as_strict() {
        assert_eq!(
            check(&[], "https://app.example.com/cb?x=.*"),
            RedirectCheck::SaveFirst(strict("https://app.example.com/cb?x=.*"))
        );
    }

    #[test]
    fn strict_is_exact() {
        let allowed = [strict("https://app.example.com/cb")];
        assert_eq!(
            check(&allowed, "https://app.example.com/cb"),
            RedirectCheck::Allowed
        );
        assert_eq!(
            check(&allowed, "https://app.example.com/cb/"),
            RedirectCheck::Denied
        );
        assert_eq!(
            check(&allowed, "https://APP.example.com/cb"),
            RedirectCheck::Denied
        );
        assert_eq!(
            check(&allowed, "https://app.example.com/cb?next=evil"),
            RedirectCheck::Denied
        );
    }

    #[test]
    fn strict_entries_are_not_regexes() {
        // CVE-2024-52289: a saved URI containing `.` must not match arbitrary characters.
        let allowed = [strict("https://app.example.com/cb")];
        assert_eq!(
            check(&allowed, "https://appXexample.com/cb"),
            RedirectCheck::Denied
        );
    }

    #[test]
    fn regex_is_full_match() {
        let allowed = [regex(r"https://good\.example\.com/.*")];
        assert_eq!(
            check(&allowed, "https://good.example.com/cb"),
            RedirectCheck::Allowed
        );
        assert_eq!(
            check(&allowed, "https://evil.com/?https://good.example.com/cb"),
            RedirectCheck::Denied
        );
        let host_only = [regex(r"https://good\.example\.com")];
        assert_eq!(
            check(&host_only, "https://good.example.com.evil.com"),
            RedirectCheck::Denied
        );
        assert_eq!(
            check(&host_only, "https://good.example.com\n"),
            RedirectCheck::Denied
        );
    }

    #[test]
    fn regex_anchor_escape_attempts_fail() {
        // An alternation must not escape the anchors.
        let alt = [regex(r"https://a\.example\.com|https://b\.example\.com")];
        assert_eq!(check(&alt, "https://b.example.com"), RedirectCheck::Allowed);
        assert_eq!(
            check(&alt, "https://a.example.com.evil.com"),
            RedirectCheck::Denied
        );
        assert_eq!(
            check(&alt, "https://evil.com/https://b.example.com"),
            RedirectCheck::Denied
        );
        // Unbalanced groups are invalid, not a way around the wrapper.
        let sneaky = [regex(r"https://good\.example\.com)|(?:.*")];
        assert_eq!(check(&sneaky, "https://evil.com"), RedirectCheck::Denied);
        assert_eq!(invalid_regexes(&sneaky).len(), 1);
        // Multi-line flag inside the pattern does not weaken the outer anchors.
        let multi = [regex(r"(?m)https://good\.example\.com$")];
        assert_eq!(
            check(&multi, "https://good.example.com\nhttps://evil.com"),
            RedirectCheck::Denied
        );
    }

    #[test]
    fn invalid_regex_matches_nothing_and_is_reported() {
        let allowed = [
            regex("https://(unclosed"),
            strict("https://ok.example.com/cb"),
        ];
        assert_eq!(check(&allowed, "https://(unclosed"), RedirectCheck::Denied);
        assert_eq!(
            check(&allowed, "https://ok.example.com/cb"),
            RedirectCheck::Allowed
        );
        assert_eq!(
            invalid_regexes(&allowed),
            vec!["https://(unclosed".to_owned()]
        );
        assert!(invalid_regexes(&[regex(".*"), strict("(")]).is_empty());
    }

    #[test]
    fn origins_of_strict_entries() {
        let allowed = [
            strict("https://app.example.com/cb"),
            strict("https://app.example.com/other"),
            strict("http://localhost:8080/cb"),
            strict("https://x.example.com:443/cb"),
            strict("com.example.app:/cb"),
            regex(r"https://re\.example\.com/.*"),
            strict("not a url"),
        ];
        assert_eq!(
            origins(&allowed),
            vec![
                "https://app.example.com".to_owned(),
                "http://localhost:8080".to_owned(),
                "https://x.example.com".to_owned(),
            ]
        );
    }
}

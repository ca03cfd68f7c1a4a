//! Bearer token usage at protected resources (RFC 6750 §2.1–§2.2 token transmission,
//! §3 `WWW-Authenticate` error responses; spec §7.1.6 userinfo).

use std::collections::BTreeMap;

use crate::error::ErrorCode;

/// The bearer token of a request: the `Authorization: Bearer <token>` header (scheme
/// case-insensitive), else the `access_token` form or query parameter.
pub fn bearer_token(
    authorization: Option<&str>,
    form: &BTreeMap<String, String>,
) -> Option<String> {
    let from_header = authorization.and_then(|header| {
        let header = header.trim();
        let (scheme, token) = header.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
    });
    from_header.or_else(|| {
        form.get("access_token")
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    })
}

/// Escapes a value for an RFC 7230 quoted-string.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The `WWW-Authenticate` header value for a bearer error, as authentik sends it:
/// `Bearer realm="authentik", error="invalid_token", error_description="..."`.
pub fn www_authenticate(code: ErrorCode, description: &str) -> String {
    format!(
        "Bearer realm=\"authentik\", error=\"{}\", error_description=\"{}\"",
        code.as_str(),
        quote(description)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(items: &[(&str, &str)]) -> BTreeMap<String, String> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn header_first() {
        let f = form(&[("access_token", "form")]);
        assert_eq!(bearer_token(Some("Bearer abc"), &f).as_deref(), Some("abc"));
        assert_eq!(
            bearer_token(Some("bearer  abc "), &f).as_deref(),
            Some("abc")
        );
        assert_eq!(
            bearer_token(Some("BEARER x.y.z"), &form(&[])).as_deref(),
            Some("x.y.z")
        );
    }

    #[test]
    fn falls_back_to_parameter() {
        let f = form(&[("access_token", "form")]);
        assert_eq!(bearer_token(None, &f).as_deref(), Some("form"));
        assert_eq!(bearer_token(Some("Basic abc"), &f).as_deref(), Some("form"));
        assert_eq!(bearer_token(Some("Bearer "), &f).as_deref(), Some("form"));
        assert_eq!(bearer_token(None, &form(&[("access_token", "")])), None);
        assert_eq!(bearer_token(Some("Bearer"), &form(&[])), None);
    }

    #[test]
    fn challenge_header() {
        assert_eq!(
            www_authenticate(ErrorCode::InvalidToken, "Token is invalid"),
            "Bearer realm=\"authentik\", error=\"invalid_token\", error_description=\"Token is invalid\""
        );
        assert_eq!(
            www_authenticate(ErrorCode::InsufficientScope, "needs \"openid\"\n"),
            "Bearer realm=\"authentik\", error=\"insufficient_scope\", error_description=\"needs \\\"openid\\\" \""
        );
    }
}

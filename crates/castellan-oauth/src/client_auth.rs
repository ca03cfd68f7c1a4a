//! Client authentication at the token, introspection and revocation endpoints
//! (RFC 6749 §2.3.1: HTTP Basic or `client_id`/`client_secret` form fields).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use subtle::ConstantTimeEq;

use crate::error::{ErrorCode, TokenError};

/// Credentials a client presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    /// The secret, when one was sent (empty secrets count as absent).
    pub client_secret: Option<String>,
    /// Whether they came in an HTTP Basic `Authorization` header.
    pub via_basic: bool,
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space, `%XX` a
/// byte; malformed escapes are kept literally). `None` when the result is not UTF-8.
fn form_urldecode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn malformed() -> TokenError {
    TokenError::new(
        ErrorCode::InvalidClient,
        "The Authorization header does not hold valid Basic credentials.",
    )
}

/// Parses `Basic base64(urlencode(id):urlencode(secret))`. `Ok(None)` for other schemes.
fn basic(header: &str) -> Result<Option<(String, Option<String>)>, TokenError> {
    let header = header.trim();
    let (scheme, encoded) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let encoded = encoded.trim();
    let decoded = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| malformed())?;
    let text = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
    let id = form_urldecode(id).ok_or_else(malformed)?;
    let secret = form_urldecode(secret).ok_or_else(malformed)?;
    if id.is_empty() {
        return Err(malformed());
    }
    Ok(Some((id, Some(secret).filter(|s| !s.is_empty()))))
}

/// Extracts client credentials from the `Authorization` header and the form.
///
/// Basic credentials win over form fields; a form `client_id` naming a different client
/// than the Basic header is `invalid_request`; a malformed Basic header is
/// `invalid_client`; no client id anywhere is `Ok(None)`.
pub fn from_request(
    authorization: Option<&str>,
    form: &BTreeMap<String, String>,
) -> Result<Option<ClientCredentials>, TokenError> {
    let form_id = form.get("client_id").filter(|v| !v.is_empty());
    let form_secret = form.get("client_secret").filter(|v| !v.is_empty());
    if let Some((client_id, client_secret)) = authorization.map(basic).transpose()?.flatten() {
        if form_id.is_some_and(|id| *id != client_id) {
            return Err(TokenError::new(
                ErrorCode::InvalidRequest,
                "client_id in the form differs from the Authorization header.",
            ));
        }
        return Ok(Some(ClientCredentials {
            client_id,
            client_secret,
            via_basic: true,
        }));
    }
    Ok(form_id.map(|client_id| ClientCredentials {
        client_id: client_id.clone(),
        client_secret: form_secret.cloned(),
        via_basic: false,
    }))
}

/// Compares a presented secret with the stored one in constant time. An empty stored
/// secret never matches.
pub fn secret_matches(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn form(items: &[(&str, &str)]) -> BTreeMap<String, String> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn basic_header(raw: &str) -> String {
        format!("Basic {}", STANDARD.encode(raw))
    }

    #[test]
    fn basic_credentials() {
        let h = basic_header("client:secret");
        let c = from_request(Some(&h), &form(&[])).unwrap().unwrap();
        assert_eq!(c.client_id, "client");
        assert_eq!(c.client_secret.as_deref(), Some("secret"));
        assert!(c.via_basic);
    }

    #[test]
    fn basic_parts_are_form_urldecoded() {
        // A `:` in the secret is sent as %3A; `+` means space.
        let h = basic_header("my%20client:pa%3Ass+word%2B");
        let c = from_request(Some(&h), &form(&[])).unwrap().unwrap();
        assert_eq!(c.client_id, "my client");
        assert_eq!(c.client_secret.as_deref(), Some("pa:ss word+"));
        // An unencoded colon in the secret still splits at the first colon only.
        let h = basic_header("id:a:b");
        let c = from_request(Some(&h), &form(&[])).unwrap().unwrap();
        assert_eq!(c.client_secret.as_deref(), Some("a:b"));
        // A malformed escape is kept literally.
        let h = basic_header("id:100%");
        let c = from_request(Some(&h), &form(&[])).unwrap().unwrap();
        assert_eq!(c.client_secret.as_deref(), Some("100%"));
    }

    #[test]
    fn scheme_is_case_insensitive_and_padding_optional() {
        let h = format!("basic {}", STANDARD_NO_PAD.encode("ab:c"));
        let c = from_request(Some(&h), &form(&[])).unwrap().unwrap();
        assert_eq!(c.client_id, "ab");
        assert_eq!(c.client_secret.as_deref(), Some("c"));
    }

    #[test]
    fn malformed_basic_is_invalid_client() {
        for h in [
            "Basic !!!".to_owned(),
            basic_header("no-colon"),
            basic_header(":secret"),
            format!("Basic {}", STANDARD.encode([0xff, b':', b'x'])),
            "Basic".to_owned(),
        ] {
            let e = from_request(Some(&h), &form(&[])).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidClient, "{h}");
            assert_eq!(e.status(), 401);
        }
    }

    #[test]
    fn form_credentials() {
        let c = from_request(None, &form(&[("client_id", "c"), ("client_secret", "s")]))
            .unwrap()
            .unwrap();
        assert_eq!(c.client_id, "c");
        assert_eq!(c.client_secret.as_deref(), Some("s"));
        assert!(!c.via_basic);
        let c = from_request(None, &form(&[("client_id", "c"), ("client_secret", "")]))
            .unwrap()
            .unwrap();
        assert_eq!(c.client_secret, None);
        // Bearer headers are not client authentication.
        let c = from_request(Some("Bearer abc"), &form(&[("client_id", "c")]))
            .unwrap()
            .unwrap();
        assert_eq!(c.client_id, "c");
    }

    #[test]
    fn conflicting_ids() {
        let h = basic_header("a:s");
        let e = from_request(Some(&h), &form(&[("client_id", "b")])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        let c = from_request(Some(&h), &form(&[("client_id", "a")]))
            .unwrap()
            .unwrap();
        assert!(c.via_basic);
    }

    #[test]
    fn nothing_presented() {
        assert_eq!(from_request(None, &form(&[])).unwrap(), None);
        assert_eq!(
            from_request(None, &form(&[("client_secret", "s")])).unwrap(),
            None
        );
    }

    #[test]
    fn secret_comparison() {
        assert!(secret_matches("s3cret", "s3cret"));
        assert!(!secret_matches("s3cret", "s3cre"));
        assert!(!secret_matches("s3cret", "S3cret"));
        assert!(!secret_matches("", ""));
    }
}

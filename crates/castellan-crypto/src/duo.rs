//! Duo request signing (Duo Auth API v2, "HMAC-SHA1" signature): the canonical request — date
//! (RFC 2822), upper-case method, lower-case host, path and the sorted, percent-encoded
//! parameters, one per line — signed with the secret key, sent as HTTP Basic `ikey:signature`.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The `Date` header Duo expects (`Tue, 21 Aug 2012 17:29:18 -0000`).
pub fn date_header(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S -0000").to_string()
}

/// Percent-encodes as Duo's clients do: RFC 3986 unreserved characters kept, everything else
/// `%XX` (upper-case hex; a space is `%20`).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The parameters as sent and signed: encoded `key=value` pairs sorted by key (then value),
/// joined with `&`.
pub fn canonical_params(params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> =
        params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical request: date, method, host, path and parameters joined by newlines.
pub fn canonical_request(
    date: &str,
    method: &str,
    host: &str,
    path: &str,
    params: &[(String, String)],
) -> String {
    [
        date.to_string(),
        method.to_ascii_uppercase(),
        host.to_ascii_lowercase(),
        path.to_string(),
        canonical_params(params),
    ]
    .join("\n")
}

/// HMAC-SHA1 of the canonical request with the secret key, lower-case hex.
pub fn signature(secret_key: &str, canonical: &str) -> String {
    // HMAC accepts keys of any length.
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret_key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(canonical.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header: `Basic base64(ikey:signature)`.
pub fn authorization(integration_key: &str, signature: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{integration_key}:{signature}"))
    )
}

/// Headers of a signed request: (`Date`, `Authorization`).
pub fn sign(
    integration_key: &str,
    secret_key: &str,
    at: DateTime<Utc>,
    method: &str,
    host: &str,
    path: &str,
    params: &[(String, String)],
) -> (String, String) {
    let date = date_header(at);
    let canonical = canonical_request(&date, method, host, path, params);
    let sig = signature(secret_key, &canonical);
    (date, authorization(integration_key, &sig))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Duo's published signing example.

    use super::*;

    fn example_params() -> Vec<(String, String)> {
        vec![
            ("username".into(), "root".into()),
            ("realname".into(), "First Last".into()),
        ]
    }

    #[test]
    fn canonical_request_matches_duo_documentation() {
        let canonical = canonical_request(
            "Tue, 21 Aug 2012 17:29:18 -0000",
            "post",
            "API-XXXXXXXX.duosecurity.com",
            "/accounts/v1/account/list",
            &example_params(),
        );
        assert_eq!(
            canonical,
            "Tue, 21 Aug 2012 17:29:18 -0000\nPOST\napi-xxxxxxxx.duosecurity.com\n\
             /accounts/v1/account/list\nrealname=First%20Last&username=root"
        );
    }

    #[test]
    fn signature_matches_duo_documentation() {
        let at = DateTime::parse_from_rfc2822("Tue, 21 Aug 2012 17:29:18 +0000")
            .unwrap()
            .with_timezone(&Utc);
        let (date, auth) = sign(
            "DIWJ8X6AEYOR5OMC6TQ1",
            "Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep",
            at,
            "POST",
            "api-xxxxxxxx.duosecurity.com",
            "/accounts/v1/account/list",
            &example_params(),
        );
        assert_eq!(date, "Tue, 21 Aug 2012 17:29:18 -0000");
        assert_eq!(
            auth,
            "Basic RElXSjhYNkFFWU9SNU9NQzZUUTE6MmQ5N2Q2MTY2MzE5NzgxYjVhM2EwN2FmMzlkMzY2ZjQ5MTIzNGVkYw=="
        );
    }

    #[test]
    fn encoding_keeps_only_unreserved() {
        assert_eq!(encode("a b+c/é~"), "a%20b%2Bc%2F%C3%A9~");
        let p = vec![("b".into(), "2".into()), ("a".into(), "x=y&z".into())];
        assert_eq!(canonical_params(&p), "a=x%3Dy%26z&b=2");
    }
}

//! Admin form posts that may carry a file (`multipart/form-data`, as the blueprint validate and
//! flow import forms send): the fields are read, the CSRF token checked exactly as for other
//! admin forms, and an uploaded file is handed back as its bytes. Plain
//! `application/x-www-form-urlencoded` posts are accepted too (a pasted blueprint).
use axum::body::Bytes;
use axum::http::header;
use axum::response::Response;
use base64::Engine;
use http::request::Parts;

use super::{Admin, writer};
use crate::flow::pages::multipart;
use crate::state::AppState;

/// The fields of an admin form post, multipart or URL-encoded, once its CSRF token matched.
/// File parts are `data:<type>;base64,…` values (see [`file_bytes`]).
pub async fn upload_writer(
    state: &AppState,
    parts: &mut Parts,
    body: &Bytes,
) -> Result<(Admin, Vec<(String, String)>), Response> {
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let Some(boundary) = multipart::boundary(&content_type) else {
        return writer(state, parts, body).await;
    };
    // A body that does not parse has no token that could be checked.
    let fields = multipart::parse(&boundary, body)
        .map_err(|_| crate::user_if::refused(crate::user_if::Refusal::Csrf))?;
    // The same check as every other admin form: re-encoded, the fields go through `writer`.
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    writer(state, parts, &Bytes::from(encoded)).await
}

/// The bytes of a posted file field (`data:<type>;base64,<content>`); `None` when no file was
/// chosen or the value is not such a URI.
pub fn file_bytes(value: &str) -> Option<Vec<u8>> {
    let rest = value.strip_prefix("data:")?;
    let (_, b64) = rest.split_once(";base64,")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    (!bytes.is_empty()).then_some(bytes)
}

/// A `multipart/form-data` body with one file part `name` (for the API's upload endpoints).
pub fn multipart_file(name: &str, filename: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("castellan-{}", castellan_crypto::token::random_hex(12));
    let filename = filename.replace(['"', '\\', '\r', '\n'], "");
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/yaml\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_through_multipart() {
        let (ct, body) = multipart_file("file", "f\".yaml", b"version: 1\n");
        let b = multipart::boundary(&ct).expect("boundary");
        let fields = multipart::parse(&b, &body).expect("parses");
        assert_eq!(fields[0].0, "file");
        assert_eq!(
            file_bytes(&fields[0].1).as_deref(),
            Some(&b"version: 1\n"[..])
        );
        assert_eq!(file_bytes(""), None);
        assert_eq!(file_bytes("plain text"), None);
    }
}

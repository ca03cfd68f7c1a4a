//! `Secure` on the cookies of HTTPS answers: when the browser talks HTTPS (the TLS listener, or a
//! trusted proxy's `X-Forwarded-Proto: https`), every `Set-Cookie` — session, CSRF, remember-MFA —
//! gets the `Secure` attribute, so the browser never sends them over plain HTTP.
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, header};

use crate::state::AppState;

/// The layer: marks the response's cookies when the request came over HTTPS.
pub async fn secure_cookies(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let https = crate::context::base_url(&parts, &state).starts_with("https://");
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if https {
        mark(response.headers_mut());
    }
    response
}

fn has_secure(cookie: &str) -> bool {
    cookie
        .split(';')
        .skip(1)
        .any(|a| a.trim().eq_ignore_ascii_case("secure"))
}

/// Appends `; Secure` to every `Set-Cookie` of `headers` that lacks it.
pub fn mark(headers: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if cookies.is_empty() {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for value in cookies {
        let marked = match value.to_str() {
            Ok(text) if !has_secure(text) => {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(value)
            }
            _ => value,
        };
        headers.append(header::SET_COOKIE, marked);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Marking.

    use super::*;

    #[test]
    fn every_cookie_once() {
        let mut h = HeaderMap::new();
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("a=1; Path=/; HttpOnly"),
        );
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("b=2; Path=/; Secure"),
        );
        mark(&mut h);
        let all: Vec<&str> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(
            all,
            ["a=1; Path=/; HttpOnly; Secure", "b=2; Path=/; Secure"]
        );
    }
}

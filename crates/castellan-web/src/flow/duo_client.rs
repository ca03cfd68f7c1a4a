//! The Duo Auth and Admin APIs over HTTP: signed requests (see `castellan_crypto::duo`) to the
//! stage's `api_hostname` — a bare host reached over HTTPS, or a full base URL when it contains
//! `://` (local test servers) — form `POST`s, or `GET`s with the signed parameters in the query
//! string, and the `{"stat": "OK", "response": …}` envelope.
use std::sync::OnceLock;
use std::time::Duration;

use castellan_core::mfa::DuoApi;
use castellan_crypto::duo;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// How long a push may wait for the user (Duo answers `/auth` when the user reacted).
const AUTH_TIMEOUT: Duration = Duration::from_secs(65);
/// Every other call.
const TIMEOUT: Duration = Duration::from_secs(10);

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default()
    })
}

/// (base URL, host as signed): `api-x.duosecurity.com` → (`https://api-x.duosecurity.com`,
/// `api-x.duosecurity.com`); `http://127.0.0.1:9/` → (`http://127.0.0.1:9`, `127.0.0.1:9`).
pub fn endpoint(api_hostname: &str) -> (String, String) {
    let value = api_hostname.trim().trim_end_matches('/');
    match value.split_once("://") {
        Some((_, rest)) => {
            let host = rest.split('/').next().unwrap_or(rest);
            (value.to_string(), host.to_ascii_lowercase())
        }
        None => (format!("https://{value}"), value.to_ascii_lowercase()),
    }
}

/// Reads Duo's answer: the whole envelope of `stat: OK` (`response`, and `metadata` on paged
/// Admin API lists), else an error text.
pub fn envelope(status: u16, body: &str) -> Result<Value, String> {
    let Ok(json) = serde_json::from_str::<Value>(body) else {
        return Err(format!("Duo answered HTTP {status} without JSON"));
    };
    match json.get("stat").and_then(Value::as_str) {
        Some("OK") => Ok(json),
        _ => {
            let code = json.get("code").map(Value::to_string).unwrap_or_default();
            let message = json
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            let detail = json.get("message_detail").and_then(Value::as_str);
            Err(match detail {
                Some(d) => format!("Duo error {code} (HTTP {status}): {message}: {d}"),
                None => format!("Duo error {code} (HTTP {status}): {message}"),
            })
        }
    }
}

/// Reads Duo's answer: the `response` of `stat: OK`, else an error text.
pub fn parse(status: u16, body: &str) -> Result<Value, String> {
    envelope(status, body).map(|mut json| {
        json.get_mut("response")
            .map(Value::take)
            .unwrap_or(Value::Null)
    })
}

/// Sends one signed form `POST`; Duo's `response`.
pub async fn request(
    api: &DuoApi,
    path: &str,
    params: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let (status, body) = send(api, "POST", path, params, now).await?;
    parse(status, &body)
}

/// Sends one signed `GET` (the parameters in the query string); Duo's whole envelope.
pub async fn get(
    api: &DuoApi,
    path: &str,
    params: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<Value, String> {
    let (status, body) = send(api, "GET", path, params, now).await?;
    envelope(status, body.as_str())
}

/// Signs and sends one request; the HTTP status and body of Duo's answer.
async fn send(
    api: &DuoApi,
    method: &str,
    path: &str,
    params: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<(u16, String), String> {
    let (base, host) = endpoint(&api.api_hostname);
    let (date, authorization) = duo::sign(
        &api.integration_key,
        &api.secret_key,
        now,
        method,
        &host,
        path,
        params,
    );
    let timeout = if path.ends_with("/auth") {
        AUTH_TIMEOUT
    } else {
        TIMEOUT
    };
    let encoded = duo::canonical_params(params);
    let builder = if method == "GET" {
        let url = if encoded.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{encoded}")
        };
        client().get(url)
    } else {
        client()
            .post(format!("{base}{path}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encoded)
    };
    let resp = builder
        .timeout(timeout)
        .header("Date", date)
        .header("Authorization", authorization)
        .send()
        .await
        .map_err(|e| format!("Duo request failed: {}", e.without_url()))?;
    let status = resp.status().as_u16();
    let body = resp
        .text()
        .await
        .map_err(|e| format!("reading Duo's answer: {}", e.without_url()))?;
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    //! Base URL and envelope handling.

    use super::*;

    #[test]
    fn endpoint_of_host_and_url() {
        assert_eq!(
            endpoint("API-1.duosecurity.com"),
            (
                "https://API-1.duosecurity.com".into(),
                "api-1.duosecurity.com".into()
            )
        );
        assert_eq!(
            endpoint("http://127.0.0.1:8080/"),
            ("http://127.0.0.1:8080".into(), "127.0.0.1:8080".into())
        );
    }

    #[test]
    fn envelopes() {
        assert_eq!(
            parse(200, r#"{"stat":"OK","response":{"a":1}}"#),
            Ok(serde_json::json!({"a": 1}))
        );
        let e = parse(
            401,
            r#"{"stat":"FAIL","code":40101,"message":"Missing request credentials"}"#,
        );
        assert_eq!(
            e,
            Err("Duo error 40101 (HTTP 401): Missing request credentials".into())
        );
        assert!(parse(500, "oops").is_err());
        let paged = envelope(
            200,
            r#"{"stat":"OK","response":[],"metadata":{"next_offset":2}}"#,
        )
        .map(|e| e["metadata"]["next_offset"].clone());
        assert_eq!(paged, Ok(serde_json::json!(2)));
    }
}

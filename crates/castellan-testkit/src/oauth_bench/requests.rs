//! The requests of the benchmark, built as a relying party sends them, and one request sent
//! through the router in process (`oneshot`), body read included; plus the pre-created
//! authorization codes, written directly with `oauth2_tokens::create_code`.
use axum::body::{Body, Bytes};
use castellan_core::oauth2::{AuthorizationCode, TokenGrant};
use castellan_store::oauth2_tokens;
use http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::setup::Client;
use super::{CLIENT_CREDENTIALS_SCOPE, CODE_SCOPE};
use crate::TestApp;

/// The `Host` every request carries (the issuer is derived from it).
const HOST: &str = "localhost:9000";

/// How long a pre-created code stays valid (codes are used within seconds of creation).
const CODE_LIFETIME_MINUTES: i64 = 10;

/// A form-encoded body.
fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A form POST authenticated with the client's secret (HTTP Basic).
fn post(path: &str, client: &Client, body: String) -> Result<Request<Body>, String> {
    Request::builder()
        .method("POST")
        .uri(path)
        .header("host", HOST)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("authorization", &client.basic)
        .body(Body::from(body))
        .map_err(|e| e.to_string())
}

/// `grant_type=authorization_code` for `code`.
///
/// # Errors
/// The request cannot be built.
pub fn code_exchange(client: &Client, code: &str) -> Result<Request<Body>, String> {
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &client.redirect_uri),
    ]);
    post("/application/o/token/", client, body)
}

/// `grant_type=client_credentials` with the provider's own secret.
///
/// # Errors
/// The request cannot be built.
pub fn client_credentials(client: &Client) -> Result<Request<Body>, String> {
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("scope", CLIENT_CREDENTIALS_SCOPE),
    ]);
    post("/application/o/token/", client, body)
}

/// `GET /application/o/userinfo/` with a Bearer access token.
///
/// # Errors
/// The request cannot be built.
pub fn userinfo(access_token: &str) -> Result<Request<Body>, String> {
    Request::builder()
        .method("GET")
        .uri("/application/o/userinfo/")
        .header("host", HOST)
        .header("authorization", format!("Bearer {access_token}"))
        .body(Body::empty())
        .map_err(|e| e.to_string())
}

/// `POST /application/o/introspect/` of `token`, by the client that owns it.
///
/// # Errors
/// The request cannot be built.
pub fn introspect(client: &Client, token: &str) -> Result<Request<Body>, String> {
    post(
        "/application/o/introspect/",
        client,
        form(&[("token", token)]),
    )
}

/// Sends one request; returns the status and the body.
///
/// # Errors
/// The router or the body failed (never for a well-formed request).
pub async fn send(app: &TestApp, req: Request<Body>) -> Result<(u16, Bytes), String> {
    let res = app
        .router
        .clone()
        .oneshot(req)
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let body = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}

/// Creates `n` unused authorization codes of `client` for `user` with [`CODE_SCOPE`], in one
/// transaction; returns their values.
///
/// # Errors
/// A database error.
pub async fn create_codes(
    app: &TestApp,
    client: &Client,
    user: i64,
    n: u64,
) -> Result<Vec<String>, String> {
    let err = |e: castellan_store::StoreError| e.to_string();
    let mut tx = app.store.begin().await.map_err(err)?;
    let now = app.store.now();
    let mut values = Vec::with_capacity(usize::try_from(n).unwrap_or_default());
    for _ in 0..n {
        let value = uuid::Uuid::new_v4().simple().to_string();
        let row = AuthorizationCode {
            pk: 0,
            code: value.clone(),
            grant: TokenGrant {
                provider: client.provider,
                user,
                scope: CODE_SCOPE.iter().map(|s| s.to_string()).collect(),
                expires: now + chrono::Duration::minutes(CODE_LIFETIME_MINUTES),
                auth_time: Some(now),
                session: None,
            },
            nonce: Some(uuid::Uuid::new_v4().simple().to_string()),
            code_challenge: None,
            code_challenge_method: None,
            redirect_uri: client.redirect_uri.clone(),
            used: false,
        };
        oauth2_tokens::create_code(&mut tx, &row)
            .await
            .map_err(err)?;
        values.push(value);
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(values)
}

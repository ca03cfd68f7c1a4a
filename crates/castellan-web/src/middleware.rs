//! Request-wide layers: a request id on every request (and in every log line of it), metrics by
//! matched route, and panics turned into a JSON 500.
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;
use tracing::Instrument;

/// Adds `X-Request-Id` (keeps a valid incoming one), logs the request with it, and records
/// `castellan_http_requests_total` / `castellan_http_request_duration_seconds`.
pub async fn request_context(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    if let Ok(value) = HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", value);
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(status, duration_ms = elapsed.as_secs_f64() * 1000.0, route = %route, "request");
    });
    metrics::counter!("castellan_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("castellan_http_request_duration_seconds", "method" => method, "route" => route).record(elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    // Pages that set a stricter policy (flow pages: `DENY`) keep theirs.
    response
        .headers_mut()
        .entry("x-frame-options")
        .or_insert(HeaderValue::from_static("SAMEORIGIN"));
    response
}

//! `/if/admin/flows/import/`: imports a flow from an uploaded blueprint file through
//! `POST /api/v3/flows/instances/import/` (called in process), and shows its result: success
//! and the log of what was created, or every error with its line and column (nothing is
//! written then).
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use http::Method;
use http::request::Parts;
use serde_json::{Map, Value, json};

use super::dispatch::{Caller, InternalApi};
use super::upload::{file_bytes, multipart_file, upload_writer};
use super::{param, viewer};
use crate::state::AppState;

/// The import page's address.
pub const IMPORT: &str = "/if/admin/flows/import/";

/// `GET /if/admin/flows/import/`: the upload form.
pub async fn page(State(state): State<AppState>, parts: Parts) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        Ok(a.show(
            StatusCode::OK,
            ("flows", "Import a flow", "import.html"),
            json!({"action": IMPORT, "errors": {}}),
        ))
    };
    run.await.unwrap_or_else(|r: Response| r)
}

/// `POST /if/admin/flows/import/`: uploads the file to the API and shows the result.
pub async fn run(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (a, form) = upload_writer(&state, &mut parts, &body).await?;
        let Some(file) = param(&form, "file").and_then(file_bytes) else {
            let errors = json!({"file": ["Choose a blueprint file to import."]});
            return Ok(a.show(
                StatusCode::BAD_REQUEST,
                ("flows", "Import a flow", "import.html"),
                json!({"action": IMPORT, "errors": errors}),
            ));
        };
        let token = a.v.csrf.clone();
        let caller = Caller::writer(&api, &parts, &a.v.principal, &token);
        let (content_type, upload) = multipart_file("file", "flow.yaml", &file);
        let answer = caller
            .send_raw(
                Method::POST,
                "/flows/instances/import/",
                Some((&content_type, upload)),
            )
            .await;
        let text = String::from_utf8_lossy(&file).into_owned();
        let (status, result) = if answer.ok() {
            let success = answer.body["success"].as_bool().unwrap_or(false);
            let status = if success {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            (status, outcome(&answer.body, &text))
        } else {
            let status = if answer.status.is_client_error() {
                answer.status
            } else {
                StatusCode::BAD_GATEWAY
            };
            (status, json!({"success": false, "error": answer.detail()}))
        };
        Ok(a.show(
            status,
            ("flows", "Import a flow", "import.html"),
            json!({"action": IMPORT, "errors": {}, "result": result}),
        ))
    };
    run.await.unwrap_or_else(|r: Response| r)
}

/// The page values of an import answer: `success`, the info log lines, and the errors with
/// their positions and source lines.
fn outcome(body: &Value, text: &str) -> Value {
    let logs = body["logs"].as_array().cloned().unwrap_or_default();
    let mut info = Vec::new();
    let mut problems = Vec::new();
    for l in &logs {
        let event = l["event"].as_str().unwrap_or_default();
        if l["log_level"] == "error" {
            let attrs = l["attributes"]
                .as_object()
                .cloned()
                .unwrap_or_else(Map::new);
            let line = attrs.get("line").and_then(Value::as_u64);
            let column = attrs.get("column").and_then(Value::as_u64);
            let message = attrs
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or(event);
            let source = line
                .and_then(|n| text.lines().nth(usize::try_from(n).ok()?.checked_sub(1)?))
                .map(|s| s.trim_end().to_string());
            problems.push(
                json!({"line": line, "column": column, "message": message, "source": source}),
            );
        } else {
            info.push(json!({"level": l["log_level"], "event": event}));
        }
    }
    json!({
        "success": body["success"].as_bool().unwrap_or(false),
        "logs": info,
        "problems": problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_positions() {
        let body = json!({"success": false, "logs": [
            {"log_level": "error", "event": "line 2, column 3: bad",
             "attributes": {"line": 2, "column": 3, "message": "bad"}},
            {"log_level": "info", "event": "note", "attributes": {}},
        ]});
        let v = outcome(&body, "a\n  b\n");
        assert_eq!(v["success"], false);
        assert_eq!(
            v["problems"][0],
            json!({"line": 2, "column": 3, "message": "bad", "source": "  b"})
        );
        assert_eq!(v["logs"][0]["event"], "note");
    }
}

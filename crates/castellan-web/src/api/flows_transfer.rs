//! `GET /flows/instances/{slug}/export/` (the flow as a blueprint file) and
//! `POST /flows/instances/import/` (a blueprint file uploaded as the multipart field `file`,
//! applied in one transaction; every problem is reported with its position and nothing is
//! written then). As authentik, the import answers 200 with `success` either way and 400 only
//! when no file was sent.
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use castellan_blueprints::{Action, ApplyReport, BlueprintError};
use serde_json::{Map, json};

use super::blueprints_json::{FlowImportResult, LogEvent};
use crate::auth::{Admin, AdminDb, Db};
use crate::blueprints;
use crate::error::ApiResult;
use crate::openapi::Operation;
use crate::state::AppState;

/// The logger name of import log events.
const LOGGER: &str = "castellan.blueprints.importer";

/// `GET /flows/instances/{slug}/export/`.
pub async fn export(
    AdminDb(_, Db(mut conn)): AdminDb,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let flow = super::flows::load(&mut conn, &slug).await?;
    let text = blueprints::export_flow(&mut conn, &flow).await?;
    let disposition = format!(
        "attachment; filename=\"{}.yaml\"",
        flow.slug.replace(['"', '\\'], "")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/yaml".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}

fn log(level: &str, event: String, attributes: serde_json::Value, state: &AppState) -> LogEvent {
    LogEvent {
        timestamp: state.store.now(),
        log_level: level.to_owned(),
        logger: LOGGER.to_owned(),
        event,
        attributes,
    }
}

fn error_log(e: &BlueprintError, state: &AppState) -> LogEvent {
    log(
        "error",
        e.to_string(),
        json!({"line": e.line, "column": e.column, "message": e.message}),
        state,
    )
}

fn report_logs(report: &ApplyReport, state: &AppState) -> Vec<LogEvent> {
    let mut out: Vec<LogEvent> = report
        .entries
        .iter()
        .map(|e| {
            let action = match &e.action {
                Action::Created { .. } => "created",
                Action::Updated { .. } => "updated",
                Action::Unchanged => "unchanged",
                Action::Deleted => "deleted",
                Action::Skipped => "skipped",
                Action::AppliedBlueprint { .. } => "applied blueprint",
            };
            log(
                "info",
                format!("entry {} ({}): {action}", e.index + 1, e.model),
                json!({"model": e.model, "line": e.mark.line, "pk": e.pk}),
                state,
            )
        })
        .collect();
    out.extend(
        report
            .logs
            .iter()
            .map(|l| log("info", l.clone(), json!({}), state)),
    );
    out
}

/// `POST /flows/instances/import/`.
pub async fn import(
    State(state): State<AppState>,
    _admin: Admin,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(file) = multipart_field(content_type, &body, "file") else {
        let empty = FlowImportResult {
            logs: Vec::new(),
            success: false,
        };
        return Ok((StatusCode::BAD_REQUEST, Json(empty)).into_response());
    };
    let result = match String::from_utf8(file) {
        Err(_) => FlowImportResult {
            logs: vec![log(
                "error",
                "the file is not UTF-8 text".into(),
                json!({}),
                &state,
            )],
            success: false,
        },
        Ok(text) => {
            let dir = state.settings.blueprints_dir.as_deref();
            let set = blueprints::instance_set(&state.store, dir).await?;
            let opts = blueprints::options(Map::new(), &state.settings.blueprint_env.0);
            match blueprints::apply_text(&state.store, &text, &opts, &set).await {
                Ok(report) => FlowImportResult {
                    logs: report_logs(&report, &state),
                    success: true,
                },
                Err(e) => FlowImportResult {
                    logs: e.errors().iter().map(|x| error_log(x, &state)).collect(),
                    success: false,
                },
            }
        }
    };
    Ok((StatusCode::OK, Json(result)).into_response())
}

/// Finds `needle` in `haystack` from `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The content of the `multipart/form-data` field `name`, if the body has it.
pub fn multipart_field(content_type: &str, body: &[u8], name: &str) -> Option<Vec<u8>> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let boundary = params
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    if boundary.is_empty() {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    let mut at = find(body, delimiter.as_bytes(), 0)? + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return None;
        }
        let start = at + 2;
        let next = find(body, delimiter.as_bytes(), start)?;
        let part = body.get(start..next)?;
        let split = find(part, b"\r\n\r\n", 0)?;
        let head = String::from_utf8_lossy(part.get(..split)?);
        let data = part.get(split + 4..)?;
        let data = data.strip_suffix(b"\r\n").unwrap_or(data);
        let named = head.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("content-disposition:")
                && l.split(';').any(|p| p.trim() == wanted)
        });
        if named {
            return Some(data.to_vec());
        }
        at = next + delimiter.len();
    }
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/flows/instances/{slug}/export/",
            axum::routing::get(export),
        )
        .route("/flows/instances/import/", axum::routing::post(import))
}

/// Documented operations of this resource (the export answers YAML, documented without a
/// JSON schema; the import's 204 is authentik's documented status, it answers 200).
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/flows/instances/{slug}/export/",
        "flows_instances_export_retrieve",
        "flows",
        None,
        200,
    ),
    (
        "post",
        "/flows/instances/import/",
        "flows_instances_import_create",
        "flows",
        Some("FlowImportResult"),
        204,
    ),
];

#[cfg(test)]
mod tests {
    use super::multipart_field;

    #[test]
    fn finds_the_named_field() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"clear\"\r\n\r\nfalse\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.yaml\"\r\nContent-Type: application/yaml\r\n\r\nversion: 1\nentries: []\n\r\n--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        assert_eq!(
            multipart_field(ct, body, "file").as_deref(),
            Some(&b"version: 1\nentries: []\n"[..])
        );
        assert_eq!(
            multipart_field(ct, body, "clear").as_deref(),
            Some(&b"false"[..])
        );
        assert_eq!(multipart_field(ct, body, "other"), None);
        assert_eq!(multipart_field("application/json", body, "file"), None);
        assert_eq!(multipart_field(ct, b"garbage", "file"), None);
    }
}

//! `/api/v3/admin/version/`, `admin/version/history/` (new in 2024.10) and `admin/system/`.
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use castellan_core::VERSION;
use castellan_store::version_history;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Admin, Principal};
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::query::Params;
use crate::state::AppState;

/// `Version`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Version {
    /// Running version.
    pub version_current: String,
    /// Latest known version (no update check: the running one).
    pub version_latest: String,
    /// Whether the latest version is known.
    pub version_latest_valid: bool,
    /// Build hash.
    pub build_hash: String,
    /// Whether a newer version exists.
    pub outdated: bool,
    /// Whether an outpost runs another version.
    pub outpost_outdated: bool,
}

/// `GET /admin/version/` (any authenticated user).
pub async fn version(State(state): State<AppState>, _p: Principal) -> Json<Version> {
    Json(Version {
        version_current: VERSION.into(),
        version_latest: VERSION.into(),
        version_latest_valid: true,
        build_hash: state.settings.build_hash.clone(),
        outdated: false,
        outpost_outdated: false,
    })
}

/// `VersionHistory`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionHistory {
    /// Row id.
    pub id: i64,
    /// First start of this version.
    pub timestamp: DateTime<Utc>,
    /// Version.
    pub version: String,
    /// Build.
    pub build: String,
}

fn history_json(v: castellan_core::version::VersionHistory) -> VersionHistory {
    VersionHistory {
        id: v.id,
        timestamp: v.timestamp,
        version: v.version,
        build: v.build,
    }
}

/// `GET /admin/version/history/` (unpaginated, newest first).
pub async fn history(
    State(state): State<AppState>,
    _a: Admin,
    params: Params,
) -> ApiResult<Json<Vec<VersionHistory>>> {
    let mut conn = state.store.conn().await?;
    let rows = version_history::list(
        &mut conn,
        params.text("version").as_deref(),
        params.text("build").as_deref(),
        params.search().as_deref(),
    )
    .await?;
    Ok(Json(rows.into_iter().map(history_json).collect()))
}

/// `GET /admin/version/history/{id}/`.
pub async fn history_retrieve(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<i64>,
) -> ApiResult<Json<VersionHistory>> {
    let mut conn = state.store.conn().await?;
    let row = version_history::get(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(history_json(row)))
}

/// `SystemInfo.runtime`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Runtime {
    /// Interpreter version (Castellan: the Rust toolchain it was built for).
    pub python_version: String,
    /// Deployment environment.
    pub environment: String,
    /// CPU architecture.
    pub architecture: String,
    /// Platform.
    pub platform: String,
    /// Kernel/OS description.
    pub uname: String,
    /// TLS library.
    pub openssl_version: String,
    /// FIPS mode (null unless licensed).
    #[schema(required = true)]
    pub openssl_fips_enabled: Option<bool>,
    /// Running version.
    pub authentik_version: String,
}

/// `SystemInfo`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemInfo {
    /// Request headers (credentials removed).
    pub http_headers: BTreeMap<String, String>,
    /// Host header.
    pub http_host: String,
    /// Whether the request came over HTTPS.
    pub http_is_secure: bool,
    /// Runtime versions (inline, as in authentik's document).
    #[schema(inline)]
    pub runtime: Runtime,
    /// Active brand.
    pub brand: String,
    /// Server time.
    pub server_time: DateTime<Utc>,
    /// Embedded outpost disabled.
    pub embedded_outpost_disabled: bool,
    /// Embedded outpost host.
    pub embedded_outpost_host: String,
}

/// `GET /admin/system/` (and `POST`, as authentik).
pub async fn system(
    State(state): State<AppState>,
    _a: Admin,
    ctx: RequestContext,
    headers: HeaderMap,
) -> Json<SystemInfo> {
    let http_headers = headers
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "authorization" | "cookie" | "x-authentik-csrf"))
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect();
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        == Some("https");
    Json(SystemInfo {
        http_headers,
        http_host: ctx.host,
        http_is_secure: secure,
        runtime: Runtime {
            python_version: "rust".into(),
            environment: "castellan".into(),
            architecture: std::env::consts::ARCH.into(),
            platform: std::env::consts::OS.into(),
            uname: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            openssl_version: "rustls 0.23 (aws-lc-rs)".into(),
            openssl_fips_enabled: None,
            authentik_version: VERSION.into(),
        },
        brand: "authentik".into(),
        server_time: state.store.now(),
        embedded_outpost_disabled: true,
        embedded_outpost_host: String::new(),
    })
}

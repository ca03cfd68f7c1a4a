//! `GET /api/v3/root/config/` (anonymous).
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// `ErrorReportingConfig`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorReportingConfig {
    /// Enabled.
    pub enabled: bool,
    /// DSN.
    pub sentry_dsn: String,
    /// Environment.
    pub environment: String,
    /// Send PII.
    pub send_pii: bool,
    /// Trace sample rate.
    pub traces_sample_rate: f64,
}

/// `Config`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Config {
    /// Error reporting.
    pub error_reporting: ErrorReportingConfig,
    /// Capabilities.
    #[schema(value_type = Vec<super::enums::CapabilitiesEnum>)]
    pub capabilities: Vec<String>,
    /// Cache timeout (seconds).
    pub cache_timeout: i64,
    /// Flow cache timeout.
    pub cache_timeout_flows: i64,
    /// Policy cache timeout.
    pub cache_timeout_policies: i64,
    /// Reputation cache timeout.
    pub cache_timeout_reputation: i64,
}

/// `GET /root/config/`. `can_impersonate` follows the tenant's `impersonation` setting.
pub async fn config(State(state): State<AppState>) -> crate::error::ApiResult<Json<Config>> {
    let impersonation = {
        let mut conn = state.store.conn().await?;
        super::users_impersonate::enabled(&mut conn).await?
    };
    let s = &state.settings;
    let (enabled, dsn, env, pii, rate) = s.error_reporting.clone();
    let mut capabilities = vec!["can_save_media".to_string()];
    if impersonation {
        capabilities.push("can_impersonate".into());
    }
    if state.geoip.can_geo_ip() {
        capabilities.push("can_geo_ip".into());
    }
    if state.geoip.can_asn() {
        capabilities.push("can_asn".into());
    }
    if s.debug {
        capabilities.push("can_debug".into());
    }
    Ok(Json(Config {
        error_reporting: ErrorReportingConfig {
            enabled,
            sentry_dsn: dsn,
            environment: env,
            send_pii: pii,
            traces_sample_rate: rate,
        },
        capabilities,
        cache_timeout: s.cache_timeouts[0],
        cache_timeout_flows: s.cache_timeouts[1],
        cache_timeout_policies: s.cache_timeouts[2],
        cache_timeout_reputation: s.cache_timeouts[3],
    }))
}

//! Prometheus metrics: the process-wide recorder, the `/metrics` router for
//! the metrics listener and the connection pool gauges.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use castellan_store::Store;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Gauge: open connections of the database pool.
pub const POOL_CONNECTIONS: &str = "castellan_db_pool_connections";
/// Gauge: idle connections of the database pool.
pub const POOL_IDLE: &str = "castellan_db_pool_idle";
/// How often the pool gauges are refreshed.
pub const POOL_INTERVAL: Duration = Duration::from_secs(5);

/// Content type of the Prometheus text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Installs the Prometheus recorder once per process and returns its handle.
///
/// # Errors
/// When another global recorder was installed first.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: Mutex<Option<PrometheusHandle>> = Mutex::new(None);
    let mut slot = HANDLE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(handle) = slot.as_ref() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new().install_recorder()?;
    *slot = Some(handle.clone());
    Ok(handle)
}

/// `GET /metrics` rendering `handle`.
pub fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], handle.render()).into_response() }
        }),
    )
}

/// Refreshes the pool gauges (and the recorder's upkeep) every
/// [`POOL_INTERVAL`], forever.
pub async fn pool_gauges(store: Store, handle: PrometheusHandle) {
    let mut interval = tokio::time::interval(POOL_INTERVAL);
    loop {
        interval.tick().await;
        record_pool(&store);
        handle.run_upkeep();
    }
}

/// Sets the pool gauges from the store's pool.
pub fn record_pool(store: &Store) {
    let pool = store.pool();
    metrics::gauge!(POOL_CONNECTIONS).set(f64::from(pool.size()));
    metrics::gauge!(POOL_IDLE).set(pool.num_idle() as f64);
}

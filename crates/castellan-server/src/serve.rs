//! `castellan serve`: the HTTP, HTTPS and metrics listeners around the
//! prepared application, with graceful shutdown on SIGINT/SIGTERM.
//!
//! Nothing here retries the database: when it is down at request time the
//! pool reports it unavailable, the web layer answers 503, and the pool
//! reconnects by itself once it is back.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_server::Handle;
use tokio::task::JoinSet;

use crate::config::Settings;
use crate::startup::{self, process_start};
use crate::{metrics, tls};

/// How long in-flight requests may take to finish after a shutdown signal.
pub const DRAIN: Duration = Duration::from_secs(10);

/// Prepares the application, serves until SIGINT/SIGTERM, then drains.
///
/// # Errors
/// Preparation failures, listeners that cannot bind, invalid TLS material,
/// or a listener failing while serving.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let metrics_handle = match settings.listen.metrics {
        Some(_) => Some(metrics::install()?),
        None => None,
    };
    let prepared = startup::prepare(settings).await?;
    let store = prepared.store.clone();
    let discovery = prepared.state.settings.blueprints_dir.clone().map(|dir| {
        let env = prepared.state.settings.blueprint_env.0.clone();
        castellan_web::blueprints::discovery_loop(
            store.clone(),
            dir,
            env,
            castellan_web::blueprints::RESCAN,
        )
    });
    let app = with_timeout(
        castellan_web::router(prepared.state),
        settings.web.request_timeout_seconds,
    );
    let tls_config = match settings.listen.https {
        Some(_) => Some(tls::rustls_config(settings).await?),
        None => None,
    };

    let handle = Handle::new();
    let mut servers: JoinSet<anyhow::Result<()>> = JoinSet::new();
    if let Some(addr) = settings.listen.http {
        let listener = bind(addr, "http")?;
        let server = axum_server::from_tcp(listener).handle(handle.clone());
        let service = app
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        servers.spawn(async move { server.serve(service).await.context("http listener") });
    }
    if let (Some(addr), Some(config)) = (settings.listen.https, tls_config) {
        let listener = bind(addr, "https")?;
        let server = axum_server::from_tcp_rustls(listener, config).handle(handle.clone());
        let service = app
            .clone()
            .layer(axum::Extension(castellan_web::context::Https))
            .into_make_service_with_connect_info::<SocketAddr>();
        servers.spawn(async move { server.serve(service).await.context("https listener") });
    }
    let mut background = JoinSet::new();
    if let (Some(addr), Some(metrics_handle)) = (settings.listen.metrics, metrics_handle) {
        let listener = bind(addr, "metrics")?;
        let server = axum_server::from_tcp(listener).handle(handle.clone());
        let service = metrics::router(metrics_handle.clone())
            .into_make_service_with_connect_info::<SocketAddr>();
        servers.spawn(async move { server.serve(service).await.context("metrics listener") });
        metrics::record_pool(&store);
        background.spawn(metrics::pool_gauges(store.clone(), metrics_handle));
    }
    if let Some(task) = discovery {
        background.spawn(task);
    }
    background.spawn(castellan_web::sources::oauth_discovery::refresh_loop(
        store.clone(),
        castellan_web::sources::oauth_discovery::REFRESH,
    ));
    if servers.is_empty() {
        tracing::warn!("every listener is disabled; waiting for a shutdown signal");
    }
    tracing::info!(
        startup_ms = u64::try_from(process_start().elapsed().as_millis()).unwrap_or(u64::MAX),
        backend = store.backend().as_str(),
        database = %settings.database_url_redacted(),
        "ready"
    );

    let outcome = tokio::select! {
        () = shutdown_signal() => Ok(()),
        Some(joined) = servers.join_next() => match joined {
            Ok(Ok(())) => Err(anyhow::anyhow!("a listener stopped unexpectedly")),
            Ok(Err(err)) => Err(err),
            Err(err) => Err(anyhow::Error::new(err).context("a listener crashed")),
        },
    };
    tracing::info!(drain_seconds = DRAIN.as_secs(), "shutting down");
    handle.graceful_shutdown(Some(DRAIN));
    let drained = tokio::time::timeout(DRAIN + Duration::from_secs(2), async {
        while let Some(joined) = servers.join_next().await {
            if let Ok(Err(err)) = joined {
                tracing::warn!(error = format!("{err:#}"), "listener failed while draining");
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("listeners did not stop in time");
    }
    background.shutdown().await;
    store.close().await;
    tracing::info!("stopped");
    outcome
}

/// Binds `addr` and logs `listening` with the bound address.
fn bind(addr: SocketAddr, scheme: &'static str) -> anyhow::Result<TcpListener> {
    let listener =
        TcpListener::bind(addr).with_context(|| format!("binding the {scheme} listener {addr}"))?;
    let address = listener.local_addr().unwrap_or(addr);
    tracing::info!(address = %address, scheme, "listening");
    Ok(listener)
}

/// Answers 503 when a request takes longer than `seconds` (0: no limit).
fn with_timeout(app: Router, seconds: u64) -> Router {
    if seconds == 0 {
        return app;
    }
    app.layer(axum::middleware::from_fn_with_state(
        Duration::from_secs(seconds),
        request_timeout,
    ))
}

/// The timeout middleware.
async fn request_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_seconds = limit.as_secs(), "request timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "detail": "Request timed out." })),
            )
                .into_response()
        }
    }
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!(signal = "SIGINT", "shutdown requested"),
        () = terminate => tracing::info!(signal = "SIGTERM", "shutdown requested"),
    }
}

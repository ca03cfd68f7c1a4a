//! Everything between a loaded configuration and a ready [`AppState`]:
//! directories, database connection, migrations, install id, secret key,
//! version history, bootstrap, the self-signed certificate and blueprints
//! (the embedded defaults, then the blueprints directory).
//!
//! [`prepare`] is what `castellan serve` runs before it listens; tests call
//! it to start the real application in process.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use castellan_store::migrate::MigrationReport;
use castellan_store::{Store, StoreOptions, settings as system_settings, version_history};
use castellan_web::AppState;
use castellan_web::blueprints;
use uuid::Uuid;

use crate::bootstrap::{self, BootstrapReport};
use crate::config::{DatabaseBackend, Settings};
use crate::keypair;
use crate::state::{BUILD_HASH, web_settings};

/// How long a request waits for a pooled connection before the store
/// reports the database unavailable.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Length of a generated secret key.
pub const SECRET_KEY_LENGTH: usize = 50;

/// When the process started (the first call of this function, which `main`
/// makes first thing).
pub fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// A prepared application: the state handed to the router and the store.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The web layer's state.
    pub state: AppState,
    /// The database (also in `state.store`).
    pub store: Store,
}

/// Creates `data_dir` and the SQLite file's directory when missing.
///
/// # Errors
/// When a directory cannot be created.
pub fn create_directories(settings: &Settings) -> anyhow::Result<()> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data_dir {}", settings.data_dir.display()))?;
    if settings.database_backend() == DatabaseBackend::Sqlite
        && let Some(parent) = settings.sqlite.path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating the SQLite directory {}", parent.display()))?;
    }
    Ok(())
}

/// Creates the directories and connects the pool (no migrations).
///
/// # Errors
/// When a directory cannot be created or the database cannot be reached.
/// Messages carry the redacted database URL only.
pub async fn connect(settings: &Settings) -> anyhow::Result<Store> {
    create_directories(settings)?;
    let options = StoreOptions {
        max_connections: settings.database_pool_size().max(1),
        acquire_timeout: ACQUIRE_TIMEOUT,
    };
    Store::connect(&settings.database_url(), options)
        .await
        .with_context(|| {
            format!(
                "connecting to the database {}",
                settings.database_url_redacted()
            )
        })
}

/// Brings the schema up to date; refuses a database newer than this binary.
///
/// # Errors
/// Database failures and a too-new schema.
pub async fn migrate(store: &Store) -> anyhow::Result<MigrationReport> {
    let report = castellan_store::migrate::run(store)
        .await
        .context("migrating the database")?;
    if !report.applied.is_empty() {
        tracing::info!(
            applied = ?report.applied,
            current = report.current,
            "database migrated"
        );
    }
    Ok(report)
}

/// [`connect`] then [`migrate`]: what every database command needs.
///
/// # Errors
/// As [`connect`] and [`migrate`].
pub async fn open(settings: &Settings) -> anyhow::Result<Store> {
    let store = connect(settings).await?;
    migrate(&store).await?;
    Ok(store)
}

/// Prepares the application: [`open`], install id, secret key, version
/// history, bootstrap, self-signed certificate, then the [`AppState`].
///
/// # Errors
/// The first failing step, with context.
pub async fn prepare(settings: &Settings) -> anyhow::Result<Prepared> {
    let store = open(settings).await?;
    let install_id = install_id(&store).await?;
    let secret_key = secret_key(&store, settings).await?;
    record_version(&store).await?;
    let BootstrapReport {
        group_created,
        admin_created,
        token_created,
    } = bootstrap::run(&store, settings).await?;
    if group_created || admin_created || token_created {
        tracing::info!(
            group_created,
            admin_created,
            token_created,
            "bootstrap applied"
        );
    }
    if keypair::ensure_self_signed(&store)
        .await
        .context("creating the self-signed certificate")?
    {
        tracing::info!("self-signed certificate created");
    }
    let web = web_settings(settings);
    apply_blueprints(&store, &web).await?;
    let state = AppState {
        store: store.clone(),
        secret_key,
        install_id,
        geoip: Arc::new(castellan_web::geoip::GeoIp::from_settings(&web)),
        settings: Arc::new(web),
        started: process_start(),
        flows: std::sync::Arc::new(castellan_web::flow::FlowServices::new()),
    };
    Ok(Prepared { state, store })
}

/// The embedded default blueprints (new or changed ones; a failing one is logged and recorded
/// on its instance, and the server still starts), then the files of `blueprints_dir`.
///
/// # Errors
/// Database failures.
pub async fn apply_blueprints(
    store: &Store,
    web: &castellan_web::WebSettings,
) -> anyhow::Result<()> {
    let env = &web.blueprint_env.0;
    match blueprints::apply_defaults(store, env).await {
        Ok(report) => {
            if !report.applied.is_empty() {
                let names: Vec<&str> = report.applied.iter().map(|(n, _)| n.as_str()).collect();
                tracing::info!(applied = ?names, "default blueprints applied");
            }
        }
        Err(blueprints::RunError::Store(e)) => {
            return Err(anyhow::Error::new(e).context("applying the default blueprints"));
        }
        Err(e) => tracing::error!(error = %e, "a default blueprint failed"),
    }
    if let Some(dir) = &web.blueprints_dir {
        let report = blueprints::discover(store, dir, env)
            .await
            .with_context(|| format!("discovering blueprints in {}", dir.display()))?;
        blueprints::log_report(&report);
    }
    Ok(())
}

/// The persisted install id, generated (UUID v4) at first start.
async fn install_id(store: &Store) -> anyhow::Result<Uuid> {
    let mut conn = store.conn().await?;
    let candidate = Uuid::new_v4().to_string();
    let stored = system_settings::get_or_insert(&mut conn, system_settings::INSTALL_ID, &candidate)
        .await
        .context("reading the install id")?;
    Uuid::parse_str(&stored).context("the stored install id is not a UUID")
}

/// `secret_key` from the configuration, else the persisted one (generated
/// at first start).
async fn secret_key(store: &Store, settings: &Settings) -> anyhow::Result<Arc<str>> {
    if let Some(key) = settings.secret_key.as_ref().filter(|k| !k.is_empty()) {
        return Ok(Arc::from(key.expose()));
    }
    let mut conn = store.conn().await?;
    let candidate = castellan_crypto::token::generate_key(SECRET_KEY_LENGTH);
    let stored = system_settings::get_or_insert(&mut conn, system_settings::SECRET_KEY, &candidate)
        .await
        .context("reading the secret key")?;
    Ok(Arc::from(stored))
}

/// Records this version and build in the version history.
async fn record_version(store: &Store) -> anyhow::Result<()> {
    let mut conn = store.conn().await?;
    let inserted =
        version_history::record(&mut conn, castellan_core::VERSION, BUILD_HASH, store.now())
            .await
            .context("recording the version history")?;
    if inserted {
        tracing::info!(
            version = castellan_core::VERSION,
            build = BUILD_HASH,
            "version history recorded"
        );
    }
    Ok(())
}

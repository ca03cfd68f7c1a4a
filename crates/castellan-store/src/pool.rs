//! The connection pool and backend selection.
use std::sync::Arc;
use std::time::Duration;

use castellan_core::clock::{Clock, SystemClock};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Transaction};

use crate::StoreError;
use crate::checkpoint::CheckpointStats;
use crate::direct::{DirectConn, DirectPool};
use crate::direct_pg::{PgConn, PgDirectPool};
use crate::group_commit::{BatchCount, GroupCommit};

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Detects the backend from a connection URL.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    /// Human name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgresql",
        }
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Maximum connections.
    pub max_connections: u32,
    /// How long a request waits for a connection before failing with `Unavailable`.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// Whether `conn` talks to PostgreSQL (for the few statements whose SQL differs).
pub(crate) fn is_postgres(conn: &sqlx::AnyConnection) -> bool {
    conn.backend_name() == "PostgreSQL"
}

/// The database handle shared by the whole process.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// The direct SQLite path (SQLite files only).
    direct: Option<Arc<DirectPool>>,
    /// The group committer of the direct SQLite path's writes ([`crate::write_all`]).
    group: Option<Arc<GroupCommit>>,
    /// The direct PostgreSQL path (PostgreSQL only).
    direct_pg: Option<Arc<PgDirectPool>>,
    backend: Backend,
    clock: Arc<dyn Clock>,
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`). The SQLite file's directory
    /// must exist. Does not run migrations.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Corrupt("database URL must start with sqlite: or postgres://".into())
        })?;
        let mut pool_options = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            // A PostgreSQL connection can die server-side (restart, failover): check it before
            // use. An SQLite connection is a local file handle; pinging it only costs time.
            .test_before_acquire(backend == Backend::Postgres);
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    // Pages are read through a memory map instead of a read() per page: the
                    // connections' page caches are invalidated by every write of another
                    // connection, so reads are frequent.
                    conn.execute("PRAGMA mmap_size = 268435456").await?;
                    // Checkpoints are the checkpointer thread's (`checkpoint.rs`); a connection
                    // checkpoints itself only when the WAL has grown this far regardless.
                    let backstop = crate::checkpoint::BACKSTOP_PAGES;
                    conn.execute(format!("PRAGMA wal_autocheckpoint = {backstop}").as_str())
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = pool_options.connect(url).await?;
        let direct = match backend {
            Backend::Sqlite => crate::direct::file_of(url).map(DirectPool::new),
            Backend::Postgres => None,
        };
        let group = direct.clone().map(GroupCommit::new);
        let direct_pg = match backend {
            Backend::Postgres => Some(PgDirectPool::new(
                url,
                options.max_connections,
                options.acquire_timeout,
            )?),
            Backend::Sqlite => None,
        };
        Ok(Self {
            pool,
            direct,
            group,
            direct_pg,
            backend,
            clock: Arc::new(SystemClock),
        })
    }

    /// Replaces the clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock every timestamp comes from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Current time from the injected clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The raw pool (for metrics).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A pooled connection for reads.
    pub async fn conn(&self) -> Result<PoolConnection<Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// A connection of the direct SQLite path ([`crate::direct`]), when the database is an
    /// SQLite file; `None` on PostgreSQL.
    pub fn direct(&self) -> Result<Option<DirectConn>, StoreError> {
        self.direct.as_ref().map(DirectPool::get).transpose()
    }

    /// The group committer of the direct SQLite path ([`crate::group_commit`]).
    pub(crate) fn group_commit(&self) -> Option<&Arc<GroupCommit>> {
        self.group.as_ref()
    }

    /// How many write batches the direct SQLite path committed, holding how many
    /// [`crate::write_all`] calls; `None` where writes are not batched (PostgreSQL, in-memory
    /// SQLite).
    pub fn write_batches(&self) -> Option<BatchCount> {
        self.group.as_ref().map(|g| g.count())
    }

    /// What the WAL checkpointer of the SQLite file has done ([`crate::checkpoint`]); `None`
    /// without one (PostgreSQL, in-memory SQLite).
    pub fn checkpoints(&self) -> Option<CheckpointStats> {
        self.direct.as_ref().map(|d| d.checkpoints())
    }

    /// A connection of the direct PostgreSQL path ([`crate::direct_pg`]); `None` on SQLite.
    pub async fn direct_pg(&self) -> Result<Option<PgConn>, StoreError> {
        match &self.direct_pg {
            Some(pool) => Ok(Some(pool.get().await?)),
            None => Ok(None),
        }
    }

    /// Starts a transaction: every API write runs in exactly one. On SQLite it takes the write
    /// lock at once ([`crate::BEGIN_SQLITE`]).
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with(crate::BEGIN_SQLITE).await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Checks the database answers (`/-/health/ready/`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn().await?;
        sqlx::query("SELECT 1").execute(&mut *conn).await?;
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

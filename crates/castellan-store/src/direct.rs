//! The direct SQLite path: statements run on the calling thread through rusqlite, on connections
//! of their own to the same database file, instead of being handed to sqlx's per-connection
//! worker thread and back (two thread switches per statement, most of the cost of a short
//! statement: see `docs/benchmarks.md`). Only the statements of the busiest requests (OAuth2
//! token, introspection and userinfo) take it, through [`crate::db::Db`]; everything else goes
//! through sqlx. PostgreSQL has a direct path of its own ([`crate::direct_pg`]).
//!
//! A write transaction on this path waits for SQLite's write lock up to the same `busy_timeout`
//! the sqlx connections use, asleep between tries rather than blocking its thread: the holder may
//! be a sqlx transaction of a request this thread runs too. A read never waits in WAL mode.
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use crate::StoreError;
use crate::checkpoint::{BACKSTOP_PAGES, CheckpointStats, Checkpointer};

/// How many idle direct connections are kept for reuse.
const MAX_IDLE: usize = 8;

/// How long a statement waits for a lock another connection holds (as `PRAGMA busy_timeout` of
/// the sqlx connections).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a write transaction sleeps before it tries for the write lock again.
const LOCK_RETRY: Duration = Duration::from_millis(1);

/// The SQLite file of a `sqlite:` URL (its path percent-decoded, as sqlx reads it), when it names
/// one: `None` for in-memory databases and undecodable paths, which stay on sqlx alone.
pub fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    percent_decode(path).map(PathBuf::from)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether SQLite answered that another connection holds the lock.
fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::DatabaseBusy)
}

/// Idle direct connections to one SQLite file.
#[derive(Debug)]
pub struct DirectPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    checkpointer: Checkpointer,
}

impl DirectPool {
    /// A pool for the (already created and migrated) database at `path`, with the WAL
    /// checkpointer of that file (see [`crate::checkpoint`]).
    pub fn new(path: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            checkpointer: Checkpointer::start(path.clone()),
            path,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// What the file's WAL checkpointer has done so far.
    pub fn checkpoints(&self) -> CheckpointStats {
        self.checkpointer.stats()
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // The same settings as the sqlx connections (`pool.rs`); the file is in WAL mode already.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 268435456;",
        )?;
        conn.pragma_update(None, "wal_autocheckpoint", BACKSTOP_PAGES)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// An idle connection, or a new one.
    pub fn get(self: &Arc<Self>) -> Result<DirectConn, StoreError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        Ok(DirectConn {
            conn: Some(conn),
            pool: Arc::clone(self),
        })
    }
}

/// A direct connection, returned to its pool when dropped (an open transaction is rolled back
/// first).
#[derive(Debug)]
pub struct DirectConn {
    conn: Option<Connection>,
    pool: Arc<DirectPool>,
}

impl DirectConn {
    /// The connection.
    pub(crate) fn raw(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a DirectConn holds its connection until dropped")
    }

    /// Starts a write transaction, taking SQLite's write lock now (`BEGIN IMMEDIATE`), so no
    /// statement inside it can fail for a lock another writer took meanwhile. While another
    /// connection holds the lock, it sleeps and tries again, up to the busy timeout.
    ///
    /// # Errors
    /// The lock stayed taken for the busy timeout (`Unavailable`), or the database failed.
    pub async fn begin(&mut self) -> Result<(), StoreError> {
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            match self.begin_now() {
                Ok(()) => return Ok(()),
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    tokio::time::sleep(LOCK_RETRY).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// `BEGIN IMMEDIATE` without waiting for the lock.
    fn begin_now(&mut self) -> Result<(), rusqlite::Error> {
        let conn = self.raw();
        conn.busy_timeout(Duration::ZERO)?;
        let begun = conn.prepare_cached(crate::BEGIN_SQLITE)?.execute([]);
        conn.busy_timeout(BUSY_TIMEOUT)?;
        begun.map(drop)
    }

    /// Commits the transaction [`Self::begin`] started.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        self.raw().prepare_cached("COMMIT")?.execute([])?;
        self.pool.checkpointer.committed();
        Ok(())
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&mut self) -> bool {
        !self.raw().is_autocommit()
    }
}

impl Drop for DirectConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
            // A connection whose transaction cannot be ended is not reused.
            return;
        }
        if let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }
}

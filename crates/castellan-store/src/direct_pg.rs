//! The direct PostgreSQL path: native sqlx `PgConnection`s in a small pool of their own, for the
//! statements of the busiest requests (the same ones as the direct SQLite path, [`crate::direct`]).
//! Compared with the shared sqlx `Any` pool it saves, per request, the two round trips sqlx's pool
//! spends on a ping when a connection is taken and when it is given back, and the conversion of
//! every argument and row through the `Any` driver.
//!
//! A connection is checked only when it is used: when the first statement on a connection taken
//! from the idle list (a read, `BEGIN`, or a write of rows with unique keys) fails because the
//! connection is dead (the server restarted, or an administrator ended the backend), it runs again
//! once on a new connection. So killed connections cost a reconnect, never a failed request. A connection given back in a
//! transaction or in the middle of a statement is closed instead of being reused.
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgRow};
use sqlx::{Connection, PgConnection, Postgres, Row};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::StoreError;
use crate::codec::RowRead;
use crate::db::{Arg, bind_all};

/// How many idle connections are kept for reuse.
const MAX_IDLE: usize = 8;

/// The direct path's connections to one PostgreSQL database.
#[derive(Debug)]
pub struct PgDirectPool {
    options: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    /// One permit per open connection: at most the pool size at once.
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
}

impl PgDirectPool {
    /// A pool for `url` holding at most `size` connections at once; taking one waits at most
    /// `acquire_timeout`.
    pub fn new(url: &str, size: u32, acquire_timeout: Duration) -> Result<Arc<Self>, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let size = usize::try_from(size.max(1)).unwrap_or(1);
        Ok(Arc::new(Self {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size)),
            acquire_timeout,
        }))
    }

    async fn connect(&self) -> Result<PgConnection, StoreError> {
        Ok(PgConnection::connect_with(&self.options).await?)
    }

    /// An idle connection, or a new one.
    ///
    /// # Errors
    /// `Unavailable` when every connection stays busy for the acquire timeout, or the server
    /// cannot be reached.
    pub async fn get(self: &Arc<Self>) -> Result<PgConn, StoreError> {
        let permit = tokio::time::timeout(
            self.acquire_timeout,
            Arc::clone(&self.permits).acquire_owned(),
        )
        .await
        .map_err(|_| StoreError::from(sqlx::Error::PoolTimedOut))?
        .map_err(|_| StoreError::from(sqlx::Error::PoolClosed))?;
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let (conn, unchecked) = match idle {
            Some(conn) => (conn, true),
            None => (self.connect().await?, false),
        };
        Ok(PgConn {
            conn: Some(conn),
            pool: Arc::clone(self),
            _permit: permit,
            unchecked,
            in_transaction: false,
            busy: false,
        })
    }
}

/// A connection of the direct PostgreSQL path, given back to its pool when dropped.
#[derive(Debug)]
pub struct PgConn {
    conn: Option<PgConnection>,
    pool: Arc<PgDirectPool>,
    _permit: OwnedSemaphorePermit,
    /// Taken from the idle list and not used since: it may have died meanwhile.
    unchecked: bool,
    in_transaction: bool,
    /// A statement was started and has not finished (its future was dropped), or the
    /// connection was found dead.
    busy: bool,
}

/// Whether `err` says the connection itself is gone (rather than the statement failing).
fn connection_lost(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => crate::error::is_connection_failure(db.code().as_deref()),
        _ => false,
    }
}

/// What a statement gave back.
enum Outcome {
    Row(Option<PgRow>),
    Changed(u64),
}

async fn run_once(
    conn: &mut PgConnection,
    fetch: bool,
    sql: &str,
    args: &[Arg],
) -> Result<Outcome, sqlx::Error> {
    let query = bind_all::<Postgres>(sql, args);
    Ok(if fetch {
        Outcome::Row(query.fetch_optional(conn).await?)
    } else {
        Outcome::Changed(query.execute(conn).await?.rows_affected())
    })
}

impl PgConn {
    fn raw(&mut self) -> &mut PgConnection {
        self.conn
            .as_mut()
            .expect("a PgConn holds its connection until dropped")
    }

    /// Runs one statement (`fetch`: for its first row). The first statement on an unchecked
    /// connection runs again on a new connection when the old one turns out dead, if `retry`
    /// (false for statements that may have written).
    async fn run(
        &mut self,
        retry: bool,
        fetch: bool,
        sql: &str,
        args: &[Arg],
    ) -> Result<Outcome, StoreError> {
        let may_retry = retry && self.unchecked && !self.in_transaction;
        self.unchecked = false;
        self.busy = true;
        let mut result = run_once(self.raw(), fetch, sql, args).await;
        if may_retry && result.as_ref().is_err_and(connection_lost) {
            self.conn = Some(self.pool.connect().await?);
            result = run_once(self.raw(), fetch, sql, args).await;
        }
        // A connection found dead stays marked busy, so it is not given back.
        self.busy = result.as_ref().is_err_and(connection_lost);
        Ok(result?)
    }

    /// The first row of `sql`, if any (a read: retried once on a dead idle connection).
    pub(crate) async fn fetch_optional(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Option<PgRow>, StoreError> {
        match self.run(true, true, sql, args).await? {
            Outcome::Row(row) => Ok(row),
            Outcome::Changed(_) => Ok(None),
        }
    }

    /// The first row of a write that claims a row ([`crate::write_claimed`]): retried once on a
    /// dead idle connection. A backend that died ran none of it, except in the instant between
    /// its commit and the answer: then the repeat finds the row claimed already and writes
    /// nothing, and the caller takes it for a lost claim.
    pub(crate) async fn fetch_keyed(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Option<PgRow>, StoreError> {
        self.fetch_optional(sql, args).await
    }

    /// Runs `sql`; the number of rows it changed (never retried).
    pub(crate) async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        self.changed(false, sql, args).await
    }

    /// Runs a write whose every row has a unique key; retried once on a dead idle connection. A
    /// backend that died ran none of it, except in the instant between its commit and the answer:
    /// then the repeat fails on the keys the first run wrote instead of writing twice.
    pub(crate) async fn execute_keyed(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<u64, StoreError> {
        self.changed(true, sql, args).await
    }

    async fn changed(&mut self, retry: bool, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        match self.run(retry, false, sql, args).await? {
            Outcome::Changed(n) => Ok(n),
            Outcome::Row(_) => Ok(0),
        }
    }

    /// Starts a transaction (retried once on a dead idle connection: nothing ran yet).
    pub async fn begin(&mut self) -> Result<(), StoreError> {
        self.changed(true, "BEGIN", &[]).await?;
        self.in_transaction = true;
        Ok(())
    }

    /// Commits the transaction [`Self::begin`] started.
    pub async fn commit(&mut self) -> Result<(), StoreError> {
        self.changed(false, "COMMIT", &[]).await?;
        self.in_transaction = false;
        Ok(())
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // A transaction left open, or a statement cut off half-way, would reach the next user:
        // such a connection is closed (PostgreSQL rolls back what it had begun), as is a dead one.
        if self.in_transaction || self.busy {
            return;
        }
        if let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }
}

impl RowRead for PgRow {
    fn read_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get::<Option<String>, _>(col)?)
    }

    fn read_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        // Most integer columns are BIGINT; the few INTEGER ones decode as i32.
        match self.try_get::<Option<i64>, _>(col) {
            Ok(v) => Ok(v),
            Err(_) => Ok(self.try_get::<Option<i32>, _>(col)?.map(i64::from)),
        }
    }

    fn read_bool(&self, col: &str) -> Result<Option<bool>, StoreError> {
        Ok(self.try_get::<Option<bool>, _>(col)?)
    }
}

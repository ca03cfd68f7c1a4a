//! Cross-process locks for work that several `castellan serve` processes sharing one database
//! must not do at the same time (applying the default blueprints, scanning the blueprints
//! directory): a PostgreSQL session advisory lock held on one pooled connection. On SQLite there
//! is nothing to take: the database file serialises its writers.
use crate::{Backend, Conn, Store, StoreError};

/// Key of the advisory lock held while blueprints are applied at start or discovered
/// ("castblue" in ASCII).
pub const BLUEPRINTS: i64 = 0x6361_7374_626c_7565;

/// A held lock; [`ProcessLock::release`] gives it back. Dropped without being released (an
/// error path), its connection is closed instead of returned to the pool, which releases the
/// lock too.
#[derive(Debug)]
pub struct ProcessLock {
    conn: Option<Conn>,
    key: i64,
}

/// Waits for and takes the lock `key`.
///
/// # Errors
/// Database failures.
pub async fn acquire(store: &Store, key: i64) -> Result<ProcessLock, StoreError> {
    if store.backend() != Backend::Postgres {
        return Ok(ProcessLock { conn: None, key });
    }
    let mut conn = store.conn().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(ProcessLock {
        conn: Some(conn),
        key,
    })
}

impl ProcessLock {
    /// Releases the lock.
    ///
    /// # Errors
    /// Database failures (the connection is then closed, which releases it anyway).
    pub async fn release(mut self) -> Result<(), StoreError> {
        if let Some(mut conn) = self.conn.take() {
            let done = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(self.key)
                .execute(&mut *conn)
                .await;
            if done.is_err() {
                drop(conn.detach());
            }
            done?;
        }
        Ok(())
    }
}

impl Drop for ProcessLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

//! Group commit on the direct SQLite path: the [`crate::write_all`] calls of requests in flight
//! at the same moment share one write transaction, each inside a savepoint of its own when the
//! batch holds several (a call alone needs none: its batch is rolled back if it fails), so a
//! batch's rows reach the WAL as one set of pages (the tail pages of the tables and their indexes
//! are written once per batch, not once per request) and the write lock is taken once.
//!
//! The first call that finds no batch forming starts a drain task. That task first lets the
//! runtime run every other ready task once, so requests in flight reach their own writes and
//! join the batch, then commits whatever has queued, again and again until the queue is empty.
//! A call waits for its batch's commit; a failed call loses only its own writes. A call may come
//! with a claim ([`crate::write_claimed`]): its writes are made only when the claim changed a row.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::oneshot;

use crate::StoreError;
use crate::db::{Db, Write};
use crate::direct::{DirectConn, DirectPool};
use crate::error::DriverError;

/// One caller's writes and where its answer goes (whether its claim, if any, was won).
struct Pending {
    claim: Option<Write>,
    writes: Vec<Write>,
    done: oneshot::Sender<Result<bool, StoreError>>,
}

#[derive(Default)]
struct Queue {
    pending: Vec<Pending>,
    /// Whether a drain task runs (it empties `pending` before it ends).
    draining: bool,
}

/// How many batches were committed, holding how many calls' writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCount {
    /// Transactions committed.
    pub batches: u64,
    /// Calls whose writes they held.
    pub calls: u64,
}

/// The group committer of one SQLite file.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    pool: Arc<DirectPool>,
    queue: Mutex<Queue>,
    batches: AtomicU64,
    calls: AtomicU64,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("pending", &self.pending.len())
            .field("draining", &self.draining)
            .finish()
    }
}

impl GroupCommit {
    /// A committer writing through `pool`'s connections.
    pub(crate) fn new(pool: Arc<DirectPool>) -> Arc<Self> {
        Arc::new(Self {
            pool,
            queue: Mutex::new(Queue::default()),
            batches: AtomicU64::new(0),
            calls: AtomicU64::new(0),
        })
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        // The queue is only pushed to and taken whole: a panic cannot leave it half changed.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The batches committed so far.
    pub(crate) fn count(&self) -> BatchCount {
        BatchCount {
            batches: self.batches.load(Ordering::Relaxed),
            calls: self.calls.load(Ordering::Relaxed),
        }
    }

    /// Runs `writes` all or none, in the next batch; returns once that batch committed.
    pub(crate) async fn write(self: &Arc<Self>, writes: Vec<Write>) -> Result<(), StoreError> {
        self.queue_up(None, writes).await.map(drop)
    }

    /// Runs `claim` and, only when it changed one row, `writes`, in the next batch: whether the
    /// claim was won. Returns once that batch committed.
    pub(crate) async fn write_claimed(
        self: &Arc<Self>,
        claim: Write,
        writes: Vec<Write>,
    ) -> Result<bool, StoreError> {
        self.queue_up(Some(claim), writes).await
    }

    async fn queue_up(
        self: &Arc<Self>,
        claim: Option<Write>,
        writes: Vec<Write>,
    ) -> Result<bool, StoreError> {
        let (done, answer) = oneshot::channel();
        let start = {
            let mut queue = self.queue();
            queue.pending.push(Pending {
                claim,
                writes,
                done,
            });
            !std::mem::replace(&mut queue.draining, true)
        };
        if start {
            tokio::spawn(Drain(Arc::clone(self)).run());
        }
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "the batch's writer ended without an answer".into(),
            ))
        })
    }

    /// Commits `batch` in one transaction and answers each call.
    async fn commit(&self, batch: Vec<Pending>) {
        let mut conn = match self.pool.get() {
            Ok(conn) => conn,
            Err(e) => return fail_all(batch, &e),
        };
        if let Err(e) = conn.begin().await {
            return fail_all(batch, &e);
        }
        // A call alone in its batch needs no savepoint: the batch is committed only if it wrote.
        let alone = batch.len() == 1;
        let mut results = Vec::with_capacity(batch.len());
        for pending in &batch {
            let (claim, writes) = (pending.claim.as_ref(), pending.writes.as_slice());
            let result = if !conn.in_transaction() {
                // SQLite rolled the whole transaction back (a full disk, an I/O error): the
                // calls before this one lost their writes too.
                Err(StoreError::Unavailable(
                    "the batch's transaction was rolled back".into(),
                ))
            } else if alone {
                run_writes(&mut conn, claim, writes).await
            } else {
                in_savepoint(&mut conn, claim, writes).await
            };
            results.push(result);
        }
        let wrote = !alone || matches!(results.first(), Some(Ok(true)));
        let committed = if !conn.in_transaction() {
            Err(StoreError::Unavailable(
                "the batch's transaction was rolled back".into(),
            ))
        } else if wrote {
            conn.commit()
        } else {
            // Dropping the connection rolls the transaction back.
            drop(conn);
            Ok(())
        };
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.calls.fetch_add(batch.len() as u64, Ordering::Relaxed);
        for (pending, result) in batch.into_iter().zip(results) {
            let answer = match (&committed, result) {
                (Ok(()), result) | (Err(_), result @ Err(_)) => result,
                (Err(e), Ok(_)) => Err(same_kind(e)),
            };
            // A caller that stopped waiting does not need its answer.
            let _ = pending.done.send(answer);
        }
    }
}

/// The drain task; when it ends by a panic, the calls queued meanwhile are answered with an
/// error (their senders dropped) and the next call starts a new task.
struct Drain(Arc<GroupCommit>);

impl Drain {
    async fn run(self) {
        // Let the other requests in flight reach their writes first.
        tokio::task::yield_now().await;
        loop {
            let batch = {
                let mut queue = self.0.queue();
                if queue.pending.is_empty() {
                    queue.draining = false;
                    return;
                }
                std::mem::take(&mut queue.pending)
            };
            self.0.commit(batch).await;
        }
    }
}

impl Drop for Drain {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = self.0.queue();
            queue.pending.clear();
            queue.draining = false;
        }
    }
}

/// Runs `claim` (when there is one) and then, if it changed one row, `writes`: whether the claim
/// was won. On failure or a lost claim, what ran is left for the caller to undo.
async fn run_writes(
    conn: &mut DirectConn,
    claim: Option<&Write>,
    writes: &[Write],
) -> Result<bool, StoreError> {
    if let Some(c) = claim
        && Db::Direct(conn).execute(c.sql, &c.args).await? != 1
    {
        return Ok(false);
    }
    for w in writes {
        Db::Direct(conn).execute(w.sql, &w.args).await?;
    }
    Ok(true)
}

/// [`run_writes`] inside a savepoint: a lost claim or a failure undoes only these statements.
/// When the savepoint cannot be ended, the whole transaction is rolled back, so nothing half
/// done is committed.
async fn in_savepoint(
    conn: &mut DirectConn,
    claim: Option<&Write>,
    writes: &[Write],
) -> Result<bool, StoreError> {
    exec(conn, "SAVEPOINT w")?;
    let outcome = run_writes(conn, claim, writes).await;
    let ended = if !conn.in_transaction() {
        Ok(())
    } else if matches!(outcome, Ok(true)) {
        exec(conn, "RELEASE w")
    } else {
        exec(conn, "ROLLBACK TO w").and_then(|()| exec(conn, "RELEASE w"))
    };
    if let Err(e) = ended {
        let _ = exec(conn, "ROLLBACK");
        return Err(outcome.err().unwrap_or_else(|| e.into()));
    }
    outcome
}

fn exec(conn: &mut DirectConn, sql: &str) -> Result<(), rusqlite::Error> {
    conn.raw().prepare_cached(sql)?.execute([]).map(drop)
}

fn fail_all(batch: Vec<Pending>, err: &StoreError) {
    for pending in batch {
        let _ = pending.done.send(Err(same_kind(err)));
    }
}

/// An error of the same kind as `err`, for another call of the batch (a driver error cannot be
/// cloned; its message is kept).
fn same_kind(err: &StoreError) -> StoreError {
    let message = || -> DriverError {
        std::error::Error::source(err)
            .map_or_else(|| err.to_string(), ToString::to_string)
            .into()
    };
    match err {
        StoreError::Unavailable(_) => StoreError::Unavailable(message()),
        StoreError::Conflict(_) => StoreError::Conflict(message()),
        StoreError::ForeignKey(_) => StoreError::ForeignKey(message()),
        StoreError::DatabaseTooNew { database, binary } => StoreError::DatabaseTooNew {
            database: *database,
            binary: *binary,
        },
        StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
        StoreError::Other(_) => StoreError::Other(message()),
    }
}

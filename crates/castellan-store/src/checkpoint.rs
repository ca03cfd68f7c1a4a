//! The WAL checkpointer of an SQLite file: a thread of its own copies committed WAL frames back
//! into the database file (`PRAGMA wal_checkpoint(PASSIVE)`), so that the `fsync`s of a
//! checkpoint are no longer paid by whichever request happened to commit the 1,000th page.
//!
//! SQLite's own automatic checkpoint runs inside a committing connection: its two `fsync`s (WAL,
//! then database file) took 5 ms each on a slow virtual disk, a quarter of the wall clock of a
//! one-at-a-time token benchmark (see `docs/benchmarks.md`). Here the thread checkpoints after
//! [`KICK_COMMITS`] commits of the direct path, and every [`INTERVAL`] for writes made through
//! sqlx. A passive checkpoint neither takes the write lock nor waits for readers, and with
//! nothing new in the WAL it writes and syncs nothing. The connections keep a high automatic
//! checkpoint ([`BACKSTOP_PAGES`]) in case this thread falls behind.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// Commits of the direct path after which the thread is woken.
pub const KICK_COMMITS: u32 = 64;

/// How often the thread checkpoints at the latest.
pub const INTERVAL: Duration = Duration::from_millis(500);

/// `PRAGMA wal_autocheckpoint` of every connection to the file: the WAL size, in pages, at which
/// a committing connection checkpoints itself, should the thread not have done so.
pub const BACKSTOP_PAGES: u32 = 10_000;

/// What the thread and the committers share.
#[derive(Debug, Default)]
struct Shared {
    /// `(woken, stopped)`.
    signal: Mutex<(bool, bool)>,
    wake: Condvar,
    /// Commits since the thread was last woken.
    commits: AtomicU32,
    /// Checkpoints that copied at least one frame.
    runs: AtomicU64,
    /// Frames copied in all.
    frames: AtomicU64,
}

/// What the checkpointer has done so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckpointStats {
    /// Checkpoints that copied at least one frame into the database file.
    pub runs: u64,
    /// WAL frames copied in all.
    pub frames: u64,
}

/// The checkpointer of one database file; its thread ends when this is dropped.
#[derive(Debug)]
pub struct Checkpointer {
    shared: Arc<Shared>,
}

impl Checkpointer {
    /// Starts the thread for the database at `path` (it connects on its first checkpoint).
    /// Without a thread (the system refused one), SQLite's automatic checkpoint still runs at
    /// [`BACKSTOP_PAGES`].
    pub fn start(path: PathBuf) -> Self {
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&path, &thread_shared));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no WAL checkpoint thread; SQLite checkpoints on commit");
        }
        Self { shared }
    }

    /// Counts a commit; every [`KICK_COMMITS`]th wakes the thread.
    pub fn committed(&self) {
        let n = self.shared.commits.fetch_add(1, Ordering::Relaxed) + 1;
        if n >= KICK_COMMITS {
            self.shared.commits.store(0, Ordering::Relaxed);
            self.signal(|s| s.0 = true);
        }
    }

    /// What the thread has done so far.
    pub fn stats(&self) -> CheckpointStats {
        CheckpointStats {
            runs: self.shared.runs.load(Ordering::Relaxed),
            frames: self.shared.frames.load(Ordering::Relaxed),
        }
    }

    fn signal(&self, set: impl FnOnce(&mut (bool, bool))) {
        if let Ok(mut s) = self.shared.signal.lock() {
            set(&mut s);
            self.shared.wake.notify_one();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.signal(|s| s.1 = true);
    }
}

/// The thread: waits to be woken (or for [`INTERVAL`]), checkpoints, until stopped.
fn run(path: &Path, shared: &Shared) {
    let mut conn: Option<Connection> = None;
    let mut seen: Seen = (0, 0);
    let mut failing = false;
    loop {
        {
            let Ok(guard) = shared.signal.lock() else {
                return;
            };
            let Ok((mut guard, _)) = shared
                .wake
                .wait_timeout_while(guard, INTERVAL, |s| !s.0 && !s.1)
            else {
                return;
            };
            if guard.1 {
                return;
            }
            guard.0 = false;
        }
        if conn.is_none() {
            conn = open(path, failing);
            failing |= conn.is_none();
        }
        let Some(c) = conn.as_ref() else {
            continue;
        };
        match checkpoint(c, &mut seen) {
            Ok(copied) if copied > 0 => {
                failing = false;
                shared.runs.fetch_add(1, Ordering::Relaxed);
                shared.frames.fetch_add(copied, Ordering::Relaxed);
            }
            Ok(_) => failing = false,
            Err(e) => {
                // Told once per run of failures, not every half second.
                if !failing {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
                failing = true;
                conn = None;
                seen = (0, 0);
            }
        }
    }
}

/// A connection of the thread's own; a failure is logged unless the last attempt failed too.
fn open(path: &Path, failing: bool) -> Option<Connection> {
    let opened = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    );
    match opened {
        Ok(conn) => Some(conn),
        Err(e) => {
            if !failing {
                tracing::warn!(error = %e, "WAL checkpoint thread cannot open the database");
            }
            None
        }
    }
}

/// The WAL as the last checkpoint left it: `(frames in the WAL, frames copied)`.
type Seen = (i64, i64);

/// One passive checkpoint; the frames it copied into the database file this time, judged
/// against what the previous one saw (`seen`, updated).
fn checkpoint(conn: &Connection, seen: &mut Seen) -> rusqlite::Result<u64> {
    // The answer: (1 when another checkpoint was running, frames in the WAL, frames copied since
    // the WAL last restarted); -1 and -1 when the file is not in WAL mode.
    let (_, log, copied): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    // A WAL shorter than before was restarted meanwhile: all of its copied frames are new.
    let before = if log < seen.0 { 0 } else { seen.1 };
    *seen = (log, copied);
    Ok(u64::try_from(copied - before).unwrap_or(0))
}

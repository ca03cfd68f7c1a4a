//! One MaxMind `.mmdb` file, loaded into memory and reopened when the file changes (mtime or
//! size), checked at most once per interval so lookups stay cheap. A missing file disables
//! lookups (logged once, at info); an unreadable or corrupt one is logged as a warning with the
//! path and the reason and keeps whatever was loaded before (nothing, at start).
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use maxminddb::Reader;

/// A loaded database.
pub type MmdbReader = Reader<Vec<u8>>;

/// What the last check saw at the path; a check that sees the same again does nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Missing,
    Error(String),
    File(Option<SystemTime>, u64),
}

/// A database file that follows updates of the file on disk.
pub struct MmdbFile {
    kind: &'static str,
    path: PathBuf,
    reader: RwLock<Option<Arc<MmdbReader>>>,
    seen: Mutex<Option<Seen>>,
    started: Instant,
    last_check_ms: AtomicU64,
    interval_ms: u64,
}

impl fmt::Debug for MmdbFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmdbFile")
            .field("kind", &self.kind)
            .field("path", &self.path)
            .field("loaded", &self.current().is_some())
            .finish()
    }
}

impl MmdbFile {
    /// Opens `path` now (never fails: problems are logged and disable lookups); `kind` names
    /// the database in logs (`GeoIP`, `ASN`); the file is checked again at most every
    /// `interval`.
    pub fn open(kind: &'static str, path: &Path, interval: Duration) -> Self {
        let file = Self {
            kind,
            path: path.to_owned(),
            reader: RwLock::new(None),
            seen: Mutex::new(None),
            started: Instant::now(),
            last_check_ms: AtomicU64::new(0),
            interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
        };
        file.check();
        file
    }

    /// The configured path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The loaded database (after checking the file when the interval has passed).
    pub fn reader(&self) -> Option<Arc<MmdbReader>> {
        self.check_if_due();
        self.current()
    }

    fn current(&self) -> Option<Arc<MmdbReader>> {
        self.reader
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Checks the file when the interval has passed; one caller wins each interval.
    fn check_if_due(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_check_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) < self.interval_ms {
            return;
        }
        if self
            .last_check_ms
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.check();
        }
    }

    /// Looks at the file and (re)loads it when it changed since the last look.
    fn check(&self) {
        let mut seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = match std::fs::metadata(&self.path) {
            Ok(meta) => Seen::File(meta.modified().ok(), meta.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Seen::Missing,
            Err(e) => Seen::Error(e.to_string()),
        };
        if seen.as_ref() == Some(&now) {
            return;
        }
        *seen = Some(now.clone());
        drop(seen);
        let path = self.path.display();
        let kind = self.kind;
        match now {
            Seen::Missing if self.current().is_none() => {
                tracing::info!(%path, "{kind} database not found; {kind} lookups are disabled");
            }
            Seen::Missing => {
                tracing::info!(%path, "{kind} database file removed; keeping the loaded copy");
            }
            Seen::Error(error) => {
                tracing::warn!(%path, %error, "{kind} database cannot be read");
            }
            Seen::File(..) => self.load(),
        }
    }

    fn load(&self) {
        let path = self.path.display();
        let kind = self.kind;
        let loaded = std::fs::read(&self.path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| Reader::from_source(bytes).map_err(|e| e.to_string()));
        match loaded {
            Ok(reader) => {
                let meta = reader.metadata();
                tracing::info!(
                    %path,
                    database_type = %meta.database_type,
                    build_epoch = meta.build_epoch,
                    "{kind} database loaded"
                );
                *self
                    .reader
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(reader));
            }
            Err(error) if self.current().is_some() => {
                tracing::warn!(%path, %error, "{kind} database is not a valid MaxMind DB file; keeping the previous copy");
            }
            Err(error) => {
                tracing::warn!(%path, %error, "{kind} database is not a valid MaxMind DB file; {kind} lookups are disabled");
            }
        }
    }
}

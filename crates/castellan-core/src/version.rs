//! Version history (new in 2024.10): one row per version the database has run.
use chrono::{DateTime, Utc};

/// A row of `admin/version/history/`.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionHistory {
    /// Row id.
    pub id: i64,
    /// When this version first started on the database.
    pub timestamp: DateTime<Utc>,
    /// Version string.
    pub version: String,
    /// Build hash.
    pub build: String,
}

/// Only the newest rows are kept.
pub const VERSION_HISTORY_KEEP: i64 = 1000;

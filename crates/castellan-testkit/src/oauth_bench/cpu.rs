//! CPU time read from `/proc`: this process (every thread, including sqlx's SQLite connection
//! threads) and, on PostgreSQL, the server processes serving the bench's database.
use std::time::Duration;

use crate::{DbKind, TestApp};

/// Ticks per second of the `utime`/`stime` fields (`CLK_TCK`, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// CPU time (user + system) in a `/proc/<pid>/stat` line.
fn stat_cpu(stat: &str) -> Duration {
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

/// CPU so far of this process, all threads (`None` without `/proc`).
pub fn process() -> Option<Duration> {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .map(|s| stat_cpu(&s))
}

/// CPU so far of the given processes (missing ones count as zero).
pub fn processes(pids: &[i64]) -> Duration {
    pids.iter()
        .map(|pid| {
            stat_cpu(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
        })
        .sum()
}

/// PostgreSQL server processes serving the app's database (empty on SQLite, or when they
/// cannot be listed).
pub async fn backend_pids(app: &TestApp) -> Vec<i64> {
    if app.kind != DbKind::Postgres {
        return vec![];
    }
    let Ok(mut conn) = app.store.conn().await else {
        return vec![];
    };
    castellan_store::stats::backend_pids(&mut conn)
        .await
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_cpu_adds_user_and_system_ticks() {
        let line = "42 (a b) S 1 2 3 4 5 6 7 8 9 10 150 50 0 0";
        assert_eq!(stat_cpu(line), Duration::from_millis(2000));
        assert_eq!(stat_cpu(""), Duration::ZERO);
    }
}

//! Structured logging: one JSON object per line on stderr, with the fields
//! of the current span (so a request's `request_id` is on every line logged
//! while handling it).
//!
//! The level comes from `log_level`; a non-empty `RUST_LOG` overrides it.

use tracing_subscriber::EnvFilter;

use crate::config::LogLevel;

/// Installs the global subscriber. A second call (tests) is a no-op.
pub fn init(level: LogLevel) {
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(true)
        .with_env_filter(filter(level, std::env::var("RUST_LOG").ok().as_deref()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// `rust_log` when set and valid, else `level`.
fn filter(level: LogLevel, rust_log: Option<&str>) -> EnvFilter {
    rust_log
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(level.as_filter()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_overrides_level() {
        assert_eq!(filter(LogLevel::Info, None).to_string(), "info");
        assert_eq!(filter(LogLevel::Warning, Some("")).to_string(), "warn");
        assert_eq!(
            filter(LogLevel::Info, Some("castellan_web=debug")).to_string(),
            "castellan_web=debug"
        );
    }
}

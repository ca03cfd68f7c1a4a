//! Database backend selection and connection URLs.
//!
//! PostgreSQL is used when `postgresql.url` or `postgresql.host` is set;
//! otherwise the embedded SQLite database at `sqlite.path`.

use std::fmt::Write as _;

use super::settings::Settings;

/// Which database Castellan connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseBackend {
    /// The SQLite file at `sqlite.path`.
    Sqlite,
    /// The PostgreSQL server from `postgresql.*`.
    Postgresql,
}

/// Placeholder for redacted passwords.
const REDACTED: &str = "***";

impl Settings {
    /// The selected backend.
    #[must_use]
    pub fn database_backend(&self) -> DatabaseBackend {
        if self.postgresql.url.is_some() || !self.postgresql.host.is_empty() {
            DatabaseBackend::Postgresql
        } else {
            DatabaseBackend::Sqlite
        }
    }

    /// Connection pool size for the selected backend.
    #[must_use]
    pub fn database_pool_size(&self) -> u32 {
        match self.database_backend() {
            DatabaseBackend::Sqlite => self.sqlite.pool_size,
            DatabaseBackend::Postgresql => self.postgresql.pool_size,
        }
    }

    /// The connection URL (contains the password): `sqlite://<path>?mode=rwc`
    /// or `postgres://user:password@host:port/name?sslmode=…`, or
    /// `postgresql.url` verbatim when set.
    #[must_use]
    pub fn database_url(&self) -> String {
        self.build_url(false)
    }

    /// [`Settings::database_url`] with the password replaced by `***`, for logs.
    #[must_use]
    pub fn database_url_redacted(&self) -> String {
        self.build_url(true)
    }

    /// Builds the URL, optionally redacting the password.
    fn build_url(&self, redact: bool) -> String {
        if self.database_backend() == DatabaseBackend::Sqlite {
            let path = self.sqlite.path.to_string_lossy();
            return format!("sqlite://{}?mode=rwc", encode(&path, b"/\\:.-_~ "));
        }
        let pg = &self.postgresql;
        if let Some(url) = &pg.url {
            return if redact {
                redact_url(url.expose())
            } else {
                url.expose().to_owned()
            };
        }
        let password = if redact {
            REDACTED.to_owned()
        } else {
            encode(pg.password.expose(), b"")
        };
        let userinfo = match (pg.user.is_empty(), pg.password.is_empty()) {
            (true, true) => String::new(),
            (_, true) => format!("{}@", encode(&pg.user, b"")),
            _ => format!("{}:{password}@", encode(&pg.user, b"")),
        };
        let host = if pg.host.starts_with('/') {
            // A Unix socket directory.
            encode(&pg.host, b"")
        } else if pg.host.contains(':') && !pg.host.starts_with('[') {
            format!("[{}]", pg.host)
        } else {
            pg.host.clone()
        };
        format!(
            "postgres://{userinfo}{host}:{}/{}?sslmode={}",
            pg.port,
            encode(&pg.name, b""),
            pg.sslmode
        )
    }
}

/// Percent-encodes everything except RFC 3986 unreserved characters and the
/// bytes in `keep`.
fn encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Replaces the password of `scheme://user:password@host…` with `***`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return REDACTED.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:{REDACTED}@{host}{tail}"),
        None => format!("{scheme}://{userinfo}@{host}{tail}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encode_userinfo() {
        assert_eq!(
            encode("p@ss:w/rd?#%é ", b""),
            "p%40ss%3Aw%2Frd%3F%23%25%C3%A9%20"
        );
        assert_eq!(encode("plain-._~", b""), "plain-._~");
    }

    #[test]
    fn redact_url_variants() {
        assert_eq!(
            redact_url("postgres://u:p%40ss@db:5432/x?sslmode=require"),
            "postgres://u:***@db:5432/x?sslmode=require"
        );
        assert_eq!(redact_url("postgres://u@db/x"), "postgres://u@db/x");
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
        assert_eq!(
            redact_url("postgres://u:p@ss@db/x"),
            "postgres://u:***@db/x"
        );
        assert_eq!(redact_url("garbage"), "***");
    }
}

//! Databases of the benchmark: a throw-away PostgreSQL database on
//! `CASTELLAN_TEST_POSTGRES_URL`, and the bulk insertion of users through
//! `castellan_store`.

use std::time::{Duration, Instant};

use castellan_core::user::{DEFAULT_USER_PATH, UserType};
use castellan_store::users::{self, NewUser};
use castellan_store::{Store, StoreOptions};
use sqlx::Connection as _;

/// Users inserted per transaction.
const BATCH: usize = 500;

/// The PostgreSQL server databases are created on.
pub fn postgres_admin_url() -> String {
    std::env::var("CASTELLAN_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    Some(format!("{scheme}://{authority}/{name}{query}"))
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}@{host}{tail}")
        }
        None => url.to_owned(),
    }
}

/// A fresh PostgreSQL database; [`PgDatabase::drop_now`] removes it, and
/// dropping the value does too (on a thread of its own) when that was missed.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    dropped: bool,
    /// Connection URL of the database.
    pub url: String,
}

impl PgDatabase {
    /// Creates `castellan_bench_<random>`; the error says PostgreSQL is unreachable.
    pub async fn create() -> Result<Self, String> {
        let admin_url = postgres_admin_url();
        let connect = sqlx::PgConnection::connect(&admin_url);
        let mut conn = match tokio::time::timeout(Duration::from_secs(10), connect).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                return Err(format!(
                    "PostgreSQL unreachable at {} ({e})",
                    redact(&admin_url)
                ));
            }
            Err(_) => {
                return Err(format!(
                    "PostgreSQL unreachable at {} (no answer in 10 s)",
                    redact(&admin_url)
                ));
            }
        };
        let name = format!("castellan_bench_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .map_err(|e| format!("CREATE DATABASE {name} failed: {e}"))?;
        let _ = conn.close().await;
        let url = with_database(&admin_url, &name)
            .ok_or_else(|| format!("not a URL: {}", redact(&admin_url)))?;
        Ok(Self {
            admin_url,
            name,
            dropped: false,
            url,
        })
    }

    /// Drops the database (`WITH (FORCE)`).
    pub async fn drop_now(&mut self) -> Result<(), String> {
        self.dropped = true;
        drop_database(&self.admin_url, &self.name).await
    }
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), String> {
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .map_err(|e| format!("cannot connect to drop {name}: {e}"))?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("DROP DATABASE {name} failed: {e}"))?;
    let _ = conn.close().await;
    Ok(())
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if self.dropped {
            return;
        }
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop may run inside a runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(drop_database(&admin_url, &name)).ok()
        })
        .join();
    }
}

/// Inserts `count` users (`bench-user-NNNNN`) in transactions of [`BATCH`],
/// through `castellan_store::users::create`; returns the time taken.
pub async fn insert_users(url: &str, count: usize) -> Result<Duration, String> {
    let started = Instant::now();
    let options = StoreOptions {
        max_connections: 1,
        acquire_timeout: Duration::from_secs(30),
    };
    let store = Store::connect(url, options)
        .await
        .map_err(|e| format!("connecting the store: {e}"))?;
    let now = store.now();
    let mut next = 0;
    while next < count {
        let batch_end = (next + BATCH).min(count);
        let mut tx = store
            .begin()
            .await
            .map_err(|e| format!("begin transaction: {e}"))?;
        for i in next..batch_end {
            let username = format!("bench-user-{i:05}");
            let new = NewUser {
                name: format!("Bench User {i}"),
                email: format!("{username}@example.org"),
                username,
                password: String::new(),
                is_active: true,
                path: DEFAULT_USER_PATH.to_owned(),
                user_type: UserType::Internal,
                attributes: serde_json::json!({}),
                last_login: None,
            };
            users::create(&mut tx, &new, now)
                .await
                .map_err(|e| format!("inserting user {i}: {e}"))?;
        }
        tx.commit().await.map_err(|e| format!("commit: {e}"))?;
        next = batch_end;
    }
    store.close().await;
    Ok(started.elapsed())
}

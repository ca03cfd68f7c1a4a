//! A fresh database per test: an SQLite file in a temporary directory, or a new PostgreSQL
//! database on `CASTELLAN_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! dropped when the test ends. PostgreSQL being unreachable fails the test; it never skips.
use castellan_store::{Store, StoreOptions};

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL database.
    Postgres,
}

/// The admin URL tests create databases through.
pub fn postgres_admin_url() -> String {
    std::env::var("CASTELLAN_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A database that exists for the lifetime of this value.
#[derive(Debug)]
pub struct TestDb {
    /// Connection URL.
    pub url: String,
    /// Backend.
    pub kind: DbKind,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    /// Creates an empty database.
    #[allow(clippy::unwrap_used, clippy::expect_used)]
    pub async fn create(kind: DbKind) -> Self {
        match kind {
            DbKind::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Self {
                    url,
                    kind,
                    _dir: Some(dir),
                    pg_name: None,
                }
            }
            DbKind::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("castellan_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL at {admin} is unreachable ({e}); start it with scripts/test.sh")
                });
                sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                    .await
                    .expect("create test database");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(admin);
                Self {
                    url: format!("{base}/{name}"),
                    kind,
                    _dir: None,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// Connects a store (not migrated).
    #[allow(clippy::expect_used)]
    pub async fn store(&self) -> Store {
        Store::connect(&self.url, StoreOptions::default())
            .await
            .expect("connect test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let admin = postgres_admin_url();
        // Drop on a separate thread with its own runtime: Drop cannot be async.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) =
                    <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await
                {
                    let _ = sqlx::Executor::execute(
                        &mut conn,
                        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
                    )
                    .await;
                }
            });
        })
        .join();
    }
}

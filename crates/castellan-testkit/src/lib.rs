//! Test support: a `TestApp` (the real router, driven in process) on a fresh database per test,
//! for SQLite and PostgreSQL, and the `db_test!` macro that runs one test body on both.

pub mod apache;
pub mod app;
pub mod browser;
pub mod db;
pub mod flow_client;
pub mod mmdb;
pub mod oauth_bench;
pub mod page_bench;
pub mod python;
pub mod sessions;
pub mod smtp;

pub use app::{Response, TestApp};
pub use db::{DbKind, TestDb};

/// Declares `<name>_sqlite` and `<name>_postgres` tests running `body(app)` on each backend.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::new($crate::DbKind::Sqlite).await;
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::TestApp::new($crate::DbKind::Postgres).await;
                ($body)(app).await;
            }
        }
    };
}

//! Storage for Castellan: one portable schema on SQLite and PostgreSQL through sqlx's `Any`
//! driver, embedded forward-only migrations, and one repository module per model.
//! Repository functions take a `&mut AnyConnection` so a caller can run several of them in one
//! transaction (`Store::begin`) or on a pooled connection (`Store::conn`).

pub mod applications;
pub mod blueprints;
pub mod brands;
pub mod certificates;
pub mod checkpoint;
pub mod codec;
pub mod config_version;
pub mod consent;
pub mod db;
pub mod devices;
pub mod devices_duo;
pub mod devices_sms;
pub mod devices_static;
pub mod devices_totp;
pub mod devices_webauthn;
pub mod direct;
pub mod direct_pg;
pub mod error;
pub mod events;
pub mod flow_bindings;
pub mod flows;
pub mod flowtokens;
pub mod group_commit;
pub mod groups;
pub mod identify;
pub mod lazy_conn;
pub mod list;
pub mod locks;
pub mod migrate;
pub mod oauth2_providers;
pub mod oauth2_tokens;
pub mod objects;
pub mod policies;
pub mod policy_bindings;
pub mod pool;
pub mod providers;
pub mod rbac;
pub mod refs;
pub mod reputation;
pub mod scope_mappings;
pub mod sessions;
pub mod settings;
pub mod stages;
pub mod stats;
pub mod tokens;
pub mod users;
pub mod version_history;
pub mod webauthn_device_types;
pub mod webhook_mappings;

pub use db::{Arg, Db, DbTx, Reader, Write, write_all, write_claimed};
pub use direct::DirectConn;
pub use error::StoreError;
pub use group_commit::BatchCount;
pub use lazy_conn::LazyConn;
pub use list::{ListQuery, Page};
pub use pool::{Backend, Store, StoreOptions};
pub use sqlx::AnyConnection;

/// A transaction (derefs to [`AnyConnection`]).
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// A pooled connection (derefs to [`AnyConnection`]).
pub type Conn = sqlx::pool::PoolConnection<sqlx::Any>;

/// A transaction on a connection the caller already holds (derefs to [`AnyConnection`]).
pub type ConnTx<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// How a transaction begins on SQLite: with the write lock (waiting up to `busy_timeout` for
/// it). A deferred transaction that reads and then writes fails at once with `SQLITE_BUSY` when
/// another connection wrote in between, so two requests writing at the same moment (two code
/// exchanges, say) would make one of them fail; taking the lock first makes them take turns.
pub const BEGIN_SQLITE: &str = "BEGIN IMMEDIATE";

/// Starts a transaction on a connection already acquired (and not in a transaction): a request
/// that read first and then writes keeps one connection (no second pool acquisition, which on
/// PostgreSQL costs a ping). On SQLite it takes the write lock at once ([`BEGIN_SQLITE`]).
///
/// # Errors
/// Database failures.
pub async fn begin_on(conn: &mut AnyConnection) -> Result<ConnTx<'_>, StoreError> {
    if conn.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME {
        return Ok(sqlx::Connection::begin_with(conn, BEGIN_SQLITE).await?);
    }
    Ok(sqlx::Connection::begin(conn).await?)
}

//! One statement, run by whichever path the caller holds: sqlx (PostgreSQL, and SQLite by
//! default) or the direct SQLite path ([`crate::direct`]). The SQL text, its `$N` parameters and
//! the row decoding are shared, so a repository function is written once for both.
use rusqlite::ToSql;
use rusqlite::types::ToSqlOutput;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Transaction};

use crate::StoreError;
use crate::codec::RowRead;
use crate::direct::DirectConn;

/// A bound parameter (typed even when NULL: PostgreSQL checks a parameter's type).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A text value, or a text NULL.
    Text(Option<String>),
    /// An integer, or an integer NULL.
    Int(Option<i64>),
    /// A boolean.
    Bool(bool),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_string()))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Self::Text(v) => v.to_sql(),
            Self::Int(v) => v.to_sql(),
            Self::Bool(v) => v.to_sql(),
        }
    }
}

fn bind_all<'q>(sql: &'q str, args: &[Arg]) -> Query<'q, Any, AnyArguments<'q>> {
    args.iter().fold(sqlx::query(sql), |q, arg| match arg {
        Arg::Text(v) => q.bind(v.clone()),
        Arg::Int(v) => q.bind(*v),
        Arg::Bool(v) => q.bind(*v),
    })
}

/// Binds `args` to a prepared statement whose parameters are `$1`…`$N` (in any order, each
/// possibly repeated), as sqlx does.
fn bind_direct(stmt: &mut rusqlite::Statement<'_>, args: &[Arg]) -> Result<(), StoreError> {
    for index in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(index).unwrap_or_default();
        let n: usize = name
            .strip_prefix('$')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Corrupt(format!("parameter {name:?} is not $N")))?;
        let arg = n
            .checked_sub(1)
            .and_then(|i| args.get(i))
            .ok_or_else(|| StoreError::Corrupt(format!("no argument for ${n}")))?;
        stmt.raw_bind_parameter(index, arg)?;
    }
    Ok(())
}

/// The connection a statement runs on.
pub enum Db<'c> {
    /// An sqlx connection (or transaction).
    Sqlx(&'c mut AnyConnection),
    /// A direct SQLite connection.
    Direct(&'c mut DirectConn),
}

impl<'c> From<&'c mut AnyConnection> for Db<'c> {
    fn from(conn: &'c mut AnyConnection) -> Self {
        Self::Sqlx(conn)
    }
}

impl<'c> From<&'c mut crate::Conn> for Db<'c> {
    fn from(conn: &'c mut crate::Conn) -> Self {
        Self::Sqlx(conn)
    }
}

impl<'c, 't> From<&'c mut Transaction<'t, Any>> for Db<'c> {
    fn from(tx: &'c mut Transaction<'t, Any>) -> Self {
        Self::Sqlx(tx)
    }
}

impl<'c> From<&'c mut DirectConn> for Db<'c> {
    fn from(conn: &'c mut DirectConn) -> Self {
        Self::Direct(conn)
    }
}

impl Db<'_> {
    /// The same connection, for one more statement.
    pub fn reborrow(&mut self) -> Db<'_> {
        match self {
            Self::Sqlx(conn) => Db::Sqlx(conn),
            Self::Direct(conn) => Db::Direct(conn),
        }
    }

    /// Whether the statement runs on PostgreSQL (for the few statements whose SQL differs).
    pub fn is_postgres(&self) -> bool {
        match self {
            Self::Sqlx(conn) => crate::pool::is_postgres(conn),
            Self::Direct(_) => false,
        }
    }

    /// The first row of `sql`, decoded; `None` when there is none.
    pub async fn fetch_optional<T>(
        self,
        sql: &str,
        args: &[Arg],
        decode: impl FnOnce(&dyn RowRead) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Self::Sqlx(conn) => match bind_all(sql, args).fetch_optional(conn).await? {
                Some(row) => decode(&row).map(Some),
                None => Ok(None),
            },
            Self::Direct(conn) => {
                let mut stmt = conn.raw().prepare_cached(sql)?;
                bind_direct(&mut stmt, args)?;
                let mut rows = stmt.raw_query();
                match rows.next()? {
                    Some(row) => decode(row).map(Some),
                    None => Ok(None),
                }
            }
        }
    }

    /// The first row of `sql`, decoded; an error when there is none.
    pub async fn fetch_one<T>(
        self,
        sql: &str,
        args: &[Arg],
        decode: impl FnOnce(&dyn RowRead) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.fetch_optional(sql, args, decode)
            .await?
            .ok_or_else(|| sqlx::Error::RowNotFound.into())
    }

    /// Runs `sql`; the number of rows it changed.
    pub async fn execute(self, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        match self {
            Self::Sqlx(conn) => Ok(bind_all(sql, args).execute(conn).await?.rows_affected()),
            Self::Direct(conn) => {
                let mut stmt = conn.raw().prepare_cached(sql)?;
                bind_direct(&mut stmt, args)?;
                Ok(stmt.raw_execute()? as u64)
            }
        }
    }
}

/// A write transaction: on the direct SQLite path when the store has one, else on an sqlx
/// connection.
pub enum DbTx<'c> {
    /// An sqlx transaction.
    Sqlx(Transaction<'c, Any>),
    /// A direct SQLite connection inside `BEGIN IMMEDIATE`.
    Direct(DirectConn),
}

impl<'c> DbTx<'c> {
    /// Begins on the direct path of `store` if it has one, else on `conn`.
    pub async fn begin(
        store: &crate::Store,
        conn: &'c mut AnyConnection,
    ) -> Result<Self, StoreError> {
        match store.direct()? {
            Some(mut direct) => {
                direct.begin()?;
                Ok(Self::Direct(direct))
            }
            None => Ok(Self::Sqlx(crate::begin_on(conn).await?)),
        }
    }

    /// The transaction's connection, for one statement.
    pub fn db(&mut self) -> Db<'_> {
        match self {
            Self::Sqlx(tx) => Db::Sqlx(tx),
            Self::Direct(conn) => Db::Direct(conn),
        }
    }

    /// Commits (dropping instead rolls back).
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlx(tx) => Ok(tx.commit().await?),
            Self::Direct(mut conn) => conn.commit(),
        }
    }
}

/// Where a request's hot reads run: the direct SQLite path when the store has one, else an sqlx
/// connection (borrowed, or taken from the pool).
pub enum Reader<'c> {
    /// A direct SQLite connection.
    Direct(DirectConn),
    /// The caller's sqlx connection.
    Sqlx(&'c mut AnyConnection),
    /// A pooled sqlx connection.
    Pooled(crate::Conn),
}

impl Reader<'_> {
    /// The reader's connection, for one statement.
    pub fn db(&mut self) -> Db<'_> {
        match self {
            Self::Direct(conn) => Db::Direct(conn),
            Self::Sqlx(conn) => Db::Sqlx(conn),
            Self::Pooled(conn) => Db::Sqlx(conn),
        }
    }
}

impl crate::Store {
    /// A [`Reader`]: the direct path, else a pooled connection.
    pub async fn reader(&self) -> Result<Reader<'static>, StoreError> {
        match self.direct()? {
            Some(direct) => Ok(Reader::Direct(direct)),
            None => Ok(Reader::Pooled(self.conn().await?)),
        }
    }

    /// A [`Reader`]: the direct path, else `conn`.
    pub fn reader_on<'c>(&self, conn: &'c mut AnyConnection) -> Result<Reader<'c>, StoreError> {
        match self.direct()? {
            Some(direct) => Ok(Reader::Direct(direct)),
            None => Ok(Reader::Sqlx(conn)),
        }
    }
}

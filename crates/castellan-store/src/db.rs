//! One statement, run by whichever path the caller holds: the shared sqlx pool, or a direct path
//! ([`crate::direct`] on SQLite, [`crate::direct_pg`] on PostgreSQL). The SQL text, its `$N` parameters and
//! the row decoding are shared, so a repository function is written once for both.
use rusqlite::ToSql;
use rusqlite::types::ToSqlOutput;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Transaction};

use crate::StoreError;
use crate::codec::RowRead;
use crate::direct::DirectConn;
use crate::direct_pg::PgConn;

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

/// `sql` with `args` bound, for the shared pool's `Any` driver or the direct PostgreSQL path.
pub(crate) fn bind_all<'q, DB>(
    sql: &'q str,
    args: &[Arg],
) -> Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
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
    /// A direct PostgreSQL connection.
    Pg(&'c mut PgConn),
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

impl<'c> From<&'c mut PgConn> for Db<'c> {
    fn from(conn: &'c mut PgConn) -> Self {
        Self::Pg(conn)
    }
}

impl Db<'_> {
    /// The same connection, for one more statement.
    pub fn reborrow(&mut self) -> Db<'_> {
        match self {
            Self::Sqlx(conn) => Db::Sqlx(conn),
            Self::Direct(conn) => Db::Direct(conn),
            Self::Pg(conn) => Db::Pg(conn),
        }
    }

    /// Whether the statement runs on PostgreSQL (for the few statements whose SQL differs).
    pub fn is_postgres(&self) -> bool {
        match self {
            Self::Sqlx(conn) => crate::pool::is_postgres(conn),
            Self::Direct(_) => false,
            Self::Pg(_) => true,
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
            Self::Sqlx(conn) => match bind_all::<Any>(sql, args).fetch_optional(conn).await? {
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
            Self::Pg(conn) => match conn.fetch_optional(sql, args).await? {
                Some(row) => decode(&row).map(Some),
                None => Ok(None),
            },
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
            Self::Sqlx(conn) => Ok(bind_all::<Any>(sql, args)
                .execute(conn)
                .await?
                .rows_affected()),
            Self::Direct(conn) => {
                let mut stmt = conn.raw().prepare_cached(sql)?;
                bind_direct(&mut stmt, args)?;
                Ok(stmt.raw_execute()? as u64)
            }
            Self::Pg(conn) => conn.execute(sql, args).await,
        }
    }
}

/// A write transaction on the store's direct path ([`crate::direct`] or [`crate::direct_pg`]),
/// else on an sqlx connection.
pub enum DbTx<'c> {
    /// An sqlx transaction.
    Sqlx(Transaction<'c, Any>),
    /// A direct SQLite connection inside `BEGIN IMMEDIATE`.
    Direct(DirectConn),
    /// A direct PostgreSQL connection inside `BEGIN`.
    Pg(PgConn),
}

impl<'c> DbTx<'c> {
    /// Begins on the direct path of `store`, else on `conn`.
    pub async fn begin(
        store: &crate::Store,
        conn: &'c mut AnyConnection,
    ) -> Result<Self, StoreError> {
        match Self::begin_direct(store).await? {
            Some(tx) => Ok(tx),
            None => Ok(Self::Sqlx(crate::begin_on(conn).await?)),
        }
    }

    /// Begins on the direct path of `store`, if it has one (an SQLite file, or PostgreSQL).
    async fn begin_direct(store: &crate::Store) -> Result<Option<Self>, StoreError> {
        if let Some(mut direct) = store.direct()? {
            direct.begin().await?;
            return Ok(Some(Self::Direct(direct)));
        }
        if let Some(mut pg) = store.direct_pg().await? {
            pg.begin().await?;
            return Ok(Some(Self::Pg(pg)));
        }
        Ok(None)
    }

    /// The transaction's connection, for one statement.
    pub fn db(&mut self) -> Db<'_> {
        match self {
            Self::Sqlx(tx) => Db::Sqlx(tx),
            Self::Direct(conn) => Db::Direct(conn),
            Self::Pg(conn) => Db::Pg(conn),
        }
    }

    /// Commits (dropping instead rolls back).
    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlx(tx) => Ok(tx.commit().await?),
            Self::Direct(mut conn) => conn.commit(),
            Self::Pg(mut conn) => conn.commit().await,
        }
    }
}

/// Where a request's hot reads run: the store's direct path, else an sqlx connection (borrowed,
/// or taken from the pool).
pub enum Reader<'c> {
    /// A direct SQLite connection.
    Direct(DirectConn),
    /// A direct PostgreSQL connection.
    Pg(PgConn),
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
            Self::Pg(conn) => Db::Pg(conn),
            Self::Sqlx(conn) => Db::Sqlx(conn),
            Self::Pooled(conn) => Db::Sqlx(conn),
        }
    }
}

impl crate::Store {
    /// A [`Reader`]: the direct path (SQLite or PostgreSQL), else a pooled connection.
    pub async fn reader(&self) -> Result<Reader<'static>, StoreError> {
        if let Some(direct) = self.direct()? {
            return Ok(Reader::Direct(direct));
        }
        match self.direct_pg().await? {
            Some(pg) => Ok(Reader::Pg(pg)),
            None => Ok(Reader::Pooled(self.conn().await?)),
        }
    }

    /// A [`Reader`]: the direct SQLite path, else `conn` (already held, so on PostgreSQL no
    /// second connection is taken).
    pub fn reader_on<'c>(&self, conn: &'c mut AnyConnection) -> Result<Reader<'c>, StoreError> {
        match self.direct()? {
            Some(direct) => Ok(Reader::Direct(direct)),
            None => Ok(Reader::Sqlx(conn)),
        }
    }
}

/// One write statement with its arguments, to be run with others by [`write_all`].
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// `INSERT`, `UPDATE` or `DELETE`, with parameters `$1`…`$N`.
    pub sql: &'static str,
    /// The arguments of `$1`…`$N`.
    pub args: Vec<Arg>,
}

/// Runs `writes` all or none, in order: on PostgreSQL as one statement (each but the last a
/// data-modifying `WITH` part), so the database is reached once and needs no `BEGIN`/`COMMIT`;
/// on an SQLite file in the transaction shared with the other calls in flight
/// ([`crate::group_commit`]), returning once that committed; on in-memory SQLite in one
/// transaction on `conn` (taken from the pool only then). The writes must not depend on each
/// other's rows (on PostgreSQL they all see the database as it was before the statement), and
/// each must write rows with a unique key (an event's UUID, a token's digest): on PostgreSQL the
/// statement is repeated once when its pooled connection turns out dead
/// ([`crate::direct_pg::PgConn`]), and the keys make sure a repeat never writes twice.
///
/// # Errors
/// Any write failed; nothing was written.
pub async fn write_all(
    store: &crate::Store,
    conn: &mut crate::LazyConn<'_>,
    writes: &[Write],
) -> Result<(), StoreError> {
    let Some((last, before)) = writes.split_last() else {
        return Ok(());
    };
    if let Some(mut pg) = store.direct_pg().await? {
        let (sql, args) = combined(before, last);
        pg.execute_keyed(&sql, &args).await?;
        return Ok(());
    }
    if let Some(group) = store.group_commit() {
        return group.write(writes.to_vec()).await;
    }
    let mut tx = DbTx::Sqlx(crate::begin_on(conn.get().await?).await?);
    for w in writes {
        tx.db().execute(w.sql, &w.args).await?;
    }
    tx.commit().await
}

/// Runs `claim`, a statement that changes at most one row (a code marked used, a token revoked),
/// and, only when it changed one, `writes`: whether the claim was won, and then every write was
/// made; otherwise nothing was. Of concurrent calls with the same claim, at most one wins.
///
/// On PostgreSQL this is one statement: the claim and the writes are data-modifying `WITH` parts,
/// each write an `INSERT … VALUES (…)` turned into `INSERT … SELECT … WHERE` the claim returned
/// a row. On an SQLite file the claim and the writes share a savepoint of the group commit
/// ([`crate::group_commit`]); on in-memory SQLite they run in a transaction on `conn`.
///
/// # Errors
/// A statement failed (nothing was written), or a write is not an `INSERT … VALUES (…)`.
pub async fn write_claimed(
    store: &crate::Store,
    conn: &mut crate::LazyConn<'_>,
    claim: &Write,
    writes: &[Write],
) -> Result<bool, StoreError> {
    if let Some(mut pg) = store.direct_pg().await? {
        let (sql, args) = claimed_pg(claim, writes)?;
        let won = pg
            .fetch_keyed(&sql, &args)
            .await?
            .map(|row| crate::codec::int(&row, "claimed"))
            .transpose()?;
        return Ok(won == Some(1));
    }
    if let Some(group) = store.group_commit() {
        return group.write_claimed(claim.clone(), writes.to_vec()).await;
    }
    let mut tx = DbTx::Sqlx(crate::begin_on(conn.get().await?).await?);
    if tx.db().execute(claim.sql, &claim.args).await? != 1 {
        return Ok(false);
    }
    for w in writes {
        tx.db().execute(w.sql, &w.args).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// `claim` and `writes` as one PostgreSQL statement answering `claimed`, the number of rows the
/// claim changed; each write only happens when that is one.
pub(crate) fn claimed_pg(
    claim: &Write,
    writes: &[Write],
) -> Result<(String, Vec<Arg>), StoreError> {
    let mut args = claim.args.clone();
    let mut parts = vec![format!("c AS ({} RETURNING 1)", claim.sql)];
    for (i, w) in writes.iter().enumerate() {
        let insert = renumber(w.sql, args.len());
        let (head, values) = insert
            .split_once(" VALUES (")
            .and_then(|(head, values)| Some((head, values.strip_suffix(')')?)))
            .ok_or_else(|| StoreError::Corrupt(format!("not an INSERT … VALUES (…): {}", w.sql)))?;
        parts.push(format!(
            "w{i} AS ({head} SELECT {values} WHERE EXISTS (SELECT 1 FROM c))"
        ));
        args.extend(w.args.iter().cloned());
    }
    let sql = format!(
        "WITH {} SELECT count(*) AS claimed FROM c",
        parts.join(", ")
    );
    Ok((sql, args))
}

/// `before` and `last` as one PostgreSQL statement, the parameters renumbered in sequence.
pub(crate) fn combined(before: &[Write], last: &Write) -> (String, Vec<Arg>) {
    let mut args = Vec::new();
    let mut parts = Vec::new();
    for (i, w) in before.iter().enumerate() {
        parts.push(format!("w{i} AS ({})", renumber(w.sql, args.len())));
        args.extend(w.args.iter().cloned());
    }
    let main = renumber(last.sql, args.len());
    args.extend(last.args.iter().cloned());
    let sql = if parts.is_empty() {
        main
    } else {
        format!("WITH {} {main}", parts.join(", "))
    };
    (sql, args)
}

/// `sql` with every parameter `$N` outside quoted text and identifiers written `$(N + offset)`.
pub(crate) fn renumber(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                let n: usize = digits.parse().unwrap_or(0);
                out.push('$');
                out.push_str(&(n + offset).to_string());
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumber_shifts_parameters_outside_quotes() {
        assert_eq!(
            renumber("INSERT INTO t (a, b) VALUES ($1, $2)", 10),
            "INSERT INTO t (a, b) VALUES ($11, $12)"
        );
        assert_eq!(
            renumber("UPDATE t SET a = 'cost $1' , \"$2\" = $2 WHERE c = $10", 3),
            "UPDATE t SET a = 'cost $1' , \"$2\" = $5 WHERE c = $13"
        );
        assert_eq!(
            renumber("SELECT 'it''s $1', $1", 1),
            "SELECT 'it''s $1', $2"
        );
        assert_eq!(renumber("SELECT $ AS x, $a", 4), "SELECT $ AS x, $a");
    }

    #[test]
    fn combined_writes_are_one_statement() {
        let first = Write {
            sql: "INSERT INTO a (x, y) VALUES ($1, $2)",
            args: vec![Arg::from(1), Arg::from("one")],
        };
        let last = Write {
            sql: "INSERT INTO b (z) VALUES ($1)",
            args: vec![Arg::from(true)],
        };
        let (sql, args) = combined(std::slice::from_ref(&first), &last);
        assert_eq!(
            sql,
            "WITH w0 AS (INSERT INTO a (x, y) VALUES ($1, $2)) INSERT INTO b (z) VALUES ($3)"
        );
        assert_eq!(args, vec![Arg::from(1), Arg::from("one"), Arg::from(true)]);
        let (alone, args) = combined(&[], &last);
        assert_eq!(alone, last.sql);
        assert_eq!(args, last.args);
    }

    #[test]
    fn claimed_writes_are_one_statement_that_writes_only_for_the_winner() {
        let claim = Write {
            sql: "UPDATE a SET used = $1 WHERE id = $2 AND used = $3",
            args: vec![Arg::from(true), Arg::from(7), Arg::from(false)],
        };
        let insert = Write {
            sql: "INSERT INTO b (x, y) VALUES ($1, $2)",
            args: vec![Arg::from("one"), Arg::from(2)],
        };
        let (sql, args) = claimed_pg(&claim, &[insert.clone(), insert]).expect("inserts");
        assert_eq!(
            sql,
            "WITH c AS (UPDATE a SET used = $1 WHERE id = $2 AND used = $3 RETURNING 1), \
             w0 AS (INSERT INTO b (x, y) SELECT $4, $5 WHERE EXISTS (SELECT 1 FROM c)), \
             w1 AS (INSERT INTO b (x, y) SELECT $6, $7 WHERE EXISTS (SELECT 1 FROM c)) \
             SELECT count(*) AS claimed FROM c"
        );
        assert_eq!(args.len(), 7);
        let update = Write {
            sql: "UPDATE b SET x = $1",
            args: vec![Arg::from("x")],
        };
        let err = claimed_pg(&claim, &[update]).expect_err("an update");
        assert!(err.to_string().contains("not an INSERT"), "{err}");
    }
}

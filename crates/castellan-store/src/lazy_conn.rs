//! A connection of the shared pool taken only when a statement needs it, for requests that
//! usually answer from caches and the direct paths alone (taking one costs two round trips on
//! PostgreSQL: sqlx pings it when handing it out and when taking it back).
use sqlx::AnyConnection;

use crate::{Conn, Store, StoreError};

/// A connection borrowed from the caller, or taken from the shared pool on first use.
pub enum LazyConn<'c> {
    /// The caller's connection.
    Borrowed(&'c mut AnyConnection),
    /// None taken yet.
    Pending(&'c Store),
    /// Taken from the pool by [`LazyConn::get`].
    Taken(Conn),
}

impl<'c> From<&'c mut AnyConnection> for LazyConn<'c> {
    fn from(conn: &'c mut AnyConnection) -> Self {
        Self::Borrowed(conn)
    }
}

impl LazyConn<'_> {
    /// The connection, taken from the pool now if none was yet.
    ///
    /// # Errors
    /// The pool gave none within its acquire timeout.
    pub async fn get(&mut self) -> Result<&mut AnyConnection, StoreError> {
        if let Self::Pending(store) = *self {
            *self = Self::Taken(store.conn().await?);
        }
        match self {
            Self::Borrowed(conn) => Ok(conn),
            Self::Taken(conn) => Ok(conn),
            Self::Pending(_) => Err(StoreError::Corrupt("no connection was taken".into())),
        }
    }

    /// The pool's connection, taken now if none was yet, to be handed to code that keeps one.
    ///
    /// # Errors
    /// The pool gave none within its acquire timeout, or the connection is the caller's.
    pub async fn into_owned(self) -> Result<Conn, StoreError> {
        match self {
            Self::Pending(store) => store.conn().await,
            Self::Taken(conn) => Ok(conn),
            Self::Borrowed(_) => Err(StoreError::Corrupt(
                "a borrowed connection cannot be handed on".into(),
            )),
        }
    }
}

impl Store {
    /// A [`LazyConn`] on this store's pool.
    pub fn lazy(&self) -> LazyConn<'_> {
        LazyConn::Pending(self)
    }
}

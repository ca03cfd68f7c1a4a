//! One API write: a transaction, the instant it started, and the audit event it records, all
//! committed together (every API write is one transaction).
use castellan_core::user::User;
use castellan_store::{AnyConnection, Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::audit;
use crate::context::RequestContext;
use crate::error::ApiResult;

/// A write in progress; derefs to the transaction's connection for repository calls.
pub struct Write {
    tx: Tx,
    now: DateTime<Utc>,
}

impl Write {
    /// Starts a transaction.
    pub async fn begin(store: &Store) -> ApiResult<Self> {
        let now = store.now();
        Ok(Self {
            tx: store.begin().await?,
            now,
        })
    }

    /// When the write started (the timestamp its rows and event carry).
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Records `model_created` / `model_updated` / `model_deleted` for `model`, by `actor`.
    pub async fn event(
        &mut self,
        ctx: &RequestContext,
        actor: &User,
        action: &str,
        model: Value,
    ) -> ApiResult<()> {
        audit::model_event(&mut self.tx, self.now, ctx, actor, action, model).await?;
        Ok(())
    }

    /// Commits everything.
    pub async fn commit(self) -> ApiResult<()> {
        self.tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }
}

impl std::ops::Deref for Write {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl<'c> From<&'c mut Write> for castellan_store::Db<'c> {
    fn from(write: &'c mut Write) -> Self {
        Self::Sqlx(&mut write.tx)
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

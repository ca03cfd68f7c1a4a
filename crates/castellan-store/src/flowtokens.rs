//! Flow tokens (spec §4.7, §4.14): a saved flow plan that a link (email verification) or a
//! returning source login resumes. Taking a token deletes it.
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{json, opt_int, text, time, ts, uuid};

/// A stored flow token.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowToken {
    /// The secret key carried by the link (`flow_token=`).
    pub key: String,
    /// Identifier (`ak-email-stage-<name>-<uuid>`).
    pub identifier: String,
    /// The flow the plan belongs to.
    pub flow: Uuid,
    /// The saved plan.
    pub plan: Value,
    /// The user the token was issued for.
    pub user: Option<i64>,
    /// Expiry.
    pub expires: DateTime<Utc>,
}

/// Stores a token.
pub async fn create(conn: &mut AnyConnection, t: &FlowToken) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO flows_flowtoken (key, identifier, flow, plan, user_id, expires) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(t.key.clone())
    .bind(t.identifier.clone())
    .bind(t.flow.to_string())
    .bind(t.plan.to_string())
    .bind(t.user)
    .bind(ts(t.expires))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes the token with `key` and returns it, unless it has expired at `now` (an expired
/// token is deleted too and `None` returned).
pub async fn take(
    conn: &mut AnyConnection,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<FlowToken>, StoreError> {
    let row = sqlx::query(
        "SELECT key, identifier, flow, plan, user_id, expires FROM flows_flowtoken WHERE key = $1",
    )
    .bind(key.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let token = FlowToken {
        key: text(&row, "key")?,
        identifier: text(&row, "identifier")?,
        flow: uuid(&row, "flow")?,
        plan: json(&row, "plan")?,
        user: opt_int(&row, "user_id")?,
        expires: time(&row, "expires")?,
    };
    let deleted = sqlx::query("DELETE FROM flows_flowtoken WHERE key = $1")
        .bind(key.to_string())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    // A concurrent taker won: the token is used once.
    if deleted == 0 || token.expires <= now {
        return Ok(None);
    }
    Ok(Some(token))
}

/// Deletes expired tokens; returns how many.
pub async fn delete_expired(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM flows_flowtoken WHERE expires <= $1")
            .bind(ts(now))
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

/// Deletes the tokens with `identifier` (a new token replaces them, as authentik's
/// `update_or_create` by identifier does); returns how many.
pub async fn delete_identifier(
    conn: &mut AnyConnection,
    identifier: &str,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM flows_flowtoken WHERE identifier = $1")
            .bind(identifier.to_string())
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

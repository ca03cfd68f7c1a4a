//! Tokens. Keys are looked up by their SHA-256 digest and then compared in constant time, so the
//! database index never sees a comparison on the secret itself.
use castellan_core::token::{Token, TokenIntent};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, int, opt_text, opt_time, opt_ts, text, uuid};
use crate::list::{ListQuery, Page, Param};

const COLUMNS: &str =
    "token_uuid, identifier, key, intent, user_id, description, expires, expiring, managed";

fn from_row(row: &AnyRow) -> Result<Token, StoreError> {
    let intent = text(row, "intent")?;
    Ok(Token {
        token_uuid: uuid(row, "token_uuid")?,
        identifier: text(row, "identifier")?,
        key: text(row, "key")?,
        intent: TokenIntent::parse(&intent)
            .ok_or_else(|| StoreError::Corrupt(format!("intent: {intent}")))?,
        user: int(row, "user_id")?,
        description: text(row, "description")?,
        expires: opt_time(row, "expires")?,
        expiring: boolean(row, "expiring")?,
        managed: opt_text(row, "managed")?,
    })
}

/// Digest used to find a token by key.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Inserts or updates a token (by `token_uuid`).
pub async fn save(conn: &mut AnyConnection, t: &Token, insert: bool) -> Result<(), StoreError> {
    let sql = if insert {
        "INSERT INTO core_token (identifier, key, key_hash, intent, user_id, description, expires, expiring, managed, token_uuid) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    } else {
        "UPDATE core_token SET identifier = $1, key = $2, key_hash = $3, intent = $4, user_id = $5, description = $6, \
         expires = $7, expiring = $8, managed = $9 WHERE token_uuid = $10"
    };
    sqlx::query(sql)
        .bind(t.identifier.clone())
        .bind(t.key.clone())
        .bind(key_hash(&t.key))
        .bind(t.intent.as_str())
        .bind(t.user)
        .bind(t.description.clone())
        .bind(opt_ts(t.expires))
        .bind(t.expiring)
        .bind(t.managed.clone())
        .bind(t.token_uuid.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Loads a token by identifier.
pub async fn get_by_identifier(
    conn: &mut AnyConnection,
    identifier: &str,
) -> Result<Option<Token>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_token WHERE identifier = $1");
    sqlx::query(&sql)
        .bind(identifier.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Finds a token whose key equals `key` (digest lookup, then constant-time comparison).
pub async fn find_by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<Token>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM core_token WHERE key_hash = $1");
    let rows = sqlx::query(&sql)
        .bind(key_hash(key))
        .fetch_all(&mut *conn)
        .await?;
    for row in &rows {
        let token = from_row(row)?;
        if castellan_crypto::token::constant_time_eq(token.key.as_bytes(), key.as_bytes()) {
            return Ok(Some(token));
        }
    }
    Ok(None)
}

/// Finds a token by key together with its owner, in one query (the API authentication path).
pub async fn find_by_key_with_user(
    conn: &mut AnyConnection,
    key: &str,
) -> Result<Option<(Token, castellan_core::user::User)>, StoreError> {
    let sql = "SELECT t.token_uuid, t.identifier, t.key, t.intent, t.user_id, t.description, t.expires, \
               t.expiring, t.managed, u.id, u.uuid, u.username, u.name, u.email, u.password, \
               u.password_change_date, u.is_active, u.last_login, u.date_joined, u.path, u.type, u.attributes \
               FROM core_token t JOIN core_user u ON u.id = t.user_id WHERE t.key_hash = $1";
    let rows = sqlx::query(sql)
        .bind(key_hash(key))
        .fetch_all(&mut *conn)
        .await?;
    for row in &rows {
        let token = from_row(row)?;
        if castellan_crypto::token::constant_time_eq(token.key.as_bytes(), key.as_bytes()) {
            return Ok(Some((token, crate::users::from_row(row)?)));
        }
    }
    Ok(None)
}

/// Deletes a token.
pub async fn delete(conn: &mut AnyConnection, identifier: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM core_token WHERE identifier = $1")
        .bind(identifier.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes expired tokens of intents other than `api`; returns how many.
pub async fn delete_expired(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "DELETE FROM core_token WHERE expiring = $1 AND expires < $2 AND intent <> 'api'",
    )
    .bind(true)
    .bind(crate::codec::ts(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Filters of `GET /core/tokens/`.
#[derive(Debug, Clone, Default)]
pub struct TokenFilter {
    /// Exact identifier.
    pub identifier: Option<String>,
    /// Intent.
    pub intent: Option<TokenIntent>,
    /// Owner.
    pub user: Option<i64>,
    /// Owner's username.
    pub user_username: Option<String>,
    /// Exact description.
    pub description: Option<String>,
    /// Managed key.
    pub managed: Option<String>,
    /// Expiring flag.
    pub expiring: Option<bool>,
    /// Search text.
    pub search: Option<String>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "identifier" => "identifier ASC",
        "-identifier" => "identifier DESC",
        "expires" => "expires ASC, identifier ASC",
        "-expires" => "expires DESC, identifier ASC",
        "intent" => "intent ASC, identifier ASC",
        "-intent" => "intent DESC, identifier ASC",
        _ => return None,
    })
}

/// Lists tokens.
pub async fn list(
    conn: &mut AnyConnection,
    f: &TokenFilter,
    page: Page,
) -> Result<(Vec<Token>, i64), StoreError> {
    let mut q = ListQuery::new(
        f.order_by
            .as_deref()
            .unwrap_or("expires ASC, identifier ASC"),
    );
    if let Some(v) = &f.identifier {
        q.eq("identifier", Param::Text(v.clone()));
    }
    if let Some(v) = f.intent {
        q.eq("intent", Param::Text(v.as_str().into()));
    }
    if let Some(v) = f.user {
        q.eq("user_id", Param::Int(v));
    }
    if let Some(v) = &f.user_username {
        q.raw(
            "user_id IN (SELECT id FROM core_user WHERE username = {})",
            Param::Text(v.clone()),
        );
    }
    if let Some(v) = &f.description {
        q.eq("description", Param::Text(v.clone()));
    }
    if let Some(v) = &f.managed {
        q.eq("managed", Param::Text(v.clone()));
    }
    if let Some(v) = f.expiring {
        q.eq("expiring", Param::Bool(v));
    }
    if let Some(s) = &f.search {
        q.search(&["identifier", "intent", "description"], s);
    }
    let (rows, count) = q.fetch(conn, COLUMNS, "core_token", page).await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

/// Whether `identifier` is used by another token than `except`.
pub async fn identifier_taken(
    conn: &mut AnyConnection,
    identifier: &str,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM core_token WHERE identifier = $1 AND token_uuid <> $2",
    )
    .bind(identifier.to_string())
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

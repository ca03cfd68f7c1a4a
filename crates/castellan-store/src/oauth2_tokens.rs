//! What an OAuth2 provider issues (spec §7.1.3–§7.1.5, §7.1.10): authorization codes, access
//! and refresh tokens (one table told apart by `kind`) and device tokens. Tokens are looked up by
//! their hex SHA-256 ([`hash`]); the token text itself is never indexed (a JWE is longer than a
//! PostgreSQL index entry may be).
use std::sync::LazyLock;

use castellan_core::oauth2::{AuthorizationCode, DeviceToken, IssuedToken, TokenGrant, TokenKind};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{
    RowRead, boolean, int, json, opt_int, opt_text, opt_time, opt_ts, opt_uuid, text, time, ts,
};
use crate::db::{Arg, Db, Write};
use crate::list::{ListQuery, Param};

/// The digest tokens are found by (hex SHA-256 of the token text).
pub fn hash(token: &str) -> String {
    crate::tokens::key_hash(token)
}

fn kind_str(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Access => "access",
        TokenKind::Refresh => "refresh",
    }
}

fn scope_of(row: &(impl RowRead + ?Sized)) -> Result<Vec<String>, StoreError> {
    match json(row, "scope")? {
        Value::Array(items) => Ok(items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()),
        other => Err(StoreError::Corrupt(format!("scope: {other}"))),
    }
}

fn scope_json(scope: &[String]) -> String {
    Value::Array(scope.iter().cloned().map(Value::String).collect()).to_string()
}

fn grant(row: &(impl RowRead + ?Sized)) -> Result<TokenGrant, StoreError> {
    Ok(TokenGrant {
        provider: int(row, "provider_id")?,
        user: int(row, "user_id")?,
        scope: scope_of(row)?,
        expires: time(row, "expires")?,
        auth_time: opt_time(row, "auth_time")?,
        session: opt_uuid(row, "session")?,
    })
}

fn s(v: Option<Uuid>) -> Option<String> {
    v.map(|u| u.to_string())
}

// --- authorization codes -------------------------------------------------------------------

const CODE_COLUMNS: &str = "id, provider_id, user_id, code, expires, scope, nonce, code_challenge, \
                            code_challenge_method, redirect_uri, auth_time, session, used";

fn code_row(row: &(impl RowRead + ?Sized)) -> Result<AuthorizationCode, StoreError> {
    Ok(AuthorizationCode {
        pk: int(row, "id")?,
        code: text(row, "code")?,
        grant: grant(row)?,
        nonce: opt_text(row, "nonce")?,
        code_challenge: opt_text(row, "code_challenge")?,
        code_challenge_method: opt_text(row, "code_challenge_method")?,
        redirect_uri: text(row, "redirect_uri")?,
        used: boolean(row, "used")?,
    })
}

/// Stores an authorization code; returns its row id.
pub async fn create_code(
    conn: &mut AnyConnection,
    c: &AuthorizationCode,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO providers_oauth2_authorizationcode (provider_id, user_id, code, expires, \
         scope, nonce, code_challenge, code_challenge_method, redirect_uri, auth_time, session, \
         used) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(c.grant.provider)
    .bind(c.grant.user)
    .bind(c.code.clone())
    .bind(ts(c.grant.expires))
    .bind(scope_json(&c.grant.scope))
    .bind(c.nonce.clone())
    .bind(c.code_challenge.clone())
    .bind(c.code_challenge_method.clone())
    .bind(c.redirect_uri.clone())
    .bind(opt_ts(c.grant.auth_time))
    .bind(s(c.grant.session))
    .bind(c.used)
    .fetch_one(&mut *conn)
    .await?;
    int(&row, "id")
}

/// The code with value `code`, and the configuration version (`config_version::current`), in one
/// statement: the first read of a code exchange, whose provider comes from the configuration cache.
pub async fn code_with_config_version<'c>(
    db: impl Into<Db<'c>>,
    code: &str,
) -> Result<(Option<AuthorizationCode>, i64), StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        crate::config_version::select_with_version(
            CODE_COLUMNS,
            &[],
            "providers_oauth2_authorizationcode",
            "t.code = $1",
        )
    });
    db.into()
        .fetch_one(SQL.as_str(), &[Arg::from(code)], |row| {
            let version = int(row, "config_version")?;
            let code = match opt_text(row, "code")? {
                Some(_) => Some(code_row(row)?),
                None => None,
            };
            Ok((code, version))
        })
        .await
}

/// Loads a code by row id.
pub async fn code_by_pk(
    conn: &mut AnyConnection,
    pk: i64,
) -> Result<Option<AuthorizationCode>, StoreError> {
    let sql =
        format!("SELECT {CODE_COLUMNS} FROM providers_oauth2_authorizationcode WHERE id = $1");
    sqlx::query(&sql)
        .bind(pk)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(code_row)
        .transpose()
}

/// The statement that marks code `pk` used (for [`crate::write_claimed`]): it changes a row only
/// if the code was unused, so of concurrent exchanges exactly one wins.
pub fn mark_code_used_write(pk: i64) -> Write {
    Write {
        sql: "UPDATE providers_oauth2_authorizationcode SET used = $1 WHERE id = $2 AND used = $3",
        args: vec![Arg::from(true), Arg::from(pk), Arg::from(false)],
    }
}

/// Codes of `user` (every code with `None`), newest first.
pub async fn codes_for_user(
    conn: &mut AnyConnection,
    user: Option<i64>,
) -> Result<Vec<AuthorizationCode>, StoreError> {
    let mut q = ListQuery::new("id DESC");
    if let Some(u) = user {
        q.eq("user_id", Param::Int(u));
    }
    q.fetch_all(conn, CODE_COLUMNS, "providers_oauth2_authorizationcode")
        .await?
        .iter()
        .map(code_row)
        .collect()
}

/// Deletes a code.
pub async fn delete_code(conn: &mut AnyConnection, pk: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM providers_oauth2_authorizationcode WHERE id = $1")
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// --- access and refresh tokens -------------------------------------------------------------

const TOKEN_COLUMNS: &str = "id, kind, provider_id, user_id, token, expires, scope, revoked, \
                             id_token, from_code, auth_time, session, created";

fn token_row(row: &(impl RowRead + ?Sized)) -> Result<IssuedToken, StoreError> {
    let kind = text(row, "kind")?;
    let id_token = match json(row, "id_token")? {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => return Err(StoreError::Corrupt(format!("id_token: {other}"))),
    };
    Ok(IssuedToken {
        pk: int(row, "id")?,
        kind: match kind.as_str() {
            "access" => TokenKind::Access,
            "refresh" => TokenKind::Refresh,
            other => return Err(StoreError::Corrupt(format!("kind: {other}"))),
        },
        token: text(row, "token")?,
        grant: grant(row)?,
        revoked: boolean(row, "revoked")?,
        id_token,
        from_code: opt_text(row, "from_code")?,
        created: time(row, "created")?,
    })
}

/// Stores an access or refresh token under `token_hash` (see [`hash`]); returns its row id.
pub async fn create_token<'c>(
    db: impl Into<Db<'c>>,
    t: &IssuedToken,
    token_hash: &str,
) -> Result<i64, StoreError> {
    static RETURNING: LazyLock<String> = LazyLock::new(|| format!("{INSERT_TOKEN} RETURNING id"));
    let w = insert_token(t, token_hash);
    db.into()
        .fetch_one(RETURNING.as_str(), &w.args, |row| int(row, "id"))
        .await
}

const INSERT_TOKEN: &str = "INSERT INTO providers_oauth2_token (kind, provider_id, user_id, token, \
     token_hash, expires, scope, revoked, id_token, from_code, auth_time, session, created) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/// The statement that stores `t` under `token_hash`, for [`crate::write_all`].
pub fn insert_token(t: &IssuedToken, token_hash: &str) -> Write {
    Write {
        sql: INSERT_TOKEN,
        args: vec![
            Arg::from(kind_str(t.kind)),
            Arg::from(t.grant.provider),
            Arg::from(t.grant.user),
            Arg::from(t.token.as_str()),
            Arg::from(token_hash),
            Arg::from(ts(t.grant.expires)),
            Arg::from(scope_json(&t.grant.scope)),
            Arg::from(t.revoked),
            Arg::from(Value::Object(t.id_token.clone()).to_string()),
            Arg::from(t.from_code.clone()),
            Arg::from(opt_ts(t.grant.auth_time)),
            Arg::from(s(t.grant.session)),
            Arg::from(ts(t.created)),
        ],
    }
}

/// Finds a token of `kind` by its digest.
pub async fn token<'c>(
    db: impl Into<Db<'c>>,
    kind: TokenKind,
    token_hash: &str,
) -> Result<Option<IssuedToken>, StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT {TOKEN_COLUMNS} FROM providers_oauth2_token WHERE token_hash = $1 AND kind = $2"
        )
    });
    let args = [Arg::from(token_hash), Arg::from(kind_str(kind))];
    db.into()
        .fetch_optional(SQL.as_str(), &args, |row| token_row(row))
        .await
}

/// [`token`] and the configuration version (`config_version::current`) in one statement: the
/// first read of introspection and userinfo, whose provider comes from the configuration cache.
pub async fn token_with_config_version<'c>(
    db: impl Into<Db<'c>>,
    kind: TokenKind,
    token_hash: &str,
) -> Result<(Option<IssuedToken>, i64), StoreError> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        crate::config_version::select_with_version(
            TOKEN_COLUMNS,
            &[],
            "providers_oauth2_token",
            "t.token_hash = $1 AND t.kind = $2",
        )
    });
    let args = [Arg::from(token_hash), Arg::from(kind_str(kind))];
    db.into()
        .fetch_one(SQL.as_str(), &args, |row| {
            let version = int(row, "config_version")?;
            let token = match opt_text(row, "kind")? {
                Some(_) => Some(token_row(row)?),
                None => None,
            };
            Ok((token, version))
        })
        .await
}

/// Loads a token of `kind` by row id.
pub async fn token_by_pk(
    conn: &mut AnyConnection,
    kind: TokenKind,
    pk: i64,
) -> Result<Option<IssuedToken>, StoreError> {
    let sql =
        format!("SELECT {TOKEN_COLUMNS} FROM providers_oauth2_token WHERE id = $1 AND kind = $2");
    sqlx::query(&sql)
        .bind(pk)
        .bind(kind_str(kind))
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(token_row)
        .transpose()
}

/// The statement that revokes token `pk` (for [`crate::write_claimed`]): it changes a row only if
/// the token was not revoked (for a refresh token, a second use otherwise).
pub fn revoke_token_write(pk: i64) -> Write {
    Write {
        sql: "UPDATE providers_oauth2_token SET revoked = $1 WHERE id = $2 AND revoked = $3",
        args: vec![Arg::from(true), Arg::from(pk), Arg::from(false)],
    }
}

/// Revokes every token issued from authorization code `code` (code reuse); returns how many
/// were not revoked before.
pub async fn revoke_from_code(conn: &mut AnyConnection, code: &str) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE providers_oauth2_token SET revoked = $1 WHERE from_code = $2 AND revoked = $3",
    )
    .bind(true)
    .bind(code.to_string())
    .bind(false)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes a token.
pub async fn delete_token(conn: &mut AnyConnection, pk: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM providers_oauth2_token WHERE id = $1")
        .bind(pk)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Tokens of `kind` of `user` (every user's with `None`), newest first.
pub async fn tokens_for_user(
    conn: &mut AnyConnection,
    kind: TokenKind,
    user: Option<i64>,
) -> Result<Vec<IssuedToken>, StoreError> {
    let mut q = ListQuery::new("id DESC");
    q.eq("kind", Param::Text(kind_str(kind).into()));
    if let Some(u) = user {
        q.eq("user_id", Param::Int(u));
    }
    q.fetch_all(conn, TOKEN_COLUMNS, "providers_oauth2_token")
        .await?
        .iter()
        .map(token_row)
        .collect()
}

// --- device tokens -------------------------------------------------------------------------

const DEVICE_COLUMNS: &str =
    "id, provider_id, user_id, device_code, user_code, scope, expires, auth_time, session";

fn device_row(row: &AnyRow) -> Result<DeviceToken, StoreError> {
    Ok(DeviceToken {
        pk: int(row, "id")?,
        provider: int(row, "provider_id")?,
        user: opt_int(row, "user_id")?,
        device_code: text(row, "device_code")?,
        user_code: text(row, "user_code")?,
        scope: scope_of(row)?,
        expires: time(row, "expires")?,
        auth_time: opt_time(row, "auth_time")?,
        session: opt_uuid(row, "session")?,
    })
}

/// Stores a device authorization; returns its row id.
pub async fn create_device(conn: &mut AnyConnection, d: &DeviceToken) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO providers_oauth2_devicetoken (provider_id, user_id, device_code, user_code, \
         scope, expires, auth_time, session) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(d.provider)
    .bind(d.user)
    .bind(d.device_code.clone())
    .bind(d.user_code.clone())
    .bind(scope_json(&d.scope))
    .bind(ts(d.expires))
    .bind(opt_ts(d.auth_time))
    .bind(s(d.session))
    .fetch_one(&mut *conn)
    .await?;
    int(&row, "id")
}

async fn device_where(
    conn: &mut AnyConnection,
    column: &str,
    value: &str,
) -> Result<Option<DeviceToken>, StoreError> {
    let sql = format!(
        "SELECT {DEVICE_COLUMNS} FROM providers_oauth2_devicetoken WHERE {column} = $1 ORDER BY id DESC"
    );
    sqlx::query(&sql)
        .bind(value.to_string())
        .fetch_all(&mut *conn)
        .await?
        .first()
        .map(device_row)
        .transpose()
}

/// Finds a device authorization by its device code.
pub async fn device_by_code(
    conn: &mut AnyConnection,
    device_code: &str,
) -> Result<Option<DeviceToken>, StoreError> {
    device_where(conn, "device_code", device_code).await
}

/// Finds a device authorization by the code the user typed (the newest when several match).
pub async fn device_by_user_code(
    conn: &mut AnyConnection,
    user_code: &str,
) -> Result<Option<DeviceToken>, StoreError> {
    device_where(conn, "user_code", user_code).await
}

/// Records the user's approval of a device authorization that nobody approved yet and that has
/// not expired at `now`; `false` when there was none (approved by someone else, or expired).
pub async fn approve_device(
    conn: &mut AnyConnection,
    pk: i64,
    user: i64,
    auth_time: Option<DateTime<Utc>>,
    session: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE providers_oauth2_devicetoken SET user_id = $1, auth_time = $2, session = $3 \
         WHERE id = $4 AND user_id IS NULL AND expires > $5",
    )
    .bind(user)
    .bind(opt_ts(auth_time))
    .bind(s(session))
    .bind(pk)
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The statement that deletes device authorization `pk` (for [`crate::write_claimed`]): it changes
/// a row only if it still exists, so of concurrent polls exactly one gets the tokens.
pub fn delete_device_write(pk: i64) -> Write {
    Write {
        sql: "DELETE FROM providers_oauth2_devicetoken WHERE id = $1",
        args: vec![Arg::from(pk)],
    }
}

/// Deletes every code, token and device authorization that expired before `now`; returns how
/// many rows went.
pub async fn delete_expired(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut total = 0;
    for table in [
        "providers_oauth2_authorizationcode",
        "providers_oauth2_token",
        "providers_oauth2_devicetoken",
    ] {
        let done = sqlx::query(&format!("DELETE FROM {table} WHERE expires < $1"))
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
        total += done.rows_affected();
    }
    Ok(total)
}

/// What still hangs on a provider (its `used_by`): codes, access and refresh tokens and device
/// codes, as (model name, pk, user pk), oldest first within each model.
pub async fn for_provider(
    conn: &mut AnyConnection,
    provider: i64,
) -> Result<Vec<(&'static str, i64, Option<i64>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT 'authorizationcode' AS model, id, user_id FROM providers_oauth2_authorizationcode \
         WHERE provider_id = $1 \
         UNION ALL SELECT CASE WHEN kind = 'refresh' THEN 'refreshtoken' ELSE 'accesstoken' END, \
         id, user_id FROM providers_oauth2_token WHERE provider_id = $1 \
         UNION ALL SELECT 'devicetoken', id, user_id FROM providers_oauth2_devicetoken \
         WHERE provider_id = $1 ORDER BY 1, 2",
    )
    .bind(provider)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let model = match text(row, "model")?.as_str() {
            "authorizationcode" => "authorizationcode",
            "refreshtoken" => "refreshtoken",
            "devicetoken" => "devicetoken",
            _ => "accesstoken",
        };
        out.push((model, int(row, "id")?, opt_int(row, "user_id")?));
    }
    Ok(out)
}

//! OAuth2/OpenID providers (spec §7.1.1): the `core_provider` base row plus the provider's own
//! row in `providers_oauth2_oauth2provider`. Deleting goes through [`crate::providers::delete`]
//! (the own row cascades).
use castellan_core::oauth2::{ClientType, IssuerMode, OAuth2Provider, RedirectUri, SubMode};
use castellan_core::provider::ProviderType;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, json, opt_uuid, text};
use crate::providers;

const OWN_COLUMNS: &str = "o.provider_ptr_id, o.client_type, o.client_id, o.client_secret, \
     o.redirect_uris, o.include_claims_in_id_token, o.access_code_validity, \
     o.access_token_validity, o.refresh_token_validity, o.sub_mode, o.issuer_mode, \
     o.signing_key, o.encryption_key, o.jwks_sources, o.property_mappings";

fn select(condition: &str) -> String {
    format!(
        "SELECT {OWN_COLUMNS} FROM providers_oauth2_oauth2provider o {condition} ORDER BY o.provider_ptr_id"
    )
}

fn corrupt(col: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{col}: {value}"))
}

fn uuid_list(row: &AnyRow, col: &str) -> Result<Vec<Uuid>, StoreError> {
    match json(row, col)? {
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| Uuid::parse_str(s).ok())
                    .ok_or_else(|| corrupt(col, &v.to_string()))
            })
            .collect(),
        other => Err(corrupt(col, &other.to_string())),
    }
}

fn uuid_json(list: &[Uuid]) -> String {
    Value::Array(list.iter().map(|u| Value::String(u.to_string())).collect()).to_string()
}

/// The own row's settings over an already loaded base.
fn from_row(
    row: &AnyRow,
    base: castellan_core::provider::Provider,
) -> Result<OAuth2Provider, StoreError> {
    let client_type = text(row, "client_type")?;
    let sub_mode = text(row, "sub_mode")?;
    let issuer_mode = text(row, "issuer_mode")?;
    let redirect_uris: Vec<RedirectUri> = serde_json::from_value(json(row, "redirect_uris")?)
        .map_err(|e| corrupt("redirect_uris", &e.to_string()))?;
    Ok(OAuth2Provider {
        base,
        client_type: ClientType::parse(&client_type)
            .ok_or_else(|| corrupt("client_type", &client_type))?,
        client_id: text(row, "client_id")?,
        client_secret: text(row, "client_secret")?,
        redirect_uris,
        include_claims_in_id_token: boolean(row, "include_claims_in_id_token")?,
        access_code_validity: text(row, "access_code_validity")?,
        access_token_validity: text(row, "access_token_validity")?,
        refresh_token_validity: text(row, "refresh_token_validity")?,
        sub_mode: SubMode::parse(&sub_mode).ok_or_else(|| corrupt("sub_mode", &sub_mode))?,
        issuer_mode: IssuerMode::parse(&issuer_mode)
            .ok_or_else(|| corrupt("issuer_mode", &issuer_mode))?,
        signing_key: opt_uuid(row, "signing_key")?,
        encryption_key: opt_uuid(row, "encryption_key")?,
        jwks_sources: uuid_list(row, "jwks_sources")?,
        property_mappings: uuid_list(row, "property_mappings")?,
    })
}

/// Loads the bases of `rows` and combines them.
async fn assemble(
    conn: &mut AnyConnection,
    rows: Vec<AnyRow>,
) -> Result<Vec<OAuth2Provider>, StoreError> {
    let mut pks = Vec::with_capacity(rows.len());
    for row in &rows {
        pks.push(row.try_get::<i64, _>("provider_ptr_id")?);
    }
    let bases = providers::get_many(conn, &pks).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, pk) in rows.iter().zip(pks) {
        if let Some(base) = bases.iter().find(|b| b.pk == pk) {
            out.push(from_row(row, base.clone())?);
        }
    }
    Ok(out)
}

fn s(v: Option<Uuid>) -> Option<String> {
    v.map(|u| u.to_string())
}

fn redirect_json(list: &[RedirectUri]) -> Result<String, StoreError> {
    serde_json::to_string(list).map_err(|e| corrupt("redirect_uris", &e.to_string()))
}

/// Inserts the base row (as an `oauth2` provider) and the provider's own row; returns the new
/// primary key. Run it inside a transaction.
pub async fn create(conn: &mut AnyConnection, p: &OAuth2Provider) -> Result<i64, StoreError> {
    let mut base = p.base.clone();
    base.provider_type = ProviderType::OAuth2;
    let pk = providers::create(conn, &base).await?;
    sqlx::query(
        "INSERT INTO providers_oauth2_oauth2provider (provider_ptr_id, client_type, client_id, \
         client_secret, redirect_uris, include_claims_in_id_token, access_code_validity, \
         access_token_validity, refresh_token_validity, sub_mode, issuer_mode, signing_key, \
         encryption_key, jwks_sources, property_mappings) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(pk)
    .bind(p.client_type.as_str())
    .bind(p.client_id.clone())
    .bind(p.client_secret.clone())
    .bind(redirect_json(&p.redirect_uris)?)
    .bind(p.include_claims_in_id_token)
    .bind(p.access_code_validity.clone())
    .bind(p.access_token_validity.clone())
    .bind(p.refresh_token_validity.clone())
    .bind(p.sub_mode.as_str())
    .bind(p.issuer_mode.as_str())
    .bind(s(p.signing_key))
    .bind(s(p.encryption_key))
    .bind(uuid_json(&p.jwks_sources))
    .bind(uuid_json(&p.property_mappings))
    .execute(&mut *conn)
    .await?;
    Ok(pk)
}

/// Loads a provider by primary key (`None` when missing or not an OAuth2 provider).
pub async fn get(conn: &mut AnyConnection, pk: i64) -> Result<Option<OAuth2Provider>, StoreError> {
    let rows = sqlx::query(&select("WHERE o.provider_ptr_id = $1"))
        .bind(pk)
        .fetch_all(&mut *conn)
        .await?;
    Ok(assemble(conn, rows).await?.pop())
}

/// Loads a provider by `client_id`.
pub async fn by_client_id(
    conn: &mut AnyConnection,
    client_id: &str,
) -> Result<Option<OAuth2Provider>, StoreError> {
    let rows = sqlx::query(&select("WHERE o.client_id = $1"))
        .bind(client_id.to_string())
        .fetch_all(&mut *conn)
        .await?;
    Ok(assemble(conn, rows).await?.pop())
}

/// Writes the base fields and the provider's own settings.
pub async fn update(conn: &mut AnyConnection, p: &OAuth2Provider) -> Result<(), StoreError> {
    let b = &p.base;
    sqlx::query(
        "UPDATE core_provider SET name = $1, authentication_flow = $2, authorization_flow = $3, \
         invalidation_flow = $4, backchannel_application = $5, is_backchannel = $6 WHERE id = $7",
    )
    .bind(b.name.clone())
    .bind(s(b.authentication_flow))
    .bind(s(b.authorization_flow))
    .bind(s(b.invalidation_flow))
    .bind(s(b.backchannel_application))
    .bind(b.is_backchannel)
    .bind(b.pk)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE providers_oauth2_oauth2provider SET client_type = $1, client_id = $2, \
         client_secret = $3, redirect_uris = $4, include_claims_in_id_token = $5, \
         access_code_validity = $6, access_token_validity = $7, refresh_token_validity = $8, \
         sub_mode = $9, issuer_mode = $10, signing_key = $11, encryption_key = $12, \
         jwks_sources = $13, property_mappings = $14 WHERE provider_ptr_id = $15",
    )
    .bind(p.client_type.as_str())
    .bind(p.client_id.clone())
    .bind(p.client_secret.clone())
    .bind(redirect_json(&p.redirect_uris)?)
    .bind(p.include_claims_in_id_token)
    .bind(p.access_code_validity.clone())
    .bind(p.access_token_validity.clone())
    .bind(p.refresh_token_validity.clone())
    .bind(p.sub_mode.as_str())
    .bind(p.issuer_mode.as_str())
    .bind(s(p.signing_key))
    .bind(s(p.encryption_key))
    .bind(uuid_json(&p.jwks_sources))
    .bind(uuid_json(&p.property_mappings))
    .bind(b.pk)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every OAuth2 provider, by primary key.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<OAuth2Provider>, StoreError> {
    let rows = sqlx::query(&select("")).fetch_all(&mut *conn).await?;
    assemble(conn, rows).await
}

/// Whether another provider than `except` uses `client_id`.
pub async fn client_id_taken(
    conn: &mut AnyConnection,
    client_id: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM providers_oauth2_oauth2provider \
         WHERE client_id = $1 AND provider_ptr_id <> $2",
    )
    .bind(client_id.to_string())
    .bind(except.unwrap_or(-1))
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Whether another provider (of any type) than `except` is named `name`.
pub async fn name_taken(
    conn: &mut AnyConnection,
    name: &str,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM core_provider WHERE name = $1 AND id <> $2")
        .bind(name.to_string())
        .bind(except.unwrap_or(-1))
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// The providers (`(pk, name)`) that list the OAuth source `source` in `jwks_sources`.
pub async fn with_jwks_source(
    conn: &mut AnyConnection,
    source: Uuid,
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(all(conn)
        .await?
        .into_iter()
        .filter(|p| p.jwks_sources.contains(&source))
        .map(|p| (p.base.pk, p.base.name))
        .collect())
}

/// Drops the OAuth source `source` from every provider's `jwks_sources` (the source is being
/// deleted; authentik's many-to-many rows go with it).
pub async fn remove_jwks_source(conn: &mut AnyConnection, source: Uuid) -> Result<(), StoreError> {
    for mut p in all(conn).await? {
        if p.jwks_sources.contains(&source) {
            p.jwks_sources.retain(|s| *s != source);
            update(conn, &p).await?;
        }
    }
    Ok(())
}

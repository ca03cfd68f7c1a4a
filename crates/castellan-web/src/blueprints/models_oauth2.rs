//! Blueprint models of the OAuth2 provider (spec §7.1.1): `authentik_providers_oauth2.
//! oauth2provider` written through the REST API's validation, and certificate-key pairs as
//! lookup targets (`!Find [authentik_crypto.certificatekeypair, [name, …]]` for a provider's
//! `signing_key`); key pairs are created through the API, not by blueprints.
use castellan_store::certificates::{self, CertificateFilter};
use castellan_store::{AnyConnection, Page, oauth2_providers, providers};
use serde_json::{Map, Value, json};

use super::models_flows::Candidate;
use crate::api::providers_oauth2::{blank, providers_oauth2_json};
use crate::api::providers_oauth2_validate::validate;
use crate::error::{ApiError, ApiResult};

/// `authentik_providers_oauth2.oauth2provider`.
pub const OAUTH2_PROVIDER: &str = castellan_core::oauth2::PROVIDER_MODEL;
/// `authentik_crypto.certificatekeypair`.
pub const KEYPAIR: &str = "authentik_crypto.certificatekeypair";

/// Every OAuth2 provider as the API serializes it.
pub async fn provider_candidates(conn: &mut AnyConnection) -> ApiResult<Vec<Candidate>> {
    let all = oauth2_providers::all(conn).await?;
    Ok(providers_oauth2_json(conn, all)
        .await?
        .into_iter()
        .map(|m| (m.get("pk").cloned().unwrap_or(Value::Null), m))
        .collect())
}

/// Blueprint attributes in the API's shape: `redirect_uris` given as text (authentik before
/// 2024.10.3: one URI per line) become strict entries, and a missing list is empty on create.
fn normalize(attrs: &Map<String, Value>, create: bool) -> Map<String, Value> {
    let mut out = attrs.clone();
    match out.get("redirect_uris") {
        Some(Value::String(text)) => {
            let list: Vec<Value> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| json!({"matching_mode": "strict", "url": l}))
                .collect();
            out.insert("redirect_uris".into(), Value::Array(list));
        }
        None if create => {
            out.insert("redirect_uris".into(), json!([]));
        }
        _ => {}
    }
    out
}

/// Creates (`pk` None) or updates an OAuth2 provider; returns its pk.
pub async fn provider_write(
    conn: &mut AnyConnection,
    pk: Option<i64>,
    attrs: &Map<String, Value>,
) -> ApiResult<Value> {
    match pk {
        None => {
            let p = validate(conn, &normalize(attrs, true), false, blank(), false).await?;
            Ok(json!(oauth2_providers::create(conn, &p).await?))
        }
        Some(pk) => {
            let before = oauth2_providers::get(conn, pk)
                .await?
                .ok_or(ApiError::NotFound)?;
            let p = validate(conn, &normalize(attrs, false), true, before, true).await?;
            oauth2_providers::update(conn, &p).await?;
            Ok(json!(pk))
        }
    }
}

/// Deletes an OAuth2 provider.
pub async fn provider_delete(conn: &mut AnyConnection, pk: i64) -> ApiResult<()> {
    providers::delete(conn, pk).await?;
    Ok(())
}

/// Every certificate-key pair as the API serializes it (no key material).
pub async fn keypair_candidates(conn: &mut AnyConnection) -> ApiResult<Vec<Candidate>> {
    let page = Page {
        page: 1,
        page_size: i64::MAX / 2,
    };
    let (rows, _) = certificates::list(conn, &CertificateFilter::default(), page).await?;
    Ok(rows
        .iter()
        .map(|kp| {
            let m = match serde_json::to_value(crate::api::certificates::to_json(kp, false)) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            (json!(kp.kp_uuid), m)
        })
        .collect())
}

/// Key pairs are not written by blueprints (yet).
pub fn keypair_refused() -> ApiError {
    ApiError::BadRequest(
        "certificate-key pairs cannot be written by blueprints yet; create them with the API"
            .into(),
    )
}

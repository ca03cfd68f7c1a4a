//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6; spec §7.1.4 grant 1). Unlike
//! 2024.10, `redirect_uri` must equal the one used at the authorization endpoint, and a code
//! presented a second time fails and revokes every token issued from it (RFC 6749 §4.1.2).
use std::collections::BTreeMap;

use castellan_oauth::authorization_code::check_exchange;
use castellan_oauth::error::ErrorCode;
use castellan_store::{LazyConn, oauth2_tokens};
use http::request::Parts;
use serde_json::json;

use super::events;
use super::grant::{self, Finish, Finished};
use super::token::{GrantResult, client_lazy, oauth};
use crate::error::ApiError;
use crate::state::AppState;

/// Exchanges an authorization code.
pub async fn exchange(
    state: &AppState,
    parts: &Parts,
    form: &BTreeMap<String, String>,
) -> GrantResult {
    let value = form.get("code").map(String::as_str).unwrap_or_default();
    // The code with the configuration version, on the direct path; the provider then comes from
    // its cache, and the client is authenticated before anything is said about the code.
    let (code, version) = {
        let mut reader = state.store.reader().await.map_err(ApiError::from)?;
        oauth2_tokens::code_with_config_version(reader.db(), value).await?
    };
    let mut conn = state.store.lazy();
    let config = client_lazy(state, &mut conn, parts, form, version).await?;
    let p = &config.provider;
    let code = code
        .filter(|c| c.grant.provider == p.base.pk)
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, "Invalid code"))?;
    if !code.used {
        check_exchange(
            &code,
            p.base.pk,
            form.get("redirect_uri").map(String::as_str),
            form.get("code_verifier").map(String::as_str),
            state.store.now(),
        )?;
        let subject = grant::subject(state, &config, &code.grant, "Invalid code").await?;
        let finish = Finish {
            config: &config,
            subject,
            scopes: code.grant.scope.clone(),
            nonce: code.nonce.clone(),
            refresh: code.grant.scope.iter().any(|s| s == "offline_access"),
            family: Some(code.code.clone()),
            claim: oauth2_tokens::mark_code_used_write(code.pk),
        };
        if let Finished::Issued(body) = grant::finish(state, &mut conn, parts, finish).await? {
            return Ok(body);
        }
        // A concurrent exchange won: this is a second use.
    }
    reused(
        state,
        &mut conn,
        parts,
        &p.base.name,
        &code.code,
        code.grant.user,
    )
    .await
}

/// A second use of a code: revokes what the first issued, records `suspicious_request`.
async fn reused(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    parts: &Parts,
    provider_name: &str,
    code: &str,
    user: i64,
) -> GrantResult {
    let mut tx = castellan_store::begin_on(conn.get().await?).await?;
    let revoked = oauth2_tokens::revoke_from_code(&mut tx, code).await?;
    events::suspicious(
        state,
        &mut tx,
        parts,
        user,
        json!({"message": "Authorization code reused", "provider": provider_name, "revoked_tokens": revoked}),
    )
    .await?;
    tx.commit()
        .await
        .map_err(castellan_store::StoreError::from)?;
    Err(oauth(ErrorCode::InvalidGrant, "Invalid code"))
}

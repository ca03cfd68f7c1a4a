//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6; spec §7.1.4 grant 1). Unlike
//! 2024.10, `redirect_uri` must equal the one used at the authorization endpoint, and a code
//! presented a second time fails and revokes every token issued from it (RFC 6749 §4.1.2).
use std::collections::BTreeMap;

use castellan_oauth::authorization_code::check_exchange;
use castellan_oauth::error::ErrorCode;
use castellan_store::oauth2_tokens;
use http::request::Parts;
use serde_json::json;

use super::events;
use super::grant::{self, Finish};
use super::token::{GrantResult, client, oauth};
use crate::error::ApiError;
use crate::state::AppState;

/// Exchanges an authorization code.
pub async fn exchange(
    state: &AppState,
    parts: &Parts,
    form: &BTreeMap<String, String>,
) -> GrantResult {
    let mut tx = state.store.begin().await.map_err(ApiError::from)?;
    let (config, _) = client(state, &mut tx, parts, form, true).await?;
    let p = &config.provider;
    let value = form.get("code").map(String::as_str).unwrap_or_default();
    let code = oauth2_tokens::code(&mut tx, value)
        .await?
        .filter(|c| c.grant.provider == p.base.pk)
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, "Invalid code"))?;
    let now = state.store.now();
    if code.used {
        return reused(state, tx, parts, &p.base.name, &code.code, code.grant.user).await;
    }
    // Every check before the first write: a failed exchange leaves nothing to roll back.
    check_exchange(
        &code,
        p.base.pk,
        form.get("redirect_uri").map(String::as_str),
        form.get("code_verifier").map(String::as_str),
        now,
    )?;
    let (user, application) =
        grant::subject(&mut tx, &config, code.grant.user, "Invalid code").await?;
    if !oauth2_tokens::mark_code_used(&mut tx, code.pk).await? {
        // A concurrent exchange won: this is a second use.
        return reused(state, tx, parts, &p.base.name, &code.code, code.grant.user).await;
    }
    let refresh = code.grant.scope.iter().any(|s| s == "offline_access");
    let finish = Finish {
        config: &config,
        user: &user,
        application: &application,
        grant: &code.grant,
        scopes: code.grant.scope.clone(),
        nonce: code.nonce.clone(),
        refresh,
        family: Some(code.code.clone()),
    };
    grant::finish(state, tx, parts, finish).await
}

/// A second use of a code: revokes what the first issued, records `suspicious_request`.
async fn reused(
    state: &AppState,
    mut tx: castellan_store::Tx,
    parts: &Parts,
    provider_name: &str,
    code: &str,
    user: i64,
) -> GrantResult {
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

//! `grant_type=refresh_token` (RFC 6749 §6; spec §7.1.4 grant 2) with rotation: every use
//! revokes the presented refresh token and issues a new one in the same family (the
//! authorization code the family started from). A revoked refresh token presented again is
//! reuse: the whole family is revoked and a `suspicious_request` event recorded.
use std::collections::BTreeMap;

use castellan_core::oauth2::TokenKind;
use castellan_oauth::error::ErrorCode;
use castellan_oauth::refresh_token::{RefreshError, check_refresh};
use castellan_oauth::scope;
use castellan_oauth::tokens::token_hash;
use castellan_store::{LazyConn, oauth2_tokens};
use http::request::Parts;
use serde_json::json;

use super::events;
use super::grant::{self, Finish, Finished};
use super::token::{GrantResult, client_lazy, oauth};
use crate::error::ApiError;
use crate::state::AppState;

/// Exchanges a refresh token for new tokens.
pub async fn refresh(
    state: &AppState,
    parts: &Parts,
    form: &BTreeMap<String, String>,
) -> GrantResult {
    let value = form
        .get("refresh_token")
        .map(String::as_str)
        .unwrap_or_default();
    // The token with the configuration version, on the direct path (as for a code).
    let (old, version) = {
        let mut reader = state.store.reader().await.map_err(ApiError::from)?;
        oauth2_tokens::token_with_config_version(
            reader.db(),
            TokenKind::Refresh,
            &token_hash(value),
        )
        .await?
    };
    let mut conn = state.store.lazy();
    let config = client_lazy(state, &mut conn, parts, form, version).await?;
    let p = &config.provider;
    let old = old
        .filter(|t| t.grant.provider == p.base.pk)
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, "Invalid refresh token"))?;
    let requested = form.get("scope").map(|s| scope::parse(s));
    let now = state.store.now();
    let scopes = match check_refresh(&old, p.base.pk, requested.as_deref(), now) {
        Ok(scopes) => scopes,
        Err(RefreshError::Reuse) => {
            return reuse(state, &mut conn, parts, &p.base.name, &old).await;
        }
        Err(RefreshError::Token(e)) => return Err(e.into()),
    };
    let subject = grant::subject(state, &config, &old.grant, "Invalid refresh token").await?;
    let finish = Finish {
        config: &config,
        subject,
        scopes,
        nonce: None,
        refresh: true,
        family: old.from_code.clone(),
        claim: oauth2_tokens::revoke_token_write(old.pk),
    };
    match grant::finish(state, &mut conn, parts, finish).await? {
        Finished::Issued(body) => Ok(body),
        // A concurrent refresh with the same token revoked it first: a reuse.
        Finished::Lost => reuse(state, &mut conn, parts, &p.base.name, &old).await,
    }
}

/// A revoked refresh token presented again: its whole family is revoked and a
/// `suspicious_request` event recorded.
async fn reuse(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    parts: &Parts,
    provider_name: &str,
    old: &castellan_core::oauth2::IssuedToken,
) -> GrantResult {
    let mut tx = castellan_store::begin_on(conn.get().await?).await?;
    let revoked = match &old.from_code {
        Some(family) => oauth2_tokens::revoke_from_code(&mut tx, family).await?,
        None => 0,
    };
    events::suspicious(
        state,
        &mut tx,
        parts,
        old.grant.user,
        json!({"message": "Revoked refresh token used", "provider": provider_name, "revoked_tokens": revoked}),
    )
    .await?;
    tx.commit()
        .await
        .map_err(castellan_store::StoreError::from)?;
    Err(oauth(ErrorCode::InvalidGrant, "Invalid refresh token"))
}

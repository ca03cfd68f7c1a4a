//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4–3.5; spec §7.1.4
//! grant 4): `authorization_pending` until a user approved the device at `/device`, then the
//! tokens, once (the device token is deleted). Scopes are those the device asked for, restricted
//! to the provider's scope mappings (the CVE-2024-52287 fix).
use std::collections::BTreeMap;

use castellan_oauth::device::check_device_grant;
use castellan_oauth::error::ErrorCode;
use castellan_oauth::scope;
use castellan_store::oauth2_tokens;
use http::request::Parts;

use super::grant::{self, Finish, Finished};
use super::token::{GrantResult, client, oauth};
use crate::state::AppState;

/// Polls a device authorization.
pub async fn poll(state: &AppState, parts: &Parts, form: &BTreeMap<String, String>) -> GrantResult {
    let mut conn = state.store.lazy();
    let (config, _) = client(state, conn.get().await?, parts, form, true).await?;
    let p = &config.provider;
    let code = form
        .get("device_code")
        .map(String::as_str)
        .unwrap_or_default();
    let device = oauth2_tokens::device_by_code(conn.get().await?, code)
        .await?
        .filter(|d| d.provider == p.base.pk)
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, "Invalid device code"))?;
    let now = state.store.now();
    check_device_grant(&device, p.base.pk, now)?;
    let user_pk = device
        .user
        .ok_or_else(|| oauth(ErrorCode::AuthorizationPending, "Authorization pending"))?;
    let scopes = scope::restrict(&device.scope, &config.scope_names());
    let grant = castellan_core::oauth2::TokenGrant {
        provider: p.base.pk,
        user: user_pk,
        scope: scopes.clone(),
        expires: device.expires,
        auth_time: device.auth_time,
        session: device.session,
    };
    let subject = grant::subject(state, &config, &grant, "Invalid device code").await?;
    let finish = Finish {
        config: &config,
        subject,
        refresh: scopes.iter().any(|s| s == "offline_access"),
        scopes,
        nonce: None,
        family: Some(format!("device:{}", device.pk)),
        claim: oauth2_tokens::delete_device_write(device.pk),
    };
    match grant::finish(state, &mut conn, parts, finish).await? {
        Finished::Issued(body) => Ok(body),
        // A concurrent poll took the tokens (RFC 8628: a device code is used once).
        Finished::Lost => Err(oauth(ErrorCode::InvalidGrant, "Invalid device code")),
    }
}

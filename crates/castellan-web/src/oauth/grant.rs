//! The end every browser-backed grant shares (RFC 6749 §5.1): the grant's user and application
//! (read before the grant writes anything), then the login facts, the tokens, the commit and the
//! token response.
use castellan_core::application::Application;
use castellan_core::oauth2::TokenGrant;
use castellan_core::user::User;
use castellan_oauth::error::ErrorCode;
use castellan_store::{AnyConnection, Tx, users};
use http::request::Parts;

use super::issue::{IssueRequest, issue, token_body};
use super::login;
use super::provider::{self, ProviderConfig};
use super::token::{Failure, GrantResult, oauth};
use crate::context::base_url;
use crate::state::AppState;

/// The active user a grant speaks for and the provider's application (`invalid_grant`, with
/// `invalid` as its description, when either is missing).
pub async fn subject(
    conn: &mut AnyConnection,
    config: &ProviderConfig,
    user: i64,
    invalid: &str,
) -> Result<(User, Application), Failure> {
    let user = users::get(conn, user)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, invalid))?;
    let application = config
        .application
        .clone()
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, "Provider has no application"))?;
    Ok((user, application))
}

/// What the grant hands over to issuing.
pub struct Finish<'a> {
    /// The provider's configuration.
    pub config: &'a ProviderConfig,
    /// The grant's user.
    pub user: &'a User,
    /// The provider's application.
    pub application: &'a Application,
    /// Login facts recorded with the grant (session, auth time).
    pub grant: &'a TokenGrant,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// OIDC nonce.
    pub nonce: Option<String>,
    /// Issue a refresh token.
    pub refresh: bool,
    /// The token family (revoked together on reuse).
    pub family: Option<String>,
}

/// Issues the tokens, commits and answers the token response.
pub async fn finish(state: &AppState, mut tx: Tx, parts: &Parts, f: Finish<'_>) -> GrantResult {
    let now = state.store.now();
    let mut who = login::from_authenticated_session(&mut tx, f.grant.session, now).await?;
    // The user was read by `subject`; its groups are read once here for the scope mappings.
    let groups = state.flows.groups.of_user(&mut tx, f.user.pk).await?;
    let subject =
        crate::oauth_claims::claims_user(f.user, &groups.all, &groups.direct, &state.install_id);
    who.auth_time = f.grant.auth_time.or(who.auth_time);
    let issued = issue(
        state,
        &mut tx,
        IssueRequest {
            provider: &f.config.provider,
            keys: f.config.keys.clone(),
            issuer: provider::issuer(&f.config.provider, &base_url(parts, state), f.application),
            user: f.user,
            scopes: f.scopes.clone(),
            nonce: f.nonce,
            login: who,
            access_token: true,
            id_token: true,
            refresh_token: f.refresh,
            code_for_hash: None,
            from_code: f.family,
            subject: Some(subject),
            mappings: Some(&f.config.mappings),
        },
    )
    .await?;
    tx.commit()
        .await
        .map_err(castellan_store::StoreError::from)?;
    Ok(token_body(issued, &f.scopes))
}

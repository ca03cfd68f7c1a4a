//! What every browser-backed grant shares (RFC 6749 §5.1): its subject (the user with its groups,
//! the provider's application, the login facts of the session the grant came from), read on the
//! store's direct path; then the tokens, minted and signed while nothing is locked; then one write
//! that claims the grant (a code used, a refresh token revoked, a device authorization deleted: of
//! concurrent requests presenting it exactly one wins) and stores the tokens only if it won; then
//! the token response.
use castellan_core::application::Application;
use castellan_core::oauth2::TokenGrant;
use castellan_core::user::User;
use castellan_oauth::error::ErrorCode;
use castellan_store::{LazyConn, Write, users, write_claimed};
use http::request::Parts;
use serde_json::Value;
use uuid::Uuid;

use super::issue::{IssueRequest, Login, mint, token_body};
use super::login;
use super::provider::{self, ProviderConfig};
use super::token::{Failure, oauth};
use crate::context::base_url;
use crate::error::ApiError;
use crate::state::AppState;

/// Who a grant speaks for.
pub struct Subject {
    /// The grant's user, active.
    pub user: User,
    /// Its direct groups.
    pub direct_groups: Vec<Uuid>,
    /// The configuration version read with them.
    pub version: i64,
    /// The provider's application.
    pub application: Application,
    /// The login behind the grant (its session's login facts while the session lasts; the
    /// grant's own `auth_time` first).
    pub login: Login,
}

/// The subject of `grant`: the user with its direct groups in one statement, then the login facts
/// of its session, both on the direct path (`invalid_grant`, with `invalid` as its description,
/// when the user is missing or inactive, or the provider has no application).
pub async fn subject(
    state: &AppState,
    config: &ProviderConfig,
    grant: &TokenGrant,
    invalid: &str,
) -> Result<Subject, Failure> {
    let mut reader = state.store.reader().await.map_err(ApiError::from)?;
    let (found, version) = users::get_with_config_version(reader.db(), grant.user).await?;
    let (user, direct_groups) = found
        .filter(|(u, _)| u.is_active)
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, invalid))?;
    let application = config
        .application
        .clone()
        .ok_or_else(|| oauth(ErrorCode::InvalidGrant, "Provider has no application"))?;
    let now = state.store.now();
    let mut login = login::from_authenticated_session(reader.db(), grant.session, now).await?;
    login.auth_time = grant.auth_time.or(login.auth_time);
    Ok(Subject {
        user,
        direct_groups,
        version,
        application,
        login,
    })
}

/// What the grant hands over to issuing.
pub struct Finish<'a> {
    /// The provider's configuration.
    pub config: &'a ProviderConfig,
    /// Who the tokens speak for.
    pub subject: Subject,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// OIDC nonce.
    pub nonce: Option<String>,
    /// Issue a refresh token.
    pub refresh: bool,
    /// The token family (revoked together on reuse).
    pub family: Option<String>,
    /// The statement claiming the grant: it changes one row only for the request that wins.
    pub claim: Write,
}

/// How [`finish`] ended.
pub enum Finished {
    /// The token response.
    Issued(Value),
    /// A concurrent request claimed the grant first: this one is a second use, and nothing was
    /// written.
    Lost,
}

/// Issues the tokens, then claims the grant and stores them together ([`write_claimed`]: one
/// statement on PostgreSQL, one savepoint of the group commit on SQLite), and answers the token
/// response. `conn` is taken from the pool only when a cache is behind or a scope mapping needs
/// it.
pub async fn finish(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    parts: &Parts,
    f: Finish<'_>,
) -> Result<Finished, Failure> {
    let Subject {
        user,
        direct_groups,
        version,
        application,
        login,
    } = f.subject;
    let all = match state.flows.groups.fresh(version) {
        Some(all) => all,
        None => state.flows.groups.at(conn.get().await?, version).await?,
    };
    let subject = crate::oauth_claims::claims_user(&user, &all, &direct_groups, &state.install_id);
    let minted = mint(
        state,
        conn,
        IssueRequest {
            provider: &f.config.provider,
            keys: f.config.keys.clone(),
            issuer: provider::issuer(&f.config.provider, &base_url(parts, state), &application),
            user: &user,
            scopes: f.scopes.clone(),
            nonce: f.nonce,
            login,
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
    let (writes, issued) = minted.into_writes();
    if !write_claimed(&state.store, conn, &f.claim, &writes).await? {
        return Ok(Finished::Lost);
    }
    Ok(Finished::Issued(token_body(issued, &f.scopes)))
}

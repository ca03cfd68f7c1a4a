//! Issuing tokens (OIDC Core §2, §3.1.3.6, §3.3.2.11; spec §7.1.5): the ID token claims, the
//! access token (a JWT carrying them plus `azp`/`uid`), the ID token with `at_hash`/`c_hash`,
//! JWE wrapping when the provider has an encryption key, and opaque refresh tokens. Every access
//! and refresh token is stored (looked up by its SHA-256).
use castellan_core::oauth2::{IssuedToken, OAuth2Provider, ScopeMapping, TokenGrant, TokenKind};
use castellan_core::timedelta::parse_timedelta;
use castellan_core::user::{User, user_uid};
use castellan_crypto::jose::oidc_hash;
use castellan_oauth::claims::{
    ClaimsUser, IdTokenInput, access_token_claims, id_token_claims, subject,
};
use castellan_oauth::tokens::{new_refresh_token, token_hash};
use castellan_store::{AnyConnection, Db, LazyConn, oauth2_tokens};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::keys::ProviderKeys;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The login a token speaks for.
#[derive(Debug, Clone, Default)]
pub struct Login {
    /// When the user logged in.
    pub auth_time: Option<DateTime<Utc>>,
    /// Authentication methods (`pwd`, `mfa`, `user`).
    pub amr: Vec<String>,
    /// The browser session key (`sid` is its SHA-256).
    pub session_key: Option<String>,
    /// The authenticated session's id.
    pub session: Option<Uuid>,
}

/// What to issue.
pub struct IssueRequest<'a> {
    /// Issuing provider.
    pub provider: &'a OAuth2Provider,
    /// Its keys.
    pub keys: ProviderKeys,
    /// `iss`.
    pub issuer: String,
    /// The user.
    pub user: &'a User,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// OIDC nonce.
    pub nonce: Option<String>,
    /// The login.
    pub login: Login,
    /// Issue an access token.
    pub access_token: bool,
    /// Issue an ID token.
    pub id_token: bool,
    /// Issue a refresh token.
    pub refresh_token: bool,
    /// The authorization code returned beside the ID token (hybrid: `c_hash`).
    pub code_for_hash: Option<String>,
    /// The authorization code these tokens are exchanged for (revoked together on reuse).
    pub from_code: Option<String>,
    /// The user as scope mappings see it, when the caller read it already
    /// ([`crate::oauth_claims::claims_user`]); else it is read here.
    pub subject: Option<Value>,
    /// The provider's scope mappings, when the caller has them (the provider cache); else they
    /// are read here.
    pub mappings: Option<&'a [ScopeMapping]>,
}

/// What was issued.
#[derive(Debug, Clone, Default)]
pub struct Issued {
    /// The access token.
    pub access_token: Option<String>,
    /// The ID token.
    pub id_token: Option<String>,
    /// The refresh token.
    pub refresh_token: Option<String>,
    /// Access token lifetime in seconds.
    pub expires_in: i64,
    /// The ID token claims.
    pub id_claims: Map<String, Value>,
}

/// The claim-relevant facts of a user.
pub fn claims_user(user: &User, install_id: &Uuid) -> ClaimsUser {
    ClaimsUser {
        pk: user.pk,
        uid: user_uid(user.pk, install_id),
        uuid: user.uuid,
        username: user.username.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        attributes: match &user.attributes {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        },
    }
}

fn validity(text: &str, field: &str) -> ApiResult<chrono::Duration> {
    parse_timedelta(text).map_err(|e| ApiError::Internal(format!("{field}: {e}")))
}

/// Tokens created and signed, not stored yet.
pub struct Minted {
    /// What the client receives.
    pub issued: Issued,
    /// The rows to store, with the digest each is found by.
    rows: Vec<(IssuedToken, String)>,
}

impl Minted {
    /// The statements that store the access and refresh tokens, and what the client receives
    /// once they are written.
    pub fn into_writes(self) -> (Vec<castellan_store::Write>, Issued) {
        let writes = self
            .rows
            .iter()
            .map(|(row, hash)| oauth2_tokens::insert_token(row, hash))
            .collect();
        (writes, self.issued)
    }

    /// Stores the access and refresh tokens; what the client receives.
    pub async fn save(self, mut db: Db<'_>) -> ApiResult<Issued> {
        let (writes, issued) = self.into_writes();
        for w in &writes {
            db.reborrow().execute(w.sql, &w.args).await?;
        }
        Ok(issued)
    }
}

/// Creates, signs (and encrypts) and stores the requested tokens.
pub async fn issue(
    state: &AppState,
    conn: &mut AnyConnection,
    req: IssueRequest<'_>,
) -> ApiResult<Issued> {
    let minted = mint(state, &mut LazyConn::from(&mut *conn), req).await?;
    minted.save(Db::from(conn)).await
}

/// Creates and signs (and encrypts) the requested tokens; `conn` serves the scope mappings (a
/// connection of the pool is taken only for a statement they need).
pub async fn mint(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    req: IssueRequest<'_>,
) -> ApiResult<Minted> {
    let p = req.provider;
    let now = state.store.now();
    let keys = &req.keys;
    let expires = now + validity(&p.access_token_validity, "access_token_validity")?;
    let who = claims_user(req.user, &state.install_id);
    let sub = subject(p.sub_mode, &who);
    let scope_claims = if p.include_claims_in_id_token {
        let token = json!({"scope": req.scopes, "user": req.user.pk});
        Some(match (&req.subject, req.mappings) {
            (Some(subject), Some(all)) => {
                let mappings = crate::oauth_claims::select(all, Some(&req.scopes));
                crate::oauth_claims::claims_of(state, conn, p, subject, &mappings, &token).await?
            }
            _ => {
                let conn = conn.get().await?;
                crate::oauth_claims::scope_claims(state, conn, p, req.user.pk, &req.scopes, token)
                    .await?
            }
        })
    } else {
        None
    };
    let claims = |at_hash: Option<String>, c_hash: Option<String>| {
        id_token_claims(IdTokenInput {
            issuer: &req.issuer,
            client_id: &p.client_id,
            sub: sub.clone(),
            now,
            expires,
            auth_time: req.login.auth_time,
            amr: req.login.amr.clone(),
            nonce: req.nonce.clone(),
            session_key: req.login.session_key.as_deref(),
            at_hash,
            c_hash,
            scope_claims: scope_claims.clone(),
        })
    };
    let grant = TokenGrant {
        provider: p.base.pk,
        user: req.user.pk,
        scope: req.scopes.clone(),
        expires,
        auth_time: req.login.auth_time,
        session: req.login.session,
    };
    let mut out = Issued {
        expires_in: (expires - now).num_seconds(),
        ..Issued::default()
    };
    let alg = keys.signer.alg();
    if req.access_token {
        let base = claims(None, None);
        let uid = castellan_crypto::token::generate_key(40);
        let token = keys.encode(&access_token_claims(&base, &p.client_id, &uid))?;
        out.access_token = Some(token);
    }
    let at_hash = out.access_token.as_deref().map(|t| oidc_hash(alg, t));
    let c_hash = req.code_for_hash.as_deref().map(|c| oidc_hash(alg, c));
    out.id_claims = claims(at_hash, c_hash);
    if req.id_token {
        out.id_token = Some(keys.encode(&out.id_claims)?);
    }
    let mut rows = Vec::new();
    if let Some(token) = &out.access_token {
        rows.push(row(
            TokenKind::Access,
            token,
            &grant,
            &out,
            &req.from_code,
            now,
        ));
    }
    if req.refresh_token {
        let token = new_refresh_token();
        let refresh = TokenGrant {
            expires: now + validity(&p.refresh_token_validity, "refresh_token_validity")?,
            ..grant.clone()
        };
        rows.push(row(
            TokenKind::Refresh,
            &token,
            &refresh,
            &out,
            &req.from_code,
            now,
        ));
        out.refresh_token = Some(token);
    }
    Ok(Minted { issued: out, rows })
}

/// The stored row of a token, with its digest.
fn row(
    kind: TokenKind,
    token: &str,
    grant: &TokenGrant,
    issued: &Issued,
    from_code: &Option<String>,
    now: DateTime<Utc>,
) -> (IssuedToken, String) {
    let row = IssuedToken {
        pk: 0,
        kind,
        token: token.to_string(),
        grant: grant.clone(),
        revoked: false,
        id_token: issued.id_claims.clone(),
        from_code: from_code.clone(),
        created: now,
    };
    (row, token_hash(token))
}

/// The token endpoint's success body (RFC 6749 §5.1, OIDC Core §3.1.3.3).
pub fn token_body(issued: Issued, scopes: &[String]) -> Value {
    let mut body = Map::new();
    body.insert("access_token".into(), json!(issued.access_token));
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("scope".into(), json!(scopes.join(" ")));
    body.insert("expires_in".into(), json!(issued.expires_in));
    body.insert("id_token".into(), json!(issued.id_token));
    if let Some(r) = issued.refresh_token {
        body.insert("refresh_token".into(), Value::String(r));
    }
    Value::Object(body)
}

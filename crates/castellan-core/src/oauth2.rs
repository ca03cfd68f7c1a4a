//! OAuth2 / OpenID Connect provider objects (spec §7.1.1) and the tokens it issues (§7.1.5):
//! authorization codes, access tokens, refresh tokens and device tokens.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::provider::Provider;
use crate::wire_enum;

wire_enum! {
    /// `client_type`: confidential clients must present their secret.
    pub enum ClientType {
        /// Has a secret (default).
        #[default]
        Confidential = "confidential",
        /// No secret (browser and native apps; PKCE recommended).
        Public = "public",
    }
}

wire_enum! {
    /// `sub_mode`: what the `sub` claim holds.
    pub enum SubMode {
        /// The user's hashed id (`user.uid`, default).
        #[default]
        HashedUserId = "hashed_user_id",
        /// The integer primary key.
        UserId = "user_id",
        /// The user's UUID.
        UserUuid = "user_uuid",
        /// The username.
        UserUsername = "user_username",
        /// The email address.
        UserEmail = "user_email",
        /// The `upn` attribute, falling back to the hashed id.
        UserUpn = "user_upn",
    }
}

wire_enum! {
    /// `issuer_mode`: the `iss` claim and discovery issuer.
    pub enum IssuerMode {
        /// `https://<host>/application/o/<app slug>/` (default).
        #[default]
        PerProvider = "per_provider",
        /// `https://<host>/`.
        Global = "global",
    }
}

/// `matching_mode` of one redirect URI (2024.10.3+).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchingMode {
    /// Exact string equality (default).
    #[default]
    Strict,
    /// Full regular-expression match.
    Regex,
}

/// One allowed redirect URI (`{"matching_mode": "strict"|"regex", "url": "..."}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectUri {
    /// How `url` is compared with a presented URI.
    pub matching_mode: MatchingMode,
    /// The URI, or a regular expression in `regex` mode.
    pub url: String,
}

/// An OAuth2/OpenID provider: the provider base plus its own settings.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuth2Provider {
    /// The base fields (`provider_type` is always `OAuth2`).
    pub base: Provider,
    /// Confidential or public.
    pub client_type: ClientType,
    /// Unique client id.
    pub client_id: String,
    /// Client secret (also the HS256 key when there is no signing key). Never logged.
    pub client_secret: String,
    /// Allowed redirect URIs.
    pub redirect_uris: Vec<RedirectUri>,
    /// Put scope-mapping claims into the ID token.
    pub include_claims_in_id_token: bool,
    /// Authorization (and device) code lifetime, a timedelta string (`minutes=1`).
    pub access_code_validity: String,
    /// Access token lifetime (`hours=1`).
    pub access_token_validity: String,
    /// Refresh token lifetime (`days=30`).
    pub refresh_token_validity: String,
    /// What `sub` holds.
    pub sub_mode: SubMode,
    /// What `iss` holds.
    pub issuer_mode: IssuerMode,
    /// Certificate-key pair signing tokens (RSA → RS256, EC → ES256); `None` → HS256.
    pub signing_key: Option<Uuid>,
    /// RSA certificate-key pair tokens are encrypted to (JWE, new in 2024.10).
    pub encryption_key: Option<Uuid>,
    /// OAuth sources whose JWKS may sign client assertions.
    pub jwks_sources: Vec<Uuid>,
    /// Scope mappings available to this provider.
    pub property_mappings: Vec<Uuid>,
}

/// Defaults of a new provider's lifetimes.
pub const DEFAULT_ACCESS_CODE_VALIDITY: &str = "minutes=1";
/// Default access token lifetime.
pub const DEFAULT_ACCESS_TOKEN_VALIDITY: &str = "hours=1";
/// Default refresh token lifetime.
pub const DEFAULT_REFRESH_TOKEN_VALIDITY: &str = "days=30";

/// A scope mapping (`authentik_providers_oauth2.scopemapping`).
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeMapping {
    /// `pm_uuid`.
    pub pk: Uuid,
    /// Unique name.
    pub name: String,
    /// The scope this mapping answers for.
    pub scope_name: String,
    /// Text shown on the consent page ("" → not shown).
    pub description: String,
    /// Python expression returning a dict of claims.
    pub expression: String,
    /// Managed identifier of the system defaults.
    pub managed: Option<String>,
}

/// What every issued token carries besides its own value.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenGrant {
    /// Issuing provider.
    pub provider: i64,
    /// The user the token speaks for.
    pub user: i64,
    /// Granted scopes.
    pub scope: Vec<String>,
    /// Expiry.
    pub expires: DateTime<Utc>,
    /// When the user logged in.
    pub auth_time: Option<DateTime<Utc>>,
    /// The authenticated session it came from (`core_authenticatedsession.uuid`).
    pub session: Option<Uuid>,
}

/// An authorization code (opaque UUID hex), spec §7.1.3 fulfillment.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationCode {
    /// Row id.
    pub pk: i64,
    /// The code.
    pub code: String,
    /// Grant.
    pub grant: TokenGrant,
    /// OIDC nonce.
    pub nonce: Option<String>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// PKCE method (`plain` / `S256`).
    pub code_challenge_method: Option<String>,
    /// The redirect URI used at the authorization endpoint (the token request must repeat it).
    pub redirect_uri: String,
    /// Set once the code was exchanged; a second exchange revokes what the first issued.
    pub used: bool,
}

/// Which kind of token a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Access token (a JWT, or a JWE when the provider encrypts).
    Access,
    /// Refresh token (opaque, 128 characters).
    Refresh,
}

/// An issued access or refresh token.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedToken {
    /// Row id.
    pub pk: i64,
    /// Access or refresh.
    pub kind: TokenKind,
    /// The exact token string.
    pub token: String,
    /// Grant.
    pub grant: TokenGrant,
    /// Revoked (a revoked refresh token presented again is reuse).
    pub revoked: bool,
    /// The ID token claims issued alongside.
    pub id_token: Map<String, Value>,
    /// The authorization code it came from (to revoke on code reuse).
    pub from_code: Option<String>,
    /// When it was created.
    pub created: DateTime<Utc>,
}

/// A device authorization (RFC 8628), spec §7.1.10.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceToken {
    /// Row id.
    pub pk: i64,
    /// Provider.
    pub provider: i64,
    /// Set once a user approved it.
    pub user: Option<i64>,
    /// The device code (128 characters).
    pub device_code: String,
    /// The user code (9 digits).
    pub user_code: String,
    /// Requested scopes.
    pub scope: Vec<String>,
    /// Expiry.
    pub expires: DateTime<Utc>,
    /// Set at approval: the login time.
    pub auth_time: Option<DateTime<Utc>>,
    /// Set at approval: the authenticated session.
    pub session: Option<Uuid>,
}

/// Model names as authentik reports them.
pub const PROVIDER_MODEL: &str = "authentik_providers_oauth2.oauth2provider";
/// Scope mapping model name.
pub const SCOPE_MAPPING_MODEL: &str = "authentik_providers_oauth2.scopemapping";

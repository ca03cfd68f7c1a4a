//! OAuth 2.0 error codes and token-endpoint error responses (RFC 6749 §4.1.2.1, §5.2;
//! RFC 6750 §3.1; RFC 8628 §3.5; OpenID Connect Core 1.0 §3.1.2.6).

use serde_json::{Value, json};

/// An OAuth 2.0 / OpenID Connect error code as sent on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `invalid_request`: missing, repeated or malformed parameter.
    InvalidRequest,
    /// `invalid_client`: client authentication failed.
    InvalidClient,
    /// `invalid_grant`: the grant (code, refresh token, credentials) is invalid.
    InvalidGrant,
    /// `unauthorized_client`: the client may not use this grant.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `unsupported_response_type`.
    UnsupportedResponseType,
    /// `invalid_scope`.
    InvalidScope,
    /// `access_denied`.
    AccessDenied,
    /// `login_required` (OIDC `prompt=none` without a session).
    LoginRequired,
    /// `consent_required` (OIDC `prompt=none` when consent is needed).
    ConsentRequired,
    /// `request_not_supported` (OIDC request objects).
    RequestNotSupported,
    /// `authorization_pending` (RFC 8628: the user has not approved yet).
    AuthorizationPending,
    /// `slow_down` (RFC 8628: polling too fast).
    SlowDown,
    /// `expired_token` (RFC 8628: the device code expired).
    ExpiredToken,
    /// `invalid_token` (RFC 6750: bearer token invalid).
    InvalidToken,
    /// `insufficient_scope` (RFC 6750: bearer token lacks a scope).
    InsufficientScope,
    /// `server_error`.
    ServerError,
}

impl ErrorCode {
    /// The registered error name (`"invalid_request"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::ServerError => "server_error",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answered by the token, introspection, revocation or userinfo endpoints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct TokenError {
    /// The error code.
    pub code: ErrorCode,
    /// Human-readable `error_description` (never contains secrets).
    pub description: String,
}

impl TokenError {
    /// Builds an error from a code and a description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    /// HTTP status for the response: 401 for `invalid_client` (RFC 6749 §5.2) and
    /// `invalid_token` (RFC 6750 §3.1), 403 for `access_denied` and `insufficient_scope`,
    /// 500 for `server_error`, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self.code {
            ErrorCode::InvalidClient | ErrorCode::InvalidToken => 401,
            ErrorCode::AccessDenied | ErrorCode::InsufficientScope => 403,
            ErrorCode::ServerError => 500,
            _ => 400,
        }
    }

    /// JSON body `{"error": …, "error_description": …}`.
    pub fn body(&self) -> Value {
        json!({
            "error": self.code.as_str(),
            "error_description": self.description,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_rfc_names() {
        assert_eq!(ErrorCode::InvalidRequest.as_str(), "invalid_request");
        assert_eq!(
            ErrorCode::RequestNotSupported.as_str(),
            "request_not_supported"
        );
        assert_eq!(
            ErrorCode::AuthorizationPending.as_str(),
            "authorization_pending"
        );
        assert_eq!(
            ErrorCode::UnsupportedResponseType.to_string(),
            "unsupported_response_type"
        );
        assert_eq!(ErrorCode::InsufficientScope.as_str(), "insufficient_scope");
    }

    #[test]
    fn statuses() {
        assert_eq!(TokenError::new(ErrorCode::InvalidGrant, "x").status(), 400);
        assert_eq!(TokenError::new(ErrorCode::InvalidClient, "x").status(), 401);
        assert_eq!(TokenError::new(ErrorCode::AccessDenied, "x").status(), 403);
        assert_eq!(
            TokenError::new(ErrorCode::AuthorizationPending, "x").status(),
            400
        );
        assert_eq!(TokenError::new(ErrorCode::InvalidToken, "x").status(), 401);
        assert_eq!(
            TokenError::new(ErrorCode::InsufficientScope, "x").status(),
            403
        );
    }

    #[test]
    fn body_shape() {
        let e = TokenError::new(ErrorCode::InvalidScope, "bad scope");
        assert_eq!(
            e.body(),
            json!({"error": "invalid_scope", "error_description": "bad scope"})
        );
        assert_eq!(e.to_string(), "invalid_scope: bad scope");
    }
}

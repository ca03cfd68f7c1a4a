//! Refreshing an access token (RFC 6749 §6, §10.4 refresh token rotation and reuse
//! detection; spec §7.1.4 grant 2).

use chrono::{DateTime, Utc};

use castellan_core::oauth2::{IssuedToken, TokenKind};

use crate::error::{ErrorCode, TokenError};
use crate::scope::OFFLINE_ACCESS;

/// Why a refresh token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshError {
    /// A revoked (already rotated) refresh token was presented again: the caller records
    /// a `suspicious_request` event and answers `invalid_grant`.
    #[error("refresh token reuse")]
    Reuse,
    /// Any other refusal.
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl RefreshError {
    /// The error sent to the client (`Reuse` is `invalid_grant`).
    pub fn token_error(&self) -> TokenError {
        match self {
            Self::Reuse => {
                TokenError::new(ErrorCode::InvalidGrant, "The refresh token is invalid.")
            }
            Self::Token(e) => e.clone(),
        }
    }
}

/// Checks a refresh request and returns the scopes of the new tokens.
///
/// Not a refresh token of this provider, or expired → `invalid_grant`; revoked →
/// [`RefreshError::Reuse`]; requested scopes (default: the token's; an empty list counts
/// as absent) must be a subset of the token's and must include `offline_access`
/// (`invalid_scope`).
pub fn check_refresh(
    token: &IssuedToken,
    provider_pk: i64,
    requested: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, RefreshError> {
    if token.kind != TokenKind::Refresh || token.grant.provider != provider_pk {
        return Err(
            TokenError::new(ErrorCode::InvalidGrant, "The refresh token is invalid.").into(),
        );
    }
    if token.revoked {
        return Err(RefreshError::Reuse);
    }
    if token.grant.expires <= now {
        return Err(
            TokenError::new(ErrorCode::InvalidGrant, "The refresh token has expired.").into(),
        );
    }
    let requested = requested
        .filter(|r| !r.is_empty())
        .unwrap_or(&token.grant.scope);
    let mut scopes: Vec<String> = Vec::new();
    for scope in requested {
        if !token.grant.scope.contains(scope) {
            return Err(TokenError::new(
                ErrorCode::InvalidScope,
                "The requested scope exceeds the scope granted.",
            )
            .into());
        }
        if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    if !scopes.iter().any(|s| s == OFFLINE_ACCESS) {
        return Err(TokenError::new(
            ErrorCode::InvalidScope,
            "The offline_access scope is required to refresh tokens.",
        )
        .into());
    }
    Ok(scopes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use castellan_core::oauth2::TokenGrant;
    use chrono::Duration;
    use serde_json::Map;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn token() -> IssuedToken {
        IssuedToken {
            pk: 1,
            kind: TokenKind::Refresh,
            token: "r".into(),
            grant: TokenGrant {
                provider: 3,
                user: 1,
                scope: v(&["openid", "email", "offline_access"]),
                expires: now() + Duration::days(1),
                auth_time: None,
                session: None,
            },
            revoked: false,
            id_token: Map::new(),
            from_code: None,
            created: now(),
        }
    }

    fn code(r: Result<Vec<String>, RefreshError>) -> ErrorCode {
        match r {
            Err(RefreshError::Token(e)) => e.code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_to_token_scopes() {
        assert_eq!(
            check_refresh(&token(), 3, None, now()).unwrap(),
            v(&["openid", "email", "offline_access"])
        );
        assert_eq!(
            check_refresh(&token(), 3, Some(&[]), now()).unwrap(),
            v(&["openid", "email", "offline_access"])
        );
    }

    #[test]
    fn narrowing_allowed() {
        let req = v(&["offline_access", "openid", "openid"]);
        assert_eq!(
            check_refresh(&token(), 3, Some(&req), now()).unwrap(),
            v(&["offline_access", "openid"])
        );
    }

    #[test]
    fn widening_and_dropping_offline_access_rejected() {
        let req = v(&["openid", "offline_access", "profile"]);
        assert_eq!(
            code(check_refresh(&token(), 3, Some(&req), now())),
            ErrorCode::InvalidScope
        );
        let req = v(&["openid"]);
        assert_eq!(
            code(check_refresh(&token(), 3, Some(&req), now())),
            ErrorCode::InvalidScope
        );
        let mut t = token();
        t.grant.scope = v(&["openid"]);
        assert_eq!(
            code(check_refresh(&t, 3, None, now())),
            ErrorCode::InvalidScope
        );
    }

    #[test]
    fn reuse_detected() {
        let mut t = token();
        t.revoked = true;
        let e = check_refresh(&t, 3, None, now()).unwrap_err();
        assert_eq!(e, RefreshError::Reuse);
        assert_eq!(e.token_error().code, ErrorCode::InvalidGrant);
    }

    #[test]
    fn wrong_provider_kind_or_expired() {
        assert_eq!(
            code(check_refresh(&token(), 4, None, now())),
            ErrorCode::InvalidGrant
        );
        let mut revoked_elsewhere = token();
        revoked_elsewhere.revoked = true;
        assert_eq!(
            code(check_refresh(&revoked_elsewhere, 4, None, now())),
            ErrorCode::InvalidGrant
        );
        let mut access = token();
        access.kind = TokenKind::Access;
        assert_eq!(
            code(check_refresh(&access, 3, None, now())),
            ErrorCode::InvalidGrant
        );
        let later = now() + Duration::days(1);
        assert_eq!(
            code(check_refresh(&token(), 3, None, later)),
            ErrorCode::InvalidGrant
        );
    }
}

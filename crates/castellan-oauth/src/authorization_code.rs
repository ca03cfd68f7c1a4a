//! Access token request with an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6;
//! spec §7.1.4 grant 1, with `redirect_uri` equality enforced).

use chrono::{DateTime, Utc};

use castellan_core::oauth2::AuthorizationCode;

use crate::error::{ErrorCode, TokenError};
use crate::pkce;

fn invalid_grant(description: &str) -> TokenError {
    TokenError::new(ErrorCode::InvalidGrant, description)
}

/// Checks that `code` may be exchanged by provider `provider_pk` now.
///
/// Wrong provider, expired or already used → `invalid_grant` (the caller revokes what a
/// used code issued); a missing `redirect_uri` → `invalid_request`, one different from
/// the authorization request's → `invalid_grant` (RFC 6749 §4.1.3; authentik 2024.10 only
/// checks the allowed list); PKCE: a challenge needs a verifying `code_verifier`, and a
/// verifier for a code without challenge is rejected (downgrade protection).
pub fn check_exchange(
    code: &AuthorizationCode,
    provider_pk: i64,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), TokenError> {
    if code.grant.provider != provider_pk {
        return Err(invalid_grant("The authorization code is invalid."));
    }
    if code.used {
        return Err(invalid_grant("The authorization code was already used."));
    }
    if code.grant.expires <= now {
        return Err(invalid_grant("The authorization code has expired."));
    }
    match redirect_uri.filter(|u| !u.is_empty()) {
        None => {
            return Err(TokenError::new(
                ErrorCode::InvalidRequest,
                "The redirect_uri parameter is required.",
            ));
        }
        Some(uri) if uri != code.redirect_uri => {
            return Err(invalid_grant(
                "The redirect_uri does not match the authorization request.",
            ));
        }
        Some(_) => {}
    }
    let verifier = code_verifier.filter(|v| !v.is_empty());
    match (
        code.code_challenge.as_deref().filter(|c| !c.is_empty()),
        verifier,
    ) {
        (Some(challenge), Some(verifier)) => {
            let method = code
                .code_challenge_method
                .as_deref()
                .filter(|m| !m.is_empty())
                .unwrap_or(pkce::PLAIN);
            if !pkce::verify(challenge, method, verifier) {
                return Err(invalid_grant("The code_verifier does not match."));
            }
        }
        (Some(_), None) => return Err(invalid_grant("The code_verifier is required.")),
        (None, Some(_)) => {
            return Err(invalid_grant(
                "A code_verifier was sent for a code issued without a code_challenge.",
            ));
        }
        (None, None) => {}
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use castellan_core::oauth2::TokenGrant;
    use chrono::Duration;

    const CB: &str = "https://app.example.com/cb";
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn code() -> AuthorizationCode {
        AuthorizationCode {
            pk: 1,
            code: "c".into(),
            grant: TokenGrant {
                provider: 7,
                user: 1,
                scope: vec!["openid".into()],
                expires: now() + Duration::seconds(60),
                auth_time: None,
                session: None,
            },
            nonce: None,
            code_challenge: None,
            code_challenge_method: None,
            redirect_uri: CB.into(),
            used: false,
        }
    }

    fn code_of(e: Result<(), TokenError>) -> ErrorCode {
        e.unwrap_err().code
    }

    #[test]
    fn valid_exchange() {
        assert!(check_exchange(&code(), 7, Some(CB), None, now()).is_ok());
    }

    #[test]
    fn wrong_provider_expired_used() {
        assert_eq!(
            code_of(check_exchange(&code(), 8, Some(CB), None, now())),
            ErrorCode::InvalidGrant
        );
        let later = now() + Duration::seconds(60);
        assert_eq!(
            code_of(check_exchange(&code(), 7, Some(CB), None, later)),
            ErrorCode::InvalidGrant
        );
        let mut used = code();
        used.used = true;
        let e = check_exchange(&used, 7, Some(CB), None, now()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidGrant);
        assert!(e.description.contains("already used"));
    }

    #[test]
    fn redirect_uri_must_equal() {
        assert_eq!(
            code_of(check_exchange(
                &code(),
                7,
                Some("https://app.example.com/cb2"),
                None,
                now()
            )),
            ErrorCode::InvalidGrant
        );
        assert_eq!(
            code_of(check_exchange(
                &code(),
                7,
                Some("https://app.example.com/cb/"),
                None,
                now()
            )),
            ErrorCode::InvalidGrant
        );
        assert_eq!(
            code_of(check_exchange(&code(), 7, None, None, now())),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            code_of(check_exchange(&code(), 7, Some(""), None, now())),
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn pkce_s256() {
        let mut c = code();
        c.code_challenge = Some(CHALLENGE.into());
        c.code_challenge_method = Some("S256".into());
        assert!(check_exchange(&c, 7, Some(CB), Some(VERIFIER), now()).is_ok());
        assert_eq!(
            code_of(check_exchange(&c, 7, Some(CB), None, now())),
            ErrorCode::InvalidGrant
        );
        let wrong = VERIFIER.replace('d', "x");
        assert_eq!(
            code_of(check_exchange(&c, 7, Some(CB), Some(&wrong), now())),
            ErrorCode::InvalidGrant
        );
        // The challenge itself is not a valid plain verifier for an S256 code.
        assert_eq!(
            code_of(check_exchange(&c, 7, Some(CB), Some(CHALLENGE), now())),
            ErrorCode::InvalidGrant
        );
    }

    #[test]
    fn pkce_plain_default_method() {
        let mut c = code();
        c.code_challenge = Some(VERIFIER.into());
        assert!(check_exchange(&c, 7, Some(CB), Some(VERIFIER), now()).is_ok());
    }

    #[test]
    fn pkce_downgrade_rejected() {
        assert_eq!(
            code_of(check_exchange(&code(), 7, Some(CB), Some(VERIFIER), now())),
            ErrorCode::InvalidGrant
        );
    }
}

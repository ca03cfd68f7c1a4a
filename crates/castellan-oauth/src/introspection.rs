//! Token introspection response (RFC 7662 §2.2; spec §7.1.7).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use castellan_core::oauth2::{IssuedToken, TokenKind};

/// The introspection response for `token` (already looked up among the authenticated
/// client's own tokens).
///
/// Unknown, expired, revoked or ID-token-less tokens are `{"active": false}`. Active
/// tokens carry their ID token claims plus `active`, `scope` (space-joined) and
/// `client_id`; access tokens also get `token_type: "Bearer"` (an addition to
/// authentik's response).
pub fn response(token: Option<&IssuedToken>, client_id: &str, now: DateTime<Utc>) -> Value {
    let Some(token) =
        token.filter(|t| !t.revoked && t.grant.expires > now && !t.id_token.is_empty())
    else {
        let mut inactive = Map::new();
        inactive.insert("active".into(), Value::Bool(false));
        return Value::Object(inactive);
    };
    let mut out = Map::new();
    out.insert("active".into(), Value::Bool(true));
    for (key, value) in &token.id_token {
        out.entry(key.clone()).or_insert_with(|| value.clone());
    }
    out.insert("scope".into(), Value::from(token.grant.scope.join(" ")));
    out.insert("client_id".into(), Value::from(client_id));
    if token.kind == TokenKind::Access {
        out.insert("token_type".into(), Value::from("Bearer"));
    }
    Value::Object(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use castellan_core::oauth2::TokenGrant;
    use chrono::Duration;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn token(kind: TokenKind) -> IssuedToken {
        IssuedToken {
            pk: 1,
            kind,
            token: "t".into(),
            grant: TokenGrant {
                provider: 1,
                user: 1,
                scope: vec!["openid".into(), "email".into()],
                expires: now() + Duration::hours(1),
                auth_time: None,
                session: None,
            },
            revoked: false,
            id_token: json!({"sub": "u", "iss": "i", "active": false, "exp": 1})
                .as_object()
                .unwrap()
                .clone(),
            from_code: None,
            created: now(),
        }
    }

    #[test]
    fn active_access_token() {
        let r = response(Some(&token(TokenKind::Access)), "client", now());
        assert_eq!(
            r,
            json!({"active": true, "sub": "u", "iss": "i", "exp": 1, "scope": "openid email",
                   "client_id": "client", "token_type": "Bearer"})
        );
    }

    #[test]
    fn active_refresh_token_has_no_token_type() {
        let r = response(Some(&token(TokenKind::Refresh)), "client", now());
        assert_eq!(r["active"], json!(true));
        assert!(r.get("token_type").is_none());
    }

    #[test]
    fn inactive_cases() {
        let inactive = json!({"active": false});
        assert_eq!(response(None, "c", now()), inactive);
        let mut revoked = token(TokenKind::Access);
        revoked.revoked = true;
        assert_eq!(response(Some(&revoked), "c", now()), inactive);
        let t = token(TokenKind::Access);
        assert_eq!(
            response(Some(&t), "c", now() + Duration::hours(1)),
            inactive
        );
        let mut no_id = token(TokenKind::Access);
        no_id.id_token = Map::new();
        assert_eq!(response(Some(&no_id), "c", now()), inactive);
    }
}

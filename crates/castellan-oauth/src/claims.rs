//! ID token and access token claims (OpenID Connect Core 1.0 §2, §3.1.3.6, §5.1;
//! spec §7.1.5).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use castellan_core::oauth2::SubMode;

use crate::tokens::token_hash;

/// The `acr` value authentik reports.
pub const ACR: &str = "goauthentik.io/providers/oauth2/default";

/// Claims set by the provider itself, which scope mappings can never override.
pub const REGISTERED_CLAIMS: [&str; 12] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "c_hash",
    "sid",
    "acr",
    "amr",
];

/// The user facts claims are built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimsUser {
    /// Integer primary key.
    pub pk: i64,
    /// Hashed user id (`user.uid`).
    pub uid: String,
    /// The user's UUID.
    pub uuid: Uuid,
    /// Username.
    pub username: String,
    /// Email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// User attributes (for `upn`).
    pub attributes: Map<String, Value>,
}

/// The `sub` claim for a user under `mode`.
pub fn subject(mode: SubMode, user: &ClaimsUser) -> String {
    match mode {
        SubMode::HashedUserId => user.uid.clone(),
        SubMode::UserId => user.pk.to_string(),
        SubMode::UserUuid => user.uuid.to_string(),
        SubMode::UserUsername => user.username.clone(),
        SubMode::UserEmail => user.email.clone(),
        SubMode::UserUpn => match user.attributes.get("upn") {
            Some(Value::String(upn)) if !upn.is_empty() => upn.clone(),
            _ => user.uid.clone(),
        },
    }
}

/// Everything an ID token is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct IdTokenInput<'a> {
    /// `iss`.
    pub issuer: &'a str,
    /// `aud`.
    pub client_id: &'a str,
    /// `sub` (see [`subject`]).
    pub sub: String,
    /// `iat`.
    pub now: DateTime<Utc>,
    /// `exp`.
    pub expires: DateTime<Utc>,
    /// `auth_time`: when the user logged in.
    pub auth_time: Option<DateTime<Utc>>,
    /// `amr` (see [`amr`]); omitted when empty.
    pub amr: Vec<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// The session key; `sid` is its hex SHA-256.
    pub session_key: Option<&'a str>,
    /// `at_hash` (computed by the signer for its algorithm).
    pub at_hash: Option<String>,
    /// `c_hash` (computed by the signer for its algorithm).
    pub c_hash: Option<String>,
    /// Claims from the token's scope mappings, when they go into the ID token.
    pub scope_claims: Option<Map<String, Value>>,
}

/// Builds the ID token claims. Absent values are omitted rather than sent as `null`.
///
/// Scope-mapping claims are deep-merged in (see [`deep_merge`]) but never replace the
/// registered claims in [`REGISTERED_CLAIMS`]; authentik 2024.10 lets a mapping override
/// them (e.g. `sub`), Castellan ignores such keys. Null values inside mapping claims are
/// kept, as authentik does.
pub fn id_token_claims(input: IdTokenInput<'_>) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("iss".into(), Value::from(input.issuer));
    claims.insert("sub".into(), Value::from(input.sub));
    claims.insert("aud".into(), Value::from(input.client_id));
    claims.insert("exp".into(), Value::from(input.expires.timestamp()));
    claims.insert("iat".into(), Value::from(input.now.timestamp()));
    if let Some(auth_time) = input.auth_time {
        claims.insert("auth_time".into(), Value::from(auth_time.timestamp()));
    }
    claims.insert("acr".into(), Value::from(ACR));
    if !input.amr.is_empty() {
        claims.insert("amr".into(), Value::from(input.amr));
    }
    if let Some(nonce) = input.nonce {
        claims.insert("nonce".into(), Value::from(nonce));
    }
    if let Some(at_hash) = input.at_hash {
        claims.insert("at_hash".into(), Value::from(at_hash));
    }
    if let Some(c_hash) = input.c_hash {
        claims.insert("c_hash".into(), Value::from(c_hash));
    }
    if let Some(key) = input.session_key {
        claims.insert("sid".into(), Value::from(token_hash(key)));
    }
    if let Some(mut extra) = input.scope_claims {
        extra.retain(|key, _| !REGISTERED_CLAIMS.contains(&key.as_str()));
        deep_merge(&mut claims, extra);
    }
    claims
}

/// Access token claims: the ID token claims plus `azp` (the client id) and `uid`
/// (a random id for this token).
pub fn access_token_claims(
    id_claims: &Map<String, Value>,
    client_id: &str,
    uid: &str,
) -> Map<String, Value> {
    let mut claims = id_claims.clone();
    claims.insert("azp".into(), Value::from(client_id));
    claims.insert("uid".into(), Value::from(uid));
    claims
}

/// Deep-merges `from` into `into` the way authentik combines scope mappings: objects are
/// merged recursively, arrays are appended, anything else is replaced.
pub fn deep_merge(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                deep_merge(existing, incoming);
            }
            (Some(Value::Array(existing)), Value::Array(incoming)) => {
                existing.extend(incoming);
            }
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// The `amr` values for a login (RFC 8176): `pwd` for password logins, `user` for
/// passwordless WebAuthn, plus `mfa` when MFA devices were used and another method is
/// present. Other methods (tokens, app passwords, JWT, client secrets) give none.
pub fn amr(auth_method: &str, mfa_used: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    match auth_method {
        "password" | "ldap" => out.push("pwd".into()),
        "auth_webauthn_pwl" => out.push("user".into()),
        _ => {}
    }
    if mfa_used && !out.is_empty() {
        out.push("mfa".into());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn user() -> ClaimsUser {
        ClaimsUser {
            pk: 42,
            uid: "hashed".into(),
            uuid: Uuid::nil(),
            username: "alice".into(),
            email: "alice@example.com".into(),
            name: "Alice".into(),
            attributes: Map::new(),
        }
    }

    fn input() -> IdTokenInput<'static> {
        IdTokenInput {
            issuer: "https://id.example.com/application/o/app/",
            client_id: "client",
            sub: "hashed".into(),
            now: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
            expires: Utc.timestamp_opt(1_700_003_600, 0).unwrap(),
            auth_time: None,
            amr: vec![],
            nonce: None,
            session_key: None,
            at_hash: None,
            c_hash: None,
            scope_claims: None,
        }
    }

    #[test]
    fn subjects() {
        let mut u = user();
        assert_eq!(subject(SubMode::HashedUserId, &u), "hashed");
        assert_eq!(subject(SubMode::UserId, &u), "42");
        assert_eq!(
            subject(SubMode::UserUuid, &u),
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(subject(SubMode::UserUsername, &u), "alice");
        assert_eq!(subject(SubMode::UserEmail, &u), "alice@example.com");
        assert_eq!(subject(SubMode::UserUpn, &u), "hashed");
        u.attributes.insert("upn".into(), json!(7));
        assert_eq!(subject(SubMode::UserUpn, &u), "hashed");
        u.attributes.insert("upn".into(), json!("alice@corp"));
        assert_eq!(subject(SubMode::UserUpn, &u), "alice@corp");
    }

    #[test]
    fn minimal_id_token_omits_absent_values() {
        let claims = id_token_claims(input());
        assert_eq!(
            Value::Object(claims),
            json!({
                "iss": "https://id.example.com/application/o/app/",
                "sub": "hashed",
                "aud": "client",
                "exp": 1_700_003_600,
                "iat": 1_700_000_000,
                "acr": ACR,
            })
        );
    }

    #[test]
    fn full_id_token() {
        let mut i = input();
        i.auth_time = Some(Utc.timestamp_opt(1_699_999_000, 0).unwrap());
        i.amr = amr("password", true);
        i.nonce = Some("n".into());
        i.session_key = Some("abc");
        i.at_hash = Some("ah".into());
        i.c_hash = Some("ch".into());
        let claims = id_token_claims(i);
        assert_eq!(claims["auth_time"], json!(1_699_999_000));
        assert_eq!(claims["amr"], json!(["pwd", "mfa"]));
        assert_eq!(claims["nonce"], json!("n"));
        assert_eq!(claims["at_hash"], json!("ah"));
        assert_eq!(claims["c_hash"], json!("ch"));
        assert_eq!(
            claims["sid"],
            json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[test]
    fn scope_claims_never_override_registered() {
        let mut i = input();
        i.nonce = Some("real".into());
        i.scope_claims = Some(
            json!({"sub": "evil", "iss": "evil", "nonce": "evil", "email": "a@b", "groups": ["g"]})
                .as_object()
                .unwrap()
                .clone(),
        );
        let claims = id_token_claims(i);
        assert_eq!(claims["sub"], json!("hashed"));
        assert_eq!(
            claims["iss"],
            json!("https://id.example.com/application/o/app/")
        );
        assert_eq!(claims["nonce"], json!("real"));
        assert_eq!(claims["email"], json!("a@b"));
        assert_eq!(claims["groups"], json!(["g"]));
    }

    #[test]
    fn access_token_adds_azp_and_uid() {
        let id = id_token_claims(input());
        let at = access_token_claims(&id, "client", "u1");
        assert_eq!(at["azp"], json!("client"));
        assert_eq!(at["uid"], json!("u1"));
        assert_eq!(at["sub"], id["sub"]);
        assert_eq!(at.len(), id.len() + 2);
    }

    #[test]
    fn deep_merge_semantics() {
        let mut into = json!({"a": {"x": 1, "y": [1]}, "b": 1, "l": [1]})
            .as_object()
            .unwrap()
            .clone();
        let from = json!({"a": {"y": [2], "z": 3}, "b": {"n": 1}, "l": [2], "c": null})
            .as_object()
            .unwrap()
            .clone();
        deep_merge(&mut into, from);
        assert_eq!(
            Value::Object(into),
            json!({"a": {"x": 1, "y": [1, 2], "z": 3}, "b": {"n": 1}, "l": [1, 2], "c": null})
        );
    }

    #[test]
    fn amr_values() {
        assert_eq!(amr("password", false), vec!["pwd"]);
        assert_eq!(amr("password", true), vec!["pwd", "mfa"]);
        assert_eq!(amr("auth_webauthn_pwl", false), vec!["user"]);
        assert_eq!(amr("auth_webauthn_pwl", true), vec!["user", "mfa"]);
        assert!(amr("token", true).is_empty());
        assert!(amr("app_password", false).is_empty());
        assert!(amr("", true).is_empty());
    }
}

//! OpenID Provider metadata (OpenID Connect Discovery 1.0 §3; spec §7.1.9).

use serde_json::{Value, json};

use crate::claims::ACR;
use crate::response_type::ResponseType;

/// The claims every provider lists in `claims_supported`.
pub const STANDARD_CLAIMS: [&str; 9] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "acr",
    "amr",
    "nonce",
];

/// What the discovery document is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryInput<'a> {
    /// The issuer (see [`crate::issuer::issuer`]).
    pub issuer: &'a str,
    /// `scheme://host[:port]` the endpoints live under.
    pub base_url: &'a str,
    /// The application's slug.
    pub app_slug: &'a str,
    /// `RS256`, `ES256`, … or `HS256`.
    pub signing_alg: &'a str,
    /// The provider's scope names.
    pub scopes: Vec<String>,
    /// Claim names returned by the provider's scope mappings.
    pub claims: Vec<String>,
    /// Whether tokens are encrypted (JWE).
    pub encryption: bool,
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// The `.well-known/openid-configuration` document.
pub fn document(input: DiscoveryInput<'_>) -> Value {
    let base = input.base_url.trim_end_matches('/');
    let slug = input.app_slug;
    let mut scopes: Vec<String> = Vec::new();
    for scope in input.scopes.iter().map(String::as_str).chain(["openid"]) {
        push_unique(&mut scopes, scope);
    }
    let mut claims: Vec<String> = Vec::new();
    for claim in STANDARD_CLAIMS
        .iter()
        .copied()
        .chain(input.claims.iter().map(String::as_str))
    {
        push_unique(&mut claims, claim);
    }
    let response_types: Vec<&str> = ResponseType::ALL.iter().map(|rt| rt.as_str()).collect();
    let mut doc = json!({
        "issuer": input.issuer,
        "authorization_endpoint": format!("{base}/application/o/authorize/"),
        "token_endpoint": format!("{base}/application/o/token/"),
        "userinfo_endpoint": format!("{base}/application/o/userinfo/"),
        "end_session_endpoint": format!("{base}/application/o/{slug}/end-session/"),
        "introspection_endpoint": format!("{base}/application/o/introspect/"),
        "revocation_endpoint": format!("{base}/application/o/revoke/"),
        "device_authorization_endpoint": format!("{base}/application/o/device/"),
        "response_types_supported": response_types,
        "response_modes_supported": ["query", "fragment", "form_post"],
        "jwks_uri": format!("{base}/application/o/{slug}/jwks/"),
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "implicit",
            "client_credentials",
            "password",
            "urn:ietf:params:oauth:grant-type:device_code",
        ],
        "id_token_signing_alg_values_supported": [input.signing_alg],
        "subject_types_supported": ["public"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "acr_values_supported": [ACR],
        "scopes_supported": scopes,
        "request_parameter_supported": false,
        "claims_supported": claims,
        "claims_parameter_supported": false,
        "code_challenge_methods_supported": ["plain", "S256"],
    });
    if input.encryption
        && let Some(map) = doc.as_object_mut()
    {
        map.insert(
            "id_token_encryption_alg_values_supported".into(),
            json!(["RSA-OAEP-256"]),
        );
        map.insert(
            "id_token_encryption_enc_values_supported".into(),
            json!(["A256CBC-HS512"]),
        );
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(encryption: bool) -> DiscoveryInput<'static> {
        DiscoveryInput {
            issuer: "https://id.example.com/application/o/app/",
            base_url: "https://id.example.com",
            app_slug: "app",
            signing_alg: "RS256",
            scopes: vec!["email".into(), "openid".into(), "profile".into()],
            claims: vec!["email".into(), "sub".into(), "groups".into()],
            encryption,
        }
    }

    #[test]
    fn endpoints_and_lists() {
        let d = document(input(false));
        assert_eq!(d["issuer"], "https://id.example.com/application/o/app/");
        assert_eq!(
            d["authorization_endpoint"],
            "https://id.example.com/application/o/authorize/"
        );
        assert_eq!(
            d["token_endpoint"],
            "https://id.example.com/application/o/token/"
        );
        assert_eq!(
            d["userinfo_endpoint"],
            "https://id.example.com/application/o/userinfo/"
        );
        assert_eq!(
            d["end_session_endpoint"],
            "https://id.example.com/application/o/app/end-session/"
        );
        assert_eq!(
            d["introspection_endpoint"],
            "https://id.example.com/application/o/introspect/"
        );
        assert_eq!(
            d["revocation_endpoint"],
            "https://id.example.com/application/o/revoke/"
        );
        assert_eq!(
            d["device_authorization_endpoint"],
            "https://id.example.com/application/o/device/"
        );
        assert_eq!(
            d["jwks_uri"],
            "https://id.example.com/application/o/app/jwks/"
        );
        assert_eq!(
            d["response_types_supported"],
            json!([
                "code",
                "id_token",
                "id_token token",
                "code token",
                "code id_token",
                "code id_token token"
            ])
        );
        assert_eq!(d["scopes_supported"], json!(["email", "openid", "profile"]));
        assert_eq!(
            d["claims_supported"],
            json!([
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "acr",
                "amr",
                "nonce",
                "email",
                "groups"
            ])
        );
        assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));
        assert_eq!(d["request_parameter_supported"], json!(false));
        assert_eq!(d["claims_parameter_supported"], json!(false));
        assert_eq!(
            d["code_challenge_methods_supported"],
            json!(["plain", "S256"])
        );
        assert_eq!(d["acr_values_supported"], json!([ACR]));
        assert!(d.get("id_token_encryption_alg_values_supported").is_none());
    }

    #[test]
    fn openid_added_when_missing() {
        let mut i = input(false);
        i.scopes = vec!["email".into()];
        assert_eq!(document(i)["scopes_supported"], json!(["email", "openid"]));
    }

    #[test]
    fn encryption_fields() {
        let d = document(input(true));
        assert_eq!(
            d["id_token_encryption_alg_values_supported"],
            json!(["RSA-OAEP-256"])
        );
        assert_eq!(
            d["id_token_encryption_enc_values_supported"],
            json!(["A256CBC-HS512"])
        );
    }
}

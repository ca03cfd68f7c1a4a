//! JWT bearer client assertions at the token endpoint (RFC 7523 §2.2, §3; spec §7.1.4
//! grant 3a): the assertion is verified against the JWKS of the provider's
//! `jwks_sources`.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use castellan_crypto::jose::{jwt_header, verify_jwt_with_jwk};

use crate::error::{ErrorCode, TokenError};

/// The only supported `client_assertion_type`.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn invalid_grant(description: &str) -> TokenError {
    TokenError::new(ErrorCode::InvalidGrant, description)
}

/// The keys of a JWKS document (`{"keys": [...]}`) whose `kid` equals `kid`.
fn keys_with_kid<'a>(
    jwks: &'a Value,
    kid: &'a str,
) -> impl Iterator<Item = &'a Map<String, Value>> {
    jwks.get("keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter(move |key| key.get("kid").and_then(Value::as_str) == Some(kid))
}

/// Verifies `assertion` against the JWKS of each source (`(source uuid, JWKS)`) and
/// returns the source that verified it together with the claims.
///
/// The header's `kid` selects the candidate keys across all sources; each is tried with
/// its own `alg`. No `kid`, no verifying key, an `exp` that is not a number in the
/// future, or a missing/empty `sub` → `invalid_grant`. The audience is not checked
/// (as in authentik).
pub fn verify(
    assertion: &str,
    sources: &[(Uuid, Value)],
    now: DateTime<Utc>,
) -> Result<(Uuid, Map<String, Value>), TokenError> {
    let header =
        jwt_header(assertion).map_err(|_| invalid_grant("The client assertion is malformed."))?;
    let Some(kid) = header.get("kid").and_then(Value::as_str) else {
        return Err(invalid_grant("The client assertion has no kid."));
    };
    let verified = sources.iter().find_map(|(source, jwks)| {
        keys_with_kid(jwks, kid).find_map(|key| {
            verify_jwt_with_jwk(assertion, key)
                .ok()
                .map(|(_, claims)| (*source, claims))
        })
    });
    let Some((source, claims)) = verified else {
        return Err(invalid_grant(
            "The client assertion could not be verified with any configured key.",
        ));
    };
    if let Some(exp) = claims.get("exp") {
        match exp.as_f64() {
            Some(exp) if exp > now.timestamp() as f64 => {}
            _ => return Err(invalid_grant("The client assertion has expired.")),
        }
    }
    match claims.get("sub").and_then(Value::as_str) {
        Some(sub) if !sub.is_empty() => Ok((source, claims)),
        _ => Err(invalid_grant("The client assertion has no subject.")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use castellan_crypto::certificate::{KeyAlgorithm, generate_self_signed};
    use castellan_crypto::jose::{JwtSigner, KeyUse, public_jwk};
    use serde_json::json;

    struct Key {
        signer: JwtSigner,
        jwk: Map<String, Value>,
    }

    fn key() -> Key {
        let generated = generate_self_signed("test", &[], 1, KeyAlgorithm::Ecdsa).unwrap();
        Key {
            signer: JwtSigner::from_key_pem(&generated.private_key_pem).unwrap(),
            jwk: public_jwk(
                &generated.certificate_pem,
                &generated.private_key_pem,
                KeyUse::Sig,
            )
            .unwrap(),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    fn sign(key: &Key, claims: Value) -> String {
        key.signer.sign(claims.as_object().unwrap()).unwrap()
    }

    fn jwks(keys: &[&Map<String, Value>]) -> Value {
        json!({ "keys": keys })
    }

    #[test]
    fn verifies_with_matching_source() {
        let (a, b) = (key(), key());
        let (sa, sb) = (Uuid::new_v4(), Uuid::new_v4());
        let exp = now().timestamp() + 60;
        let jwt = sign(&b, json!({"sub": "svc", "exp": exp, "aud": "anything"}));
        let sources = [(sa, jwks(&[&a.jwk])), (sb, jwks(&[&a.jwk, &b.jwk]))];
        let (source, claims) = verify(&jwt, &sources, now()).unwrap();
        assert_eq!(source, sb);
        assert_eq!(claims["sub"], json!("svc"));
    }

    #[test]
    fn kid_must_match_a_key_that_verifies() {
        let (a, b) = (key(), key());
        let jwt = sign(&b, json!({"sub": "svc"}));
        let e = verify(&jwt, &[(Uuid::nil(), jwks(&[&a.jwk]))], now()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidGrant);
        // Same kid but a different key: the signature does not verify.
        let mut forged = a.jwk.clone();
        forged.insert("kid".into(), b.jwk["kid"].clone());
        let e = verify(&jwt, &[(Uuid::nil(), jwks(&[&forged]))], now()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidGrant);
        assert!(verify(&jwt, &[], now()).is_err());
        assert!(verify(&jwt, &[(Uuid::nil(), json!({}))], now()).is_err());
    }

    #[test]
    fn expiry_and_subject() {
        let k = key();
        let sources = [(Uuid::nil(), jwks(&[&k.jwk]))];
        let past = sign(&k, json!({"sub": "svc", "exp": now().timestamp() - 1}));
        assert_eq!(
            verify(&past, &sources, now()).unwrap_err().code,
            ErrorCode::InvalidGrant
        );
        let text_exp = sign(&k, json!({"sub": "svc", "exp": "never"}));
        assert!(verify(&text_exp, &sources, now()).is_err());
        let no_sub = sign(&k, json!({"exp": now().timestamp() + 60}));
        assert_eq!(
            verify(&no_sub, &sources, now()).unwrap_err().code,
            ErrorCode::InvalidGrant
        );
        let no_exp = sign(&k, json!({"sub": "svc"}));
        assert!(verify(&no_exp, &sources, now()).is_ok());
    }

    #[test]
    fn malformed_and_hs256_rejected() {
        let k = key();
        let sources = [(Uuid::nil(), jwks(&[&k.jwk]))];
        assert!(verify("not.a.jwt", &sources, now()).is_err());
        assert!(verify("", &sources, now()).is_err());
        // HS256 signed with a guessable secret never verifies against a public JWKS.
        let hs = JwtSigner::hs256(b"secret")
            .sign(json!({"sub": "svc"}).as_object().unwrap())
            .unwrap();
        assert!(verify(&hs, &sources, now()).is_err());
        // Neither does an unsigned token naming a real kid.
        use base64::Engine as _;
        let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        for alg in ["none", "HS256"] {
            let forged = format!(
                "{}.{}.",
                b64(json!({"alg": alg, "kid": k.jwk["kid"]})),
                b64(json!({"sub": "svc"}))
            );
            assert_eq!(
                verify(&forged, &sources, now()).unwrap_err().code,
                ErrorCode::InvalidGrant,
                "{alg}"
            );
        }
        assert_eq!(
            ASSERTION_TYPE,
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
    }
}

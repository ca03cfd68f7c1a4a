//! Proof Key for Code Exchange (RFC 7636 §4.1–§4.6).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `code_challenge_method=plain`.
pub const PLAIN: &str = "plain";
/// `code_challenge_method=S256`.
pub const S256: &str = "S256";

/// Whether `method` is a supported `code_challenge_method` (`plain` or `S256`, case-sensitive).
pub fn method_valid(method: &str) -> bool {
    method == PLAIN || method == S256
}

/// Whether `verifier` has the RFC 7636 §4.1 shape: 43–128 characters of `[A-Za-z0-9-._~]`.
pub fn verifier_valid(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge for a verifier: `BASE64URL-NOPAD(SHA256(verifier))`.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Verifies `verifier` against a stored `challenge` and `method` (§4.6), in constant time.
/// A malformed verifier or an unknown method never verifies.
pub fn verify(challenge: &str, method: &str, verifier: &str) -> bool {
    if !verifier_valid(verifier) {
        return false;
    }
    let computed = match method {
        S256 => s256_challenge(verifier),
        PLAIN => verifier.to_owned(),
        _ => return false,
    };
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn methods() {
        assert!(method_valid("plain"));
        assert!(method_valid("S256"));
        assert!(!method_valid("s256"));
        assert!(!method_valid(""));
    }

    #[test]
    fn s256_rfc_vector() {
        assert_eq!(s256_challenge(VERIFIER), CHALLENGE);
        assert!(verify(CHALLENGE, "S256", VERIFIER));
        assert!(!verify(CHALLENGE, "S256", &VERIFIER.replace('d', "e")));
        assert!(!verify(CHALLENGE, "plain", VERIFIER));
        assert!(!verify(CHALLENGE, "S512", VERIFIER));
    }

    #[test]
    fn plain() {
        assert!(verify(VERIFIER, "plain", VERIFIER));
        assert!(!verify(VERIFIER, "plain", &format!("{VERIFIER}x")));
    }

    #[test]
    fn verifier_shape() {
        let short = "a".repeat(42);
        assert!(!verify(&short, "plain", &short));
        let min = "a".repeat(43);
        assert!(verify(&min, "plain", &min));
        let max = "~".repeat(128);
        assert!(verify(&max, "plain", &max));
        let long = "a".repeat(129);
        assert!(!verify(&long, "plain", &long));
        let bad = format!("{}+", "a".repeat(43));
        assert!(!verify(&bad, "plain", &bad));
        assert!(!verifier_valid(&format!("{}é", "a".repeat(42))));
    }
}

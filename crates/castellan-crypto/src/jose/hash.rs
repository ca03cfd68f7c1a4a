//! OIDC `at_hash` / `c_hash` (OpenID Connect Core 1.0 §3.1.3.6, §3.3.2.11).

use sha2::{Digest, Sha256, Sha384, Sha512};

use super::JwsAlg;
use super::b64;

/// OIDC at_hash / c_hash: left-most half of the hash of the ASCII value,
/// base64url without padding. The hash is SHA-256 for RS256/ES256/HS256,
/// SHA-384 for ES384 and SHA-512 for ES512.
pub fn oidc_hash(alg: JwsAlg, value: &str) -> String {
    let digest = match alg {
        JwsAlg::Rs256 | JwsAlg::Es256 | JwsAlg::Hs256 => Sha256::digest(value).to_vec(),
        JwsAlg::Es384 => Sha384::digest(value).to_vec(),
        JwsAlg::Es512 => Sha512::digest(value).to_vec(),
    };
    b64::encode(&digest[..digest.len() / 2])
}

#[cfg(test)]
mod tests {
    //! Unit tests for this module.

    use super::*;

    /// OpenID Connect Core 1.0 Appendix A.3/A.4 example (RS256); checked
    /// independently with Python's hashlib.
    #[test]
    fn oidc_spec_example() {
        assert_eq!(
            oidc_hash(JwsAlg::Rs256, "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    /// Expected values computed with Python, e.g.
    /// `base64.urlsafe_b64encode(hashlib.sha384(b"abc").digest()[:24]).rstrip(b"=")`.
    #[test]
    fn hash_per_algorithm() {
        assert_eq!(oidc_hash(JwsAlg::Rs256, "abc"), "ungWv48Bz-pBQUDeXa4iIw");
        assert_eq!(oidc_hash(JwsAlg::Es256, "abc"), "ungWv48Bz-pBQUDeXa4iIw");
        assert_eq!(oidc_hash(JwsAlg::Hs256, "abc"), "ungWv48Bz-pBQUDeXa4iIw");
        assert_eq!(
            oidc_hash(JwsAlg::Es384, "abc"),
            "ywB1P0WjXou1oD1pmsZQBycsMqsO3tFj"
        );
        assert_eq!(
            oidc_hash(JwsAlg::Es512, "abc"),
            "3a81oZNherrMQXNJriBBMRLm-k6JqX6iCp7u5ktV05o"
        );
    }
}

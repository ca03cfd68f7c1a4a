//! JWS algorithm names Castellan signs with (RFC 7518 §3.1).

/// JWS algorithms Castellan signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwsAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// ECDSA on P-521 with SHA-512.
    Es512,
    /// HMAC with SHA-256 (keyed with the client secret).
    Hs256,
}

impl JwsAlg {
    /// The registered `alg` header value, e.g. `RS256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
            Self::Hs256 => "HS256",
        }
    }
}

#[cfg(test)]
mod tests {
    //! Unit tests for this module.

    use super::JwsAlg;

    #[test]
    fn names() {
        assert_eq!(JwsAlg::Rs256.as_str(), "RS256");
        assert_eq!(JwsAlg::Es256.as_str(), "ES256");
        assert_eq!(JwsAlg::Es384.as_str(), "ES384");
        assert_eq!(JwsAlg::Es512.as_str(), "ES512");
        assert_eq!(JwsAlg::Hs256.as_str(), "HS256");
    }
}

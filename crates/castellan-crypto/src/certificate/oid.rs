//! Content bytes (DER without tag and length) of the object identifiers
//! recognised for keys.

/// rsaEncryption, 1.2.840.113549.1.1.1
pub(super) const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// id-RSASSA-PSS, 1.2.840.113549.1.1.10
pub(super) const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
/// id-ecPublicKey, 1.2.840.10045.2.1
pub(super) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// id-Ed25519, 1.3.101.112
pub(super) const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// id-Ed448, 1.3.101.113
pub(super) const ED448: &[u8] = &[0x2b, 0x65, 0x71];
/// prime256v1 / P-256, 1.2.840.10045.3.1.7
pub(super) const CURVE_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// secp384r1 / P-384, 1.3.132.0.34
pub(super) const CURVE_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// secp521r1 / P-521, 1.3.132.0.35
pub(super) const CURVE_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

//! Self-signed certificate generation, like authentik's `CertificateBuilder`.

use std::net::IpAddr;

use rcgen::string::Ia5String;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256,
    SanType, SerialNumber, SignatureAlgorithm,
};
use time::{Duration, OffsetDateTime};

use super::{GeneratedCertificate, KeyAlgorithm};
use crate::CryptoError;
use crate::token::fill_random;

/// Serial number length (RFC 5280 maximum of 20 octets, top bit clear).
const SERIAL_LEN: usize = 20;

/// Generates a key pair (RSA 2048 or ECDSA P-256) and a self-signed
/// SHA-256 certificate with subject `CN=<common_name>`, valid from one day
/// ago until `validity_days` days from now, with a random serial number.
///
/// `subject_alt_names` entries are trimmed; empty ones are skipped, IP
/// addresses become IP SANs, everything else DNS SANs (must be ASCII).
/// The private key is returned as unencrypted PKCS#8 PEM.
pub fn generate_self_signed(
    common_name: &str,
    subject_alt_names: &[String],
    validity_days: u32,
    alg: KeyAlgorithm,
) -> Result<GeneratedCertificate, CryptoError> {
    if common_name.trim().is_empty() {
        return Err(CryptoError::InvalidCertificateParameters(
            "common name must not be empty",
        ));
    }
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.subject_alt_names = san_entries(subject_alt_names)?;
    params.serial_number = Some(random_serial()?);
    let now = OffsetDateTime::now_utc();
    params.not_before = now
        .checked_sub(Duration::days(1))
        .ok_or(CryptoError::InvalidCertificateParameters("invalid clock"))?;
    params.not_after = now
        .checked_add(Duration::days(i64::from(validity_days)))
        .ok_or(CryptoError::InvalidCertificateParameters(
            "validity period too long",
        ))?;

    let key_pair = KeyPair::generate_for(signature_algorithm(alg)).map_err(generation_error)?;
    let certificate = params.self_signed(&key_pair).map_err(generation_error)?;
    Ok(GeneratedCertificate {
        certificate_pem: certificate.pem(),
        private_key_pem: key_pair.serialize_pem(),
    })
}

/// rcgen signature algorithm (and thus key type) for `alg`.
fn signature_algorithm(alg: KeyAlgorithm) -> &'static SignatureAlgorithm {
    match alg {
        KeyAlgorithm::Rsa => &PKCS_RSA_SHA256,
        KeyAlgorithm::Ecdsa => &PKCS_ECDSA_P256_SHA256,
    }
}

/// Converts SAN strings into IP / DNS entries.
fn san_entries(names: &[String]) -> Result<Vec<SanType>, CryptoError> {
    names
        .iter()
        .map(|name| name.trim())
        .filter(|name| !name.is_empty())
        .map(|name| match name.parse::<IpAddr>() {
            Ok(ip) => Ok(SanType::IpAddress(ip)),
            Err(_) => Ia5String::try_from(name)
                .map(SanType::DnsName)
                .map_err(|_| {
                    CryptoError::InvalidCertificateParameters(
                        "subject alternative names must be ASCII DNS names or IP addresses",
                    )
                }),
        })
        .collect()
}

/// A random positive serial number of up to 20 octets.
fn random_serial() -> Result<SerialNumber, CryptoError> {
    let mut serial = [0u8; SERIAL_LEN];
    fill_random(&mut serial)?;
    serial[0] &= 0x7f;
    Ok(SerialNumber::from_slice(&serial))
}

/// Wraps an rcgen error (its messages contain no key material).
fn generation_error(error: rcgen::Error) -> CryptoError {
    CryptoError::CertificateGeneration(error.to_string())
}

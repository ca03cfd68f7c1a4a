//! The `authentik Self-signed Certificate` certificate-key pair that
//! authentik creates at first start (used e.g. to sign tokens).

use castellan_core::certificate::{CertificateKeyPair, SELF_SIGNED_NAME};
use castellan_crypto::certificate::{
    KeyAlgorithm, generate_self_signed, parse_certificate, private_key_type,
};
use castellan_store::{Store, StoreError, certificates};
use uuid::Uuid;

/// Subject alternative name of the generated certificate.
pub const SELF_SIGNED_SAN: &str = "authentik.default";
/// Validity of the generated certificate, in days.
pub const SELF_SIGNED_DAYS: u32 = 365;

/// Creates the self-signed pair when no pair of that name exists; returns
/// whether one was created. An existing pair is never replaced.
///
/// # Errors
/// Generation or database failures.
pub async fn ensure_self_signed(store: &Store) -> anyhow::Result<bool> {
    {
        let mut conn = store.conn().await?;
        if certificates::get_by_name(&mut conn, SELF_SIGNED_NAME)
            .await?
            .is_some()
        {
            return Ok(false);
        }
    }
    let kp = tokio::task::spawn_blocking(build).await??;
    let mut conn = store.conn().await?;
    match certificates::save(&mut conn, &kp, true, store.now()).await {
        Ok(()) => Ok(true),
        // A concurrent first start created it.
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Generates the pair with its cached fields filled.
fn build() -> anyhow::Result<CertificateKeyPair> {
    let generated = generate_self_signed(
        SELF_SIGNED_NAME,
        &[SELF_SIGNED_SAN.to_owned()],
        SELF_SIGNED_DAYS,
        KeyAlgorithm::Rsa,
    )?;
    let info = parse_certificate(&generated.certificate_pem)?;
    let key_type = private_key_type(&generated.private_key_pem)?;
    Ok(CertificateKeyPair {
        kp_uuid: Uuid::new_v4(),
        name: SELF_SIGNED_NAME.to_owned(),
        certificate_data: generated.certificate_pem,
        key_data: generated.private_key_pem,
        managed: None,
        fingerprint_sha256: Some(info.fingerprint_sha256),
        fingerprint_sha1: Some(info.fingerprint_sha1),
        cert_expiry: Some(info.expiry),
        cert_subject: Some(info.subject),
        private_key_type: Some(key_type),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_pair_has_cached_fields() {
        let kp = build().unwrap();
        assert_eq!(kp.name, SELF_SIGNED_NAME);
        assert_eq!(
            kp.cert_subject.as_deref(),
            Some("CN=authentik Self-signed Certificate")
        );
        assert_eq!(kp.private_key_type.as_deref(), Some("rsa"));
        assert!(kp.fingerprint_sha256.is_some_and(|f| f.len() == 95));
        assert!(kp.key_data.contains("PRIVATE KEY"));
    }
}

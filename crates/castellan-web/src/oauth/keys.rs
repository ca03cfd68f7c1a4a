//! The signing and encryption keys of OAuth2 providers (spec §7.1.5): parsed once per
//! certificate-key pair and cached; a changed key (new `kid`) is parsed again.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use castellan_core::oauth2::OAuth2Provider;
use castellan_crypto::certificate::kid;
use castellan_crypto::jose::{JweEncrypter, JwtSigner};
use castellan_store::{AnyConnection, certificates};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// What a provider signs (and optionally encrypts) its JWTs with.
#[derive(Clone)]
pub struct ProviderKeys {
    /// The signer (RS256/ES256 with the signing key, HS256 with the client secret).
    pub signer: Arc<JwtSigner>,
    /// The JWE wrapper when the provider has an encryption key.
    pub encrypter: Option<Arc<JweEncrypter>>,
}

impl ProviderKeys {
    /// Signs `claims` and, when the provider encrypts, wraps the JWS as a JWE.
    pub fn encode(&self, claims: &serde_json::Map<String, serde_json::Value>) -> ApiResult<String> {
        let jws = self
            .signer
            .sign(claims)
            .map_err(|e| ApiError::Internal(format!("signing a token: {e}")))?;
        match &self.encrypter {
            Some(enc) => enc
                .encrypt(&jws)
                .map_err(|e| ApiError::Internal(format!("encrypting a token: {e}"))),
            None => Ok(jws),
        }
    }
}

type Cached<T> = Mutex<HashMap<Uuid, (String, Arc<T>)>>;

/// Parsed keys by certificate-key pair, checked against the stored key's `kid` on every use.
#[derive(Default)]
pub struct KeyCache {
    signers: Cached<JwtSigner>,
    encrypters: Cached<JweEncrypter>,
}

fn cached<T>(map: &Cached<T>, id: Uuid, kid: &str) -> Option<Arc<T>> {
    let guard = map.lock().ok()?;
    guard
        .get(&id)
        .filter(|(k, _)| k == kid)
        .map(|(_, v)| v.clone())
}

fn remember<T>(map: &Cached<T>, id: Uuid, kid: String, value: Arc<T>) {
    if let Ok(mut guard) = map.lock() {
        guard.insert(id, (kid, value));
    }
}

impl KeyCache {
    /// The keys of `provider`. A signing or encryption key without a usable private/public key
    /// is a configuration error (500, logged without key material).
    pub async fn for_provider(
        &self,
        conn: &mut AnyConnection,
        provider: &OAuth2Provider,
    ) -> ApiResult<ProviderKeys> {
        let signer = match provider.signing_key {
            Some(id) => self.signer(conn, id).await?,
            None => Arc::new(JwtSigner::hs256(provider.client_secret.as_bytes())),
        };
        let encrypter = match provider.encryption_key {
            Some(id) => Some(self.encrypter(conn, id).await?),
            None => None,
        };
        Ok(ProviderKeys { signer, encrypter })
    }

    async fn signer(&self, conn: &mut AnyConnection, id: Uuid) -> ApiResult<Arc<JwtSigner>> {
        let kp = certificates::get(conn, id)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("signing key {id} is gone")))?;
        let k = kid(&kp.key_data);
        if let Some(s) = cached(&self.signers, id, &k) {
            return Ok(s);
        }
        let signer = JwtSigner::from_key_pem(&kp.key_data)
            .map_err(|e| ApiError::Internal(format!("signing key {id}: {e}")))?;
        let signer = Arc::new(signer);
        remember(&self.signers, id, k, signer.clone());
        Ok(signer)
    }

    async fn encrypter(&self, conn: &mut AnyConnection, id: Uuid) -> ApiResult<Arc<JweEncrypter>> {
        let kp = certificates::get(conn, id)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("encryption key {id} is gone")))?;
        let k = kid(&kp.key_data);
        if let Some(e) = cached(&self.encrypters, id, &k) {
            return Ok(e);
        }
        let enc = JweEncrypter::from_certificate_pem(&kp.certificate_data, &k)
            .map_err(|e| ApiError::Internal(format!("encryption key {id}: {e}")))?;
        let enc = Arc::new(enc);
        remember(&self.encrypters, id, k, enc.clone());
        Ok(enc)
    }
}

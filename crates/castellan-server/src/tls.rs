//! The HTTPS listener's certificate: `web.tls_certificate`/`web.tls_key`
//! when configured, else a self-signed pair generated once into
//! `data_dir/tls/` (regenerated when missing, unreadable or expired).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use axum_server::tls_rustls::RustlsConfig;
use castellan_crypto::certificate::{KeyAlgorithm, generate_self_signed, parse_certificate};

use crate::config::Settings;

/// Directory under `data_dir` holding the generated pair.
pub const TLS_DIR: &str = "tls";
/// File name of the generated certificate.
pub const CERT_FILE: &str = "cert.pem";
/// File name of the generated private key (mode 0600).
pub const KEY_FILE: &str = "key.pem";
/// Common name of the generated certificate (as authentik's server uses).
pub const GENERATED_CN: &str = "authentik default certificate";
/// Validity of the generated certificate, in days.
pub const GENERATED_DAYS: u32 = 365;

/// Installs aws-lc-rs as rustls' process-wide crypto provider (once; later
/// calls are no-ops).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// A certificate chain and private key, both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct PemPair {
    /// Certificate chain PEM.
    pub certificate: Vec<u8>,
    /// Private key PEM.
    pub key: Vec<u8>,
}

impl std::fmt::Debug for PemPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemPair")
            .field("certificate", &String::from_utf8_lossy(&self.certificate))
            .field("key", &"***")
            .finish()
    }
}

/// The rustls configuration for the HTTPS listener.
///
/// # Errors
/// Unreadable or invalid PEM files, or a failure to generate or write the
/// self-signed pair.
pub async fn rustls_config(settings: &Settings) -> anyhow::Result<RustlsConfig> {
    install_crypto_provider();
    let settings = settings.clone();
    let pair = tokio::task::spawn_blocking(move || load_or_generate(&settings)).await??;
    RustlsConfig::from_pem(pair.certificate, pair.key)
        .await
        .context("loading the HTTPS certificate and key")
}

/// The configured pair, or the generated one under `data_dir`.
///
/// # Errors
/// As [`rustls_config`].
pub fn load_or_generate(settings: &Settings) -> anyhow::Result<PemPair> {
    match (&settings.web.tls_certificate, &settings.web.tls_key) {
        (Some(cert), Some(key)) => Ok(PemPair {
            certificate: std::fs::read(cert)
                .with_context(|| format!("reading web.tls_certificate {}", cert.display()))?,
            key: std::fs::read(key)
                .with_context(|| format!("reading web.tls_key {}", key.display()))?,
        }),
        (None, None) => generated(&settings.data_dir.join(TLS_DIR)),
        _ => anyhow::bail!("web.tls_certificate and web.tls_key must be set together"),
    }
}

/// The pair in `dir`, generated first when missing, unreadable or expired.
fn generated(dir: &Path) -> anyhow::Result<PemPair> {
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if let (Ok(certificate), Ok(key)) = (std::fs::read(&cert_path), std::fs::read(&key_path))
        && still_valid(&certificate)
    {
        return Ok(PemPair { certificate, key });
    }
    let sans: Vec<String> = ["localhost", "authentik.default", "127.0.0.1", "::1"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let pair = generate_self_signed(GENERATED_CN, &sans, GENERATED_DAYS, KeyAlgorithm::Ecdsa)
        .context("generating the HTTPS certificate")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_file(&key_path, pair.private_key_pem.as_bytes(), 0o600)?;
    write_file(&cert_path, pair.certificate_pem.as_bytes(), 0o644)?;
    tracing::info!(path = %cert_path.display(), "generated a self-signed HTTPS certificate");
    Ok(PemPair {
        certificate: pair.certificate_pem.into_bytes(),
        key: pair.private_key_pem.into_bytes(),
    })
}

/// Whether `pem` parses and has not expired.
fn still_valid(pem: &[u8]) -> bool {
    std::str::from_utf8(pem)
        .ok()
        .and_then(|text| parse_certificate(text).ok())
        .is_some_and(|info| info.expiry > chrono::Utc::now())
}

/// Writes `contents` to `path` through a temporary file renamed into place,
/// with permission bits `mode` (on Unix).
fn write_file(path: &Path, contents: &[u8], mode: u32) -> anyhow::Result<()> {
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    // A leftover temporary file would keep its mode: start afresh.
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "castellan-tls-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn generates_once_and_reuses() {
        let dir = temp_dir("reuse");
        let first = generated(&dir.join(TLS_DIR)).unwrap();
        let second = generated(&dir.join(TLS_DIR)).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join(TLS_DIR).join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn garbage_is_replaced() {
        let dir = temp_dir("garbage");
        let tls = dir.join(TLS_DIR);
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::write(tls.join(CERT_FILE), "nope").unwrap();
        std::fs::write(tls.join(KEY_FILE), "nope").unwrap();
        let pair = generated(&tls).unwrap();
        assert!(
            String::from_utf8(pair.certificate)
                .unwrap()
                .contains("BEGIN CERTIFICATE")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn half_configured_pair_is_an_error() {
        let mut settings = Settings::embedded_defaults().unwrap();
        settings.web.tls_certificate = Some(PathBuf::from("/nonexistent.pem"));
        let err = load_or_generate(&settings).unwrap_err();
        assert!(err.to_string().contains("set together"));
    }
}

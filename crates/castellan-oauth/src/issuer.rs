//! The issuer identifier (OpenID Connect Discovery 1.0 §3 `issuer`, OpenID Connect Core
//! 1.0 §2 `iss`; spec §7.1.1 `issuer_mode`).

use castellan_core::oauth2::IssuerMode;

/// The issuer for `mode`: `{base}/application/o/{slug}/` per provider, `{base}/` globally.
///
/// `base_url` is `scheme://host[:port]`; a trailing slash is tolerated.
pub fn issuer(mode: IssuerMode, base_url: &str, app_slug: &str) -> String {
    let base = base_url.trim_end_matches('/');
    match mode {
        IssuerMode::PerProvider => format!("{base}/application/o/{app_slug}/"),
        IssuerMode::Global => format!("{base}/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(
            issuer(IssuerMode::PerProvider, "https://id.example.com", "grafana"),
            "https://id.example.com/application/o/grafana/"
        );
        assert_eq!(
            issuer(IssuerMode::Global, "https://id.example.com", "grafana"),
            "https://id.example.com/"
        );
        assert_eq!(
            issuer(IssuerMode::PerProvider, "http://localhost:9000/", "a"),
            "http://localhost:9000/application/o/a/"
        );
    }
}

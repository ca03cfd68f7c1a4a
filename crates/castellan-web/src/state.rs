//! The shared application state handed to every handler.
use std::sync::Arc;
use std::time::Instant;

use castellan_store::Store;
use uuid::Uuid;

/// Settings the HTTP layer needs (typed; the server crate reads configuration).
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Cookie `Domain` attribute.
    pub cookie_domain: Option<String>,
    /// Debug mode (more detail to superusers).
    pub debug: bool,
    /// Build hash reported by `admin/version/`.
    pub build_hash: String,
    /// Cache timeouts reported by `root/config/` (seconds).
    pub cache_timeouts: [i64; 4],
    /// Whether error reporting is enabled, and its environment / DSN / PII / sample rate.
    pub error_reporting: (bool, String, String, bool, f64),
    /// Proxies whose `X-Forwarded-For` is honoured (network, prefix length).
    pub trusted_proxies: Vec<(std::net::IpAddr, u8)>,
    /// The directory blueprint files are discovered in (`blueprints_dir`); `None`: no directory.
    pub blueprints_dir: Option<std::path::PathBuf>,
    /// Environment variables blueprints applied through the API see with `!Env`.
    pub blueprint_env: crate::blueprints::BlueprintEnv,
    /// Base URL of the HaveIBeenPwned range API (`policies.hibp_url`), without a trailing slash.
    pub hibp_url: String,
    /// Base URL of the Twilio REST API (`sms.twilio_api_url`), without a trailing slash.
    pub twilio_api_url: String,
    /// GeoLite2 City database (`events.context_processors.geoip`); `None`: no GeoIP lookups.
    pub geoip_database: Option<std::path::PathBuf>,
    /// GeoLite2 ASN database (`events.context_processors.asn`); `None`: no ASN lookups.
    pub asn_database: Option<std::path::PathBuf>,
    /// Global email settings (`email.*`).
    pub email: crate::email::EmailSettings,
    /// `web.custom_css`: the stylesheet served as `/static/dist/custom.css`; `None`: empty.
    pub custom_css: Option<std::path::PathBuf>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 2 * 1024 * 1024,
            cookie_domain: None,
            debug: false,
            build_hash: String::new(),
            cache_timeouts: [300, 300, 300, 300],
            error_reporting: (false, String::new(), "customer".into(), false, 0.1),
            trusted_proxies: vec![
                (
                    std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 0)),
                    8,
                ),
                (std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), 128),
            ],
            blueprints_dir: None,
            blueprint_env: crate::blueprints::BlueprintEnv::default(),
            hibp_url: castellan_policy::types::password::DEFAULT_HIBP_BASE_URL.to_string(),
            twilio_api_url: crate::sms::TWILIO_API_URL.to_string(),
            geoip_database: None,
            asn_database: None,
            email: crate::email::EmailSettings::default(),
            custom_css: None,
        }
    }
}

/// Everything a request may need, built once by the server.
#[derive(Clone)]
pub struct AppState {
    /// Database.
    pub store: Store,
    /// Secret key (signs cookies; never logged).
    pub secret_key: Arc<str>,
    /// Install id used in `User.uid`.
    pub install_id: Uuid,
    /// HTTP settings.
    pub settings: Arc<WebSettings>,
    /// When the process started.
    pub started: Instant,
    /// Stage registry and outbound HTTP for flows.
    pub flows: Arc<crate::flow::FlowServices>,
    /// GeoIP and ASN databases (built from `settings` by the server).
    pub geoip: Arc<crate::geoip::GeoIp>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("backend", &self.store.backend())
            .field("install_id", &self.install_id)
            .field("secret_key", &"***")
            .finish()
    }
}

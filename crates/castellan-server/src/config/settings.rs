//! The typed configuration, one field per key of `default.yml`.
//!
//! `Debug` is derived but redacts secrets, because every secret field is a
//! [`Secret`] (printed as `***`).

use std::net::SocketAddr;
use std::path::PathBuf;

use super::choices::{LogLevel, SslMode};
use super::cidr::IpNet;
use super::rate::RateLimit;
use super::secret::Secret;

/// The effective Castellan configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `listen.*`: listener addresses and trusted proxies.
    pub listen: ListenSettings,
    /// `postgresql.*`: used when `postgresql.url` or `postgresql.host` is set.
    pub postgresql: PostgresqlSettings,
    /// `sqlite.*`: used otherwise.
    pub sqlite: SqliteSettings,
    /// `data_dir`: generated TLS certificate and other state.
    pub data_dir: PathBuf,
    /// `secret_key`; `None` (empty) means the caller generates and persists one.
    pub secret_key: Option<Secret>,
    /// `log_level`.
    pub log_level: LogLevel,
    /// `debug`.
    pub debug: bool,
    /// `cookie_domain`; `None` when null or empty.
    pub cookie_domain: Option<String>,
    /// `bootstrap_password` for the initial admin; `None` when empty.
    pub bootstrap_password: Option<Secret>,
    /// `bootstrap_token` for the initial admin's API token; `None` when empty.
    pub bootstrap_token: Option<Secret>,
    /// `bootstrap_email` of the initial admin.
    pub bootstrap_email: String,
    /// `email.*`: outgoing mail.
    pub email: EmailSettings,
    /// `cache.*`: cache lifetimes.
    pub cache: CacheSettings,
    /// `throttle.*`: API rate limits.
    pub throttle: ThrottleSettings,
    /// `web.*`: HTTP server.
    pub web: WebSettings,
    /// `error_reporting.*`: Sentry.
    pub error_reporting: ErrorReportingSettings,
    /// `disable_update_check`.
    pub disable_update_check: bool,
    /// `disable_startup_analytics`.
    pub disable_startup_analytics: bool,
    /// `blueprints_dir`: where blueprint files are discovered; `None` (empty): no directory.
    pub blueprints_dir: Option<PathBuf>,
    /// `policies.hibp_url`: base URL of the HaveIBeenPwned range API (Castellan setting).
    pub hibp_url: String,
    /// `sms.twilio_api_url`: base URL of the Twilio REST API SMS stages call (Castellan setting).
    pub sms_twilio_api_url: String,
    /// `events.context_processors.geoip`: GeoLite2 City database; `None` (empty): none.
    pub geoip_database: Option<PathBuf>,
    /// `events.context_processors.asn`: GeoLite2 ASN database; `None` (empty): none.
    pub asn_database: Option<PathBuf>,
    /// `cert_discovery_dir`.
    pub cert_discovery_dir: PathBuf,
}

/// `listen.*`. `None` means the listener is disabled (empty string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenSettings {
    /// `listen.http`.
    pub http: Option<SocketAddr>,
    /// `listen.https`.
    pub https: Option<SocketAddr>,
    /// `listen.metrics`.
    pub metrics: Option<SocketAddr>,
    /// `listen.ldap`.
    pub ldap: Option<SocketAddr>,
    /// `listen.ldaps`.
    pub ldaps: Option<SocketAddr>,
    /// `listen.radius`.
    pub radius: Option<SocketAddr>,
    /// `listen.trusted_proxy_cidrs`: proxies whose forwarding headers are trusted.
    pub trusted_proxy_cidrs: Vec<IpNet>,
}

/// `postgresql.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresqlSettings {
    /// `postgresql.host`; empty unless PostgreSQL is used.
    pub host: String,
    /// `postgresql.port`.
    pub port: u16,
    /// `postgresql.user`.
    pub user: String,
    /// `postgresql.password`.
    pub password: Secret,
    /// `postgresql.name` (database name).
    pub name: String,
    /// `postgresql.sslmode`.
    pub sslmode: SslMode,
    /// `postgresql.url`; when set it is used as is and wins over the fields above.
    pub url: Option<Secret>,
    /// `postgresql.pool_size`.
    pub pool_size: u32,
}

/// `sqlite.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteSettings {
    /// `sqlite.path` of the database file.
    pub path: PathBuf,
    /// `sqlite.pool_size`.
    pub pool_size: u32,
}

/// `email.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    /// `email.host`.
    pub host: String,
    /// `email.port`.
    pub port: u16,
    /// `email.username`; empty means no authentication.
    pub username: String,
    /// `email.password`.
    pub password: Secret,
    /// `email.use_tls` (STARTTLS).
    pub use_tls: bool,
    /// `email.use_ssl` (implicit TLS); exclusive with `use_tls`.
    pub use_ssl: bool,
    /// `email.timeout` in seconds.
    pub timeout: u64,
    /// `email.from`.
    pub from: String,
    /// `email.template_dir`.
    pub template_dir: PathBuf,
}

/// `cache.*`, all in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// `cache.timeout`.
    pub timeout: u64,
    /// `cache.timeout_flows`.
    pub timeout_flows: u64,
    /// `cache.timeout_policies`.
    pub timeout_policies: u64,
    /// `cache.timeout_reputation`.
    pub timeout_reputation: u64,
}

/// `throttle.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// `throttle.default`.
    pub default: RateLimit,
}

/// `web.*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// `web.tls_certificate` PEM path; `None`: generate a self-signed one into `data_dir`.
    pub tls_certificate: Option<PathBuf>,
    /// `web.tls_key` PEM path; set together with `tls_certificate`.
    pub tls_key: Option<PathBuf>,
    /// `web.max_body_bytes`.
    pub max_body_bytes: usize,
    /// `web.request_timeout_seconds`.
    pub request_timeout_seconds: u64,
    /// `web.custom_css`: a stylesheet every page loads after Castellan's own; `None`: none.
    pub custom_css: Option<PathBuf>,
}

/// `error_reporting.*`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorReportingSettings {
    /// `error_reporting.enabled`.
    pub enabled: bool,
    /// `error_reporting.sentry_dsn`; `None` when empty.
    pub sentry_dsn: Option<String>,
    /// `error_reporting.environment`.
    pub environment: String,
    /// `error_reporting.send_pii`.
    pub send_pii: bool,
    /// `error_reporting.sample_rate`, 0.0 to 1.0.
    pub sample_rate: f64,
}

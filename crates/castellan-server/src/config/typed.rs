//! Building [`Settings`] from the resolved tree, with validation.
//!
//! Every section reads all its keys before giving up, so one pass reports
//! every problem.

use super::choices::{LogLevel, SslMode};
use super::cidr::IpNet;
use super::error::ConfigError;
use super::rate::RateLimit;
use super::reader::Reader;
use super::settings::{
    CacheSettings, EmailSettings, ErrorReportingSettings, ListenSettings, PostgresqlSettings,
    Settings, SqliteSettings, ThrottleSettings, WebSettings,
};
use super::tree::Tree;

/// Converts and validates the tree; all errors are returned together.
///
/// # Errors
/// Every invalid value, one [`ConfigError`] each.
pub fn from_tree(tree: &Tree) -> Result<Settings, Vec<ConfigError>> {
    let mut r = Reader::new(tree);
    let built = build(&mut r);
    match built {
        Some(settings) if r.errors.is_empty() => Ok(settings),
        Some(_) => Err(r.errors),
        None if r.errors.is_empty() => Err(vec![ConfigError::value(
            "config",
            "internal error: a value was rejected without a reason",
        )]),
        None => Err(r.errors),
    }
}

/// Reads every section, then assembles them.
fn build(r: &mut Reader<'_>) -> Option<Settings> {
    let listen = listen(r);
    let postgresql = postgresql(r);
    let sqlite = sqlite(r);
    let data_dir = r.path("data_dir");
    let secret_key = r.opt_secret("secret_key");
    let log_level = r.choice::<LogLevel>("log_level", LogLevel::ALL);
    let debug = r.bool("debug");
    let cookie_domain = r.opt_string("cookie_domain");
    let bootstrap_password = r.opt_secret("bootstrap_password");
    let bootstrap_token = r.opt_secret("bootstrap_token");
    let bootstrap_email = r.string("bootstrap_email");
    let email = email(r);
    let cache = cache(r);
    let throttle = r
        .parsed::<RateLimit>("throttle.default", "a rate like 1000/second")
        .map(|default| ThrottleSettings { default });
    let web = web(r);
    let error_reporting = error_reporting(r);
    let disable_update_check = r.bool("disable_update_check");
    let disable_startup_analytics = r.bool("disable_startup_analytics");
    let blueprints_dir = r.opt_path("blueprints_dir");
    let hibp_url = r.string("policies.hibp_url");
    let sms_twilio_api_url = r.string("sms.twilio_api_url");
    let geoip_database = r.opt_path("events.context_processors.geoip");
    let asn_database = r.opt_path("events.context_processors.asn");
    let cert_discovery_dir = r.path("cert_discovery_dir");
    Some(Settings {
        listen: listen?,
        postgresql: postgresql?,
        sqlite: sqlite?,
        data_dir: data_dir?,
        secret_key: secret_key?,
        log_level: log_level?,
        debug: debug?,
        cookie_domain: cookie_domain?,
        bootstrap_password: bootstrap_password?,
        bootstrap_token: bootstrap_token?,
        bootstrap_email: bootstrap_email?,
        email: email?,
        cache: cache?,
        throttle: throttle?,
        web: web?,
        error_reporting: error_reporting?,
        disable_update_check: disable_update_check?,
        disable_startup_analytics: disable_startup_analytics?,
        blueprints_dir: blueprints_dir?,
        hibp_url: hibp_url?,
        sms_twilio_api_url: sms_twilio_api_url?,
        geoip_database: geoip_database?,
        asn_database: asn_database?,
        cert_discovery_dir: cert_discovery_dir?,
    })
}

/// `listen.*`, validating each trusted proxy CIDR.
fn listen(r: &mut Reader<'_>) -> Option<ListenSettings> {
    let http = r.listen("listen.http");
    let https = r.listen("listen.https");
    let metrics = r.listen("listen.metrics");
    let ldap = r.listen("listen.ldap");
    let ldaps = r.listen("listen.ldaps");
    let radius = r.listen("listen.radius");
    let key = "listen.trusted_proxy_cidrs";
    let cidrs = r.list(key).and_then(|items| {
        let mut nets = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item.parse::<IpNet>() {
                Ok(net) => nets.push(net),
                Err(e) => {
                    ok = false;
                    r.error(key, format!("entry {}: {e}, got {item:?}", i + 1));
                }
            }
        }
        ok.then_some(nets)
    });
    Some(ListenSettings {
        http: http?,
        https: https?,
        metrics: metrics?,
        ldap: ldap?,
        ldaps: ldaps?,
        radius: radius?,
        trusted_proxy_cidrs: cidrs?,
    })
}

/// `postgresql.*`, checking the URL scheme without echoing the URL.
fn postgresql(r: &mut Reader<'_>) -> Option<PostgresqlSettings> {
    let host = r.string("postgresql.host");
    let port = r.port("postgresql.port");
    let user = r.string("postgresql.user");
    let password = r.secret("postgresql.password");
    let name = r.string("postgresql.name");
    let sslmode = r.choice::<SslMode>("postgresql.sslmode", SslMode::ALL);
    let url = r.opt_secret("postgresql.url");
    let pool_size = r.positive("postgresql.pool_size");
    if let Some(Some(url)) = &url {
        let u = url.expose();
        if !(u.starts_with("postgres://") || u.starts_with("postgresql://")) {
            r.error(
                "postgresql.url",
                "invalid value (expected a postgres:// or postgresql:// URL)",
            );
        }
    }
    Some(PostgresqlSettings {
        host: host?.trim().to_owned(),
        port: port?,
        user: user?,
        password: password?,
        name: name?,
        sslmode: sslmode?,
        url: url?,
        pool_size: pool_size?,
    })
}

/// `sqlite.*`.
fn sqlite(r: &mut Reader<'_>) -> Option<SqliteSettings> {
    let path = r.path("sqlite.path");
    let pool_size = r.positive("sqlite.pool_size");
    if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
        r.error("sqlite.path", "must not be empty");
    }
    Some(SqliteSettings {
        path: path?,
        pool_size: pool_size?,
    })
}

/// `email.*`; TLS and SSL are mutually exclusive.
fn email(r: &mut Reader<'_>) -> Option<EmailSettings> {
    let host = r.string("email.host");
    let port = r.port("email.port");
    let username = r.string("email.username");
    let password = r.secret("email.password");
    let use_tls = r.bool("email.use_tls");
    let use_ssl = r.bool("email.use_ssl");
    let timeout = r.seconds("email.timeout");
    let from = r.string("email.from");
    let template_dir = r.path("email.template_dir");
    if use_tls == Some(true) && use_ssl == Some(true) {
        r.error(
            "email.use_ssl",
            "email.use_tls and email.use_ssl are mutually exclusive",
        );
    }
    Some(EmailSettings {
        host: host?,
        port: port?,
        username: username?,
        password: password?,
        use_tls: use_tls?,
        use_ssl: use_ssl?,
        timeout: timeout?,
        from: from?,
        template_dir: template_dir?,
    })
}

/// `cache.*`.
fn cache(r: &mut Reader<'_>) -> Option<CacheSettings> {
    let timeout = r.seconds("cache.timeout");
    let timeout_flows = r.seconds("cache.timeout_flows");
    let timeout_policies = r.seconds("cache.timeout_policies");
    let timeout_reputation = r.seconds("cache.timeout_reputation");
    Some(CacheSettings {
        timeout: timeout?,
        timeout_flows: timeout_flows?,
        timeout_policies: timeout_policies?,
        timeout_reputation: timeout_reputation?,
    })
}

/// `web.*`; certificate and key go together.
fn web(r: &mut Reader<'_>) -> Option<WebSettings> {
    let tls_certificate = r.opt_path("web.tls_certificate");
    let tls_key = r.opt_path("web.tls_key");
    let max_body_bytes = r.uint::<usize>("web.max_body_bytes", "a size in bytes");
    let request_timeout_seconds = r.seconds("web.request_timeout_seconds");
    let custom_css = r.opt_path("web.custom_css");
    if let (Some(cert), Some(key)) = (&tls_certificate, &tls_key) {
        match (cert.is_some(), key.is_some()) {
            (true, false) => r.error("web.tls_key", "must be set when web.tls_certificate is set"),
            (false, true) => r.error("web.tls_certificate", "must be set when web.tls_key is set"),
            _ => {}
        }
    }
    Some(WebSettings {
        tls_certificate: tls_certificate?,
        tls_key: tls_key?,
        max_body_bytes: max_body_bytes?,
        request_timeout_seconds: request_timeout_seconds?,
        custom_css: custom_css?,
    })
}

/// `error_reporting.*`; the sample rate is a fraction.
fn error_reporting(r: &mut Reader<'_>) -> Option<ErrorReportingSettings> {
    let enabled = r.bool("error_reporting.enabled");
    let sentry_dsn = r.opt_string("error_reporting.sentry_dsn");
    let environment = r.string("error_reporting.environment");
    let send_pii = r.bool("error_reporting.send_pii");
    let key = "error_reporting.sample_rate";
    let sample_rate = r.float(key).and_then(|f| {
        if (0.0..=1.0).contains(&f) {
            Some(f)
        } else {
            r.error(key, format!("expected a number from 0.0 to 1.0, got {f}"));
            None
        }
    });
    Some(ErrorReportingSettings {
        enabled: enabled?,
        sentry_dsn: sentry_dsn?,
        environment: environment?,
        send_pii: send_pii?,
        sample_rate: sample_rate?,
    })
}

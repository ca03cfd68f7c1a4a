//! Rendering of the effective configuration for `castellan check-config`.

use std::fmt::Display;
use std::net::SocketAddr;
use std::path::Path;

use super::secret::Secret;
use super::settings::Settings;
use super::tree::Tree;

/// One line per effective key, in `default.yml` order:
/// `key = value (source)`, where source is `default`, a file path or an
/// environment variable name (with `via env://…`/`via file://…` when the
/// value was resolved through a reference). Set secrets show as `***`,
/// unset ones as `""`.
#[must_use]
pub fn render_check(settings: &Settings, tree: &Tree) -> String {
    entries(settings)
        .into_iter()
        .map(|(key, value)| {
            let origin = tree
                .origin(key)
                .map_or_else(|| "default".to_owned(), ToString::to_string);
            format!("{key} = {value} ({origin})\n")
        })
        .collect()
}

/// Every key with its rendered typed value.
pub(crate) fn entries(s: &Settings) -> Vec<(&'static str, String)> {
    let l = &s.listen;
    let pg = &s.postgresql;
    let e = &s.email;
    let c = &s.cache;
    let w = &s.web;
    let er = &s.error_reporting;
    vec![
        ("listen.http", addr(l.http)),
        ("listen.https", addr(l.https)),
        ("listen.metrics", addr(l.metrics)),
        ("listen.ldap", addr(l.ldap)),
        ("listen.ldaps", addr(l.ldaps)),
        ("listen.radius", addr(l.radius)),
        ("listen.trusted_proxy_cidrs", list(&l.trusted_proxy_cidrs)),
        ("postgresql.host", text(&pg.host)),
        ("postgresql.port", pg.port.to_string()),
        ("postgresql.user", text(&pg.user)),
        ("postgresql.password", secret(Some(&pg.password))),
        ("postgresql.name", text(&pg.name)),
        ("postgresql.sslmode", text(pg.sslmode)),
        ("postgresql.url", secret(pg.url.as_ref())),
        ("postgresql.pool_size", pg.pool_size.to_string()),
        ("sqlite.path", path(&s.sqlite.path)),
        ("sqlite.pool_size", s.sqlite.pool_size.to_string()),
        ("data_dir", path(&s.data_dir)),
        ("secret_key", secret(s.secret_key.as_ref())),
        ("log_level", text(s.log_level)),
        ("debug", s.debug.to_string()),
        ("cookie_domain", opt(s.cookie_domain.as_deref())),
        ("bootstrap_password", secret(s.bootstrap_password.as_ref())),
        ("bootstrap_token", secret(s.bootstrap_token.as_ref())),
        ("bootstrap_email", text(&s.bootstrap_email)),
        ("email.host", text(&e.host)),
        ("email.port", e.port.to_string()),
        ("email.username", text(&e.username)),
        ("email.password", secret(Some(&e.password))),
        ("email.use_tls", e.use_tls.to_string()),
        ("email.use_ssl", e.use_ssl.to_string()),
        ("email.timeout", e.timeout.to_string()),
        ("email.from", text(&e.from)),
        ("email.template_dir", path(&e.template_dir)),
        ("cache.timeout", c.timeout.to_string()),
        ("cache.timeout_flows", c.timeout_flows.to_string()),
        ("cache.timeout_policies", c.timeout_policies.to_string()),
        ("cache.timeout_reputation", c.timeout_reputation.to_string()),
        ("throttle.default", text(s.throttle.default)),
        (
            "web.tls_certificate",
            opt_path(w.tls_certificate.as_deref()),
        ),
        ("web.tls_key", opt_path(w.tls_key.as_deref())),
        ("web.max_body_bytes", w.max_body_bytes.to_string()),
        (
            "web.request_timeout_seconds",
            w.request_timeout_seconds.to_string(),
        ),
        ("web.custom_css", opt_path(w.custom_css.as_deref())),
        ("error_reporting.enabled", er.enabled.to_string()),
        ("error_reporting.sentry_dsn", opt(er.sentry_dsn.as_deref())),
        ("error_reporting.environment", text(&er.environment)),
        ("error_reporting.send_pii", er.send_pii.to_string()),
        ("error_reporting.sample_rate", er.sample_rate.to_string()),
        ("disable_update_check", s.disable_update_check.to_string()),
        (
            "disable_startup_analytics",
            s.disable_startup_analytics.to_string(),
        ),
        ("blueprints_dir", opt_path(s.blueprints_dir.as_deref())),
        ("policies.hibp_url", s.hibp_url.clone()),
        ("sms.twilio_api_url", s.sms_twilio_api_url.clone()),
        ("cert_discovery_dir", path(&s.cert_discovery_dir)),
        (
            "events.context_processors.geoip",
            opt_path(s.geoip_database.as_deref()),
        ),
        (
            "events.context_processors.asn",
            opt_path(s.asn_database.as_deref()),
        ),
    ]
}

/// A quoted string.
fn text(v: impl Display) -> String {
    format!("{:?}", v.to_string())
}

/// A quoted path.
fn path(p: &Path) -> String {
    text(p.display())
}

/// A quoted optional string; unset shows as `""`.
fn opt(v: Option<&str>) -> String {
    text(v.unwrap_or_default())
}

/// A quoted optional path; unset shows as `""`.
fn opt_path(p: Option<&Path>) -> String {
    p.map_or_else(|| text(""), path)
}

/// A listen address, or `disabled`.
fn addr(a: Option<SocketAddr>) -> String {
    a.map_or_else(|| "disabled".to_owned(), text)
}

/// A list of quoted items.
fn list<T: Display>(items: &[T]) -> String {
    let inner: Vec<String> = items.iter().map(text).collect();
    format!("[{}]", inner.join(", "))
}

/// `***` when set, `""` when unset or empty.
fn secret(s: Option<&Secret>) -> String {
    match s {
        Some(s) if !s.is_empty() => "***".to_owned(),
        _ => text(""),
    }
}

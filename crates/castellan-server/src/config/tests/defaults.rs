//! The embedded defaults produce the documented settings.

use std::path::PathBuf;

use super::super::check::entries;
use super::super::defaults::{defaults, leaf_keys};
use super::super::{DatabaseBackend, LogLevel, Settings, SslMode};
use super::ok;

#[test]
fn defaults_match_the_specification() {
    let (s, tree) = ok(&[], &[]);
    assert_eq!(s.listen.http, Some("0.0.0.0:9000".parse().unwrap()));
    assert_eq!(s.listen.https, Some("0.0.0.0:9443".parse().unwrap()));
    assert_eq!(s.listen.metrics, Some("0.0.0.0:9300".parse().unwrap()));
    assert_eq!(s.listen.ldap, Some("0.0.0.0:3389".parse().unwrap()));
    assert_eq!(s.listen.ldaps, Some("0.0.0.0:6636".parse().unwrap()));
    assert_eq!(s.listen.radius, Some("0.0.0.0:1812".parse().unwrap()));
    let cidrs: Vec<String> = s
        .listen
        .trusted_proxy_cidrs
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        cidrs,
        [
            "127.0.0.0/8",
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "fe80::/10",
            "::1/128"
        ]
    );
    assert_eq!(s.postgresql.host, "");
    assert_eq!(s.postgresql.port, 5432);
    assert_eq!(s.postgresql.user, "castellan");
    assert!(s.postgresql.password.is_empty());
    assert_eq!(s.postgresql.name, "castellan");
    assert_eq!(s.postgresql.sslmode, SslMode::Prefer);
    assert_eq!(s.postgresql.url, None);
    assert_eq!(s.postgresql.pool_size, 10);
    assert_eq!(s.sqlite.path, PathBuf::from("./data/castellan.db"));
    assert_eq!(s.sqlite.pool_size, 4);
    assert_eq!(s.database_backend(), DatabaseBackend::Sqlite);
    assert_eq!(s.data_dir, PathBuf::from("./data"));
    assert_eq!(s.secret_key, None);
    assert_eq!(s.log_level, LogLevel::Info);
    assert!(!s.debug);
    assert_eq!(s.cookie_domain, None);
    assert_eq!(s.bootstrap_password, None);
    assert_eq!(s.bootstrap_token, None);
    assert_eq!(s.bootstrap_email, "root@example.com");
    assert_eq!(s.email.host, "localhost");
    assert_eq!(s.email.port, 25);
    assert_eq!(s.email.username, "");
    assert!(s.email.password.is_empty());
    assert!(!s.email.use_tls && !s.email.use_ssl);
    assert_eq!(s.email.timeout, 10);
    assert_eq!(s.email.from, "castellan@localhost");
    assert_eq!(s.email.template_dir, PathBuf::from("./templates"));
    assert_eq!(s.cache.timeout, 300);
    assert_eq!(s.cache.timeout_flows, 300);
    assert_eq!(s.cache.timeout_policies, 300);
    assert_eq!(s.cache.timeout_reputation, 300);
    assert_eq!(s.throttle.default.to_string(), "1000/second");
    assert_eq!(s.web.tls_certificate, None);
    assert_eq!(s.web.tls_key, None);
    assert_eq!(s.web.max_body_bytes, 2_097_152);
    assert_eq!(s.web.request_timeout_seconds, 30);
    assert_eq!(s.web.custom_css, None);
    assert!(!s.error_reporting.enabled);
    assert_eq!(s.error_reporting.sentry_dsn, None);
    assert_eq!(s.error_reporting.environment, "customer");
    assert!(!s.error_reporting.send_pii);
    assert!((s.error_reporting.sample_rate - 0.1).abs() < f64::EPSILON);
    assert!(!s.disable_update_check);
    assert!(s.disable_startup_analytics);
    assert_eq!(s.blueprints_dir, None);
    assert_eq!(s.cert_discovery_dir, PathBuf::from("./certs"));
    assert_eq!(
        s.geoip_database,
        Some(PathBuf::from("/geoip/GeoLite2-City.mmdb"))
    );
    assert_eq!(
        s.asn_database,
        Some(PathBuf::from("/geoip/GeoLite2-ASN.mmdb"))
    );
    assert!(tree.warnings.is_empty(), "{:?}", tree.warnings);
    assert_eq!(Settings::embedded_defaults().unwrap(), s);
}

#[test]
fn check_output_covers_exactly_the_default_keys() {
    let (s, _) = ok(&[], &[]);
    let rendered: Vec<&str> = entries(&s).into_iter().map(|(k, _)| k).collect();
    let known = leaf_keys(&defaults().unwrap());
    assert_eq!(rendered, known);
}

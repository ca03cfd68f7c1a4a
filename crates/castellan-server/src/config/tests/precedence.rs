//! Layer order, `__` nesting, env type conversion, unknown keys.

use super::super::{LOCAL_CONFIG_FILE, SYSTEM_CONFIG_FILE, Source, render_check};
use super::{err, ok, texts};

const SYSTEM: &str = "postgresql:\n  name: from_system\n  user: sys\nlog_level: debug\n";
const LOCAL: &str = "postgresql:\n  user: local\nlog_level: warning\n";

#[test]
fn defaults_then_system_then_local_then_env() {
    let (s, tree) = ok(
        &[("CASTELLAN_LOG_LEVEL", "error")],
        &[(SYSTEM_CONFIG_FILE, SYSTEM), (LOCAL_CONFIG_FILE, LOCAL)],
    );
    assert_eq!(s.postgresql.name, "from_system");
    assert_eq!(s.postgresql.user, "local");
    assert_eq!(s.postgresql.port, 5432);
    assert_eq!(s.log_level.as_str(), "error");
    assert_eq!(
        tree.origin("postgresql.name").unwrap().source,
        Source::File(SYSTEM_CONFIG_FILE.into())
    );
    assert_eq!(
        tree.origin("postgresql.user").unwrap().source,
        Source::File(LOCAL_CONFIG_FILE.into())
    );
    assert_eq!(
        tree.origin("postgresql.port").unwrap().source,
        Source::Default
    );
    assert_eq!(
        tree.origin("log_level").unwrap().source,
        Source::Env("CASTELLAN_LOG_LEVEL".into())
    );
}

#[test]
fn config_file_env_replaces_default_locations() {
    let (s, tree) = ok(
        &[("CASTELLAN_CONFIG_FILE", "/srv/castellan.yml")],
        &[
            (SYSTEM_CONFIG_FILE, SYSTEM),
            ("/srv/castellan.yml", "debug: true\n"),
        ],
    );
    assert!(s.debug);
    assert_eq!(s.postgresql.name, "castellan");
    assert_eq!(s.log_level.as_str(), "info");
    // The variable itself is not a configuration key.
    assert!(tree.warnings.is_empty(), "{:?}", tree.warnings);
    assert!(tree.get("config_file").is_none());
}

#[test]
fn config_file_env_must_exist() {
    let errors = err(
        &[("CASTELLAN_CONFIG_FILE", "/nope.yml")],
        &[(SYSTEM_CONFIG_FILE, SYSTEM)],
    );
    assert_eq!(errors.len(), 1);
    assert!(texts(&errors)[0].contains("/nope.yml"));
}

#[test]
fn env_nesting_and_conversion() {
    let (s, tree) = ok(
        &[
            ("CASTELLAN_POSTGRESQL__PORT", "6543"),
            ("CASTELLAN_LISTEN__HTTP", "127.0.0.1:8000"),
            ("CASTELLAN_SECRET_KEY", "k"),
            ("CASTELLAN_DEBUG", "true"),
            ("CASTELLAN_EMAIL__USE_TLS", "false"),
            ("CASTELLAN_ERROR_REPORTING__SAMPLE_RATE", "0.5"),
            ("CASTELLAN_WEB__MAX_BODY_BYTES", "1024"),
            (
                "CASTELLAN_LISTEN__TRUSTED_PROXY_CIDRS",
                "10.0.0.0/8, ::1/128",
            ),
            ("CASTELLAN_COOKIE_DOMAIN", "example.com"),
            (
                "CASTELLAN_EVENTS__CONTEXT_PROCESSORS__GEOIP",
                "/srv/City.mmdb",
            ),
            ("CASTELLAN_EVENTS__CONTEXT_PROCESSORS__ASN", ""),
        ],
        &[],
    );
    assert_eq!(s.postgresql.port, 6543);
    assert_eq!(s.listen.http, Some("127.0.0.1:8000".parse().unwrap()));
    assert_eq!(s.secret_key.as_ref().map(|k| k.expose()), Some("k"));
    assert!(s.debug);
    assert!(!s.email.use_tls);
    assert!((s.error_reporting.sample_rate - 0.5).abs() < f64::EPSILON);
    assert_eq!(s.web.max_body_bytes, 1024);
    assert_eq!(s.listen.trusted_proxy_cidrs.len(), 2);
    assert_eq!(s.cookie_domain.as_deref(), Some("example.com"));
    assert_eq!(
        s.geoip_database.as_deref(),
        Some(std::path::Path::new("/srv/City.mmdb"))
    );
    assert_eq!(s.asn_database, None, "empty disables the ASN lookup");
    assert_eq!(
        tree.get("postgresql.port"),
        Some(&serde_json::json!("6543"))
    );
}

#[test]
fn empty_listen_address_disables_listener() {
    let (s, _) = ok(
        &[
            ("CASTELLAN_LISTEN__LDAP", ""),
            ("CASTELLAN_LISTEN__LDAPS", ""),
        ],
        &[(LOCAL_CONFIG_FILE, "listen:\n  radius: \"\"\n  metrics: ~\n")],
    );
    assert_eq!(s.listen.ldap, None);
    assert_eq!(s.listen.ldaps, None);
    assert_eq!(s.listen.radius, None);
    assert_eq!(s.listen.metrics, None);
    assert!(s.listen.http.is_some());
}

#[test]
fn unknown_keys_are_warnings_not_errors() {
    let authentik = "redis:\n  host: redis\n  password: env://REDIS_PASS\npostgresql:\n  host: db\n  read_replicas: {}\n";
    let (s, tree) = ok(
        &[
            ("CASTELLAN_OUTPOST__DISCOVER", "true"),
            ("CASTELLAN_TEST_ONLY", "x"),
        ],
        &[(SYSTEM_CONFIG_FILE, authentik)],
    );
    assert_eq!(s.postgresql.host, "db");
    let w = &tree.warnings;
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(
        w.iter()
            .any(|m| m.contains("`redis`") && m.contains(SYSTEM_CONFIG_FILE)),
        "{w:?}"
    );
    assert!(
        w.iter().any(|m| m.contains("`postgresql.read_replicas`")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|m| m.contains("`outpost`") && m.contains("CASTELLAN_OUTPOST__DISCOVER")),
        "{w:?}"
    );
    // Unknown keys are not resolved, not shown.
    assert!(!render_check(&s, &tree).contains("redis"));
}

#[test]
fn check_output_names_sources() {
    let (s, tree) = ok(
        &[("CASTELLAN_POSTGRESQL__HOST", "db")],
        &[(LOCAL_CONFIG_FILE, "email:\n  port: 587\n")],
    );
    let out = render_check(&s, &tree);
    assert!(
        out.contains("postgresql.host = \"db\" (CASTELLAN_POSTGRESQL__HOST)\n"),
        "{out}"
    );
    assert!(out.contains("email.port = 587 (./config.yml)\n"), "{out}");
    assert!(
        out.contains("listen.http = \"0.0.0.0:9000\" (default)\n"),
        "{out}"
    );
    assert!(
        out.contains("throttle.default = \"1000/second\" (default)\n"),
        "{out}"
    );
    assert!(out.contains("cookie_domain = \"\" (default)\n"), "{out}");
    assert_eq!(out.lines().count(), 57);
}

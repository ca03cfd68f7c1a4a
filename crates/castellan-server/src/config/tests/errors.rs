//! All problems are collected and reported together, precisely.

use super::super::{ConfigError, LOCAL_CONFIG_FILE};
use super::{err, texts};

#[test]
fn many_errors_in_one_go() {
    let errors = err(
        &[
            ("CASTELLAN_POSTGRESQL__PORT", "abc"),
            ("CASTELLAN_DEBUG", "maybe"),
            ("CASTELLAN_LOG_LEVEL", "verbose"),
            ("CASTELLAN_POSTGRESQL__SSLMODE", "sometimes"),
            (
                "CASTELLAN_LISTEN__TRUSTED_PROXY_CIDRS",
                "10.0.0.0/8,10.0.0.0/33,nope",
            ),
            ("CASTELLAN_LISTEN__HTTP", "localhost"),
            ("CASTELLAN_THROTTLE__DEFAULT", "fast"),
        ],
        &[(
            LOCAL_CONFIG_FILE,
            "email:\n  port: 99999\ncache:\n  timeout: -1\n",
        )],
    );
    let t = texts(&errors);
    assert_eq!(errors.len(), 10, "{t:#?}");
    assert!(t.contains(
        &"postgresql.port (CASTELLAN_POSTGRESQL__PORT): expected a port number 0-65535, got \"abc\""
            .to_owned()
    ), "{t:#?}");
    assert!(
        t.contains(&"debug (CASTELLAN_DEBUG): expected true or false, got \"maybe\"".to_owned()),
        "{t:#?}"
    );
    assert!(t.contains(
        &"log_level (CASTELLAN_LOG_LEVEL): expected one of trace, debug, info, warning, error, got \"verbose\""
            .to_owned()
    ), "{t:#?}");
    assert!(t.iter().any(|m| m.starts_with("postgresql.sslmode (CASTELLAN_POSTGRESQL__SSLMODE): expected one of disable, allow, prefer, require, verify-ca, verify-full")), "{t:#?}");
    let cidr: Vec<&String> = t
        .iter()
        .filter(|m| {
            m.starts_with("listen.trusted_proxy_cidrs (CASTELLAN_LISTEN__TRUSTED_PROXY_CIDRS): ")
        })
        .collect();
    assert_eq!(cidr.len(), 2, "{t:#?}");
    assert!(
        cidr[0].contains("entry 2") && cidr[0].contains("10.0.0.0/33"),
        "{t:#?}"
    );
    assert!(
        cidr[1].contains("entry 3") && cidr[1].contains("nope"),
        "{t:#?}"
    );
    assert!(
        t.iter()
            .any(|m| m
                .starts_with("listen.http (CASTELLAN_LISTEN__HTTP): expected a listen address")),
        "{t:#?}"
    );
    assert!(
        t.iter().any(|m| m.starts_with("throttle.default ")),
        "{t:#?}"
    );
    assert!(
        t.contains(
            &"email.port (CASTELLAN_EMAIL__PORT): expected a port number 0-65535, got 99999"
                .to_owned()
        ),
        "{t:#?}"
    );
    assert!(
        t.iter().any(
            |m| m.starts_with("cache.timeout (CASTELLAN_CACHE__TIMEOUT): ")
                && m.ends_with("got -1")
        ),
        "{t:#?}"
    );
    let keys: Vec<&str> = errors.iter().filter_map(ConfigError::key).collect();
    assert!(keys.contains(&"postgresql.port"));
    assert!(
        errors
            .iter()
            .any(|e| e.env_var() == Some("CASTELLAN_POSTGRESQL__PORT"))
    );
}

#[test]
fn yaml_error_has_file_line_and_column_and_other_errors_still_reported() {
    let broken = "listen:\n  http: 0.0.0.0:9000\n   https: x\n";
    let errors = err(
        &[("CASTELLAN_POSTGRESQL__PORT", "x")],
        &[(LOCAL_CONFIG_FILE, broken)],
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let ConfigError::File {
        path, line, column, ..
    } = &errors[0]
    else {
        panic!("expected a file error first: {errors:#?}");
    };
    assert_eq!(path, LOCAL_CONFIG_FILE);
    assert_eq!(*line, Some(3), "{errors:#?}");
    assert!(column.is_some());
    let text = errors[0].to_string();
    assert!(
        text.starts_with("config file ./config.yml: line 3, column "),
        "{text}"
    );
    assert_eq!(errors[1].key(), Some("postgresql.port"));
}

#[test]
fn cross_field_rules() {
    let errors = err(
        &[
            ("CASTELLAN_WEB__TLS_CERTIFICATE", "/c.pem"),
            ("CASTELLAN_EMAIL__USE_TLS", "true"),
            ("CASTELLAN_EMAIL__USE_SSL", "yes"),
            ("CASTELLAN_ERROR_REPORTING__SAMPLE_RATE", "1.5"),
            ("CASTELLAN_SQLITE__POOL_SIZE", "0"),
        ],
        &[],
    );
    let t = texts(&errors);
    assert_eq!(errors.len(), 4, "{t:#?}");
    assert!(
        t.iter()
            .any(|m| m.starts_with("web.tls_key (CASTELLAN_WEB__TLS_KEY): must be set")),
        "{t:#?}"
    );
    assert!(t.iter().any(|m| m.contains("mutually exclusive")), "{t:#?}");
    assert!(
        t.iter().any(|m| m.contains("from 0.0 to 1.0, got 1.5")),
        "{t:#?}"
    );
    assert!(
        t.iter()
            .any(|m| m.starts_with("sqlite.pool_size") && m.contains("positive")),
        "{t:#?}"
    );
}

#[test]
fn replacing_a_section_with_a_scalar_reports_its_keys() {
    let errors = err(&[("CASTELLAN_CACHE", "off")], &[]);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(errors.iter().all(|e| e.message() == "missing value"));
}

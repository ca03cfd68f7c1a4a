//! `env://` and `file://` references, resolved after merging.

use super::super::{LOCAL_CONFIG_FILE, render_check};
use super::{err, ok, texts};

#[test]
fn env_reference_from_file_and_env_layers() {
    let (s, tree) = ok(
        &[
            ("PG_PASSWORD", "pw-from-env"),
            ("CASTELLAN_SECRET_KEY", "env://SK?fallback-key"),
            ("CASTELLAN_POSTGRESQL__PORT", "env://PG_PORT?6000"),
        ],
        &[(
            LOCAL_CONFIG_FILE,
            "postgresql:\n  host: db\n  password: env://PG_PASSWORD\n",
        )],
    );
    assert_eq!(s.postgresql.password.expose(), "pw-from-env");
    assert_eq!(
        s.secret_key.as_ref().map(|k| k.expose()),
        Some("fallback-key")
    );
    assert_eq!(s.postgresql.port, 6000);
    assert_eq!(
        tree.origin("postgresql.password").unwrap().to_string(),
        "./config.yml via env://PG_PASSWORD"
    );
    let out = render_check(&s, &tree);
    assert!(
        out.contains("postgresql.password = *** (./config.yml via env://PG_PASSWORD)\n"),
        "{out}"
    );
    assert!(
        out.contains("secret_key = *** (CASTELLAN_SECRET_KEY via env://SK)\n"),
        "{out}"
    );
    assert!(
        !out.contains("fallback-key") && !out.contains("pw-from-env"),
        "{out}"
    );
}

#[test]
fn file_reference_with_and_without_default() {
    let (s, _) = ok(
        &[
            ("CASTELLAN_EMAIL__PASSWORD", "file:///run/secrets/smtp"),
            (
                "CASTELLAN_BOOTSTRAP_TOKEN",
                "file:///run/secrets/missing?tok",
            ),
        ],
        &[("/run/secrets/smtp", "smtp-pw\n")],
    );
    assert_eq!(s.email.password.expose(), "smtp-pw");
    assert_eq!(s.bootstrap_token.as_ref().map(|t| t.expose()), Some("tok"));
}

#[test]
fn unresolvable_references_name_key_and_target_but_not_values() {
    let errors = err(
        &[
            ("CASTELLAN_POSTGRESQL__PASSWORD", "env://NOT_SET"),
            ("CASTELLAN_SECRET_KEY", "file:///run/secrets/absent"),
            ("CASTELLAN_POSTGRESQL__PORT", "env://ALSO_NOT_SET"),
        ],
        &[],
    );
    let t = texts(&errors);
    // One error per key: the port is not also reported as "not a port".
    assert_eq!(errors.len(), 3, "{t:#?}");
    assert!(t.contains(&"postgresql.password (CASTELLAN_POSTGRESQL__PASSWORD): env://NOT_SET: environment variable NOT_SET is not set and no default is given".to_owned()), "{t:#?}");
    assert!(t.iter().any(|m| m.starts_with("secret_key (CASTELLAN_SECRET_KEY): file:///run/secrets/absent: file /run/secrets/absent does not exist")), "{t:#?}");
    assert!(
        t.iter()
            .any(|m| m
                .starts_with("postgresql.port (CASTELLAN_POSTGRESQL__PORT): env://ALSO_NOT_SET")),
        "{t:#?}"
    );
}

#[test]
fn references_in_lists() {
    let (s, _) = ok(
        &[("PROXIES", "10.1.0.0/16")],
        &[(
            LOCAL_CONFIG_FILE,
            "listen:\n  trusted_proxy_cidrs: [\"env://PROXIES\", \"::1\"]\n",
        )],
    );
    let cidrs: Vec<String> = s
        .listen
        .trusted_proxy_cidrs
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(cidrs, ["10.1.0.0/16", "::1/128"]);
}

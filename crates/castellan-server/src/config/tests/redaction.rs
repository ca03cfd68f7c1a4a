//! Secrets never appear in `Debug`, errors or `check-config` output.

use super::super::{LOCAL_CONFIG_FILE, render_check};
use super::{err, ok, texts};

const SECRETS: [(&str, &str); 5] = [
    ("CASTELLAN_SECRET_KEY", "sk-VALUE-1"),
    ("CASTELLAN_POSTGRESQL__PASSWORD", "pg-VALUE-2"),
    ("CASTELLAN_EMAIL__PASSWORD", "mail-VALUE-3"),
    ("CASTELLAN_BOOTSTRAP_PASSWORD", "boot-VALUE-4"),
    ("CASTELLAN_BOOTSTRAP_TOKEN", "tok-VALUE-5"),
];

#[test]
fn debug_redacts_secrets() {
    let mut e = SECRETS.to_vec();
    e.push(("CASTELLAN_POSTGRESQL__URL", "postgres://u:url-VALUE-6@db/x"));
    let (s, tree) = ok(&e, &[]);
    let debug = format!("{s:?} {s:#?} {tree:?}");
    assert!(!debug.contains("VALUE"), "{debug}");
    assert!(debug.contains("secret_key: Some(***)"), "{debug}");
    assert!(debug.contains("password: ***"), "{debug}");
    assert!(debug.contains("bootstrap_password: Some(***)"), "{debug}");
    assert!(debug.contains("bootstrap_token: Some(***)"), "{debug}");
}

#[test]
fn check_output_redacts_secrets() {
    let mut e = SECRETS.to_vec();
    e.push(("CASTELLAN_POSTGRESQL__URL", "postgres://u:url-VALUE-6@db/x"));
    let (s, tree) = ok(&e, &[]);
    let out = render_check(&s, &tree);
    assert!(!out.contains("VALUE"), "{out}");
    for key in [
        "secret_key",
        "postgresql.password",
        "email.password",
        "bootstrap_password",
        "bootstrap_token",
        "postgresql.url",
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{key} = *** ("))),
            "{key}: {out}"
        );
    }
    assert!(
        out.contains("secret_key = *** (CASTELLAN_SECRET_KEY)\n"),
        "{out}"
    );
}

#[test]
fn unset_secrets_show_as_empty_in_check_output() {
    let (s, tree) = ok(&[], &[]);
    let out = render_check(&s, &tree);
    assert!(out.contains("secret_key = \"\" (default)\n"), "{out}");
}

#[test]
fn errors_for_secret_keys_do_not_echo_values() {
    let errors = err(
        &[("CASTELLAN_POSTGRESQL__URL", "mysql://u:url-VALUE@db/x")],
        &[(
            LOCAL_CONFIG_FILE,
            "secret_key:\n  nested: sk-VALUE\nemail:\n  password: [mail-VALUE]\n",
        )],
    );
    let t = texts(&errors);
    assert_eq!(errors.len(), 3, "{t:#?}");
    assert!(t.iter().all(|m| !m.contains("VALUE")), "{t:#?}");
    assert!(
        t.contains(&"secret_key (CASTELLAN_SECRET_KEY): invalid value".to_owned()),
        "{t:#?}"
    );
    assert!(
        t.contains(&"email.password (CASTELLAN_EMAIL__PASSWORD): invalid value".to_owned()),
        "{t:#?}"
    );
    assert!(
        t.iter()
            .any(|m| m.starts_with("postgresql.url (CASTELLAN_POSTGRESQL__URL): invalid value")),
        "{t:#?}"
    );
}

//! Backend selection and connection URLs.

use super::super::{DatabaseBackend, LOCAL_CONFIG_FILE};
use super::ok;

#[test]
fn sqlite_by_default() {
    let (s, _) = ok(&[], &[]);
    assert_eq!(s.database_backend(), DatabaseBackend::Sqlite);
    assert_eq!(s.database_url(), "sqlite://./data/castellan.db?mode=rwc");
    assert_eq!(s.database_url_redacted(), s.database_url());
    assert_eq!(s.database_pool_size(), 4);
}

#[test]
fn sqlite_path_special_characters_are_encoded() {
    let (s, _) = ok(
        &[("CASTELLAN_SQLITE__PATH", "/var/lib/my db?#%.sqlite")],
        &[],
    );
    assert_eq!(
        s.database_url(),
        "sqlite:///var/lib/my db%3F%23%25.sqlite?mode=rwc"
    );
}

#[test]
fn postgresql_when_host_is_set_with_encoded_credentials() {
    let (s, _) = ok(
        &[
            ("CASTELLAN_POSTGRESQL__HOST", "db.internal"),
            ("CASTELLAN_POSTGRESQL__USER", "app user"),
            ("CASTELLAN_POSTGRESQL__PASSWORD", "p@ss:w/rd?#%"),
            ("CASTELLAN_POSTGRESQL__SSLMODE", "verify-full"),
        ],
        &[],
    );
    assert_eq!(s.database_backend(), DatabaseBackend::Postgresql);
    assert_eq!(
        s.database_url(),
        "postgres://app%20user:p%40ss%3Aw%2Frd%3F%23%25@db.internal:5432/castellan?sslmode=verify-full"
    );
    assert_eq!(
        s.database_url_redacted(),
        "postgres://app%20user:***@db.internal:5432/castellan?sslmode=verify-full"
    );
    assert_eq!(s.database_pool_size(), 10);
}

#[test]
fn postgresql_ipv6_host_and_no_password() {
    let (s, _) = ok(&[("CASTELLAN_POSTGRESQL__HOST", "::1")], &[]);
    assert_eq!(
        s.database_url(),
        "postgres://castellan@[::1]:5432/castellan?sslmode=prefer"
    );
}

#[test]
fn postgresql_url_wins_and_is_redacted() {
    let (s, _) = ok(
        &[(
            "CASTELLAN_POSTGRESQL__URL",
            "postgresql://u:s%40cret@pg:6432/idp?sslmode=require",
        )],
        &[(LOCAL_CONFIG_FILE, "postgresql:\n  host: ignored\n")],
    );
    assert_eq!(s.database_backend(), DatabaseBackend::Postgresql);
    assert_eq!(
        s.database_url(),
        "postgresql://u:s%40cret@pg:6432/idp?sslmode=require"
    );
    assert_eq!(
        s.database_url_redacted(),
        "postgresql://u:***@pg:6432/idp?sslmode=require"
    );
}

#[test]
fn blank_host_keeps_sqlite() {
    let (s, _) = ok(&[("CASTELLAN_POSTGRESQL__HOST", "  ")], &[]);
    assert_eq!(s.database_backend(), DatabaseBackend::Sqlite);
}

//! The command line: configuration errors, `check-config` and the user
//! commands.

use std::io::Write as _;
use std::process::Stdio;

use crate::support::{TempDir, command, describe, run};

#[test]
fn invalid_configuration_lists_every_error() {
    let dir = TempDir::new("badconfig");
    let env = [
        ("CASTELLAN_POSTGRESQL__PORT", "abc".to_owned()),
        ("CASTELLAN_LOG_LEVEL", "loud".to_owned()),
    ];
    for args in [&["check-config"][..], &["serve"], &["migrate"]] {
        let output = run(dir.path(), args, &env);
        assert!(!output.status.success(), "{}", describe(&output));
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("postgresql.port"), "{stderr}");
        assert!(stderr.contains("log_level"), "{stderr}");
    }
    // Nothing was touched.
    assert!(!dir.path().join("data").exists());
}

#[test]
fn check_config_prints_the_effective_configuration() {
    let dir = TempDir::new("checkconfig");
    let env = [
        ("CASTELLAN_LISTEN__HTTP", "127.0.0.1:1234".to_owned()),
        ("CASTELLAN_SECRET_KEY", "not-to-be-printed".to_owned()),
    ];
    let output = run(dir.path(), &["check-config"], &env);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("listen.http = \"127.0.0.1:1234\" (CASTELLAN_LISTEN__HTTP)"),
        "{stdout}"
    );
    assert!(!stdout.contains("not-to-be-printed"));
}

#[test]
fn user_commands() {
    let dir = TempDir::new("users");
    let output = run(
        dir.path(),
        &[
            "user",
            "create",
            "--username",
            "jane",
            "--email",
            "jane@example.com",
            "--superuser",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    assert!(dir.path().join("data").join("castellan.db").is_file());

    let output = run(dir.path(), &["user", "create", "--username", "jane"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));

    let mut child = command(
        dir.path(),
        &[
            "user",
            "set-password",
            "--username",
            "jane",
            "--password-stdin",
        ],
        &[],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"s3cret-from-stdin\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));

    let output = run(
        dir.path(),
        &[
            "user",
            "set-password",
            "--username",
            "nobody",
            "--password",
            "x",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not exist"));

    let output = run(dir.path(), &["token", "create", "--username", "jane"], &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim().len(), 60);

    let output = run(dir.path(), &["migrate"], &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("applied migrations: none"), "{stdout}");
}

#[test]
fn openapi_prints_the_document() {
    let dir = TempDir::new("openapi");
    let output = run(dir.path(), &["openapi"], &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(document["openapi"].is_string(), "{document}");
    assert!(document["paths"].is_object());
    // Pretty-printed.
    assert!(String::from_utf8_lossy(&output.stdout).contains("\n  \""));
}

#[tokio::test]
async fn a_newer_database_is_refused() {
    use sqlx::Connection as _;

    let dir = TempDir::new("toonew");
    let output = run(dir.path(), &["migrate"], &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let db = dir.path().join("data").join("castellan.db");
    let url = format!("sqlite://{}", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO castellan_migrations (version, name, applied_at) \
         VALUES (999999, 'future', '2100-01-01T00:00:00Z')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    for args in [&["migrate"][..], &["serve"]] {
        let output = run(dir.path(), args, &[]);
        assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("newer than this binary"), "{stderr}");
    }
}

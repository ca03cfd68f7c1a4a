//! `castellan serve` and `castellan migrate` on PostgreSQL, each test on a
//! fresh database created for it.

use std::process::Stdio;

use serde_json::Value;

use crate::support::{PgDatabase, Server, TempDir, command, describe, get, tls_get};

/// `bootstrap_token` used by the test.
const TOKEN: &str = "itPostgresBootstrapToken0123456789abcdefghijklmnopqrstuvwxyz";

#[tokio::test]
async fn postgres_start_and_restart() {
    let db = PgDatabase::create().await;
    let dir = TempDir::new("postgres");
    let env = vec![
        ("CASTELLAN_POSTGRESQL__URL", db.url.clone()),
        ("CASTELLAN_BOOTSTRAP_PASSWORD", "it-pg-Pw-1".to_owned()),
        ("CASTELLAN_BOOTSTRAP_TOKEN", TOKEN.to_owned()),
    ];
    for (round, log) in ["first.log", "second.log"].into_iter().enumerate() {
        let server = Server::start(dir.path(), log, &env).await;
        let auth = format!("Bearer {TOKEN}");
        let (status, body) = get(
            server.ports.http,
            "/api/v3/core/users/me/",
            &[("Authorization", &auth)],
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{body}");
        let me: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(me["user"]["username"], "akadmin");
        assert_eq!(me["user"]["is_superuser"], true);
        let (status, _) = tls_get(server.ports.https, "/-/health/ready/")
            .await
            .unwrap();
        assert_eq!(status, 200);
        let (status, metrics) = get(server.ports.metrics, "/metrics", &[]).await.unwrap();
        assert_eq!(status, 200);
        assert!(metrics.contains("castellan_http_requests_total"));

        let lines = server.log_lines();
        let ready = lines
            .iter()
            .find(|l| l["message"] == "ready")
            .expect("no ready line");
        assert_eq!(ready["backend"], "postgresql", "{ready}");
        let bootstrapped = lines.iter().any(|l| l["message"] == "bootstrap applied");
        assert_eq!(bootstrapped, round == 0, "{}", server.log());
        assert!(!server.log().contains(TOKEN));
        let status = server.stop().await;
        assert!(status.success(), "exit {status}");
    }
    // Nothing of SQLite was created.
    assert!(!dir.path().join("data").join("castellan.db").exists());
}

#[tokio::test]
async fn concurrent_migrations_both_succeed() {
    let db = PgDatabase::create().await;
    let dir = TempDir::new("migrate");
    let env = vec![("CASTELLAN_POSTGRESQL__URL", db.url.clone())];
    let spawn = || {
        command(dir.path(), &["migrate"], &env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let outputs = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let mut applied_by = 0;
    for output in &outputs {
        assert!(output.status.success(), "{}", describe(output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("current version: "), "{stdout}");
        if !stdout.contains("applied migrations: none") {
            applied_by += 1;
        }
    }
    assert_eq!(applied_by, 1, "exactly one process applies the migrations");
}

//! `castellan serve` on the default SQLite database: first start,
//! listeners, bootstrap, metrics, graceful stop, then a second start on the
//! same data directory.

use serde_json::Value;
use sqlx::Connection as _;

use crate::support::{Server, TempDir, describe, get, run, tls_get};

/// `bootstrap_password` used by the tests.
const PASSWORD: &str = "it-Bootstrap-Pw-93f1";
/// `bootstrap_token` used by the tests.
const TOKEN: &str = "itBootstrapToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";

/// The bootstrap variables.
fn bootstrap_env() -> Vec<(&'static str, String)> {
    vec![
        ("CASTELLAN_BOOTSTRAP_PASSWORD", PASSWORD.to_owned()),
        ("CASTELLAN_BOOTSTRAP_TOKEN", TOKEN.to_owned()),
    ]
}

/// `GET /api/v3/core/users/me/` with `key`: the `user` object.
async fn me(port: u16, key: &str) -> Value {
    let auth = format!("Bearer {key}");
    let (status, body) = get(port, "/api/v3/core/users/me/", &[("Authorization", &auth)])
        .await
        .unwrap();
    assert_eq!(status, 200, "users/me: {body}");
    let value: Value = serde_json::from_str(&body).unwrap();
    value["user"].clone()
}

/// The number of rows of a list endpoint answer (paginated or plain).
fn row_count(body: &str) -> usize {
    let value: Value = serde_json::from_str(body).unwrap();
    match value {
        Value::Array(rows) => rows.len(),
        other => other["results"].as_array().map_or(0, Vec::len),
    }
}

/// `SELECT COUNT(*)` on the SQLite file.
async fn count(db: &std::path::Path, sql: &str) -> i64 {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    n
}

/// Whether a JSON log line has `message`.
fn has_message(lines: &[Value], message: &str) -> bool {
    lines.iter().any(|l| l["message"] == message)
}

#[tokio::test]
async fn sqlite_first_start_then_restart() {
    let dir = TempDir::new("sqlite");
    let env = bootstrap_env();

    // (a) First start.
    let server = Server::start(dir.path(), "first.log", &env).await;
    let user = me(server.ports.http, TOKEN).await;
    assert_eq!(user["username"], "akadmin");
    assert_eq!(user["is_superuser"], true);
    assert_eq!(user["name"], "authentik Default Admin");

    let (status, _) = tls_get(server.ports.https, "/-/health/live/")
        .await
        .unwrap();
    assert_eq!(status, 200);

    let (status, metrics) = get(server.ports.metrics, "/metrics", &[]).await.unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("castellan_http_requests_total"),
        "{metrics}"
    );
    assert!(
        metrics.contains("castellan_db_pool_connections"),
        "{metrics}"
    );
    assert!(metrics.contains("castellan_db_pool_idle"), "{metrics}");

    let db = dir.path().join("data").join("castellan.db");
    assert!(db.is_file(), "./data/castellan.db missing");
    assert!(dir.path().join("data/tls/cert.pem").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("data/tls/key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let lines = server.log_lines();
    for scheme in ["http", "https", "metrics"] {
        assert!(
            lines.iter().any(|l| l["message"] == "listening"
                && l["scheme"] == scheme
                && l["address"].is_string()),
            "no listening line for {scheme}:\n{}",
            server.log()
        );
    }
    let ready = lines
        .iter()
        .find(|l| l["message"] == "ready")
        .expect("no ready line");
    assert!(ready["startup_ms"].is_u64(), "{ready}");
    assert_eq!(ready["backend"], "sqlite");
    assert!(ready["database"].as_str().unwrap().starts_with("sqlite://"));
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "request" && l["span"]["request_id"].is_string()),
        "request lines carry no request_id:\n{}",
        server.log()
    );
    assert!(has_message(&lines, "bootstrap applied"));

    let log = server.log();
    let status = server.stop().await;
    assert!(status.success(), "exit {status}:\n{log}");
    let first_log = std::fs::read_to_string(dir.path().join("first.log")).unwrap();
    assert!(first_log.contains("\"stopped\""), "{first_log}");
    assert!(!first_log.contains(PASSWORD) && !first_log.contains(TOKEN));

    // Between starts: the CLI on the same database.
    let output = run(
        dir.path(),
        &[
            "token",
            "create",
            "--username",
            "akadmin",
            "--identifier",
            "it-cli",
            "--expiring",
            "false",
        ],
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let cli_key = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert_eq!(cli_key.len(), 60, "key: {cli_key}");

    let output = run(
        dir.path(),
        &["user", "create", "--username", "akadmin"],
        &[],
    );
    assert!(!output.status.success(), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("already exists"));

    // (b) Second start on the same data directory.
    let server = Server::start(dir.path(), "second.log", &env).await;
    let user = me(server.ports.http, &cli_key).await;
    assert_eq!(user["username"], "akadmin");
    let auth = format!("Bearer {TOKEN}");
    let (status, body) = get(
        server.ports.http,
        "/api/v3/core/users/?username=akadmin",
        &[("Authorization", &auth)],
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(row_count(&body), 1, "{body}");
    let (status, body) = get(
        server.ports.http,
        "/api/v3/admin/version/history/",
        &[("Authorization", &auth)],
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(row_count(&body), 1, "{body}");
    let lines = server.log_lines();
    assert!(
        !has_message(&lines, "bootstrap applied"),
        "{}",
        server.log()
    );
    assert!(!has_message(&lines, "version history recorded"));
    assert!(!has_message(&lines, "self-signed certificate created"));
    let status = server.stop().await;
    assert!(status.success());

    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM core_user WHERE username = 'akadmin'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM admin_versionhistory").await,
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM crypto_certificatekeypair \
             WHERE name = 'authentik Self-signed Certificate'"
        )
        .await,
        1
    );
}

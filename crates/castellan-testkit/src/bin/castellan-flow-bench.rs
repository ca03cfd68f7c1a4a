//! `castellan-flow-bench`: full default-flow logins per second through the executor API, run
//! in process on one thread (SQLite and PostgreSQL), and the share of each login spent outside
//! password hashing. Prints figures; asserts nothing. See `docs/benchmarks.md`.
//!
//! `cargo run --release -p castellan-testkit --bin castellan-flow-bench -- [--logins N]`

use std::time::{Duration, Instant};

use castellan_core::user::UserType;
use castellan_store::users::{self, NewUser};
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{DbKind, TestApp};
use serde_json::json;

const PASSWORD: &str = "Bench-pw-1";
/// Logins in flight at once (one thread: they overlap only on database waits).
const CONCURRENCY: usize = 4;

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

async fn setup(kind: DbKind) -> Result<TestApp, String> {
    let app = TestApp::new(kind).await;
    castellan_web::blueprints::apply_defaults(&app.store, &Default::default())
        .await
        .map_err(|e| format!("default blueprints: {e}"))?;
    let mut conn = app.store.conn().await.map_err(|e| e.to_string())?;
    let hash = castellan_crypto::password::hash_password(PASSWORD).map_err(|e| e.to_string())?;
    let new = NewUser {
        username: "bench".into(),
        name: "Bench".into(),
        email: "bench@example.org".into(),
        password: hash,
        is_active: true,
        path: "users".into(),
        user_type: UserType::Internal,
        attributes: json!({}),
        last_login: None,
    };
    users::create(&mut conn, &new, app.store.now())
        .await
        .map_err(|e| e.to_string())?;
    Ok(app)
}

async fn measure(kind: DbKind, logins: usize) -> Result<(), String> {
    let app = setup(kind).await?;
    // Warm up: compile caches, connections.
    for _ in 0..3 {
        FlowClient::new(&app, "default-authentication-flow")
            .login("bench", PASSWORD)
            .await;
    }
    let cpu0 = cpu_time();
    let start = Instant::now();
    let per_worker = logins / CONCURRENCY;
    let workers = (0..CONCURRENCY).map(|_| async {
        let mut requests = 0usize;
        for _ in 0..per_worker {
            let mut client = FlowClient::new(&app, "default-authentication-flow");
            let end = client.login("bench", PASSWORD).await;
            if end["component"] != "xak-flow-redirect" {
                return Err(format!("login failed: {end}"));
            }
            requests += client.exchanges.len() + client.redirects;
        }
        Ok(requests)
    });
    let mut requests = 0usize;
    for r in futures_util::future::join_all(workers).await {
        requests += r?;
    }
    let logins = per_worker * CONCURRENCY;
    let wall = start.elapsed();
    let cpu = cpu_time().saturating_sub(cpu0);
    // The hashing share: one argon2id verification per login, measured alone.
    let hash = castellan_crypto::password::hash_password(PASSWORD).map_err(|e| e.to_string())?;
    let h0 = Instant::now();
    for _ in 0..logins.min(50) {
        let _ = castellan_crypto::password::verify_password(PASSWORD, &hash);
    }
    let per_hash = h0.elapsed() / logins.min(50) as u32;
    let per_login = wall / logins as u32;
    let cpu_per_login = cpu / logins as u32;
    let outside = cpu_per_login.saturating_sub(per_hash);
    println!("{}:", kind_name(kind));
    println!(
        "  logins: {logins} in {:.2} s ({requests} executor requests incl. redirects)",
        wall.as_secs_f64()
    );
    println!(
        "  logins/s (one thread, {CONCURRENCY} in flight): {:.1}",
        logins as f64 / wall.as_secs_f64()
    );
    println!(
        "  per login: {:.2} ms wall, {:.2} ms CPU (all threads)",
        per_login.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3 / logins as f64
    );
    println!(
        "  argon2id verification: {:.2} ms",
        per_hash.as_secs_f64() * 1e3
    );
    println!(
        "  CPU outside hashing: {:.2} ms = {:.1} % of a login's CPU (target < 10 %)",
        outside.as_secs_f64() * 1e3,
        100.0 * outside.as_secs_f64() / cpu_per_login.as_secs_f64()
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let mut logins = 200usize;
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--logins")
        && let Some(n) = args.get(i + 1).and_then(|v| v.parse().ok())
    {
        logins = n;
    }
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return std::process::ExitCode::FAILURE;
    };
    let mut failed = false;
    for kind in [DbKind::Sqlite, DbKind::Postgres] {
        if let Err(e) = rt.block_on(measure(kind, logins)) {
            eprintln!("{}: {e}", kind_name(kind));
            failed = true;
        }
    }
    if failed {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}

fn kind_name(kind: DbKind) -> &'static str {
    match kind {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres => "postgresql",
    }
}

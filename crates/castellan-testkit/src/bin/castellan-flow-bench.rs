//! `castellan-flow-bench`: full default-flow logins per second through the executor API, run
//! in process on one thread (SQLite and PostgreSQL), and the share of each login spent outside
//! password hashing. Prints figures; asserts nothing. See `docs/benchmarks.md`.
//!
//! `cargo run --release -p castellan-testkit --bin castellan-flow-bench -- [--logins N] [--db sqlite|postgresql] [--trace]`

use std::time::{Duration, Instant};

use castellan_core::user::UserType;
use castellan_store::users::{self, NewUser};
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{DbKind, TestApp};
use serde_json::json;

/// The allocator of the `castellan` binary, so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PASSWORD: &str = "Bench-pw-1";
/// Logins in flight at once (one thread: they overlap only on database waits).
const CONCURRENCY: usize = 4;

/// Name of the blocking-pool threads: during a login only password hashing runs there.
const HASH_THREADS: &str = "hash-pool";

/// CPU time (user + system) in a `/proc/.../stat` line.
fn stat_cpu(stat: &str) -> Duration {
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

/// CPU so far of this process's threads: (hashing pool, every other thread).
fn thread_cpu() -> (Duration, Duration) {
    let (mut hashing, mut other) = (Duration::ZERO, Duration::ZERO);
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return (hashing, other);
    };
    for task in tasks.flatten() {
        let dir = task.path();
        let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let cpu = stat_cpu(&std::fs::read_to_string(dir.join("stat")).unwrap_or_default());
        if name.trim() == HASH_THREADS {
            hashing += cpu;
        } else {
            other += cpu;
        }
    }
    (hashing, other)
}

/// PostgreSQL server processes serving the bench's database (empty on SQLite).
async fn backend_pids(app: &TestApp) -> Vec<i64> {
    if app.kind != DbKind::Postgres {
        return vec![];
    }
    let Ok(mut conn) = app.store.conn().await else {
        return vec![];
    };
    castellan_store::stats::backend_pids(&mut conn)
        .await
        .unwrap_or_default()
}

/// CPU so far of the given server processes.
fn processes_cpu(pids: &[i64]) -> Duration {
    pids.iter()
        .map(|pid| {
            stat_cpu(&std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default())
        })
        .sum()
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
    let pids = backend_pids(&app).await;
    let (hash0, other0) = thread_cpu();
    let db0 = processes_cpu(&pids);
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
    let (hash1, other1) = thread_cpu();
    let hashing = hash1.saturating_sub(hash0);
    let other = other1.saturating_sub(other0);
    let db = processes_cpu(&pids).saturating_sub(db0);
    let total = hashing + other + db;
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / logins as f64;
    let share = |d: Duration| 100.0 * d.as_secs_f64() / total.as_secs_f64().max(1e-9);
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
        "  CPU per login: {:.2} ms = hashing {:.2} ms + server and client {:.2} ms + PostgreSQL server {:.2} ms",
        ms(total),
        ms(hashing),
        ms(other),
        ms(db)
    );
    println!(
        "  CPU outside hashing: {:.2} ms = {:.1} % of a login (target < 10 %)",
        ms(other + db),
        share(other + db)
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let mut logins = 200usize;
    let args: Vec<String> = std::env::args().collect();
    // `--trace`: print every SQL statement (sqlx's own log) to stderr, to count them per login.
    if args.iter().any(|a| a == "--trace") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("sqlx::query=debug"))
            .with_writer(std::io::stderr)
            .init();
    }
    if let Some(i) = args.iter().position(|a| a == "--logins")
        && let Some(n) = args.get(i + 1).and_then(|v| v.parse().ok())
    {
        logins = n;
    }
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .thread_name(HASH_THREADS)
        .enable_all()
        .build()
    else {
        return std::process::ExitCode::FAILURE;
    };
    let only = args
        .iter()
        .position(|a| a == "--db")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let mut failed = false;
    for kind in [DbKind::Sqlite, DbKind::Postgres] {
        if only.as_deref().is_some_and(|o| o != kind_name(kind)) {
            continue;
        }
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

//! `castellan-oauth-bench`: OAuth2 token responses per second (`authorization_code` with RS256,
//! ES256 and RS256 + JWE providers, `client_credentials` with ES256 and RS256), userinfo and
//! introspection requests per second, beside the signing-only ceiling of the same keys; in
//! process, on a single-threaded runtime (so the server has one core), one request at a time
//! unless `--concurrency` asks for more in flight. Prints figures; asserts nothing. See
//! `docs/benchmarks.md`.
//!
//! `cargo run --release -p castellan-testkit --bin castellan-oauth-bench -- [--db sqlite|postgresql] [--seconds 3 | --requests N] [--concurrency N] [--only TEXT] [--trace]`
//!
//! `--only TEXT` runs only the rows whose operation contains TEXT (for profiling one of them).
//! `--concurrency N` keeps N requests in flight: on PostgreSQL the server's core then works while
//! the database answers another request, as a loaded server's does.

use std::time::Duration;

use castellan_testkit::oauth_bench::{self, Budget, Row};
use castellan_testkit::{DbKind, TestApp};

/// The allocator of the `castellan` binary, so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn kind_name(kind: DbKind) -> &'static str {
    match kind {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres => "postgresql",
    }
}

/// The value after `--name`, parsed.
fn arg<T: std::str::FromStr>(args: &[String], name: &str) -> Result<Option<T>, String> {
    let Some(i) = args.iter().position(|a| a == name) else {
        return Ok(None);
    };
    args.get(i + 1)
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| format!("{name} needs a value"))
}

/// Fails early, with a message instead of the test kit's panic, when PostgreSQL is down.
async fn postgres_reachable() -> Result<(), String> {
    let url = castellan_testkit::db::postgres_admin_url();
    <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .map(drop)
        .map_err(|e| format!("PostgreSQL at {url} is unreachable: {e}"))
}

/// What the command line asks for.
struct Options {
    kind: DbKind,
    budget: Budget,
    concurrency: usize,
    only: Option<String>,
}

async fn run(options: Options) -> Result<(), String> {
    let Options {
        kind,
        budget,
        concurrency,
        only,
    } = options;
    if kind == DbKind::Postgres {
        postgres_reachable().await?;
    }
    let app = TestApp::new(kind).await;
    let rows: Vec<Row> = oauth_bench::all_rows()
        .into_iter()
        .filter(|r| only.as_ref().is_none_or(|o| r.label().contains(o.as_str())))
        .collect();
    if rows.is_empty() {
        return Err("--only matches no operation".into());
    }
    let figures = oauth_bench::run(&app, budget, concurrency, &rows).await?;
    let in_flight = match concurrency {
        1 => "one request at a time".to_string(),
        n => format!("{n} requests in flight"),
    };
    let title = format!(
        "{} ({}, {in_flight}, current-thread runtime, after one warm-up request each)",
        kind_name(kind),
        budget.describe()
    );
    oauth_bench::print_table(&title, &figures);
    Ok(())
}

fn options(args: &[String]) -> Result<Options, String> {
    let budget = match (
        arg::<f64>(args, "--seconds")?,
        arg::<u64>(args, "--requests")?,
    ) {
        (Some(_), Some(_)) => return Err("give --seconds or --requests, not both".into()),
        (Some(s), None) if s > 0.0 && s.is_finite() => Budget::Time(Duration::from_secs_f64(s)),
        (Some(s), None) => return Err(format!("--seconds {s}: expected a positive number")),
        (None, Some(0)) => return Err("--requests 0: expected at least 1".into()),
        (None, Some(n)) => Budget::Requests(n),
        (None, None) => Budget::default(),
    };
    let kind = match arg::<String>(args, "--db")?.as_deref() {
        None | Some("sqlite") => DbKind::Sqlite,
        Some("postgresql") => DbKind::Postgres,
        Some(d) => return Err(format!("--db {d}: expected sqlite or postgresql")),
    };
    let concurrency = match arg::<usize>(args, "--concurrency")? {
        None => 1,
        Some(0) => return Err("--concurrency 0: expected at least 1".into()),
        Some(n) => n,
    };
    Ok(Options {
        kind,
        budget,
        concurrency,
        only: arg(args, "--only")?,
    })
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    // `--trace`: print every SQL statement (sqlx's own log) to stderr.
    if args.iter().any(|a| a == "--trace") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("sqlx::query=debug"))
            .with_writer(std::io::stderr)
            .init();
    }
    let options = match options(&args) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    // One runtime thread: every request, and the signing loops, run on it.
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return std::process::ExitCode::FAILURE;
    };
    let kind = options.kind;
    match rt.block_on(run(options)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", kind_name(kind));
            std::process::ExitCode::FAILURE
        }
    }
}

//! `castellan-page-bench`: server time of every web page (flow page, user interface, admin
//! interface) and two API lists, in process through the router, on a database seeded with many
//! users and events, for a superuser logged in through the default authentication flow. Prints
//! p50/p95/max per page; asserts nothing. See `docs/benchmarks.md`.
//!
//! `cargo run --release -p castellan-testkit --bin castellan-page-bench -- [--db sqlite|postgresql] [--users 10000] [--events 100000] [--repeat 20] [--trace]`

use castellan_testkit::page_bench::{self, Options};
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

async fn run(kind: DbKind, opts: Options) -> Result<(), String> {
    if kind == DbKind::Postgres {
        postgres_reachable().await?;
    }
    let app = TestApp::new(kind).await;
    let seeded = page_bench::seed(&app, &opts).await?;
    let c = page_bench::counts(&app).await?;
    println!(
        "{}: seeded in {:.2} s: {} users, {} events, {} groups, {} applications; akadmin has {} tokens, {} sessions",
        kind_name(kind),
        seeded.took.as_secs_f64(),
        c.users,
        c.events,
        c.groups,
        c.applications,
        c.admin_tokens,
        c.admin_sessions
    );
    let steps: Vec<String> = seeded
        .steps
        .iter()
        .map(|(name, d)| format!("{name} {:.2} s", d.as_secs_f64()))
        .collect();
    println!("  seeding steps: {}", steps.join(", "));
    let session = page_bench::login(&app).await?;
    let figures =
        page_bench::measure_pages(&app, &session, &page_bench::pages(&seeded), opts.repeat).await;
    let title = format!(
        "{} (repeat {}, after one warm-up request per page)",
        kind_name(kind),
        opts.repeat
    );
    page_bench::print_table(&title, &figures);
    Ok(())
}

fn options(args: &[String]) -> Result<(Option<String>, Options), String> {
    let mut opts = Options::default();
    if let Some(n) = arg(args, "--users")? {
        opts.users = n;
    }
    if let Some(n) = arg(args, "--events")? {
        opts.events = n;
    }
    if let Some(n) = arg(args, "--repeat")? {
        opts.repeat = n;
    }
    let db: Option<String> = arg(args, "--db")?;
    if let Some(d) = &db
        && d != "sqlite"
        && d != "postgresql"
    {
        return Err(format!("--db {d}: expected sqlite or postgresql"));
    }
    Ok((db, opts))
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
    let (db, opts) = match options(&args) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            return std::process::ExitCode::from(2);
        }
    };
    let kind = match db.as_deref() {
        Some("postgresql") => DbKind::Postgres,
        _ => DbKind::Sqlite,
    };
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        return std::process::ExitCode::FAILURE;
    };
    match rt.block_on(run(kind, opts)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", kind_name(kind));
            std::process::ExitCode::FAILURE
        }
    }
}

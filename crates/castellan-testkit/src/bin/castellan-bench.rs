//! `castellan-bench`: startup time, idle memory and list throughput of the real
//! `castellan serve` process, on SQLite and PostgreSQL. Run it through
//! `cargo xtask bench [ARGS…]`; see `docs/benchmarks.md`.
//!
//! It builds nothing: the release `castellan` binary must sit next to this
//! executable. It prints figures and never asserts on them; every loop is
//! bounded and every target is 127.0.0.1. The exit status is non-zero when a
//! backend could not be measured (PostgreSQL unreachable, a start failing…).

#[path = "../bench/client.rs"]
mod client;
#[path = "../bench/db.rs"]
mod db;
#[path = "../bench/report.rs"]
mod report;
#[path = "../bench/server.rs"]
mod server;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::client::{Load, LoadReport};
use crate::server::{BOOTSTRAP_TOKEN, Launch, Server};

/// Restarts measured on the already-migrated database.
const RESTARTS: usize = 5;
/// Idle time before `VmRSS` is read.
const IDLE: Duration = Duration::from_secs(2);
/// Requests before the measured window.
const WARMUP: Duration = Duration::from_secs(1);
/// The endpoint under load.
const LIST_PATH: &str = "/api/v3/core/users/?page_size=100";
/// Targets from the issue.
const TARGET_READY_MS: f64 = 300.0;
const TARGET_RSS_MB: f64 = 40.0;
const TARGET_ONE_CORE_RPS: f64 = 2000.0;

const USAGE: &str = "\
usage: castellan-bench [--backend sqlite|postgresql|both] [--users N] [--connections N] [--duration SECONDS]

  --backend      which database to measure (default: both)
  --users        users inserted before the list load (default: 10000)
  --connections  concurrent keep-alive connections of the load (default: 16)
  --duration     measured seconds of each load run, after 1 s of warm-up (default: 10)

Expects the release `castellan` binary next to this executable; `cargo xtask bench`
runs this program. PostgreSQL: a fresh database is created (and dropped) on
CASTELLAN_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).";

/// A database backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgresql,
}

impl Backend {
    /// Prefix of the `key: value` lines.
    fn key(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgresql => "postgresql",
        }
    }

    /// Human name.
    fn title(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgresql => "PostgreSQL",
        }
    }
}

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    backends: Vec<Backend>,
    users: usize,
    connections: usize,
    duration: Duration,
}

/// Parses the arguments; `Ok(None)` for `--help`.
fn parse_args(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        backends: vec![Backend::Sqlite, Backend::Postgresql],
        users: 10_000,
        connections: 16,
        duration: Duration::from_secs(10),
    };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (arg, None),
        };
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                args.get(i)
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))?
            }
        };
        match name {
            "--backend" => {
                options.backends = match value.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgresql" | "postgres" => vec![Backend::Postgresql],
                    "both" => vec![Backend::Sqlite, Backend::Postgresql],
                    other => {
                        return Err(format!(
                            "--backend must be sqlite, postgresql or both, not {other:?}"
                        ));
                    }
                };
            }
            "--users" => options.users = number(name, &value, 1, 10_000_000)?,
            "--connections" => options.connections = number(name, &value, 1, 1024)?,
            "--duration" => {
                let seconds = number(name, value.trim_end_matches('s'), 1, 3600)?;
                options.duration = Duration::from_secs(seconds as u64);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
        i += 1;
    }
    Ok(Some(options))
}

/// An integer argument within `min..=max`.
fn number(name: &str, value: &str, min: usize, max: usize) -> Result<usize, String> {
    let n: usize = value
        .replace('_', "")
        .parse()
        .map_err(|_| format!("{name} takes a whole number, not {value:?}"))?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{name} must be between {min} and {max}"))
    }
}

/// The one-core variant's outcome.
enum OneCore {
    Measured {
        report: LoadReport,
        server_cpu: usize,
        client_cpu: Option<usize>,
    },
    Skipped(String),
}

/// Everything measured on one backend.
struct Figures {
    backend: Backend,
    unreachable: Option<String>,
    first_ready: Option<Duration>,
    first_milestones: Vec<(String, f64)>,
    restarts: Vec<Duration>,
    idle_rss_mb: Option<f64>,
    insert: Option<Duration>,
    list_count: Option<u64>,
    list: Option<LoadReport>,
    loaded_rss_mb: Option<f64>,
    one_core: Option<OneCore>,
    errors: Vec<String>,
}

impl Figures {
    fn new(backend: Backend) -> Self {
        Self {
            backend,
            unreachable: None,
            first_ready: None,
            first_milestones: Vec::new(),
            restarts: Vec::new(),
            idle_rss_mb: None,
            insert: None,
            list_count: None,
            list: None,
            loaded_rss_mb: None,
            one_core: None,
            errors: Vec::new(),
        }
    }

    fn restart_min(&self) -> Option<Duration> {
        self.restarts.iter().min().copied()
    }

    fn restart_median(&self) -> Option<Duration> {
        let mut sorted = self.restarts.clone();
        sorted.sort();
        let n = sorted.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(sorted[n / 2]),
            _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
        }
    }

    fn one_core_report(&self) -> Option<&LoadReport> {
        match &self.one_core {
            Some(OneCore::Measured { report, .. }) => Some(report),
            _ => None,
        }
    }
}

/// Facts about the machine and the process, fixed for the whole run.
struct Machine {
    cpus: Vec<usize>,
    cpu_list: String,
    taskset: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("castellan-bench: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let binary = match server::server_binary() {
        Ok(path) if path.is_file() => path,
        Ok(path) => {
            eprintln!(
                "castellan-bench: the release server binary {} is missing.\n\
                 Build it first, with the same CARGO_TARGET_DIR:\n\n    \
                 cargo build --release -p castellan-server\n\n\
                 then run `cargo xtask bench` again.",
                path.display()
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("castellan-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("castellan-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let all_ok = runtime.block_on(run(&options, &binary));
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Measures every selected backend and prints the report; whether everything
/// could be measured.
async fn run(options: &Options, binary: &Path) -> bool {
    let cpus = server::allowed_cpus();
    let machine = Machine {
        cpu_list: cpu_list_text(&cpus),
        cpus,
        taskset: server::taskset_available(),
    };
    report::print_header(options, binary, &machine);
    let mut all = Vec::new();
    for &backend in &options.backends {
        println!();
        println!("== {} ==", backend.title());
        let figures = measure(backend, options, binary, &machine).await;
        report::print_table(&figures, options);
        all.push(figures);
    }
    println!();
    report::print_keys(&all, options);
    println!();
    report::print_targets(&all);
    let mut ok = true;
    for figures in &all {
        if let Some(why) = &figures.unreachable {
            eprintln!("castellan-bench: {}: {why}", figures.backend.key());
            ok = false;
        }
        for e in &figures.errors {
            eprintln!("castellan-bench: {}: {e}", figures.backend.key());
            ok = false;
        }
    }
    ok
}

/// `0-1` style text of a CPU list (what `taskset -c` takes).
fn cpu_list_text(cpus: &[usize]) -> String {
    cpus.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Runs every measurement of one backend; failures are recorded, not fatal.
async fn measure(backend: Backend, options: &Options, binary: &Path, machine: &Machine) -> Figures {
    let mut figures = Figures::new(backend);
    let dir = match tempfile::Builder::new()
        .prefix(&format!("castellan-bench-{}-", backend.key()))
        .tempdir()
    {
        Ok(dir) => dir,
        Err(e) => {
            figures
                .errors
                .push(format!("cannot create a temporary directory: {e}"));
            return figures;
        }
    };
    let data_dir = dir.path().join("data");
    let mut launch = Launch {
        binary: binary.to_path_buf(),
        dir: dir.path().to_path_buf(),
        env: vec![("CASTELLAN_DATA_DIR".to_owned(), show(&data_dir))],
    };
    let mut pg = None;
    let url = match backend {
        Backend::Sqlite => {
            let path = data_dir.join("castellan.db");
            launch
                .env
                .push(("CASTELLAN_SQLITE__PATH".to_owned(), show(&path)));
            format!("sqlite://{}?mode=rwc", path.display())
        }
        Backend::Postgresql => match db::PgDatabase::create().await {
            Ok(database) => {
                let url = database.url.clone();
                launch
                    .env
                    .push(("CASTELLAN_POSTGRESQL__URL".to_owned(), url.clone()));
                pg = Some(database);
                url
            }
            Err(why) => {
                figures.unreachable = Some(why);
                return figures;
            }
        },
    };
    if let Err(e) = measure_on(&mut figures, &launch, &url, options, machine).await {
        println!("  FAILED: {e}");
        figures.errors.push(e);
    }
    if let Some(mut database) = pg
        && let Err(e) = database.drop_now().await
    {
        figures.errors.push(e);
    }
    drop(dir);
    figures
}

/// The measurement sequence on a prepared database.
async fn measure_on(
    figures: &mut Figures,
    launch: &Launch,
    url: &str,
    options: &Options,
    machine: &Machine,
) -> Result<(), String> {
    // 1. The first (migrating) start.
    progress("first start (migrations, bootstrap)");
    let first = Server::start(launch, "first-start.log", None).await?;
    figures.first_ready = Some(first.ready);
    figures.first_milestones = first
        .milestones()
        .into_iter()
        .filter(|(message, _)| message != "listening")
        .collect();
    first.stop().await?;

    // 2. Restarts on the already-migrated database; the last one keeps running.
    let mut running = None;
    for i in 0..RESTARTS {
        progress(&format!("restart {}/{RESTARTS}", i + 1));
        let server = Server::start(launch, &format!("restart-{}.log", i + 1), None).await?;
        figures.restarts.push(server.ready);
        if i + 1 == RESTARTS {
            running = Some(server);
        } else {
            server.stop().await?;
        }
    }
    let server = running.ok_or("no server running")?;

    // 3. Idle memory.
    tokio::time::sleep(IDLE).await;
    figures.idle_rss_mb = server.rss_mib();

    // 4. Users, directly through the store.
    progress(&format!("inserting {} users", options.users));
    figures.insert = Some(db::insert_users(url, options.users).await?);
    figures.list_count = Some(check_list(server.http_port).await?);

    // 5. Throughput, server unpinned.
    progress(&format!(
        "load: {} connections, {} s (+{} s warm-up)",
        options.connections,
        options.duration.as_secs(),
        WARMUP.as_secs()
    ));
    figures.list = Some(client::run(&load(server.http_port, server.pid(), options)).await);
    figures.loaded_rss_mb = server.rss_mib();
    server.stop().await?;

    // 6. Throughput, server on one CPU and the client on another.
    figures.one_core = Some(if !machine.taskset {
        OneCore::Skipped("taskset not found (util-linux)".to_owned())
    } else if let Some(&server_cpu) = machine.cpus.first() {
        let client_cpu = machine.cpus.get(1).copied();
        progress(&format!(
            "load with the server pinned to CPU {server_cpu} (taskset -c {server_cpu})"
        ));
        let server = Server::start(launch, "one-core.log", Some(server_cpu)).await?;
        let pinned = match client_cpu {
            Some(cpu) => server::pin_self(&cpu.to_string()),
            None => Ok(()),
        };
        let report = client::run(&load(server.http_port, server.pid(), options)).await;
        if client_cpu.is_some() {
            server::pin_self(&machine.cpu_list)?;
        }
        pinned?;
        server.stop().await?;
        OneCore::Measured {
            report,
            server_cpu,
            client_cpu,
        }
    } else {
        OneCore::Skipped("the allowed CPUs of this process are unknown".to_owned())
    });
    Ok(())
}

/// The load settings for a server.
fn load(port: u16, pid: u32, options: &Options) -> Load {
    let auth = format!("Bearer {BOOTSTRAP_TOKEN}");
    Load {
        port,
        request: client::get_request(LIST_PATH, &[("Authorization", &auth)]),
        connections: options.connections,
        warmup: WARMUP,
        duration: options.duration,
        server_pid: pid,
    }
}

/// One list request before the load: it must answer 200; returns `pagination.count`.
async fn check_list(port: u16) -> Result<u64, String> {
    let auth = format!("Bearer {BOOTSTRAP_TOKEN}");
    let (status, body) = client::fetch(port, LIST_PATH, &[("Authorization", &auth)])
        .await
        .map_err(|e| format!("GET {LIST_PATH}: {e}"))?;
    let text = String::from_utf8_lossy(&body);
    if status != 200 {
        return Err(format!("GET {LIST_PATH} answered {status}: {text}"));
    }
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("GET {LIST_PATH}: not JSON ({e})"))?;
    value["pagination"]["count"]
        .as_u64()
        .ok_or_else(|| format!("GET {LIST_PATH}: no pagination.count"))
}

fn progress(step: &str) {
    eprintln!("  … {step}");
}

fn show(path: &Path) -> String {
    PathBuf::from(path).display().to_string()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.decimals$}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn defaults_and_overrides() {
        let Ok(Some(o)) = parse_args(&[]) else {
            panic!("defaults rejected");
        };
        assert_eq!(o.backends, vec![Backend::Sqlite, Backend::Postgresql]);
        assert_eq!((o.users, o.connections), (10_000, 16));
        assert_eq!(o.duration, Duration::from_secs(10));
        let Ok(Some(o)) = parse_args(&args(&[
            "--backend",
            "sqlite",
            "--users=500",
            "--connections",
            "4",
            "--duration",
            "3s",
        ])) else {
            panic!("overrides rejected");
        };
        assert_eq!(o.backends, vec![Backend::Sqlite]);
        assert_eq!((o.users, o.connections), (500, 4));
        assert_eq!(o.duration, Duration::from_secs(3));
        assert!(matches!(parse_args(&args(&["--help"])), Ok(None)));
        assert!(parse_args(&args(&["--backend", "mysql"])).is_err());
        assert!(parse_args(&args(&["--duration", "0"])).is_err());
        assert!(parse_args(&args(&["--users"])).is_err());
        assert!(parse_args(&args(&["--frobnicate", "1"])).is_err());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let report = LoadReport {
            ok: 100,
            errors: 0,
            first_error: None,
            window: Duration::from_secs(2),
            latencies_us: (1..=100).map(|i| i * 1000).collect(),
            server_cpu: Some(Duration::from_secs(1)),
            body_bytes: 0,
        };
        assert_eq!(report.percentile_ms(50.0), Some(50.0));
        assert_eq!(report.percentile_ms(99.0), Some(99.0));
        assert_eq!(report.percentile_ms(100.0), Some(100.0));
        assert_eq!(report.rps(), 50.0);
        assert_eq!(report.server_cpu_percent(), Some(50.0));
    }

    #[test]
    fn medians() {
        let mut f = Figures::new(Backend::Sqlite);
        f.restarts = [5, 1, 3, 2, 4].map(Duration::from_millis).to_vec();
        assert_eq!(f.restart_median(), Some(Duration::from_millis(3)));
        assert_eq!(f.restart_min(), Some(Duration::from_millis(1)));
    }
}

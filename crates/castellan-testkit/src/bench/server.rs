//! The `castellan serve` process under measurement: free loopback ports, a
//! clean environment, readiness polling, resident memory and CPU time from
//! `/proc`, and a SIGTERM stop.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::client;

/// How often readiness is polled.
pub const POLL: Duration = Duration::from_millis(5);
/// How long a start may take before it is reported as failed.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a stop may take before the process is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// `CASTELLAN_BOOTSTRAP_PASSWORD` of every benchmark server.
pub const BOOTSTRAP_PASSWORD: &str = "bench-Bootstrap-Pw-5c1d";
/// `CASTELLAN_BOOTSTRAP_TOKEN` of every benchmark server (the API token used by the load).
pub const BOOTSTRAP_TOKEN: &str = "benchBootstrapToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";

/// The `castellan` binary expected next to this executable.
pub fn server_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate this executable: {e}"))?;
    let dir = exe
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", exe.display()))?;
    Ok(dir.join("castellan"))
}

/// A port that was free a moment ago (bound on 127.0.0.1 then released).
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// What a server is started with.
#[derive(Debug, Clone)]
pub struct Launch {
    /// The `castellan` binary.
    pub binary: PathBuf,
    /// Working directory (also holds the log files).
    pub dir: PathBuf,
    /// Backend-specific variables (`CASTELLAN_SQLITE__PATH`, `CASTELLAN_POSTGRESQL__URL`, …).
    pub env: Vec<(String, String)>,
}

/// A running `castellan serve`; killed when dropped.
pub struct Server {
    child: Child,
    log: PathBuf,
    /// `listen.http` port.
    pub http_port: u16,
    /// Wall time from spawn to the first 200 of `/-/health/ready/`.
    pub ready: Duration,
}

impl Server {
    /// Spawns `castellan serve` (under `taskset -c <cpu>` when `cpu` is set) with
    /// fresh ports and waits for readiness, polling every [`POLL`].
    pub async fn start(
        launch: &Launch,
        log_name: &str,
        cpu: Option<usize>,
    ) -> Result<Self, String> {
        let ports = [free_port(), free_port(), free_port()];
        let [Ok(http_port), Ok(https_port), Ok(metrics_port)] = ports else {
            return Err("no free loopback port".to_owned());
        };
        let log = launch.dir.join(log_name);
        let stderr =
            File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut cmd = match cpu {
            Some(cpu) => {
                let mut cmd = Command::new("taskset");
                cmd.arg("-c").arg(cpu.to_string()).arg(&launch.binary);
                cmd
            }
            None => Command::new(&launch.binary),
        };
        cmd.arg("serve").current_dir(&launch.dir);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CASTELLAN_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env_remove("RUST_LOG")
            .env("CASTELLAN_LISTEN__HTTP", format!("127.0.0.1:{http_port}"))
            .env("CASTELLAN_LISTEN__HTTPS", format!("127.0.0.1:{https_port}"))
            .env(
                "CASTELLAN_LISTEN__METRICS",
                format!("127.0.0.1:{metrics_port}"),
            )
            .env("CASTELLAN_BOOTSTRAP_PASSWORD", BOOTSTRAP_PASSWORD)
            .env("CASTELLAN_BOOTSTRAP_TOKEN", BOOTSTRAP_TOKEN)
            .envs(launch.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let spawned = Instant::now();
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot spawn {}: {e}", launch.binary.display()))?;
        let mut server = Self {
            child,
            log,
            http_port,
            ready: Duration::ZERO,
        };
        server.ready = server.wait_ready(spawned).await?;
        Ok(server)
    }

    /// Polls `/-/health/ready/` until it answers 200; fails with the log tail
    /// when the process exits or [`READY_TIMEOUT`] passes.
    async fn wait_ready(&mut self, spawned: Instant) -> Result<Duration, String> {
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!(
                    "castellan exited before it was ready ({status}); log tail:\n{}",
                    self.log_tail()
                ));
            }
            if let Ok(200) = client::probe(self.http_port, "/-/health/ready/").await {
                return Ok(spawned.elapsed());
            }
            if spawned.elapsed() > READY_TIMEOUT {
                return Err(format!(
                    "castellan not ready after {} s; log tail:\n{}",
                    READY_TIMEOUT.as_secs(),
                    self.log_tail()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The process id (that of `castellan` itself: `taskset` execs it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `VmRSS` from `/proc/<pid>/status`, in MiB.
    pub fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// Milestones of the start from the JSON log: each line's `message` and
    /// its time since the process started, in ms. The process start is the
    /// `ready` line's timestamp minus its `startup_ms` (measured from `main`).
    pub fn milestones(&self) -> Vec<(String, f64)> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<(
            String,
            chrono::DateTime<chrono::FixedOffset>,
            serde_json::Value,
        )> = text
            .lines()
            .filter_map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).ok()?;
                let at = chrono::DateTime::parse_from_rfc3339(value["timestamp"].as_str()?).ok()?;
                Some((value["message"].as_str()?.to_owned(), at, value))
            })
            .collect();
        let Some((_, ready_at, ready)) = lines.iter().find(|(m, _, _)| m == "ready") else {
            return Vec::new();
        };
        let Some(startup_ms) = ready["startup_ms"].as_f64() else {
            return Vec::new();
        };
        let start = *ready_at - chrono::Duration::microseconds((startup_ms * 1000.0) as i64);
        let mut out = Vec::new();
        for (message, at, _) in &lines {
            let ms = (*at - start).num_microseconds().unwrap_or(0) as f64 / 1000.0;
            out.push((message.clone(), ms));
            if message == "ready" {
                break;
            }
        }
        out
    }

    /// The last lines of the log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Sends SIGTERM and waits for the exit (killing it after [`STOP_TIMEOUT`]).
    pub async fn stop(mut self) -> Result<(), String> {
        let pid = self.pid().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !sent.is_ok_and(|s| s.success()) {
            let _ = self.child.kill();
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(format!(
                        "castellan did not stop within {} s of SIGTERM (killed)",
                        STOP_TIMEOUT.as_secs()
                    ));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Clock ticks per second for `/proc/<pid>/stat` (`getconf CLK_TCK`, else 100).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|t| *t > 0.0)
            .unwrap_or(100.0)
    })
}

/// `utime + stime` of a process from `/proc/<pid>/stat`.
pub fn process_cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); utime and stime are fields 14 and 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_secs_f64((utime + stime) / clock_ticks()))
}

/// The CPUs this process may run on (`Cpus_allowed_list` of `/proc/self/status`).
pub fn allowed_cpus() -> Vec<usize> {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return Vec::new();
    };
    let Some(list) = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
    else {
        return Vec::new();
    };
    let mut cpus = Vec::new();
    for part in list.trim().split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                    cpus.extend(a..=b.min(a + 4096));
                }
            }
            None => cpus.extend(part.parse::<usize>().ok()),
        }
    }
    cpus
}

/// Whether `taskset` (util-linux) can be run.
pub fn taskset_available() -> bool {
    Command::new("taskset")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Sets the affinity of every thread of this process (`taskset -a -p -c`).
/// Threads created later inherit it from their creator.
pub fn pin_self(cpus: &str) -> Result<(), String> {
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run taskset: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("taskset -a -p -c {cpus} failed ({status})"))
    }
}

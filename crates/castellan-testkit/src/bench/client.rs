//! A small hand-written HTTP/1.1 client over keep-alive TCP connections to
//! 127.0.0.1, and the closed-loop load generator built on it.

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

use crate::server::process_cpu_time;

/// Longest status or header line accepted.
const MAX_LINE: usize = 16 * 1024;
/// Largest body accepted.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// Latency samples kept per connection (bounds memory on very fast servers).
const MAX_SAMPLES: usize = 4_000_000;

fn invalid(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

/// One keep-alive connection.
pub struct Conn {
    stream: BufReader<TcpStream>,
    line: Vec<u8>,
}

/// What a response said about the connection.
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Whether the server keeps the connection open.
    pub keep_alive: bool,
}

impl Conn {
    /// Connects to `127.0.0.1:port` with `TCP_NODELAY`.
    pub async fn connect(port: u16) -> std::io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::with_capacity(64 * 1024, stream),
            line: Vec::with_capacity(256),
        })
    }

    /// Writes `request` (a complete HTTP/1.1 request) and reads the response;
    /// the body replaces the contents of `body`.
    pub async fn exchange(
        &mut self,
        request: &[u8],
        body: &mut Vec<u8>,
    ) -> std::io::Result<Answer> {
        self.stream.get_mut().write_all(request).await?;
        self.read_response(body).await
    }

    /// Reads one line (with its CRLF) into `self.line`.
    async fn read_line(&mut self) -> std::io::Result<()> {
        self.line.clear();
        let n = (&mut self.stream)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut self.line)
            .await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed by the server",
            ));
        }
        if !self.line.ends_with(b"\n") {
            return Err(invalid("header line too long"));
        }
        Ok(())
    }

    /// The current line without CRLF, as text.
    fn line_text(&self) -> std::io::Result<&str> {
        std::str::from_utf8(&self.line)
            .map(|l| l.trim_end_matches(['\r', '\n']))
            .map_err(|_| invalid("non-UTF-8 header"))
    }

    async fn read_response(&mut self, body: &mut Vec<u8>) -> std::io::Result<Answer> {
        self.read_line().await?;
        let status_line = self.line_text()?;
        let status: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {status_line:?}")))?;
        let http10 = status_line.starts_with("HTTP/1.0");
        let mut length: Option<usize> = None;
        let mut chunked = false;
        let mut keep_alive = !http10;
        loop {
            self.read_line().await?;
            let line = self.line_text()?;
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(invalid(format!("bad header line {line:?}")));
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse().map_err(|_| invalid("bad content-length"))?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                let value = value.to_ascii_lowercase();
                if value.contains("close") {
                    keep_alive = false;
                } else if value.contains("keep-alive") {
                    keep_alive = true;
                }
            }
        }
        body.clear();
        if chunked {
            self.read_chunked(body).await?;
        } else if let Some(length) = length {
            if length > MAX_BODY {
                return Err(invalid("body too large"));
            }
            body.resize(length, 0);
            self.stream.read_exact(body).await?;
        } else if status != 204 && status != 304 && !(100..200).contains(&status) {
            // Delimited by the end of the connection.
            (&mut self.stream)
                .take(MAX_BODY as u64)
                .read_to_end(body)
                .await?;
            keep_alive = false;
        }
        Ok(Answer { status, keep_alive })
    }

    async fn read_chunked(&mut self, body: &mut Vec<u8>) -> std::io::Result<()> {
        loop {
            self.read_line().await?;
            let size_text = self.line_text()?;
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| invalid(format!("bad chunk size {size_text:?}")))?;
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    self.read_line().await?;
                    if self.line_text()?.is_empty() {
                        return Ok(());
                    }
                }
            }
            if body.len() + size > MAX_BODY {
                return Err(invalid("body too large"));
            }
            let start = body.len();
            body.resize(start + size, 0);
            self.stream.read_exact(&mut body[start..]).await?;
            self.read_line().await?;
        }
    }
}

/// A `GET` request for `path` with extra headers (keep-alive).
pub fn get_request(path: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (name, value) in headers {
        request.push_str(name);
        request.push_str(": ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// One `GET` on a new connection: (status, body).
pub async fn fetch(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut conn = Conn::connect(port).await?;
    let mut body = Vec::new();
    let answer = conn
        .exchange(&get_request(path, headers), &mut body)
        .await?;
    Ok((answer.status, body))
}

/// The status of one `GET` on a new connection (readiness polling).
pub async fn probe(port: u16, path: &str) -> std::io::Result<u16> {
    Ok(fetch(port, path, &[]).await?.0)
}

/// A load run.
#[derive(Debug, Clone)]
pub struct Load {
    /// Server port.
    pub port: u16,
    /// The complete request sent on every connection.
    pub request: Vec<u8>,
    /// Concurrent keep-alive connections, each with one request in flight.
    pub connections: usize,
    /// Requests before this are not counted.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// The server process, whose CPU time is sampled over the window.
    pub server_pid: u32,
}

/// What a load run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// 200 answers completed within the window.
    pub ok: u64,
    /// Non-200 answers and I/O failures within the window.
    pub errors: u64,
    /// The first error seen (any time), for the report.
    pub first_error: Option<String>,
    /// The window length.
    pub window: Duration,
    /// Sorted latencies of the counted requests, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Server CPU time over the window (user + system, all threads).
    pub server_cpu: Option<Duration>,
    /// Size of the last 200 body, in bytes.
    pub body_bytes: usize,
}

impl LoadReport {
    /// Successful requests per second.
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.window.as_secs_f64()
    }

    /// Nearest-rank percentile `p` (0–100) in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        if self.latencies_us.is_empty() {
            return None;
        }
        let n = self.latencies_us.len();
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        let index = rank.clamp(1, n) - 1;
        Some(f64::from(self.latencies_us[index]) / 1000.0)
    }

    /// Server CPU use over the window, in percent of one core.
    pub fn server_cpu_percent(&self) -> Option<f64> {
        self.server_cpu
            .map(|cpu| 100.0 * cpu.as_secs_f64() / self.window.as_secs_f64())
    }
}

/// What one connection measured.
#[derive(Default)]
struct WorkerStats {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    latencies_us: Vec<u32>,
    body_bytes: usize,
}

/// Runs the closed loop: `connections` tasks, each sending the request again
/// as soon as the previous answer is read, for `warmup + duration`.
pub async fn run(load: &Load) -> LoadReport {
    let start = Instant::now();
    let window_start = start + load.warmup;
    let end = window_start + load.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..load.connections.max(1) {
        let request = load.request.clone();
        let port = load.port;
        tasks.spawn(worker(port, request, window_start, end));
    }
    let pid = load.server_pid;
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(window_start.into()).await;
        let before = process_cpu_time(pid)?;
        tokio::time::sleep_until(end.into()).await;
        let after = process_cpu_time(pid)?;
        after.checked_sub(before)
    });
    let mut report = LoadReport {
        ok: 0,
        errors: 0,
        first_error: None,
        window: load.duration,
        latencies_us: Vec::new(),
        server_cpu: None,
        body_bytes: 0,
    };
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(stats) => {
                report.ok += stats.ok;
                report.errors += stats.errors;
                if report.first_error.is_none() {
                    report.first_error = stats.first_error;
                }
                report.latencies_us.extend(stats.latencies_us);
                report.body_bytes = report.body_bytes.max(stats.body_bytes);
            }
            Err(e) => {
                report.errors += 1;
                report
                    .first_error
                    .get_or_insert_with(|| format!("client task failed: {e}"));
            }
        }
    }
    report.server_cpu = cpu.await.ok().flatten();
    report.latencies_us.sort_unstable();
    report
}

/// One connection's loop.
async fn worker(port: u16, request: Vec<u8>, window_start: Instant, end: Instant) -> WorkerStats {
    let mut stats = WorkerStats {
        latencies_us: Vec::with_capacity(16 * 1024),
        ..WorkerStats::default()
    };
    let mut body = Vec::with_capacity(256 * 1024);
    let mut conn: Option<Conn> = None;
    let fail = |stats: &mut WorkerStats, at: Instant, message: String| {
        if at >= window_start && at < end {
            stats.errors += 1;
        }
        stats.first_error.get_or_insert(message);
    };
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        let current = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::connect(port).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    fail(&mut stats, Instant::now(), format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let sent = Instant::now();
        // Bounded: an answer that never comes ends the loop shortly after the window.
        let limit = end.saturating_duration_since(sent) + Duration::from_secs(5);
        let outcome = tokio::time::timeout(limit, current.exchange(&request, &mut body)).await;
        let done = Instant::now();
        match outcome {
            Ok(Ok(answer)) => {
                if !answer.keep_alive {
                    conn = None;
                }
                if answer.status == 200 {
                    stats.body_bytes = body.len();
                    if done >= window_start && done < end {
                        stats.ok += 1;
                        if stats.latencies_us.len() < MAX_SAMPLES {
                            let us = done.duration_since(sent).as_micros();
                            stats
                                .latencies_us
                                .push(u32::try_from(us).unwrap_or(u32::MAX));
                        }
                    }
                } else {
                    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                    fail(&mut stats, done, format!("HTTP {}: {text}", answer.status));
                }
            }
            Ok(Err(e)) => {
                conn = None;
                fail(&mut stats, done, format!("I/O: {e}"));
            }
            Err(_) => {
                conn = None;
                fail(&mut stats, done, "no answer in time".to_owned());
            }
        }
    }
    stats
}

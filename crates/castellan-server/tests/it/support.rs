//! Helpers: temporary directories, free ports, the `castellan` process, a
//! hand-written HTTP/1.1 client, a TLS handshake and throw-away PostgreSQL
//! databases.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sqlx::Connection as _;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_castellan");
/// How long a server may take to become ready.
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh empty directory.
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "castellan-it-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `castellan` command running in `dir`, with every inherited
/// `CASTELLAN_*` variable and `RUST_LOG` removed and `env` set.
pub fn command(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir).args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CASTELLAN_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env_remove("RUST_LOG");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd
}

/// Runs a `castellan` command to completion.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    command(dir, args, env)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Standard output and error of `output` as text, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Ports of a server.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    /// `listen.http`.
    pub http: u16,
    /// `listen.https`.
    pub https: u16,
    /// `listen.metrics`.
    pub metrics: u16,
}

impl Ports {
    /// Three free ports.
    pub fn free() -> Self {
        Self {
            http: free_port(),
            https: free_port(),
            metrics: free_port(),
        }
    }

    /// The listener variables.
    pub fn env(self) -> Vec<(&'static str, String)> {
        vec![
            ("CASTELLAN_LISTEN__HTTP", format!("127.0.0.1:{}", self.http)),
            (
                "CASTELLAN_LISTEN__HTTPS",
                format!("127.0.0.1:{}", self.https),
            ),
            (
                "CASTELLAN_LISTEN__METRICS",
                format!("127.0.0.1:{}", self.metrics),
            ),
        ]
    }
}

/// A running `castellan serve`; killed when dropped.
pub struct Server {
    child: Child,
    log: PathBuf,
    /// Its ports.
    pub ports: Ports,
}

impl Server {
    /// Starts `castellan serve` in `dir` (stderr to `dir/<log_name>`) and
    /// waits until `/-/health/ready/` answers 200.
    pub async fn start(dir: &Path, log_name: &str, env: &[(&str, String)]) -> Self {
        let ports = Ports::free();
        let mut all = ports.env();
        all.extend(env.iter().cloned());
        let log = dir.join(log_name);
        let child = command(dir, &["serve"], &all)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut server = Self { child, log, ports };
        server.wait_ready().await;
        server
    }

    /// Polls readiness; panics with the log when the process exits or times out.
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("castellan exited early ({status}):\n{}", self.log());
            }
            if let Ok((200, _)) = get(self.ports.http, "/-/health/ready/", &[]).await {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "castellan not ready in time:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log lines as JSON objects (non-JSON lines are skipped).
    pub fn log_lines(&self) -> Vec<serde_json::Value> {
        self.log()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn stop(mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "castellan did not stop:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
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

/// `GET path` on `127.0.0.1:port` over plain TCP: (status, body).
pub async fn get(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, String)> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    exchange(stream, path, headers).await
}

/// Writes a `GET` with `Connection: close` and reads the whole response.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, String)> {
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    stream.flush().await?;
    let mut raw = Vec::new();
    // A TLS peer may close without close_notify; what was read still counts.
    if let Err(err) = stream.read_to_end(&mut raw).await
        && raw.is_empty()
    {
        return Err(err);
    }
    parse_response(&raw)
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad HTTP response"))
}

/// Splits a raw HTTP/1.1 response into status and (de-chunked) body.
fn parse_response(raw: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_owned()
    };
    Some((status, body))
}

/// Decodes a chunked body.
fn dechunk(mut body: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(rest.get(..size)?);
        body = rest.get(size + 2..)?;
    }
}

/// Completes a TLS handshake with `127.0.0.1:port` (any certificate
/// accepted) and returns the status of `GET path` over it.
pub async fn tls_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
    let tls = connector.connect(name, tcp).await?;
    exchange(tls, path, &[]).await
}

/// Accepts every server certificate but still checks handshake signatures.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The PostgreSQL server the tests create databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("CASTELLAN_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("postgres URL without scheme");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// A fresh PostgreSQL database, dropped (`WITH (FORCE)`) when this is dropped.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    /// Connection URL of the database.
    pub url: String,
}

impl PgDatabase {
    /// Creates `castellan_it_<random>`; panics naming `scripts/test.sh` when
    /// PostgreSQL is unreachable.
    pub async fn create() -> Self {
        let admin_url = postgres_admin_url();
        let mut conn = match sqlx::PgConnection::connect(&admin_url).await {
            Ok(conn) => conn,
            Err(err) => panic!(
                "PostgreSQL is unreachable at CASTELLAN_TEST_POSTGRES_URL ({err}); \
                 run the tests through scripts/test.sh, which starts it"
            ),
        };
        let name = format!("castellan_it_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let url = with_database(&admin_url, &name);
        Self {
            admin_url,
            name,
            url,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop may run inside a runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(&sql).execute(&mut conn).await.ok()?;
                conn.close().await.ok()
            })
        })
        .join();
    }
}

#[test]
fn parse_chunked_response() {
    let raw =
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    assert_eq!(parse_response(raw), Some((200, "abcde".to_owned())));
    let raw = b"HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}";
    assert_eq!(parse_response(raw), Some((404, "{}".to_owned())));
}

#[test]
fn database_name_is_replaced() {
    assert_eq!(
        with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
        "postgres://u:p@h:5432/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}

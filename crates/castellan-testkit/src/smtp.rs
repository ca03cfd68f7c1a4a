//! A real SMTP server for email tests: `python -m aiosmtpd` on a free loopback port with a
//! handler that stores every message, decoded, as JSON in a temporary directory. The Python
//! comes from `CASTELLAN_TEST_VENV` (default `/var/cache/castellan-venv`, where
//! `scripts/test.sh` installs aiosmtpd) or, failing that, the system `python3`.
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const HANDLER: &str = include_str!("smtp/store_handler.py");

/// A running aiosmtpd; killed (by PID) when dropped.
pub struct SmtpServer {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

/// A free loopback port (bound and released; good enough for tests).
#[allow(clippy::expect_used)]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn python() -> PathBuf {
    let venv =
        std::env::var("CASTELLAN_TEST_VENV").unwrap_or_else(|_| "/var/cache/castellan-venv".into());
    let candidate = PathBuf::from(venv).join("bin/python");
    for python in [candidate, PathBuf::from("python3")] {
        let ok = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return python;
        }
    }
    panic!(
        "aiosmtpd is not installed: run scripts/test.sh, or \
         python3 -m venv /var/cache/castellan-venv && /var/cache/castellan-venv/bin/pip install aiosmtpd"
    );
}

impl SmtpServer {
    /// Starts the server on a free port and waits until it accepts connections.
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts the server on `port` and waits until it accepts connections.
    #[allow(clippy::expect_used)]
    pub fn start_on(port: u16) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let code = dir.path().join("code");
        let mail = dir.path().join("mail");
        std::fs::create_dir_all(&code).expect("code dir");
        std::fs::create_dir_all(&mail).expect("mail dir");
        std::fs::write(code.join("castellan_smtp_store.py"), HANDLER).expect("handler");
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "castellan_smtp_store.Store"])
            .env("PYTHONPATH", &code)
            .env("CASTELLAN_SMTP_DIR", &mail)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let server = Self { port, child, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The messages received so far, oldest first (`mail_from`, `rcpt_tos`, `from`, `to`,
    /// `subject`, `text`, `html`).
    #[allow(clippy::expect_used)]
    pub fn messages(&self) -> Vec<Value> {
        let mail = self.dir.path().join("mail");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&mail)
            .expect("mail dir")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                serde_json::from_str(&std::fs::read_to_string(p).expect("message"))
                    .expect("message JSON")
            })
            .collect()
    }

    /// Waits (up to 10 s) until `n` messages arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.messages();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The first `…flow_token=<key>` link in a message's text part.
pub fn flow_link(message: &Value) -> Option<String> {
    let text = message["text"].as_str()?;
    text.split_whitespace()
        .find(|w| w.contains("flow_token="))
        .map(str::to_string)
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

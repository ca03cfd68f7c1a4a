//! Python test peers (authlib, oic, jwcrypto …): runs a script with the test venv's Python
//! (`CASTELLAN_TEST_VENV`, default `/var/cache/castellan-venv`, filled by `scripts/test.sh`),
//! hands it JSON arguments on stdin and returns the JSON object it prints last. A missing venv
//! or module fails the test with the install command; it is never skipped.
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

fn python() -> PathBuf {
    let venv =
        std::env::var("CASTELLAN_TEST_VENV").unwrap_or_else(|_| "/var/cache/castellan-venv".into());
    PathBuf::from(venv).join("bin/python")
}

/// Runs `script` with `args` (JSON on stdin); panics with the script's stderr when it fails or
/// prints no JSON object on its last line.
#[allow(clippy::expect_used, clippy::panic)]
pub async fn run(script: &'static str, args: Value) -> Value {
    tokio::task::spawn_blocking(move || {
        let python = python();
        let mut child = Command::new(&python)
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {}: {e}; run scripts/test.sh (it creates the venv and installs \
                     authlib, oic, jwcrypto)",
                    python.display()
                )
            });
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(args.to_string().as_bytes())
            .expect("write args");
        let out = child.wait_with_output().expect("python output");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "python peer failed ({}):\n{stderr}\n{stdout}",
            out.status
        );
        let last = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(last)
            .unwrap_or_else(|e| panic!("python peer printed no JSON ({e}):\n{stdout}\n{stderr}"))
    })
    .await
    .expect("python task")
}

//! Browser tests: runs a test's JavaScript with `playwright-core` (from the npm registry, installed
//! by `scripts/test.sh` under `CASTELLAN_TEST_NODE_MODULES`) driving the system's Chromium
//! (`CASTELLAN_TEST_CHROMIUM`, default `/usr/bin/chromium`), headless. Nothing is downloaded at
//! test time and a missing browser is an error, never a skip.
//!
//! A script is the body of an `async (page, args, helpers) => result` function: `page` is a fresh
//! page of a new context, `args` the JSON given by the test, `helpers.screenshot(name)` saves
//! `target/screenshots/<name>.png`, `helpers.axe(exclude)` runs axe-core (npm, installed next to
//! `playwright-core`) on the page with the WCAG 2.0/2.1 A and AA rules and returns the violations
//! (`[{id, impact, help, nodes: [{target, summary}]}]`; `exclude` an optional list of CSS
//! selectors, `strict` of rule ids whose "needs review" results count as violations); what the
//! function returns comes back as JSON.
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const RUNNER: &str = include_str!("browser/runner.js");

/// Where the browser and the Node modules are.
#[derive(Debug, Clone)]
pub struct Browser {
    node_modules: PathBuf,
    chromium: PathBuf,
    screenshots: PathBuf,
}

impl Browser {
    /// Finds Chromium and `playwright-core`.
    ///
    /// # Errors
    /// Either is missing (run `scripts/test.sh`, which installs them).
    pub fn locate() -> Result<Self, String> {
        let node_modules = std::env::var("CASTELLAN_TEST_NODE_MODULES")
            .unwrap_or_else(|_| "/var/cache/castellan-node/node_modules".into());
        let chromium =
            std::env::var("CASTELLAN_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let node_modules = PathBuf::from(node_modules);
        let chromium = PathBuf::from(chromium);
        if !node_modules.join("playwright-core").is_dir() {
            return Err(format!(
                "playwright-core not found under {} (scripts/test.sh installs it)",
                node_modules.display()
            ));
        }
        if !chromium.is_file() {
            return Err(format!(
                "Chromium not found at {} (scripts/test.sh installs it)",
                chromium.display()
            ));
        }
        let screenshots =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        Ok(Self {
            node_modules,
            chromium,
            screenshots,
        })
    }

    /// Runs `script` (see the module documentation) with `args`; returns its result.
    ///
    /// # Errors
    /// Node failed to start, the script threw, or its output was not JSON — with its output.
    pub async fn run(&self, script: &str, args: &Value) -> Result<Value, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let file = dir.path().join("test.js");
        let source = RUNNER.replace("/*SCRIPT*/", script);
        std::fs::write(&file, source).map_err(|e| e.to_string())?;
        let _ = std::fs::create_dir_all(&self.screenshots);
        let mut cmd = Command::new("node");
        cmd.arg(&file)
            .env("NODE_PATH", &self.node_modules)
            .env("CASTELLAN_CHROMIUM", &self.chromium)
            .env("CASTELLAN_SCREENSHOTS", &self.screenshots)
            .env("CASTELLAN_ARGS", args.to_string());
        let output = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("node: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(format!("browser script failed:\n{stdout}\n{stderr}"));
        }
        let last = stdout.lines().last().unwrap_or_default();
        serde_json::from_str(last)
            .map_err(|e| format!("browser script output is not JSON ({e}):\n{stdout}\n{stderr}"))
    }
}

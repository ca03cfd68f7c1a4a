//! Workspace automation, run as `cargo xtask <command>` (alias in
//! `.cargo/config.toml`):
//!
//! - `check-layers`: the dependency rules of ARCHITECTURE.md §3;
//! - `openapi --check|--write`: `docs/openapi.json` against the generated document;
//! - `bench [ARGS…]`: `castellan-bench` from castellan-testkit, built in release mode.

mod layers;
mod openapi;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context as _, Result, bail};

/// Printed for `help` and for usage errors.
const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  check-layers        check the workspace dependency rules (ARCHITECTURE.md §3)
  openapi --check     fail when docs/openapi.json differs from `castellan openapi`
  openapi --write     regenerate docs/openapi.json
  bench [ARGS...]     run castellan-bench (castellan-testkit) in release mode with ARGS
  help                show this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Dispatches one command.
fn run(args: &[String]) -> Result<ExitCode> {
    let root = workspace_root()?;
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("help", args),
    };
    let ok = match command {
        "check-layers" => {
            no_more_args(command, rest)?;
            layers::run(&root)?
        }
        "openapi" => {
            let mode = match rest {
                [flag] if flag == "--check" => openapi::Mode::Check,
                [flag] if flag == "--write" => openapi::Mode::Write,
                _ => bail!("openapi takes exactly one of --check or --write\n\n{USAGE}"),
            };
            openapi::run(&root, mode)?
        }
        "bench" => return bench(&root, rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            true
        }
        other => bail!("unknown command {other:?}\n\n{USAGE}"),
    };
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Fails when a command that takes no arguments got some.
fn no_more_args(command: &str, rest: &[String]) -> Result<()> {
    if rest.is_empty() {
        Ok(())
    } else {
        bail!("{command} takes no arguments, got {rest:?}\n\n{USAGE}")
    }
}

/// The workspace root, found at run time from the current directory (the nearest ancestor whose
/// `Cargo.toml` declares `[workspace]`), so an xtask binary built from another clone sharing the
/// target directory never acts on the wrong tree.
fn workspace_root() -> Result<PathBuf> {
    let start = std::env::current_dir().context("current directory")?;
    start
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
        })
        .map(Path::to_path_buf)
        .with_context(|| format!("no Cargo workspace above {}", start.display()))
}

/// `cargo run --release -p castellan-testkit --bin castellan-bench -- ARGS`,
/// with its exit status.
fn bench(root: &Path, args: &[String]) -> Result<ExitCode> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args([
            "run",
            "--release",
            "-p",
            "castellan-testkit",
            "--bin",
            "castellan-bench",
            "--",
        ])
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot run {cargo}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

//! The blueprints directory: listing its `*.yaml` files, creating an instance for each new one
//! (unless labelled `blueprints.goauthentik.io/instantiate: "false"`), applying files whose
//! content changed, marking instances whose file disappeared `orphaned`, and a background task
//! that does this periodically.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use castellan_blueprints::content_hash;
use castellan_store::blueprints::{self as store_instances, BlueprintInstance};
use castellan_store::{Store, StoreError, locks};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::instances::{apply_instance, label, metadata_json};

/// The label that keeps a file from being instantiated automatically.
pub const LABEL_INSTANTIATE: &str = "blueprints.goauthentik.io/instantiate";

/// How often the background task re-scans the directory.
pub const RESCAN: Duration = Duration::from_secs(60);

/// A blueprint file found in the directory (`BlueprintFile`).
#[derive(Debug, Clone, PartialEq)]
pub struct BlueprintFile {
    /// Path relative to the directory, `/`-separated.
    pub path: String,
    /// Last modification time.
    pub last_m: DateTime<Utc>,
    /// SHA-512 of the content.
    pub hash: String,
    /// `{name, labels}` of its metadata.
    pub meta: Value,
    /// Its text.
    pub text: String,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// Every parseable `*.yaml` file under `dir` (recursively), sorted by path. Files that do not
/// parse as a blueprint are left out, as authentik does.
#[must_use]
pub fn available(dir: &Path) -> Vec<BlueprintFile> {
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    let mut out: Vec<BlueprintFile> = paths
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            castellan_blueprints::parse(&text).ok()?;
            let rel = p.strip_prefix(dir).ok()?;
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok()?;
            Some(BlueprintFile {
                path: rel.join("/"),
                last_m: DateTime::<Utc>::from(modified),
                hash: content_hash(&text),
                meta: metadata_json(&text),
                text,
            })
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// What one scan did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscoveryReport {
    /// Instances created, by name.
    pub created: Vec<String>,
    /// Instances applied, by name, with the error when the apply failed.
    pub applied: Vec<(String, Option<String>)>,
    /// Instances marked orphaned, by name.
    pub orphaned: Vec<String>,
}

/// Scans `dir` once: new files get an instance, changed files are applied, instances whose
/// file is gone become `orphaned`. Processes sharing the database take turns.
///
/// # Errors
/// Database failures (a failing blueprint is recorded on its instance, not returned).
pub async fn discover(
    store: &Store,
    dir: &Path,
    env: &BTreeMap<String, String>,
) -> Result<DiscoveryReport, StoreError> {
    let lock = locks::acquire(store, locks::BLUEPRINTS).await?;
    let result = discover_locked(store, dir, env).await;
    lock.release().await?;
    result
}

async fn discover_locked(
    store: &Store,
    dir: &Path,
    env: &BTreeMap<String, String>,
) -> Result<DiscoveryReport, StoreError> {
    let files = available(dir);
    let mut report = DiscoveryReport::default();
    let mut conn = store.conn().await?;
    let known = store_instances::all(&mut conn).await?;
    let mut due = Vec::new();
    for file in &files {
        let existing = known.iter().find(|i| i.path == file.path).cloned();
        let mut instance = match existing {
            Some(i) => i,
            None => {
                if label(&file.meta, LABEL_INSTANTIATE)
                    .is_some_and(|v| v.eq_ignore_ascii_case("false"))
                {
                    continue;
                }
                let meta_name = file
                    .meta
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let name = if meta_name.is_empty()
                    || store_instances::name_taken(&mut conn, meta_name, None).await?
                {
                    file.path.clone()
                } else {
                    meta_name.to_owned()
                };
                let mut i = BlueprintInstance::new(&name, store.now());
                i.path.clone_from(&file.path);
                i.metadata = file.meta.clone();
                store_instances::save(&mut conn, &i, true).await?;
                report.created.push(name);
                i
            }
        };
        if instance.enabled
            && (instance.last_applied_hash != file.hash || instance.status == "orphaned")
        {
            instance.metadata = file.meta.clone();
            due.push(instance);
        }
    }
    for instance in store_instances::all(&mut conn).await? {
        let gone = !instance.path.is_empty() && !files.iter().any(|f| f.path == instance.path);
        if gone && instance.status != "orphaned" {
            let mut row = instance;
            row.status = "orphaned".into();
            row.last_updated = store.now();
            store_instances::save(&mut conn, &row, false).await?;
            report.orphaned.push(row.name);
        }
    }
    drop(conn);
    for mut instance in due {
        let outcome = apply_instance(store, &mut instance, Some(dir), env).await;
        report
            .applied
            .push((instance.name.clone(), outcome.err().map(|e| e.to_string())));
    }
    Ok(report)
}

/// Runs [`discover`] every `period` (the first scan one period from now: the server scans at
/// start itself) until the task is dropped.
pub async fn discovery_loop(
    store: Store,
    dir: PathBuf,
    env: BTreeMap<String, String>,
    period: Duration,
) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match discover(&store, &dir, &env).await {
            Ok(report) => log_report(&report),
            Err(e) => tracing::warn!(error = %e, "blueprint discovery failed"),
        }
    }
}

/// Logs what a scan did (nothing when it did nothing).
pub fn log_report(report: &DiscoveryReport) {
    if *report == DiscoveryReport::default() {
        return;
    }
    let failed = report.applied.iter().filter(|(_, e)| e.is_some()).count();
    tracing::info!(
        created = report.created.len(),
        applied = report.applied.len(),
        failed,
        orphaned = report.orphaned.len(),
        "blueprints discovered"
    );
}

//! `cargo xtask check-layers`: the workspace dependency rules of
//! ARCHITECTURE.md §3, checked over the manifests as `cargo metadata` reads
//! them (so `workspace = true`, renames and target-specific tables are
//! resolved by cargo itself).
//!
//! Rules, over normal and build dependencies (dev-dependencies are not
//! checked: tests may use anything):
//! 1. `castellan-core` depends on no other workspace crate.
//! 2. Only `castellan-store` (and the test-only `castellan-testkit`) depend on
//!    sqlx; only `castellan-web`, `castellan-server` and `castellan-testkit`
//!    depend on axum, hyper or axum-server.
//! 3. Protocol crates depend, among workspace crates, only on core, crypto,
//!    policy and flows.
//! 4. Only `castellan-server` depends on `clap`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

/// The domain crate, which depends on no workspace crate.
pub const CORE: &str = "castellan-core";
/// Workspace members that are tooling, not layers: never checked.
pub const EXEMPT: &[&str] = &["xtask"];
/// Crates allowed to depend on sqlx.
pub const SQLX_ALLOWED: &[&str] = &["castellan-store", "castellan-testkit"];
/// Crates allowed to depend on the HTTP server stack.
pub const HTTP_ALLOWED: &[&str] = &["castellan-web", "castellan-server", "castellan-testkit"];
/// The HTTP server stack.
pub const HTTP_CRATES: &[&str] = &[
    "axum",
    "axum-core",
    "axum-extra",
    "axum-server",
    "hyper",
    "hyper-util",
];
/// Protocol crates (when they exist).
pub const PROTOCOL_CRATES: &[&str] = &[
    "castellan-oauth",
    "castellan-saml",
    "castellan-ldap",
    "castellan-radius",
    "castellan-proxy",
    "castellan-scim",
    "castellan-kerberos",
];
/// The workspace crates a protocol crate may depend on.
pub const PROTOCOL_ALLOWED: &[&str] = &[
    "castellan-core",
    "castellan-crypto",
    "castellan-policy",
    "castellan-flows",
];
/// Crates allowed to depend on clap.
pub const CLAP_ALLOWED: &[&str] = &["castellan-server"];

/// How a dependency is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[build-dependencies]`.
    Build,
    /// `[dev-dependencies]`.
    Dev,
}

/// One declared dependency, by package name (not by rename).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// Package name of the dependency.
    pub name: String,
    /// Which table declares it.
    pub kind: DepKind,
}

impl Dependency {
    /// A dependency of the given kind.
    #[must_use]
    pub fn new(name: &str, kind: DepKind) -> Self {
        Self {
            name: name.to_owned(),
            kind,
        }
    }
}

/// Every workspace member and its declared dependencies.
pub type DependencyMap = BTreeMap<String, Vec<Dependency>>;

/// A broken rule: `krate` depends on `dependency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The depending workspace crate.
    pub krate: String,
    /// The dependency it must not have.
    pub dependency: String,
    /// Rule number (1 to 4), as in ARCHITECTURE.md §3.
    pub rule: u8,
    /// Why it is not allowed.
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -> {}: rule {}: {}",
            self.krate, self.dependency, self.rule, self.reason
        )
    }
}

/// Whether `name` is sqlx or one of its parts (`sqlx-core`, `sqlx-postgres`, …).
fn is_sqlx(name: &str) -> bool {
    name == "sqlx" || name.starts_with("sqlx-")
}

/// Checks every rule over `map`; violations in crate, then dependency order.
#[must_use]
pub fn check(map: &DependencyMap) -> Vec<Violation> {
    let workspace: BTreeSet<&str> = map.keys().map(String::as_str).collect();
    let mut out = Vec::new();
    for (krate, deps) in map {
        let krate = krate.as_str();
        if EXEMPT.contains(&krate) {
            continue;
        }
        let mut seen = BTreeSet::new();
        for dep in deps.iter().filter(|d| d.kind != DepKind::Dev) {
            let name = dep.name.as_str();
            if !seen.insert(name) {
                continue;
            }
            let mut broken = |rule: u8, reason: String| {
                out.push(Violation {
                    krate: krate.to_owned(),
                    dependency: name.to_owned(),
                    rule,
                    reason,
                });
            };
            let internal = workspace.contains(name);
            if krate == CORE && internal {
                broken(1, format!("{CORE} depends on no other workspace crate"));
            }
            if is_sqlx(name) && !SQLX_ALLOWED.contains(&krate) {
                broken(
                    2,
                    format!("only {} may depend on sqlx", SQLX_ALLOWED.join(", ")),
                );
            }
            if HTTP_CRATES.contains(&name) && !HTTP_ALLOWED.contains(&krate) {
                broken(
                    2,
                    format!(
                        "only {} may depend on axum/hyper/axum-server",
                        HTTP_ALLOWED.join(", ")
                    ),
                );
            }
            if PROTOCOL_CRATES.contains(&krate) && internal && !PROTOCOL_ALLOWED.contains(&name) {
                broken(
                    3,
                    format!(
                        "protocol crates depend only on {} among workspace crates",
                        PROTOCOL_ALLOWED.join(", ")
                    ),
                );
            }
            if name == "clap" && !CLAP_ALLOWED.contains(&krate) {
                broken(
                    4,
                    format!(
                        "only {} may depend on clap (libraries take typed settings)",
                        CLAP_ALLOWED.join(", ")
                    ),
                );
            }
        }
    }
    out
}

/// Builds the map from `cargo metadata --format-version 1 --no-deps` output:
/// workspace members only, dependencies by package name and kind.
///
/// # Errors
/// When the JSON does not have the shape cargo documents.
pub fn from_metadata(metadata: &Value) -> Result<DependencyMap> {
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .context("cargo metadata: no workspace_members")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let packages = metadata["packages"]
        .as_array()
        .context("cargo metadata: no packages")?;
    let mut map = DependencyMap::new();
    for package in packages {
        let id = package["id"].as_str().unwrap_or_default();
        if !members.contains(id) {
            continue;
        }
        let name = package["name"]
            .as_str()
            .context("cargo metadata: package without a name")?;
        let mut deps = Vec::new();
        for dep in package["dependencies"].as_array().into_iter().flatten() {
            let dep_name = dep["name"]
                .as_str()
                .with_context(|| format!("cargo metadata: {name} has a dependency without name"))?;
            let kind = match dep["kind"].as_str() {
                None | Some("normal") => DepKind::Normal,
                Some("build") => DepKind::Build,
                Some("dev") => DepKind::Dev,
                Some(other) => bail!("cargo metadata: unknown dependency kind {other:?}"),
            };
            deps.push(Dependency::new(dep_name, kind));
        }
        map.insert(name.to_owned(), deps);
    }
    Ok(map)
}

/// Reads the workspace at `root` with `cargo metadata --no-deps`.
///
/// # Errors
/// When cargo cannot be run or reports a broken manifest.
pub fn load(root: &Path) -> Result<DependencyMap> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml"))
        .output()
        .with_context(|| format!("cannot run {cargo} metadata"))?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("cargo metadata printed invalid JSON")?;
    from_metadata(&metadata)
}

/// Runs the check and prints the outcome; `Ok(false)` when rules are broken.
///
/// # Errors
/// When the workspace cannot be read.
pub fn run(root: &Path) -> Result<bool> {
    let map = load(root)?;
    let violations = check(&map);
    let checked = map.keys().filter(|k| !EXEMPT.contains(&k.as_str())).count();
    if violations.is_empty() {
        println!("check-layers: ok ({checked} crates checked)");
        return Ok(true);
    }
    for v in &violations {
        println!("check-layers: {v}");
    }
    println!(
        "check-layers: {} violation(s) in {checked} crates (rules: ARCHITECTURE.md §3)",
        violations.len()
    );
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A map from `(crate, [(dependency, kind)])` pairs.
    fn map(entries: &[(&str, &[(&str, DepKind)])]) -> DependencyMap {
        entries
            .iter()
            .map(|(krate, deps)| {
                let deps = deps.iter().map(|(n, k)| Dependency::new(n, *k)).collect();
                ((*krate).to_owned(), deps)
            })
            .collect()
    }

    use DepKind::{Build, Dev, Normal};

    /// The current, healthy workspace shape.
    fn healthy() -> DependencyMap {
        map(&[
            ("castellan-core", &[("serde", Normal), ("uuid", Normal)]),
            (
                "castellan-crypto",
                &[("castellan-core", Normal), ("argon2", Normal)],
            ),
            (
                "castellan-store",
                &[("castellan-core", Normal), ("sqlx", Normal)],
            ),
            (
                "castellan-web",
                &[
                    ("castellan-store", Normal),
                    ("axum", Normal),
                    ("tower-http", Normal),
                ],
            ),
            (
                "castellan-server",
                &[
                    ("castellan-web", Normal),
                    ("clap", Normal),
                    ("axum-server", Normal),
                ],
            ),
            (
                "castellan-testkit",
                &[
                    ("sqlx", Normal),
                    ("axum", Normal),
                    ("castellan-server", Normal),
                ],
            ),
            (
                "xtask",
                &[("anyhow", Normal), ("clap", Normal), ("sqlx", Normal)],
            ),
        ])
    }

    fn rules(v: &[Violation]) -> Vec<(String, String, u8)> {
        v.iter()
            .map(|v| (v.krate.clone(), v.dependency.clone(), v.rule))
            .collect()
    }

    fn one(krate: &str, dep: &str, rule: u8) -> Vec<(String, String, u8)> {
        vec![(krate.to_owned(), dep.to_owned(), rule)]
    }

    #[test]
    fn healthy_workspace_passes() {
        assert_eq!(check(&healthy()), vec![]);
    }

    #[test]
    fn core_must_not_depend_on_workspace_crates() {
        let mut m = healthy();
        m.entry("castellan-core".into())
            .or_default()
            .push(Dependency::new("castellan-crypto", Normal));
        assert_eq!(
            rules(&check(&m)),
            one("castellan-core", "castellan-crypto", 1)
        );
    }

    #[test]
    fn core_may_use_a_non_workspace_crate_named_like_one() {
        // Only workspace members count as workspace crates.
        let m = map(&[("castellan-core", &[("castellan-policy", Normal)])]);
        assert_eq!(check(&m), vec![]);
    }

    #[test]
    fn build_dependencies_count() {
        let mut m = healthy();
        m.entry("castellan-core".into())
            .or_default()
            .push(Dependency::new("castellan-store", Build));
        assert_eq!(
            rules(&check(&m)),
            one("castellan-core", "castellan-store", 1)
        );
    }

    #[test]
    fn dev_dependencies_are_not_checked() {
        let mut m = healthy();
        m.entry("castellan-core".into()).or_default().extend([
            Dependency::new("castellan-testkit", Dev),
            Dependency::new("sqlx", Dev),
            Dependency::new("axum", Dev),
            Dependency::new("clap", Dev),
        ]);
        assert_eq!(check(&m), vec![]);
    }

    #[test]
    fn only_store_and_testkit_use_sqlx() {
        let mut m = healthy();
        m.entry("castellan-web".into())
            .or_default()
            .push(Dependency::new("sqlx", Normal));
        m.entry("castellan-server".into())
            .or_default()
            .push(Dependency::new("sqlx-postgres", Normal));
        assert_eq!(
            rules(&check(&m)),
            vec![
                ("castellan-server".into(), "sqlx-postgres".into(), 2),
                ("castellan-web".into(), "sqlx".into(), 2),
            ]
        );
    }

    #[test]
    fn only_web_server_and_testkit_use_the_http_stack() {
        let mut m = healthy();
        m.entry("castellan-store".into()).or_default().extend([
            Dependency::new("axum", Normal),
            Dependency::new("hyper", Normal),
        ]);
        m.entry("castellan-crypto".into())
            .or_default()
            .push(Dependency::new("axum-server", Normal));
        assert_eq!(
            rules(&check(&m)),
            vec![
                ("castellan-crypto".into(), "axum-server".into(), 2),
                ("castellan-store".into(), "axum".into(), 2),
                ("castellan-store".into(), "hyper".into(), 2),
            ]
        );
    }

    #[test]
    fn protocol_crates_depend_only_on_lower_layers() {
        let mut m = healthy();
        for name in ["castellan-policy", "castellan-flows", "castellan-saml"] {
            m.insert(name.into(), vec![Dependency::new("castellan-core", Normal)]);
        }
        m.insert(
            "castellan-oauth".into(),
            [
                "castellan-core",
                "castellan-crypto",
                "castellan-policy",
                "castellan-flows",
                "castellan-store",
                "castellan-saml",
                "castellan-web",
                "serde",
            ]
            .iter()
            .map(|n| Dependency::new(n, Normal))
            .collect(),
        );
        let v = check(&m);
        assert_eq!(
            rules(&v),
            vec![
                ("castellan-oauth".into(), "castellan-store".into(), 3),
                ("castellan-oauth".into(), "castellan-saml".into(), 3),
                ("castellan-oauth".into(), "castellan-web".into(), 3),
            ]
        );
        assert!(
            v[0].to_string()
                .starts_with("castellan-oauth -> castellan-store: rule 3:")
        );
    }

    #[test]
    fn a_protocol_crate_may_break_several_rules_at_once() {
        let mut m = healthy();
        m.insert(
            "castellan-ldap".into(),
            vec![
                Dependency::new("castellan-store", Normal),
                Dependency::new("axum", Normal),
            ],
        );
        assert_eq!(
            rules(&check(&m)),
            vec![
                ("castellan-ldap".into(), "castellan-store".into(), 3),
                ("castellan-ldap".into(), "axum".into(), 2),
            ]
        );
    }

    #[test]
    fn only_server_uses_clap() {
        let mut m = healthy();
        m.entry("castellan-testkit".into())
            .or_default()
            .push(Dependency::new("clap", Normal));
        assert_eq!(rules(&check(&m)), one("castellan-testkit", "clap", 4));
    }

    #[test]
    fn duplicate_declarations_report_once() {
        // The same dependency for two targets appears twice in cargo metadata.
        let m = map(&[
            ("castellan-core", &[]),
            ("castellan-web", &[("clap", Normal), ("clap", Normal)]),
        ]);
        assert_eq!(rules(&check(&m)), one("castellan-web", "clap", 4));
    }

    #[test]
    fn xtask_is_exempt() {
        let m = map(&[(
            "xtask",
            &[("clap", Normal), ("sqlx", Normal), ("axum", Normal)],
        )]);
        assert_eq!(check(&m), vec![]);
    }

    #[test]
    fn parses_cargo_metadata() -> Result<()> {
        let metadata = json!({
            "workspace_members": ["path+file:///w/crates/castellan-core#0.1.0", "path+file:///w/xtask#0.1.0"],
            "packages": [
                {
                    "id": "path+file:///w/crates/castellan-core#0.1.0",
                    "name": "castellan-core",
                    "dependencies": [
                        {"name": "serde", "kind": null, "rename": null},
                        {"name": "castellan-testkit", "kind": "dev"},
                        {"name": "cc", "kind": "build"},
                        {"name": "serde_json", "kind": null, "rename": "json"}
                    ]
                },
                {"id": "path+file:///w/xtask#0.1.0", "name": "xtask", "dependencies": []},
                {"id": "registry+https://x#serde@1.0.0", "name": "serde", "dependencies": []}
            ]
        });
        let m = from_metadata(&metadata)?;
        assert_eq!(m.keys().collect::<Vec<_>>(), ["castellan-core", "xtask"]);
        assert_eq!(
            m["castellan-core"],
            vec![
                Dependency::new("serde", Normal),
                Dependency::new("castellan-testkit", Dev),
                Dependency::new("cc", Build),
                Dependency::new("serde_json", Normal),
            ]
        );
        Ok(())
    }

    #[test]
    fn rejects_malformed_metadata() {
        assert!(from_metadata(&json!({})).is_err());
        let odd_kind = json!({
            "workspace_members": ["a"],
            "packages": [{"id": "a", "name": "a", "dependencies": [{"name": "b", "kind": "weird"}]}]
        });
        assert!(from_metadata(&odd_kind).is_err());
    }
}

//! Configuration loading, following authentik's model under the `CASTELLAN_`
//! prefix.
//!
//! The configuration [`Tree`] is built from, later wins:
//! 1. the embedded `default.yml`;
//! 2. the YAML file named by `CASTELLAN_CONFIG_FILE` (which must exist), or
//!    else `/etc/castellan/config.yml` and `./config.yml` when they exist;
//! 3. `CASTELLAN_<KEY>` environment variables, nesting joined by `__`
//!    (`CASTELLAN_POSTGRESQL__HOST=db` → `postgresql.host`).
//!
//! String values of the form `env://NAME[?default]` or
//! `file:///path[?default]` are then resolved, and the tree is converted into
//! typed [`Settings`]. Every problem is collected and reported together.

mod check;
mod choices;
mod cidr;
mod database;
mod defaults;
mod error;
mod files;
mod indirection;
mod rate;
mod reader;
mod secret;
mod settings;
mod tree;
mod typed;
mod yaml;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;

pub use check::render_check;
pub use choices::{LogLevel, SslMode};
pub use cidr::{InvalidCidr, IpNet};
pub use database::DatabaseBackend;
pub use defaults::DEFAULT_YAML;
pub use error::{ConfigError, ENV_PREFIX, env_var_for, render_errors};
pub use files::{CONFIG_FILE_ENV, FileSource, LOCAL_CONFIG_FILE, OsFiles, SYSTEM_CONFIG_FILE};
pub use rate::{InvalidRate, RateLimit};
pub use secret::{SECRET_KEYS, Secret, is_secret_key};
pub use settings::{
    CacheSettings, EmailSettings, ErrorReportingSettings, ListenSettings, PostgresqlSettings,
    Settings, SqliteSettings, ThrottleSettings, WebSettings,
};
pub use tree::{Origin, Source, Tree};

/// Loads the configuration from an injected environment and file source.
///
/// `env` is the whole environment (it also serves `env://` references).
/// Warnings (unknown keys, ignored variables) are in [`Tree::warnings`].
///
/// # Errors
/// All problems found: unreadable or malformed files, unresolvable
/// references, invalid values.
pub fn load(
    env: impl IntoIterator<Item = (String, String)>,
    files: &impl FileSource,
) -> Result<(Settings, Tree), Vec<ConfigError>> {
    let env: HashMap<String, String> = env.into_iter().collect();
    let defaults = defaults::defaults().map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut tree = Tree::default();
    tree.merge(defaults.clone(), &Source::Default);

    let config_file = env
        .get(CONFIG_FILE_ENV)
        .map(String::as_str)
        .filter(|p| !p.is_empty());
    files::merge_files(config_file, files, &mut tree, &mut errors);
    tree.overlay_env(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));

    let known = defaults::leaf_keys(&defaults);
    indirection::resolve(&mut tree, &known, &env, files, &mut errors);
    let unknown = defaults::unknown_key_warnings(&defaults, &tree);
    tree.warnings.extend(unknown);

    match typed::from_tree(&tree) {
        Ok(settings) if errors.is_empty() => Ok((settings, tree)),
        Ok(_) => Err(errors),
        Err(more) => {
            // A key whose reference failed to resolve is reported once.
            let failed: Vec<String> = errors
                .iter()
                .filter_map(|e| e.key().map(str::to_owned))
                .collect();
            errors.extend(
                more.into_iter()
                    .filter(|e| e.key().is_none_or(|k| !failed.iter().any(|f| f == k))),
            );
            Err(errors)
        }
    }
}

/// Loads the configuration from the process environment and file system.
/// Environment variables that are not valid UTF-8 are skipped.
///
/// # Errors
/// As [`load`].
pub fn load_from_os() -> Result<(Settings, Tree), Vec<ConfigError>> {
    let env = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    load(env, &OsFiles)
}

impl Settings {
    /// The embedded defaults alone (no files, no environment), e.g. for tests
    /// in other crates.
    ///
    /// # Errors
    /// Only if the embedded `default.yml` is broken (guarded by tests).
    pub fn embedded_defaults() -> Result<Self, Vec<ConfigError>> {
        let no_files = |_: &Path| -> std::io::Result<Option<String>> { Ok(None) };
        load(std::iter::empty(), &no_files).map(|(settings, _)| settings)
    }
}

//! Reading configuration files through an injectable [`FileSource`].

use std::io;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::tree::{Source, Tree};
use super::yaml;

/// System-wide configuration file, loaded if it exists.
pub const SYSTEM_CONFIG_FILE: &str = "/etc/castellan/config.yml";
/// Configuration file in the working directory, loaded if it exists (after
/// [`SYSTEM_CONFIG_FILE`]).
pub const LOCAL_CONFIG_FILE: &str = "./config.yml";
/// Environment variable naming the only configuration file to load.
pub const CONFIG_FILE_ENV: &str = "CASTELLAN_CONFIG_FILE";

/// Reads files for the loader (configuration files and `file://` references).
///
/// Implemented by [`OsFiles`] and by any
/// `Fn(&Path) -> io::Result<Option<String>>` closure, so tests can inject files.
pub trait FileSource {
    /// Reads `path` as UTF-8 text; `Ok(None)` when the file does not exist.
    ///
    /// # Errors
    /// Any other I/O error (permission denied, not UTF-8, is a directory …).
    fn read(&self, path: &Path) -> io::Result<Option<String>>;
}

/// Reads from the real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsFiles;

impl FileSource for OsFiles {
    fn read(&self, path: &Path) -> io::Result<Option<String>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl<F> FileSource for F
where
    F: Fn(&Path) -> io::Result<Option<String>>,
{
    fn read(&self, path: &Path) -> io::Result<Option<String>> {
        self(path)
    }
}

/// Merges the YAML file layer into `tree`.
///
/// With `config_file` (the value of `CASTELLAN_CONFIG_FILE`) only that file is
/// read and it must exist; otherwise [`SYSTEM_CONFIG_FILE`] and
/// [`LOCAL_CONFIG_FILE`] are read if they exist. Problems are appended to
/// `errors`.
pub fn merge_files(
    config_file: Option<&str>,
    files: &impl FileSource,
    tree: &mut Tree,
    errors: &mut Vec<ConfigError>,
) {
    match config_file {
        Some(path) => match files.read(Path::new(path)) {
            Ok(Some(text)) => merge_one(path, &text, tree, errors),
            Ok(None) => errors.push(ConfigError::file(
                path,
                format!("file named by {CONFIG_FILE_ENV} does not exist"),
            )),
            Err(e) => errors.push(ConfigError::file(path, format!("cannot read: {e}"))),
        },
        None => {
            for path in [SYSTEM_CONFIG_FILE, LOCAL_CONFIG_FILE] {
                match files.read(Path::new(path)) {
                    Ok(Some(text)) => merge_one(path, &text, tree, errors),
                    Ok(None) => {}
                    Err(e) => errors.push(ConfigError::file(path, format!("cannot read: {e}"))),
                }
            }
        }
    }
}

/// Parses one file and merges it.
fn merge_one(path: &str, text: &str, tree: &mut Tree, errors: &mut Vec<ConfigError>) {
    match yaml::parse(path, text) {
        Ok(map) => tree.merge(map, &Source::File(PathBuf::from(path))),
        Err(e) => errors.push(e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fake(path: &Path) -> io::Result<Option<String>> {
        Ok(match path.to_str() {
            Some(SYSTEM_CONFIG_FILE) => Some("a: 1\nb: 1\n".to_owned()),
            Some(LOCAL_CONFIG_FILE) => Some("b: 2\n".to_owned()),
            Some("/custom.yml") => Some("c: 3\n".to_owned()),
            Some("/denied.yml") => return Err(io::Error::other("permission denied")),
            _ => None,
        })
    }

    #[test]
    fn default_locations_in_order() {
        let mut tree = Tree::default();
        let mut errors = Vec::new();
        merge_files(None, &fake, &mut tree, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(tree.get("a"), Some(&json!(1)));
        assert_eq!(tree.get("b"), Some(&json!(2)));
        assert_eq!(
            tree.origin("b").unwrap().source,
            Source::File(LOCAL_CONFIG_FILE.into())
        );
    }

    #[test]
    fn explicit_file_replaces_default_locations() {
        let mut tree = Tree::default();
        let mut errors = Vec::new();
        merge_files(Some("/custom.yml"), &fake, &mut tree, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(tree.get("a"), None);
        assert_eq!(tree.get("c"), Some(&json!(3)));
    }

    #[test]
    fn explicit_missing_file_is_an_error() {
        let mut tree = Tree::default();
        let mut errors = Vec::new();
        merge_files(Some("/missing.yml"), &fake, &mut tree, &mut errors);
        assert_eq!(errors.len(), 1);
        let text = errors[0].to_string();
        assert!(
            text.contains("/missing.yml") && text.contains(CONFIG_FILE_ENV),
            "{text}"
        );
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let mut tree = Tree::default();
        let mut errors = Vec::new();
        merge_files(Some("/denied.yml"), &fake, &mut tree, &mut errors);
        assert!(errors[0].to_string().contains("permission denied"));
    }

    #[test]
    fn missing_default_locations_are_fine() {
        let none = |_: &Path| -> io::Result<Option<String>> { Ok(None) };
        let mut tree = Tree::default();
        let mut errors = Vec::new();
        merge_files(None, &none, &mut tree, &mut errors);
        assert!(errors.is_empty() && tree.value().is_empty());
    }
}

//! Errors reported while loading the configuration.
//!
//! Loading never stops at the first problem: every [`ConfigError`] found is
//! collected and returned together. Messages never contain the value of a
//! secret key.

use std::fmt;

/// Prefix of every Castellan environment variable.
pub const ENV_PREFIX: &str = "CASTELLAN_";

/// Name of the environment variable that holds the dotted configuration `key`,
/// e.g. `postgresql.port` → `CASTELLAN_POSTGRESQL__PORT`.
#[must_use]
pub fn env_var_for(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.replace('.', "__").to_uppercase())
}

/// One problem found while loading the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A configuration file is missing, unreadable or not valid YAML.
    File {
        /// Path of the file as it was given.
        path: String,
        /// 1-based line of a YAML syntax error, if known.
        line: Option<usize>,
        /// 1-based column of a YAML syntax error, if known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// A configuration value is invalid or could not be resolved.
    Value {
        /// Dotted key, e.g. `postgresql.port`.
        key: String,
        /// Environment variable that sets this key, e.g. `CASTELLAN_POSTGRESQL__PORT`.
        env_var: String,
        /// What is wrong; never contains a secret value.
        message: String,
    },
}

impl ConfigError {
    /// An error about the value of the dotted `key`.
    #[must_use]
    pub fn value(key: &str, message: impl Into<String>) -> Self {
        Self::Value {
            key: key.to_owned(),
            env_var: env_var_for(key),
            message: message.into(),
        }
    }

    /// An error about a whole file, without position.
    #[must_use]
    pub fn file(path: &str, message: impl Into<String>) -> Self {
        Self::File {
            path: path.to_owned(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// The dotted key concerned, if this is a value error.
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Value { key, .. } => Some(key),
            Self::File { .. } => None,
        }
    }

    /// The environment variable for the key concerned, if this is a value error.
    #[must_use]
    pub fn env_var(&self) -> Option<&str> {
        match self {
            Self::Value { env_var, .. } => Some(env_var),
            Self::File { .. } => None,
        }
    }

    /// The message, without key or file name.
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            Self::Value { message, .. } | Self::File { message, .. } => message,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value {
                key,
                env_var,
                message,
            } => write!(f, "{key} ({env_var}): {message}"),
            Self::File {
                path,
                line: Some(line),
                column: Some(column),
                message,
            } => write!(
                f,
                "config file {path}: line {line}, column {column}: {message}"
            ),
            Self::File { path, message, .. } => write!(f, "config file {path}: {message}"),
        }
    }
}

/// Renders a list of errors one per line, e.g. for a startup failure message.
#[must_use]
pub fn render_errors(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn env_var_names_join_nesting_with_double_underscore() {
        assert_eq!(env_var_for("postgresql.port"), "CASTELLAN_POSTGRESQL__PORT");
        assert_eq!(env_var_for("secret_key"), "CASTELLAN_SECRET_KEY");
        assert_eq!(env_var_for("listen.http"), "CASTELLAN_LISTEN__HTTP");
    }

    #[test]
    fn value_error_display_names_key_and_env_var() {
        let e = ConfigError::value(
            "postgresql.port",
            "expected a port number 0-65535, got \"abc\"",
        );
        assert_eq!(
            e.to_string(),
            "postgresql.port (CASTELLAN_POSTGRESQL__PORT): expected a port number 0-65535, got \"abc\""
        );
        assert_eq!(e.key(), Some("postgresql.port"));
        assert_eq!(e.env_var(), Some("CASTELLAN_POSTGRESQL__PORT"));
    }

    #[test]
    fn file_error_display_has_position() {
        let e = ConfigError::File {
            path: "/x.yml".into(),
            line: Some(3),
            column: Some(7),
            message: "invalid YAML: oops".into(),
        };
        assert_eq!(
            e.to_string(),
            "config file /x.yml: line 3, column 7: invalid YAML: oops"
        );
        assert_eq!(e.key(), None);
    }
}

//! A string whose `Debug` output never reveals it.

use std::fmt;

/// Dotted keys whose values are secret: redacted in `Debug`, in error
/// messages and in `check-config` output. `postgresql.url` may embed a
/// password, so it is treated as one.
pub const SECRET_KEYS: &[&str] = &[
    "secret_key",
    "postgresql.password",
    "postgresql.url",
    "email.password",
    "bootstrap_password",
    "bootstrap_token",
];

/// Whether the dotted `key` holds a secret.
#[must_use]
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

/// A secret configuration value (password, key, token).
///
/// `Debug` prints `***`; there is deliberately no `Display`. Use
/// [`Secret::expose`] where the value is really needed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(***)");
        assert_eq!(s.expose(), "hunter2");
        assert!(!s.is_empty());
        assert!(Secret::default().is_empty());
    }
}

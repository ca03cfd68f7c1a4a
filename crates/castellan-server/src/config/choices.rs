//! Enumerated settings: PostgreSQL `sslmode` and `log_level`.

use std::fmt;
use std::str::FromStr;

/// Defines a string-backed enum with `as_str`, `FromStr`, `Display` and `ALL`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every accepted spelling, in order.
            pub const ALL: &'static [&'static str] = &[$($text,)+];

            /// The configuration spelling.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = ();

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// libpq `sslmode` for PostgreSQL connections.
    SslMode {
        /// No TLS.
        Disable => "disable",
        /// Try plain first, then TLS.
        Allow => "allow",
        /// Try TLS first, then plain.
        Prefer => "prefer",
        /// TLS without certificate verification.
        Require => "require",
        /// TLS, verifying the CA.
        VerifyCa => "verify-ca",
        /// TLS, verifying the CA and host name.
        VerifyFull => "verify-full",
    }
}

string_enum! {
    /// Log verbosity (authentik spelling).
    LogLevel {
        /// Everything.
        Trace => "trace",
        /// Debugging output.
        Debug => "debug",
        /// Normal operation.
        Info => "info",
        /// Warnings and errors.
        Warning => "warning",
        /// Errors only.
        Error => "error",
    }
}

impl LogLevel {
    /// The equivalent `tracing` filter directive (`warning` → `warn`).
    #[must_use]
    pub fn as_filter(self) -> &'static str {
        match self {
            Self::Warning => "warn",
            other => other.as_str(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for s in SslMode::ALL {
            assert_eq!(s.parse::<SslMode>().unwrap().as_str(), *s);
        }
        for s in LogLevel::ALL {
            assert_eq!(s.parse::<LogLevel>().unwrap().to_string(), *s);
        }
        assert!("verify_full".parse::<SslMode>().is_err());
        assert!("warn".parse::<LogLevel>().is_err());
        assert_eq!(LogLevel::Warning.as_filter(), "warn");
    }
}

//! The OAuth2 token endpoint benchmark (`castellan-oauth-bench`, issue 6): the signing-only
//! ceiling of `JwtSigner::sign` (RS256, ES256, RS256 + JWE), then token responses per second for
//! `authorization_code` and `client_credentials`, userinfo and introspection requests per second,
//! each sent in process through the router (`oneshot`), one at a time or `concurrency` at once, on
//! the caller's runtime. It reports figures and asserts nothing about time; the smoke test in
//! `tests` keeps the code path working with tiny counts, all in flight at once, on both backends.
pub mod cpu;
pub mod measure;
pub mod report;
pub mod requests;
pub mod setup;
pub mod signing;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use measure::{Figure, Row, all_rows, run};
pub use report::print_table;
pub use setup::{Bench, Client, setup};

/// The scopes of every pre-created authorization code (so the code grant also issues and
/// stores a refresh token).
pub const CODE_SCOPE: [&str; 4] = ["openid", "email", "profile", "offline_access"];

/// The `scope` parameter of every `client_credentials` request.
pub const CLIENT_CREDENTIALS_SCOPE: &str = "openid email profile";

/// The signing key of a provider (and of the matching signing-only measurement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RS256 with an RSA-2048 key.
    Rs256,
    /// ES256 with a P-256 key.
    Es256,
    /// RS256 with an RSA-2048 key, wrapped as a JWE (RSA-OAEP-256 + A256CBC-HS512) to a second
    /// RSA-2048 key.
    Rs256Jwe,
}

impl Alg {
    /// Every algorithm, in table order.
    pub const ALL: [Alg; 3] = [Alg::Rs256, Alg::Es256, Alg::Rs256Jwe];

    /// The label in the table.
    pub fn label(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::Rs256Jwe => "RS256+JWE",
        }
    }
}

/// How long each measurement runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Budget {
    /// Timed wall clock per measurement (preparation between batches is not counted).
    Time(Duration),
    /// Exactly this many requests (or signatures) per measurement.
    Requests(u64),
}

impl Budget {
    /// Whether a measurement that did `count` operations in `elapsed` is finished.
    pub fn finished(self, count: u64, elapsed: Duration) -> bool {
        match self {
            Budget::Time(limit) => elapsed >= limit,
            Budget::Requests(n) => count >= n,
        }
    }

    /// How many operations to prepare for the next batch (authorization codes), at most `batch`.
    pub fn next_batch(self, count: u64, batch: u64) -> u64 {
        match self {
            Budget::Time(_) => batch,
            Budget::Requests(n) => n.saturating_sub(count).min(batch),
        }
    }

    /// A description for the table title.
    pub fn describe(self) -> String {
        match self {
            Budget::Time(d) => format!("{:.1} s per measurement", d.as_secs_f64()),
            Budget::Requests(n) => format!("{n} requests per measurement"),
        }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::Time(Duration::from_secs(3))
    }
}

//! The resource budget of one evaluation.
use std::time::Duration;

/// Limits applied to one evaluation. User code cannot catch a budget violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Interpreter time (running Python plus the engine's own helpers; time spent awaiting
    /// [`ExprHost::call`](crate::expr::ExprHost::call) is not counted). Exceeding it yields
    /// [`ExprError::Timeout`](crate::expr::ExprError::Timeout). Default 1 s.
    pub time: Duration,
    /// Largest single allocation an operation may request, in bytes (`"x" * 10**10`, big
    /// integer powers, huge string joins are refused before allocating). This is not a cap on
    /// total memory; the time budget bounds how much a loop can accumulate. Default 64 MiB.
    pub max_allocation: usize,
    /// Maximum Python call depth (and nesting depth of returned values). Default 200.
    pub max_recursion_depth: usize,
    /// Maximum number of times the expression may suspend to the engine or the host
    /// (host functions, methods of host objects, `ak_message`, …). Default 10 000.
    pub max_host_calls: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            time: Duration::from_secs(1),
            max_allocation: 64 << 20,
            max_recursion_depth: 200,
            max_host_calls: 10_000,
        }
    }
}

impl Budget {
    /// The default budget with another time limit (authentik-style sync mappings use ~5 s).
    pub fn with_time(time: Duration) -> Self {
        Self {
            time,
            ..Self::default()
        }
    }
}

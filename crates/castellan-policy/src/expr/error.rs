//! Errors of the expression engine: compile errors (user-facing, with the line and a hint),
//! runtime errors (Python-style `Type: message`), budget violations and host failures.

/// Everything that can go wrong compiling or evaluating an expression.
///
/// Line numbers are 1-based and refer to the expression source as the user wrote it (the
/// wrapper the engine adds around it is not counted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    /// The source does not parse, or uses a construct the engine cannot run. `message` says
    /// what is wrong and, for unsupported constructs, what to write instead.
    #[error("line {line}: {message}")]
    Compile {
        /// What is wrong (and the suggested replacement, when there is one).
        message: String,
        /// 1-based line in the expression source.
        line: u32,
    },
    /// The evaluation used more interpreter time than [`Budget::time`](crate::expr::Budget).
    #[error("expression timed out")]
    Timeout,
    /// Another resource limit was hit (a too-large allocation, too many host calls).
    #[error("resource limit exceeded: {0}")]
    Resource(String),
    /// The expression raised an exception (`message` is Python-style, e.g.
    /// `NameError: name 'x' is not defined`).
    #[error("{}", runtime_display(message, *line))]
    Runtime {
        /// `ExceptionType: message`.
        message: String,
        /// 1-based line in the expression source, when known.
        line: Option<u32>,
    },
    /// The expression raised authentik's `SkipObject` (property mappings: skip this object).
    #[error("SkipObject")]
    Skip,
    /// A host function (`ak_user_by`, `ak_call_policy`, …) failed.
    #[error("host call failed: {0}")]
    Host(String),
}

fn runtime_display(message: &str, line: Option<u32>) -> String {
    match line {
        Some(line) => format!("line {line}: {message}"),
        None => message.to_owned(),
    }
}

impl ExprError {
    /// Builds a compile error.
    pub(crate) fn compile(message: impl Into<String>, line: u32) -> Self {
        Self::Compile {
            message: message.into(),
            line,
        }
    }

    /// Builds a runtime error without a line.
    pub(crate) fn runtime(message: impl Into<String>) -> Self {
        Self::Runtime {
            message: message.into(),
            line: None,
        }
    }
}

//! A positioned problem found while parsing or validating a blueprint.

use std::fmt;

use crate::node::Mark;

/// One problem in a blueprint, with the 1-based position it refers to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlueprintError {
    /// Line, starting at 1.
    pub line: usize,
    /// Column, starting at 1.
    pub column: usize,
    /// What is wrong, in words.
    pub message: String,
}

impl BlueprintError {
    /// An error at `mark`.
    #[must_use]
    pub fn at(mark: Mark, message: impl Into<String>) -> Self {
        Self {
            line: mark.line,
            column: mark.column,
            message: message.into(),
        }
    }

    /// The position as a [`Mark`].
    #[must_use]
    pub const fn mark(&self) -> Mark {
        Mark::new(self.line, self.column)
    }
}

impl fmt::Display for BlueprintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for BlueprintError {}

/// Sorts errors by position and removes exact duplicates.
pub(crate) fn tidy(mut errors: Vec<BlueprintError>) -> Vec<BlueprintError> {
    errors.sort();
    errors.dedup();
    errors
}

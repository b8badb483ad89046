//! The expected status of a step.

use super::{CheckKind, Finding};
use crate::scenario::{Spanned, StatusSpec};

/// Checks the `actual` status against the step's expected one; `None` when it matches, else a [`CheckKind::Status`] violation at the expectation's line.
pub fn check(expected: &Spanned<StatusSpec>, actual: u16) -> Option<Finding> {
    if expected.value.matches(actual) {
        return None;
    }
    Some(
        Finding::violation(
            CheckKind::Status,
            format!(
                "expected status {}, got {actual}",
                expected.value.describe()
            ),
        )
        .expected(expected.value.describe())
        .actual(actual)
        .at(expected.pos),
    )
}

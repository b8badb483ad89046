//! The expected status of a step: [`check`] gives a [`Finding`] when the target's differs.

use super::{CheckKind, Finding};
use crate::scenario::{Spanned, StatusSpec};

/// Checks the `actual` status against the step's expected one; `None` when it matches, else a [`CheckKind::Status`] violation at the expectation's line.
pub fn check(expected: &Spanned<StatusSpec>, actual: u16) -> Option<Finding> {
    if expected.value.matches(actual) {
        return None;
    }
    // A 500 is the target failing, not an answer a contract can promise: said so, since the
    // spec may well document it (and the spec check then has nothing to say).
    let crash = if actual == 500 {
        " (500 Internal Server Error: the target crashed; a finding even where the spec documents 500)"
    } else {
        ""
    };
    Some(
        Finding::violation(
            CheckKind::Status,
            format!(
                "expected status {}, got {actual}{crash}",
                expected.value.describe()
            ),
        )
        .expected(expected.value.describe())
        .actual(actual)
        .at(expected.pos),
    )
}

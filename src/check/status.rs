//! The expected status of a step.

use super::{CheckKind, Finding};
use crate::scenario::{Spanned, StatusSpec};

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

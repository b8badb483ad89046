//! What the clean-up of created resources came to: [`Cleanups`] gathers, while cases run (and
//! shrinking's candidates, which create too), the resources left behind and why
//! ([`Leftover`]s for the summary), and each clean-up delete that failed, to be reported under
//! the delete operation rather than under the create that made the resource.

use std::collections::BTreeMap;

use super::options::{Leftover, LeftoverWhy};
use crate::run::ScenarioResult;

/// A clean-up delete that failed: the case it cleaned up after, the create, and its result.
pub(super) struct FailedDelete {
    /// The number of the case (of the create) whose resource it deleted.
    pub(super) case: usize,
    /// The create operation's id.
    pub(super) create: String,
    /// The delete's result.
    pub(super) result: ScenarioResult,
}

/// The clean-ups of a run so far.
#[derive(Default)]
pub(super) struct Cleanups {
    left: BTreeMap<(String, String, LeftoverWhy), usize>,
    /// By API and delete operation (index in the spec).
    failed: BTreeMap<(String, usize), Vec<FailedDelete>>,
}

impl Cleanups {
    /// One resource made by `api`'s operation `op` not deleted, for `why`.
    pub(super) fn left(&mut self, api: &str, op: &str, why: LeftoverWhy) {
        *self
            .left
            .entry((api.to_owned(), op.to_owned(), why))
            .or_insert(0) += 1;
    }

    /// Keeps a failed clean-up delete (operation `delete` of `api`) for its own result.
    pub(super) fn failed(&mut self, api: &str, delete: usize, failed: FailedDelete) {
        self.failed
            .entry((api.to_owned(), delete))
            .or_default()
            .push(failed);
    }

    /// The failed clean-ups of `api`'s operation `delete` not reported yet, taken.
    pub(super) fn take_failed(&mut self, api: &str, delete: usize) -> Vec<FailedDelete> {
        self.failed
            .remove(&(api.to_owned(), delete))
            .unwrap_or_default()
    }

    /// The failed clean-ups of `api` not reported yet (their delete was not fuzzed), taken.
    pub(super) fn take_all_failed(&mut self, api: &str) -> Vec<(usize, Vec<FailedDelete>)> {
        let keys: Vec<(String, usize)> = self
            .failed
            .keys()
            .filter(|(a, _)| a == api)
            .cloned()
            .collect();
        keys.into_iter()
            .filter_map(|k| Some((k.1, self.failed.remove(&k)?)))
            .collect()
    }

    /// What was left, per API, operation and reason.
    pub(super) fn leftovers(&self) -> Vec<Leftover> {
        self.left
            .iter()
            .map(|((api, operation, why), count)| Leftover {
                api: api.clone(),
                operation: operation.clone(),
                why: why.clone(),
                count: *count,
            })
            .collect()
    }
}

/// Adds failed clean-up deletes to their delete operation's result, as steps named after the
/// create whose resource they were deleting; the result's outcome takes theirs.
pub(super) fn report_under_delete(result: &mut ScenarioResult, failed: Vec<FailedDelete>) {
    for f in failed {
        result.outcome = result.outcome.max(f.result.outcome);
        result.errors.extend(f.result.errors.iter().cloned());
        result.steps.extend(f.result.steps.into_iter().map(|mut s| {
            s.name = format!(
                "clean-up of what {} case {} created: {}",
                f.create, f.case, s.name
            );
            // Its position is in the delete's own text, not the operation's first file.
            s.file = Some(f.result.path.clone());
            s
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::{Cleanups, LeftoverWhy};

    #[test]
    fn leftovers_are_counted_per_operation_and_reason() {
        let mut c = Cleanups::default();
        c.left("a", "create", LeftoverWhy::NoDelete);
        c.left("a", "create", LeftoverWhy::NoDelete);
        let failed = LeftoverWhy::DeleteFailed {
            delete: "remove".into(),
            status: Some(500),
        };
        c.left("a", "create", failed.clone());
        let l = c.leftovers();
        assert_eq!(l.len(), 2, "{l:?}");
        assert_eq!((l[0].count, &l[0].why), (2, &LeftoverWhy::NoDelete));
        assert_eq!((l[1].count, &l[1].why), (1, &failed));
        assert_eq!(
            failed.to_string(),
            "the delete (remove) failed with status 500"
        );
    }
}

//! The `coverage` section of `report.json`: [`Section`], a view of a run's [`Coverage`] and
//! of its gate's [`Verdict`] shaped for tools. Every level (run, API, operation) carries the
//! same three numbers: documented pairs `returned`, `documented`, and `percent`.

use serde::Serialize;

use crate::report::coverage::{ApiCoverage, Coverage, Figure, OperationCoverage};
use crate::report::gate::Verdict;

#[derive(Serialize)]
pub struct Section<'a> {
    returned: usize,
    documented: usize,
    percent: f64,
    /// Present only when the run had a gate (`--min-coverage`).
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<Gate>,
    apis: Vec<Api<'a>>,
}

#[derive(Serialize)]
struct Gate {
    min: f64,
    actual: f64,
    met: bool,
}

#[derive(Serialize)]
struct Api<'a> {
    api: &'a str,
    returned: usize,
    documented: usize,
    percent: f64,
    /// Why the spec could not be read; the operations are then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    operations: Vec<Operation<'a>>,
}

#[derive(Serialize)]
struct Operation<'a> {
    id: &'a str,
    method: &'a str,
    path: &'a str,
    calls: usize,
    returned: usize,
    documented: usize,
    percent: f64,
    /// Each documented response key, in the spec's order, with the responses it matched.
    statuses: Vec<Key<'a>>,
    /// Statuses returned that no documented key matches.
    undocumented: Vec<Status>,
}

#[derive(Serialize)]
struct Key<'a> {
    key: &'a str,
    count: usize,
}

#[derive(Serialize)]
struct Status {
    status: u16,
    count: usize,
}

impl<'a> Section<'a> {
    pub fn of(coverage: &'a Coverage, verdict: Option<&Verdict>) -> Self {
        let f = coverage.figure();
        Section {
            returned: f.returned,
            documented: f.documented,
            percent: f.percent(),
            gate: verdict.map(|v| Gate {
                min: v.min,
                actual: v.actual,
                met: v.met,
            }),
            apis: coverage.apis.iter().map(api).collect(),
        }
    }
}

fn api(a: &ApiCoverage) -> Api<'_> {
    let f: Figure = a.figure();
    Api {
        api: &a.api,
        returned: f.returned,
        documented: f.documented,
        percent: f.percent(),
        error: a.error.as_deref(),
        operations: a.operations.iter().map(operation).collect(),
    }
}

fn operation(op: &OperationCoverage) -> Operation<'_> {
    let f = op.figure();
    Operation {
        id: &op.id,
        method: &op.method,
        path: &op.path,
        calls: op.calls,
        returned: f.returned,
        documented: f.documented,
        percent: f.percent(),
        statuses: op
            .documented
            .iter()
            .map(|(key, count)| Key { key, count: *count })
            .collect(),
        undocumented: op
            .undocumented
            .iter()
            .map(|(&status, &count)| Status { status, count })
            .collect(),
    }
}

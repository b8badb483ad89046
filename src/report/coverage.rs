//! Which documented statuses each operation actually returned in a run: [`Coverage`], computed
//! from the results and the specs of the APIs that ran. A status the spec does not document is
//! kept too, apart, because it is the interesting one. A streamed run counts statuses in a
//! [`Tally`] as scenarios finish and makes the [`Coverage`] at the end.

use std::collections::BTreeMap;

use crate::run::{RunResult, ScenarioResult};
use crate::spec::Registry;

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub apis: Vec<ApiCoverage>,
}

#[derive(Debug, Clone)]
pub struct ApiCoverage {
    pub api: String,
    pub operations: Vec<OperationCoverage>,
    /// Why the spec could not be read; the table is then empty.
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OperationCoverage {
    pub id: String,
    pub method: String,
    pub path: String,
    /// Each documented response key (`200`, `4XX`, `default`) with how many responses matched it.
    pub documented: Vec<(String, usize)>,
    /// Statuses returned that match no documented key, with their counts.
    pub undocumented: BTreeMap<u16, usize>,
    /// How many responses this operation returned in the run.
    pub calls: usize,
}

impl OperationCoverage {
    /// Documented keys returned at least once.
    pub fn returned(&self) -> usize {
        self.documented.iter().filter(|(_, n)| *n > 0).count()
    }
}

impl ApiCoverage {
    /// (documented keys returned, documented keys) over all operations.
    pub fn totals(&self) -> (usize, usize) {
        self.operations.iter().fold((0, 0), |(r, d), op| {
            (r + op.returned(), d + op.documented.len())
        })
    }
}

impl Coverage {
    /// The coverage of every API that has at least one scenario in `run`, in name order.
    pub fn of(run: &RunResult, registry: &Registry) -> Coverage {
        let mut tally = Tally::default();
        for s in &run.scenarios {
            tally.add(s);
        }
        tally.coverage(registry)
    }
}

/// The statuses each operation returned, counted one scenario at a time: what [`Coverage`]
/// is made of, a few numbers per API, operation and status however many scenarios run.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// API > operationId > status > how many responses.
    statuses: BTreeMap<String, BTreeMap<String, BTreeMap<u16, usize>>>,
}

impl Tally {
    pub fn add(&mut self, s: &ScenarioResult) {
        // A scenario that did not parse names no API; it has no calls to count either.
        if s.api.is_empty() {
            return;
        }
        let calls = self.statuses.entry(s.api.clone()).or_default();
        for step in &s.steps {
            if let Some(status) = step.status.or(step.response.as_ref().map(|r| r.status)) {
                let seen = calls.entry(step.call.clone()).or_default();
                *seen.entry(status).or_insert(0) += 1;
            }
        }
    }

    /// The coverage of every API counted, in name order, against its spec in `registry`.
    pub fn coverage(&self, registry: &Registry) -> Coverage {
        let mut apis = Vec::new();
        for (api, calls) in &self.statuses {
            let spec = match registry.api(api) {
                Ok(spec) => spec,
                Err(d) => {
                    apis.push(ApiCoverage {
                        api: api.to_owned(),
                        operations: Vec::new(),
                        error: Some(d.message),
                    });
                    continue;
                }
            };
            let none = BTreeMap::new();
            let operations = spec
                .operations
                .iter()
                .map(|op| {
                    let mut documented: Vec<(String, usize)> =
                        op.responses.iter().map(|r| (r.key.clone(), 0)).collect();
                    let mut undocumented = BTreeMap::new();
                    let seen = calls.get(op.id.as_str()).unwrap_or(&none);
                    for (&status, &n) in seen {
                        match op.response(status) {
                            Some(r) => {
                                if let Some(slot) = documented.iter_mut().find(|(k, _)| *k == r.key)
                                {
                                    slot.1 += n;
                                }
                            }
                            None => *undocumented.entry(status).or_insert(0) += n,
                        }
                    }
                    OperationCoverage {
                        id: op.id.clone(),
                        method: op.method.to_uppercase(),
                        path: op.path.clone(),
                        documented,
                        undocumented,
                        calls: seen.values().sum(),
                    }
                })
                .collect();
            apis.push(ApiCoverage {
                api: api.to_owned(),
                operations,
                error: None,
            });
        }
        Coverage { apis }
    }
}

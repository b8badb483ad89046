//! Which documented statuses each operation actually returned in a run: [`Coverage`], computed
//! from the results and the specs of the APIs that ran. A status the spec does not document is
//! kept too, apart, because it is the interesting one. A streamed run counts statuses in a
//! [`Tally`] as scenarios finish and makes the [`Coverage`] at the end; [`Counter`] is a tally
//! fed by a run's events.
//!
//! The figure ([`Figure`]): documented (operation, response key) pairs returned at least once,
//! over all documented pairs of every operation of each API that had at least one scenario in
//! the run. A status matches a key as [`crate::openapi::Operation::response`] picks it (exact, then
//! its class such as `4XX`, then `default`); an operation that documents no response has no pair;
//! a status the spec does not document counts toward no pair.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::openapi::Registry;
use crate::run::{Event, EventSink, RunResult, ScenarioResult};

/// Documented (operation, response key) pairs returned at least once, of all documented pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// Documented pairs at least one response matched.
    pub returned: usize,
    /// Every documented pair counted.
    pub documented: usize,
}

impl Figure {
    /// The share returned, in percent; 0 when nothing is documented (nothing was shown
    /// covered). Multiplied before dividing, so a share that is a whole percentage is exact.
    pub fn percent(&self) -> f64 {
        if self.documented == 0 {
            return 0.0;
        }
        (self.returned as f64 * 100.0) / self.documented as f64
    }

    fn plus(self, other: Figure) -> Figure {
        Figure {
            returned: self.returned + other.returned,
            documented: self.documented + other.documented,
        }
    }
}

/// `56.5% (13 of 23 documented statuses returned)`: what every report shows of a figure.
impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} of {} documented statuses returned)",
            show_percent(self.percent()),
            self.returned,
            self.documented
        )
    }
}

/// A percentage for people: one decimal, rounded down, so a figure just below a gate never
/// reads as the gate itself (79.96 is `79.9%`, not `80.0%`).
pub fn show_percent(p: f64) -> String {
    let tenths = (p * 10.0).floor() / 10.0;
    if tenths.fract() == 0.0 {
        format!("{tenths:.0}%")
    } else {
        format!("{tenths:.1}%")
    }
}

#[derive(Debug, Clone, Default)]
/// The coverage of a run: per API, per operation, which documented statuses were returned.
pub struct Coverage {
    /// One entry per API that had at least one scenario in the run, in name order.
    pub apis: Vec<ApiCoverage>,
}

#[derive(Debug, Clone)]
/// One API's coverage, operation by operation.
pub struct ApiCoverage {
    /// The API's name in the registry.
    pub api: String,
    /// Every operation of its spec, called or not, in the spec's order.
    pub operations: Vec<OperationCoverage>,
    /// Why the spec could not be read; the table is then empty.
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
/// One operation's coverage: how many responses matched each documented key, and what was returned undocumented.
pub struct OperationCoverage {
    /// The operationId.
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template as the spec writes it (`/servers/{id}`).
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

    /// The operation's figure: its documented keys returned at least once, of all of them.
    pub fn figure(&self) -> Figure {
        Figure {
            returned: self.returned(),
            documented: self.documented.len(),
        }
    }

    /// The documented keys never returned.
    pub fn unreached(&self) -> impl Iterator<Item = &str> {
        self.documented
            .iter()
            .filter(|(_, n)| *n == 0)
            .map(|(k, _)| k.as_str())
    }
}

impl ApiCoverage {
    /// (documented keys returned, documented keys) over all operations.
    pub fn totals(&self) -> (usize, usize) {
        let f = self.figure();
        (f.returned, f.documented)
    }

    /// The figure over all operations of this API.
    pub fn figure(&self) -> Figure {
        self.operations
            .iter()
            .fold(Figure::default(), |f, op| f.plus(op.figure()))
    }
}

impl Coverage {
    /// The figure of the run: every API's pairs together (an API with more documented
    /// statuses weighs more).
    pub fn figure(&self) -> Figure {
        self.apis
            .iter()
            .fold(Figure::default(), |f, api| f.plus(api.figure()))
    }

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
    /// Counts the statuses of every step of `s` (and its `statuses_seen`) under its API; a scenario that names no API counts nothing.
    pub fn add(&mut self, s: &ScenarioResult) {
        // A scenario that did not parse names no API; it has no calls to count either.
        if s.api.is_empty() {
            return;
        }
        let calls = self.statuses.entry(s.api.clone()).or_default();
        let mut count = |call: &str, status: u16, n: usize| {
            let seen = match calls.get_mut(call) {
                Some(seen) => seen,
                None => calls.entry(call.to_owned()).or_default(),
            };
            *seen.entry(status).or_insert(0) += n;
        };
        for step in &s.steps {
            if let Some(status) = step.status.or(step.response.as_ref().map(|r| r.status)) {
                count(&step.call, status, 1);
            }
        }
        // Responses a run did not keep as steps (the passing requests `conform fuzz` made).
        for seen in &s.statuses_seen {
            count(&seen.call, seen.status, seen.count);
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

/// A [`Tally`] fed by a run's finished scenarios, for a caller that keeps no report (a gate
/// under `--no-report`).
#[derive(Debug, Default)]
pub struct Counter(Mutex<Tally>);

impl Counter {
    /// The coverage counted so far, against the specs in `registry`.
    pub fn coverage(&self, registry: &Registry) -> Coverage {
        self.lock().coverage(registry)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EventSink for Counter {
    /// Coverage counts statuses, which a step keeps without its exchange.
    fn reads_passing_exchanges(&self) -> bool {
        false
    }

    fn event(&self, event: &Event<'_>) {
        if let Event::ScenarioFinished { result, .. } = event {
            self.lock().add(result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckKind, Finding, Severity};
    use crate::run::{Outcome, Phase, StepResult};
    use crate::scenario::Found;

    /// `shop`: `getItem` documents 200, 4XX and default; `listItems` 200 and 404; `ping`
    /// documents no response at all.
    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: shop, version: "1"}
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: found}
        "4XX": {description: a client error}
        default: {description: anything else}
  /items:
    get:
      operationId: listItems
      responses:
        "200": {description: the items}
        "404": {description: none}
  /ping:
    get:
      operationId: ping
      responses: {}
"#;

    fn registry() -> (tempfile::TempDir, Registry) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("shop")).expect("api folder");
        std::fs::write(dir.path().join("shop/openapi.yaml"), SPEC).expect("spec");
        let registry = Registry::new(dir.path());
        (dir, registry)
    }

    /// A scenario of `shop` whose steps called these operations and got these statuses.
    fn scenario(calls: &[(&str, u16)]) -> ScenarioResult {
        let found = Found {
            id: "s.yaml".into(),
            path: "s.yaml".into(),
        };
        let mut s = ScenarioResult::skipped(&found, "");
        s.skipped = None;
        s.outcome = Outcome::Passed;
        s.api = "shop".into();
        s.steps = calls
            .iter()
            .map(|(call, status)| {
                let f = Finding::new(Severity::Warning, CheckKind::Body, "w");
                let mut step = StepResult::synthetic(call, Phase::Main, f);
                step.status = Some(*status);
                step
            })
            .collect();
        s
    }

    fn op<'a>(c: &'a Coverage, id: &str) -> &'a OperationCoverage {
        c.apis[0].operations.iter().find(|o| o.id == id).expect(id)
    }

    #[test]
    fn statuses_match_keys_as_the_spec_picks_them_and_undocumented_ones_count_nothing() {
        let (_dir, registry) = registry();
        let mut tally = Tally::default();
        // 404 is in the 4XX class, 503 falls to `default`; listItems's 500 is not documented.
        tally.add(&scenario(&[
            ("getItem", 404),
            ("getItem", 503),
            ("listItems", 500),
        ]));
        let c = tally.coverage(&registry);
        let get = op(&c, "getItem");
        assert_eq!(
            get.documented,
            vec![("200".into(), 0), ("4XX".into(), 1), ("default".into(), 1)]
        );
        assert_eq!(get.unreached().collect::<Vec<_>>(), vec!["200"]);
        let list = op(&c, "listItems");
        assert_eq!(
            list.figure(),
            Figure {
                returned: 0,
                documented: 2
            }
        );
        assert_eq!(list.undocumented, BTreeMap::from([(500, 1)]));
        // No documented response, no pair; never called, every pair unreached.
        assert_eq!(op(&c, "ping").figure(), Figure::default());
        // 2 of getItem's 3 and 0 of listItems's 2: 2 of 5.
        let run = Figure {
            returned: 2,
            documented: 5,
        };
        assert_eq!(c.apis[0].figure(), run);
        assert_eq!(c.figure(), run);
        assert_eq!(c.figure().percent(), 40.0);
    }

    #[test]
    fn responses_not_kept_as_steps_count_as_steps_do() {
        let (_dir, registry) = registry();
        let mut s = scenario(&[("getItem", 200)]);
        let seen = |status, count| crate::run::StatusSeen {
            call: "listItems".into(),
            status,
            count,
        };
        s.statuses_seen = vec![seen(200, 7), seen(404, 1)];
        let c = Coverage::of(
            &RunResult {
                run_id: "r".into(),
                started_at: "t".into(),
                duration: std::time::Duration::ZERO,
                scenarios: vec![s],
            },
            &registry,
        );
        assert_eq!(
            op(&c, "listItems").documented,
            vec![("200".into(), 7), ("404".into(), 1)]
        );
        assert_eq!(op(&c, "listItems").calls, 8);
        assert_eq!(
            c.figure(),
            Figure {
                returned: 3,
                documented: 5
            }
        );
    }

    #[test]
    fn an_api_that_documents_nothing_is_zero_percent_and_shown_percentages_round_down() {
        assert_eq!(Figure::default().percent(), 0.0);
        let third = Figure {
            returned: 1,
            documented: 3,
        };
        assert!(third.percent() > 33.3);
        assert_eq!(show_percent(third.percent()), "33.3%");
        assert_eq!(show_percent(79.96), "79.9%");
        assert_eq!(show_percent(100.0), "100%");
        assert_eq!(show_percent(0.0), "0%");
    }
}

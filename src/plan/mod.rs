//! The compiled plan of a scenario: [`Plan`], made once per file by [`compile()`] from the parsed
//! [`crate::scenario::Scenario`] and its API's spec. Static validation and compilation are one
//! pass: a scenario either yields a plan, or every problem it has with its line ([`Rejected`]).
//!
//! A plan holds everything a run needs already resolved: the operation of each step (with the
//! spec's compiled validators), request values as [`ValueTemplate`]s, expectations as
//! [`Pattern`]s with compiled regexes and parsed matchers, durations, and the variables each
//! request needs. Running and checking only read it; nothing is parsed or compiled per response.

mod compile;
mod expect;
mod items;
mod undeclared;
mod value;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use compile::{Rejected, compile};
pub use expect::{Expectation, MATCHERS, Matcher, Pattern, PatternKind, TYPES, TypeName};
pub use items::{ITEMS_KEYS, ItemsExpectation};
pub use value::{RenderError, ValueKind, ValueTemplate};

use crate::openapi::{ApiSpec, Operation};
use crate::scenario::{AuthMode, Capture};
use crate::source::Pos;

/// The need (`needs: [credentials]`) met when the target sends a credential: an operation that
/// answers 401 or 403 in a spec that declares no security scheme for it.
pub const NEEDS_CREDENTIALS: &str = "credentials";

/// The timeout of one HTTP exchange for a step that sets none.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a polling step waits between attempts when its `retry` sets no `every`.
pub const DEFAULT_POLL_EVERY: Duration = Duration::from_millis(500);
/// How long a polling step keeps trying when its `retry` sets no `timeout`.
pub const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(30);

/// One scenario, ready to run against any target of its API.
#[derive(Debug)]
pub struct Plan {
    /// The scenario's id: its path under the root it was found in.
    pub id: String,
    /// The scenario file's path.
    pub path: PathBuf,
    /// The scenario's `name`, for reports.
    pub name: String,
    /// Where `name:` is written.
    pub name_pos: Pos,
    /// The API it targets, a name in the registry.
    pub api: String,
    /// Where `api:` is written.
    pub api_pos: Pos,
    /// Its tags, which `--tag` selects on.
    pub tags: Vec<String>,
    /// Runs alone: no other scenario runs while it does (it moves a mock's clock or spends a shared quota).
    pub exclusive: bool,
    /// Budget of the main steps.
    pub timeout: Option<Duration>,
    /// What must come from outside before the scenario can run (`needs:`): variable names,
    /// or [`NEEDS_CREDENTIALS`]; with where each is written.
    pub needs: Vec<(String, Pos)>,
    /// Variables in the order written; each may use the ones before.
    pub vars: Vec<(String, ValueTemplate)>,
    /// The main steps, in order; the first that fails stops them.
    pub steps: Vec<PlannedStep>,
    /// The clean-up steps, run even after a failure, a timeout or an interrupt.
    pub finally: Vec<PlannedStep>,
    /// The spec of the API, whose operations the steps index.
    pub spec: Arc<ApiSpec>,
}

impl Plan {
    /// The operation a step calls.
    pub fn operation(&self, step: &PlannedStep) -> &Operation {
        &self.spec.operations[step.op]
    }

    /// The first step (main or clean-up) whose method changes state, if any.
    pub fn first_write(&self) -> Option<&Operation> {
        self.steps
            .iter()
            .chain(&self.finally)
            .map(|s| self.operation(s))
            .find(|op| !crate::openapi::is_safe(&op.method))
    }
}

/// One step: an operation call with its request values, expectations and captures.
#[derive(Debug)]
pub struct PlannedStep {
    /// A label for reports; the operation id when the step has no `name`.
    pub name: String,
    /// The operationId.
    pub call: String,
    /// Where the step starts.
    pub pos: Pos,
    /// Where `call:` is: requests, transport and status findings point here.
    pub call_pos: Pos,
    /// Index of the operation in the plan's spec.
    pub op: usize,
    /// Path parameters by name, filled into the operation's path template.
    pub path: Vec<(String, ValueTemplate)>,
    /// Query parameters by name, in the order written.
    pub query: Vec<(String, ValueTemplate)>,
    /// Request headers by name, besides the ones the target's auth adds.
    pub headers: Vec<(String, ValueTemplate)>,
    /// The JSON body, when the step sends one.
    pub body: Option<ValueTemplate>,
    /// A raw body sent as written after substitution (always a string template).
    pub body_raw: Option<ValueTemplate>,
    /// Where `invalid_request: true` is written, when it is.
    pub invalid_request: Option<Pos>,
    /// Which credentials the request carries (the target's, none, or others).
    pub auth: AuthMode,
    /// Where `follow_redirects: true` is written, when it is: the step follows same-origin
    /// redirects; otherwise a 3xx is its answer.
    pub follow_redirects: Option<Pos>,
    /// What the response must look like; `None` checks it against the spec alone.
    pub expect: Option<Expectation>,
    /// Variables to set from the response, by name, in the order written.
    pub captures: Vec<(String, Capture)>,
    /// Where `capture:` is written (the step's start when it has none): a capture that finds nothing points here.
    pub capture_pos: Pos,
    /// Poll: resend until the response looks like this; `None` sends once.
    pub until: Option<Expectation>,
    /// While polling, stop with a failure as soon as the response looks like this.
    pub fail_if: Option<Expectation>,
    /// The wait between polling attempts.
    pub every: Duration,
    /// How long polling may last in all.
    pub poll_timeout: Duration,
    /// The exchange timeout the step sets, if it sets one.
    pub timeout: Option<Duration>,
    /// Variables the request uses without a default, in order of use: a step whose variable
    /// has no value (the step that captures it did not run) is skipped, not sent half-filled.
    pub needs: Vec<String>,
}

/// Shared by the unit tests of the plan and of the checks that read it.
#[cfg(test)]
pub(crate) mod testing {
    use serde_json::{Value, json};

    use crate::scenario::Scope;
    use crate::source::Node;

    /// `${id}` is 7723; nothing else has a value.
    pub struct Vars;

    impl Scope for Vars {
        fn get(&self, name: &str) -> Option<Value> {
            (name == "id").then(|| json!(7723))
        }
    }

    pub fn node(yaml: &str) -> Node {
        serde_saphyr::from_str_with_options(yaml, crate::source::yaml::options())
            .expect("test YAML parses")
    }
}

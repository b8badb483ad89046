//! [`compile()`]: a parsed scenario and its spec in, a [`Plan`] out, or every problem at once
//! ([`Rejected`]), each with its line and a suggestion, before anything is sent.

use std::sync::Arc;

use super::expect::{Expectation, Pattern};
use super::items::{ITEMS_KEYS, ItemsExpectation};
use super::undeclared;
use super::value::ValueTemplate;
use super::{DEFAULT_POLL_EVERY, DEFAULT_POLL_TIMEOUT, Plan, PlannedStep};
use crate::openapi::ParamIn;
use crate::openapi::{ApiSpec, Operation, Registry};
use crate::remedy::Remedies;
use crate::scenario::{AuthMode, BUILTINS, Capture, Expect, Found, Scenario, Step, class_digit};
use crate::source::{Diagnostic, Node, NodeKind, Pos, Spanned, did_you_mean};

/// A scenario that cannot run: what it is (for reports) and why.
#[derive(Debug)]
pub struct Rejected {
    /// The scenario's `name`, or its id when it did not parse.
    pub name: String,
    /// The API it names; empty when unreadable.
    pub api: String,
    /// Its tags, so a selection by tag still selects it.
    pub tags: Vec<String>,
    /// Every problem found, each with its line.
    pub diagnostics: Vec<Diagnostic>,
}

/// Validates `scenario` (read from `found`, whose text is `source`) against its API's spec in
/// `registry` and compiles it. `inputs`: the names the run defines from outside (variables
/// and the env file), known to every template like the built-ins; `remedies` says how to give
/// one in a message.
pub fn compile(
    found: &Found,
    source: &str,
    scenario: Scenario,
    registry: &Registry,
    inputs: &[String],
    remedies: &dyn Remedies,
) -> Result<Plan, Rejected> {
    let mut c = Compiler {
        path: &found.path,
        source,
        remedies,
        out: Vec::new(),
        known: BUILTINS
            .iter()
            .map(|s| (*s).to_owned())
            .chain(inputs.iter().cloned())
            .collect(),
    };
    // A need is a variable given from outside: known to every template, as an input is.
    let needs: Vec<(String, Pos)> = scenario
        .needs
        .iter()
        .map(|n| (n.value.clone(), n.pos))
        .collect();
    c.known.extend(needs.iter().map(|(n, _)| n.clone()));
    let vars = c.vars(scenario.vars.as_ref());
    let spec = c.spec(&scenario.api, registry);
    if scenario.steps.is_empty() {
        c.err(
            Pos::new(1, 1),
            "the scenario has no steps".into(),
            Some("add `steps:` with at least one `- call: <operationId>`".into()),
        );
    }
    let steps: Vec<Option<PlannedStep>> = scenario
        .steps
        .iter()
        .map(|s| c.step(s, spec.as_deref()))
        .collect();
    // Clean-up steps see what the main steps define: they run after them.
    let finally: Vec<Option<PlannedStep>> = scenario
        .finally
        .iter()
        .map(|s| c.step(s, spec.as_deref()))
        .collect();
    let tags: Vec<String> = scenario.tags.iter().map(|t| t.value.clone()).collect();
    match spec {
        Some(spec) if c.out.is_empty() => Ok(Plan {
            id: found.id.clone(),
            path: found.path.clone(),
            name: scenario.name.value,
            name_pos: scenario.name.pos,
            api: scenario.api.value,
            api_pos: scenario.api.pos,
            tags,
            exclusive: scenario.exclusive,
            timeout: scenario.timeout.map(|t| t.value.0),
            needs,
            vars,
            steps: steps.into_iter().flatten().collect(),
            finally: finally.into_iter().flatten().collect(),
            spec,
        }),
        _ => Err(Rejected {
            name: scenario.name.value,
            api: scenario.api.value,
            tags,
            diagnostics: c.out,
        }),
    }
}

struct Compiler<'a> {
    path: &'a std::path::Path,
    source: &'a str,
    remedies: &'a dyn Remedies,
    out: Vec<Diagnostic>,
    /// Variable names defined so far.
    known: Vec<String>,
}

impl Compiler<'_> {
    /// The scenario's `vars`, each known to the ones after it.
    fn vars(&mut self, node: Option<&Node>) -> Vec<(String, ValueTemplate)> {
        let mut vars = Vec::new();
        // `vars:` with every entry commented out (init's placeholders) is no variable at all.
        let Some(node) = node.filter(|n| !matches!(n.kind, NodeKind::Null)) else {
            return vars;
        };
        let Some(entries) = node.as_map() else {
            let kind = node.kind_name();
            let what = format!("`vars` must be a mapping of names to values, not {kind}");
            self.err(node.pos, what, None);
            return vars;
        };
        for (k, node) in entries {
            let v = self.value(node);
            self.known.push(k.value.clone());
            vars.push((k.value.clone(), v));
        }
        vars
    }

    /// The spec of the scenario's `api`, or why there is none.
    fn spec(&mut self, api: &Spanned<String>, registry: &Registry) -> Option<Arc<ApiSpec>> {
        match registry.api(&api.value) {
            Ok(spec) => Some(spec),
            // A spec that exists but does not load is the spec's error, reported at its own file.
            Err(d) if registry.has_spec(&api.value) => {
                self.out.push(d);
                None
            }
            Err(d) => {
                self.err_span(api, d.message.clone(), d.help.clone());
                None
            }
        }
    }

    fn err(&mut self, pos: Pos, message: String, help: Option<String>) {
        self.out.push(
            Diagnostic::new(self.path, pos, message)
                .help_opt(help)
                .with_source(self.source),
        );
    }

    fn err_span<T>(&mut self, at: &Spanned<T>, message: String, help: Option<String>) {
        self.out.push(
            Diagnostic::spanned(self.path, at.span(), message)
                .help_opt(help)
                .with_source(self.source),
        );
    }

    /// Compiles a request value, reporting bad and undefined templates.
    fn value(&mut self, node: &Node) -> ValueTemplate {
        let mut bad = Vec::new();
        let v = ValueTemplate::compile(node, &mut |pos, e| bad.push((pos, e)));
        for (pos, e) in bad {
            self.err(pos, e, Some("write `$${` for a literal `${`".into()));
        }
        self.defined(&v);
        v
    }

    /// Reports every variable of `v` that is not defined at this point.
    fn defined(&mut self, v: &ValueTemplate) {
        let mut undefined = Vec::new();
        v.templates(&mut |pos, t| {
            for var in t.vars() {
                if !var.name.starts_with("env.")
                    && var.default.is_none()
                    && !self.known.contains(&var.name)
                {
                    undefined.push((pos, var.name.clone()));
                }
            }
        });
        for (pos, name) in undefined {
            let help = did_you_mean(&name, self.known.iter().map(String::as_str))
                .map(|s| format!("did you mean `${{{s}}}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "define it under `vars:`, capture it in an earlier step or {}; built-ins: uuid, run.id, now, now.date, now.epoch; environment: env.NAME",
                        self.remedies.give_var()
                    )
                });
            self.err(
                pos,
                format!("`${{{name}}}` is not defined at this point"),
                Some(help),
            );
        }
    }

    fn pattern(&mut self, node: &Node) -> Pattern {
        let mut problems = Vec::new();
        let p = Pattern::compile(node, &mut problems);
        for problem in problems {
            self.err(problem.pos, problem.message, None);
        }
        let mut values = Vec::new();
        p.values(&mut |v| values.push(v.clone()));
        for v in &values {
            self.defined(v);
        }
        p
    }

    /// A mapping of names to single values (lists too where `allow_lists`).
    /// `whole` names the parameters given as a whole value (OpenAPI 3.2's querystring: an
    /// object or a string), which may be mappings.
    fn scalar_map(
        &mut self,
        node: &Option<Node>,
        what: &str,
        allow_lists: bool,
        whole: &[&str],
    ) -> Vec<(Spanned<String>, ValueTemplate)> {
        let Some(node) = node else { return Vec::new() };
        let Some(entries) = node.as_map() else {
            self.err(
                node.pos,
                format!(
                    "`{what}` must be a mapping of names to values, not {}",
                    node.kind_name()
                ),
                None,
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, val) in entries {
            let ok = match &val.kind {
                _ if whole.contains(&k.value.as_str()) => true,
                NodeKind::Map(_) => false,
                NodeKind::Seq(items) => {
                    allow_lists
                        && items
                            .iter()
                            .all(|i| !matches!(i.kind, NodeKind::Map(_) | NodeKind::Seq(_)))
                }
                _ => true,
            };
            if !ok {
                self.err(
                    val.pos,
                    format!(
                        "`{what}.{}` must be a single value{}",
                        k.value,
                        if allow_lists {
                            " or a list of values"
                        } else {
                            ""
                        }
                    ),
                    None,
                );
            }
            let v = self.value(val);
            out.push((k.clone(), v));
        }
        out
    }

    fn problem(&mut self, p: undeclared::Problem) {
        self.out.push(
            Diagnostic::spanned(self.path, p.span, p.message)
                .help(p.help)
                .with_source(self.source),
        );
    }

    /// The statuses of an expectation: HTTP statuses, and documented for `op` (when given)
    /// unless it says `undocumented: true`, which then must be needed.
    fn statuses(&mut self, exp: &Spanned<Expect>, op: Option<&Operation>) {
        let e = &exp.value;
        let marked = e.undocumented.as_ref().filter(|u| u.value);
        let Some(status) = &e.status else {
            if let Some(u) = marked {
                self.err_span(
                    u,
                    "`undocumented: true` applies to an expected `status`, and there is none"
                        .into(),
                    Some("add the `status:` the step expects, or remove `undocumented`".into()),
                );
            }
            return;
        };
        if let Some(p) = undeclared::status_range(status, self.source) {
            self.problem(p);
            return;
        }
        let Some(op) = op else { return };
        match (undeclared::undocumented(status, op, self.source), marked) {
            (Some(p), None) => self.problem(p),
            (None, Some(u)) => self.err_span(
                u,
                format!(
                    "status {} is documented for {}: `undocumented: true` is not needed",
                    status.value.describe(),
                    op.id
                ),
                Some("remove `undocumented: true`".into()),
            ),
            _ => {}
        }
    }

    fn expectation(&mut self, exp: &Spanned<Expect>, op: Option<&Operation>) -> Expectation {
        self.statuses(exp, op);
        let e = &exp.value;
        let mut headers = Vec::new();
        if let Some(h) = &e.headers {
            match h.as_map() {
                Some(entries) => {
                    for (name, node) in entries {
                        let p = self.pattern(node);
                        headers.push((name.value.clone(), p));
                    }
                }
                None => self.err(
                    h.pos,
                    "`headers` must be a mapping of header names".into(),
                    None,
                ),
            }
        }
        let body = e.body.as_ref().map(|b| self.pattern(b));
        if let Some(s) = &e.status
            && let Some(c) = s
                .value
                .classes()
                .into_iter()
                .find(|c| class_digit(c).is_none())
        {
            self.err_span(
                s,
                format!("`{c}` is not a status class"),
                Some(
                    "write a code such as `404`, a list `[200, 202]` or a class such as `4xx`"
                        .into(),
                ),
            );
        }
        Expectation {
            pos: exp.pos,
            status: e.status.clone(),
            headers,
            body,
            undocumented: e.undocumented.as_ref().is_some_and(|u| u.value),
            items: e.items.as_ref().map(|n| self.items(n)),
        }
    }

    /// `expect.items`: each key known, `count` a whole number, the others patterns.
    fn items(&mut self, node: &Node) -> ItemsExpectation {
        let mut exp = ItemsExpectation::new(node.pos);
        let Some(entries) = node.as_map() else {
            self.err(
                node.pos,
                "`items` must be a mapping".into(),
                Some(format!("write some of: {}", ITEMS_KEYS.join(", "))),
            );
            return exp;
        };
        for (key, value) in entries {
            let slot = match key.value.as_str() {
                "count" => {
                    match &value.kind {
                        NodeKind::Number(n) if n.as_u64().is_some() => {
                            exp.count = n.as_u64().map(|n| (n, value.pos));
                        }
                        _ => self.err(value.pos, "`count` takes a whole number".into(), None),
                    }
                    continue;
                }
                "first" => &mut exp.first,
                "last" => &mut exp.last,
                "every" => &mut exp.every,
                "any" => &mut exp.any,
                other => {
                    let help = did_you_mean(other, ITEMS_KEYS.iter().copied())
                        .map(|s| format!("did you mean `{s}`?"));
                    self.err(
                        key.pos,
                        format!(
                            "unknown key `{other}` in `items` (it takes: {})",
                            ITEMS_KEYS.join(", ")
                        ),
                        help,
                    );
                    continue;
                }
            };
            *slot = Some(self.pattern(value));
        }
        exp
    }

    fn step(&mut self, step: &Spanned<Step>, spec: Option<&ApiSpec>) -> Option<PlannedStep> {
        let s = &step.value;
        let op = spec.and_then(|spec| self.operation(&s.call, spec));
        let operation = spec.zip(op).map(|(spec, op)| &spec.operations[op]);
        let whole: Vec<&str> = operation
            .into_iter()
            .flat_map(|op| op.params_in(ParamIn::Querystring))
            .map(|p| p.name.as_str())
            .collect();
        let path = self.scalar_map(&s.path, "path", false, &[]);
        let query = self.scalar_map(&s.query, "query", true, &whole);
        let headers = self.scalar_map(&s.headers, "headers", false, &[]);
        if let Some(op) = operation {
            self.params(s, op, [&path, &query, &headers]);
        }
        let body = s.body.as_ref().map(|b| self.value(b));
        if let (Some(_), Some(raw)) = (&s.body, &s.body_raw) {
            self.err_span(
                raw,
                "a step has either `body` or `body_raw`, not both".into(),
                None,
            );
        }
        let body_raw = s.body_raw.as_ref().map(|raw| {
            let node = Node::new(raw.pos, NodeKind::String(raw.value.clone()));
            self.value(&node)
        });
        // `fail_if` names answers that must not come: an undocumented one is a fair thing to fear.
        let expect = s.expect.as_ref().map(|e| self.expectation(e, operation));
        let until = s.until.as_ref().map(|e| self.expectation(e, operation));
        let fail_if = s.fail_if.as_ref().map(|e| self.expectation(e, None));
        self.polling(s);
        let (captures, capture_pos) = self.captures(step);
        let needs = needs(
            [&path, &query, &headers],
            body.iter().chain(body_raw.iter()),
        );
        let (every, poll_timeout) = match &s.retry {
            Some(r) => (
                r.value.every.map(|d| d.0).unwrap_or(DEFAULT_POLL_EVERY),
                r.value.timeout.map(|d| d.0).unwrap_or(DEFAULT_POLL_TIMEOUT),
            ),
            None => (DEFAULT_POLL_EVERY, DEFAULT_POLL_TIMEOUT),
        };
        Some(PlannedStep {
            name: s.name.clone().unwrap_or_else(|| s.call.value.clone()),
            call: s.call.value.clone(),
            pos: step.pos,
            call_pos: s.call.pos,
            op: op?,
            path: path.into_iter().map(|(k, v)| (k.value, v)).collect(),
            query: query.into_iter().map(|(k, v)| (k.value, v)).collect(),
            headers: headers.into_iter().map(|(k, v)| (k.value, v)).collect(),
            body,
            body_raw,
            invalid_request: s
                .invalid_request
                .as_ref()
                .filter(|b| b.value)
                .map(|b| b.pos),
            auth: s.auth.as_ref().map_or(AuthMode::Default, |a| a.value),
            follow_redirects: s
                .follow_redirects
                .as_ref()
                .filter(|b| b.value)
                .map(|b| b.pos),
            expect,
            captures,
            capture_pos,
            until,
            fail_if,
            every,
            poll_timeout,
            timeout: s.timeout.as_ref().map(|t| t.value.0),
            needs,
        })
    }

    /// The index of the operation `call` names in `spec`, or why there is none.
    fn operation(&mut self, call: &Spanned<String>, spec: &ApiSpec) -> Option<usize> {
        let op = spec.operations.iter().position(|o| o.id == call.value);
        if op.is_none() {
            let help = did_you_mean(&call.value, spec.operation_ids())
                .map(|c| format!("did you mean `{c}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "operations of `{}`: {}",
                        spec.name,
                        spec.operation_ids().collect::<Vec<_>>().join(", ")
                    )
                });
            let what = format!("`{}` is not an operationId of `{}`", call.value, spec.name);
            self.err_span(call, what, Some(help));
        }
        op
    }

    /// The step's path, query and header parameters against those `op` declares.
    fn params(&mut self, s: &Step, op: &Operation, [path, query, headers]: [&Params; 3]) {
        let mut problems = undeclared::unknown_params(&names(path), op, ParamIn::Path);
        // A negative test may send what the operation does not declare, on purpose.
        if !s.invalid_request.as_ref().is_some_and(|b| b.value) {
            problems.extend(undeclared::unknown_params(
                &names(query),
                op,
                ParamIn::Query,
            ));
            problems.extend(undeclared::misspelt_headers(&names(headers), op));
        }
        for p in problems {
            self.problem(p);
        }
        for p in op.params_in(ParamIn::Path) {
            if !path.iter().any(|(n, _)| n.value == p.name) {
                self.err_span(
                    &s.call,
                    format!("{} needs the path parameter `{}`", op.id, p.name),
                    Some(format!("add `path: {{ {}: ... }}`", p.name)),
                );
            }
        }
    }

    /// `until`, `retry` and `fail_if` together: the last two need the first.
    fn polling(&mut self, s: &Step) {
        if let Some(u) = s
            .fail_if
            .as_ref()
            .and_then(|f| f.value.undocumented.as_ref())
            .filter(|u| u.value)
        {
            self.err_span(
                u,
                "`undocumented` has no use in `fail_if`: any status may be one to stop on".into(),
                Some("remove `undocumented: true` here".into()),
            );
        }
        if let Some(r) = &s.retry
            && s.until.is_none()
        {
            self.err_span(
                r,
                "`retry` only applies with `until`".into(),
                Some(
                    "add `until:` with what the response must look like when polling stops".into(),
                ),
            );
        }
        if let Some(fi) = &s.fail_if
            && s.until.is_none()
        {
            self.err(fi.pos, "`fail_if` only applies with `until`".into(), None);
        }
    }

    /// The step's captures, each known to the steps after it, and where they are written.
    fn captures(&mut self, step: &Spanned<Step>) -> (Vec<(String, Capture)>, Pos) {
        let s = &step.value;
        let mut captures = Vec::new();
        let mut capture_pos = step.pos;
        if let Some(caps) = &s.capture {
            capture_pos = caps.pos;
            for (name, cap) in &caps.value {
                let ptr = match cap {
                    Capture::Pointer(p) | Capture::Body { body: p } => Some(p),
                    Capture::Header { .. } => None,
                };
                if let Some(p) = ptr
                    && !p.is_empty()
                    && !p.starts_with('/')
                {
                    self.err(
                        caps.pos,
                        format!("capture `{name}`: `{p}` is not a JSON Pointer"),
                        Some(format!(
                            "write `/{}`",
                            p.trim_start_matches(['.', '$']).replace('.', "/")
                        )),
                    );
                }
                self.known.push(name.clone());
                captures.push((name.clone(), cap.clone()));
            }
        }
        (captures, capture_pos)
    }
}

/// A step's parameters by name.
type Params = Vec<(Spanned<String>, ValueTemplate)>;

/// The variables a request uses without a default, in order of use.
fn needs<'v>(
    [path, query, headers]: [&'v Params; 3],
    bodies: impl Iterator<Item = &'v ValueTemplate>,
) -> Vec<String> {
    let mut needs = Vec::new();
    for v in path
        .iter()
        .chain(query)
        .chain(headers)
        .map(|(_, v)| v)
        .chain(bodies)
    {
        v.templates(&mut |_, t| {
            for var in t.vars() {
                if var.default.is_none() && !needs.contains(&var.name) {
                    needs.push(var.name.clone());
                }
            }
        });
    }
    needs
}

/// The names of a step's parameter map.
fn names(m: &[(Spanned<String>, ValueTemplate)]) -> Vec<&Spanned<String>> {
    m.iter().map(|(n, _)| n).collect()
}

impl Rejected {
    /// A file that did not parse: known only by its id.
    pub fn unparsed(found: &Found, d: Diagnostic) -> Self {
        Rejected {
            name: found.id.clone(),
            api: String::new(),
            tags: Vec::new(),
            diagnostics: vec![d],
        }
    }
}

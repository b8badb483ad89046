//! One conform [`Scenario`] said as one Arazzo workflow: steps by `operationId` (or
//! `operationPath` for an operation the spec gives no id), parameters, the request body,
//! captures as outputs, expectations as success criteria, `until` polling as a retry action.
//! Everything else is kept as an `x-conform-*` extension and noted as unsaid.

use serde_json::{Map, Value, json};

use crate::openapi::{ApiSpec, Operation};
use crate::scenario::{AuthMode, Capture, Pos, Scenario, Spanned, Step};
use crate::source::Diagnostic;

use super::criteria::{criteria, status_criterion};
use super::values::{Names, input_name};

/// The workflow of `scenario` (its id `id`), its operations looked up in `spec` (whose
/// description is named `source`). Unknown operations are a diagnostic at the step's `call`.
pub(super) fn workflow(
    scenario: &Scenario,
    id: &str,
    source: &str,
    spec: &ApiSpec,
    file: &std::path::Path,
    names: &mut Names,
) -> Result<Value, Diagnostic> {
    names.scenario_name = scenario.name.value.clone();
    names.vars(scenario.vars.as_ref());
    let mut steps = Vec::new();
    let mut ids = Vec::new();
    for step in &scenario.steps {
        steps.push(step_of(step, source, spec, file, names, &mut ids)?);
    }
    let mut w = Map::new();
    w.insert("workflowId".into(), id.into());
    w.insert("summary".into(), scenario.name.value.clone().into());
    if let Some(d) = &scenario.description {
        w.insert("description".into(), d.trim_end().into());
    }
    if let Some(inputs) = names.inputs_schema() {
        w.insert("inputs".into(), inputs);
    }
    w.insert("steps".into(), Value::Array(steps));
    keep_scenario_extras(scenario, names, &mut w);
    Ok(Value::Object(w))
}

/// What a scenario has beyond its steps, kept as extensions: tags, needs, `exclusive`, its
/// time budget, and `finally` (clean-up steps Arazzo has no place for).
fn keep_scenario_extras(scenario: &Scenario, names: &mut Names, w: &mut Map<String, Value>) {
    if !scenario.tags.is_empty() {
        let tags: Vec<Value> = scenario
            .tags
            .iter()
            .map(|t| t.value.clone().into())
            .collect();
        w.insert("x-conform-tags".into(), Value::Array(tags));
    }
    if !scenario.needs.is_empty() {
        let needs: Vec<Value> = scenario
            .needs
            .iter()
            .map(|t| t.value.clone().into())
            .collect();
        w.insert("x-conform-needs".into(), Value::Array(needs));
        let pos = scenario.needs[0].pos;
        names.note(pos, "`needs` (skip the scenario when a value is missing) has no Arazzo form: kept as x-conform-needs".into());
    }
    if scenario.exclusive {
        w.insert("x-conform-exclusive".into(), true.into());
        names.note(
            scenario.name.pos,
            "`exclusive: true` (run alone) has no Arazzo form: kept as x-conform-exclusive".into(),
        );
    }
    if let Some(t) = &scenario.timeout {
        w.insert(
            "x-conform-timeout-ms".into(),
            json!(t.value.0.as_millis() as u64),
        );
        names.note(
            t.pos,
            "the scenario's `timeout` has no Arazzo form: kept as x-conform-timeout-ms".into(),
        );
    }
    if !scenario.finally.is_empty() {
        let calls: Vec<Value> = scenario
            .finally
            .iter()
            .map(|s| json!({"name": s.value.name, "call": s.value.call.value}))
            .collect();
        w.insert("x-conform-finally".into(), Value::Array(calls));
        for s in &scenario.finally {
            names.note(s.pos, format!("`finally` step `{}` (clean-up that runs even after a failure) has no Arazzo form: kept as x-conform-finally", s.value.name.as_deref().unwrap_or(&s.value.call.value)));
        }
    }
}

/// One step. `ids` holds the step ids given so far (kept unique).
fn step_of(
    step: &Spanned<Step>,
    source: &str,
    spec: &ApiSpec,
    file: &std::path::Path,
    names: &mut Names,
    ids: &mut Vec<String>,
) -> Result<Value, Diagnostic> {
    let s = &step.value;
    let Some(op) = spec.operation(&s.call.value) else {
        return Err(Diagnostic::spanned(
            file,
            s.call.span(),
            format!("no operation `{}` in the spec of `{source}`", s.call.value),
        )
        .help("write an operationId the spec has (`conform list` runs the same check)"));
    };
    let id = unique_id(s.name.as_deref().unwrap_or(&op.id), ids);
    let mut o = Map::new();
    o.insert("stepId".into(), id.clone().into());
    if let Some(n) = &s.name {
        o.insert("description".into(), n.clone().into());
    }
    if let Some((base, _)) = op.at.pointer.split_once("/x-conform-variants/") {
        // A conform variant of a shared operation (one `POST .../action`, several bodies):
        // other runners know only the operation it varies.
        names.note(s.call.pos, format!("`{}` is a conform variant of the operation at `{base}`: the step points at that operation, whose contract is the union of its variants", op.id));
        let path = format!("{{$sourceDescriptions.{source}.url}}#{base}");
        o.insert("operationPath".into(), path.into());
    } else if op.id.contains(' ') {
        // No operationId in the spec: conform calls it `METHOD /path`; Arazzo points at it.
        let path = format!("{{$sourceDescriptions.{source}.url}}#{}", op.at.pointer);
        o.insert("operationPath".into(), path.into());
    } else {
        o.insert("operationId".into(), op.id.clone().into());
    }
    let mut params = Vec::new();
    for (node, place) in [
        (&s.path, "path"),
        (&s.query, "query"),
        (&s.headers, "header"),
    ] {
        for (k, v) in node.as_ref().and_then(|n| n.as_map()).unwrap_or_default() {
            params.push(json!({"name": k.value, "in": place, "value": names.value(v)}));
        }
    }
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = &s.body {
        let media = op
            .request_body
            .as_ref()
            .and_then(|b| b.content.first())
            .map(|m| m.media_type.as_str());
        let media = media
            .filter(|m| !m.contains('*'))
            .unwrap_or("application/json");
        o.insert(
            "requestBody".into(),
            json!({"contentType": media, "payload": names.value(body)}),
        );
    }
    if s.auth.as_ref().is_none_or(|a| a.value != AuthMode::None) {
        credentials(op, spec, s.call.pos, names, &mut o);
    }
    step_extras(s, names, &mut o);
    expectations(s, names, &mut o);
    outputs(s, &id, names, &mut o);
    ids.push(id);
    Ok(Value::Object(o))
}

/// The operation's credentials as Respect's `x-security` (Arazzo itself leaves them to the
/// runner), each value from an input the user gives to such a runner; optional, since conform
/// authenticates as its target is configured to.
fn credentials(
    op: &Operation,
    spec: &ApiSpec,
    pos: Pos,
    names: &mut Names,
    o: &mut Map<String, Value>,
) {
    let mut security = Vec::new();
    for scheme in &op.security {
        let def = spec.security_schemes.get(scheme);
        let ty = def.and_then(|d| d.get("type")).and_then(Value::as_str);
        let http = def.and_then(|d| d.get("scheme")).and_then(Value::as_str);
        let (key, input) = match (ty, http) {
            (Some("http"), Some(h)) if h.eq_ignore_ascii_case("bearer") => {
                ("token", format!("{}_token", input_name(scheme)))
            }
            (Some("apiKey"), _) => ("apiKey", format!("{}_key", input_name(scheme))),
            _ => {
                names.note(pos, format!("security scheme `{scheme}` has no form in Respect's x-security: the runner must send it"));
                continue;
            }
        };
        if !names.inputs.contains_key(&input) {
            names.note(pos, format!("credentials of `{scheme}`: Arazzo leaves them to the runner; sent through Respect's x-security from input `{input}`, which has no default"));
            names.inputs.insert(input.clone(), None);
            names.credentials.insert(input.clone());
        }
        security.push(json!({"schemeName": scheme, "values": {key: format!("$inputs.{input}")}}));
    }
    if !security.is_empty() {
        o.insert("x-security".into(), Value::Array(security));
    }
}

/// Step switches Arazzo has no form for, kept as extensions and noted.
fn step_extras(s: &Step, names: &mut Names, o: &mut Map<String, Value>) {
    if let Some(a) = s.auth.as_ref().filter(|a| a.value == AuthMode::None) {
        o.insert("x-conform-auth".into(), "none".into());
        names.note(
            a.pos,
            "`auth: none` (send no credentials) has no Arazzo form: kept as x-conform-auth".into(),
        );
    }
    if let Some(raw) = &s.body_raw {
        o.insert("x-conform-body-raw".into(), raw.value.clone().into());
        names.note(
            raw.pos,
            "`body_raw` (bytes sent as written) has no Arazzo form: kept as x-conform-body-raw"
                .into(),
        );
    }
    if let Some(i) = s.invalid_request.as_ref().filter(|i| i.value) {
        o.insert("x-conform-invalid-request".into(), true.into());
        names.note(i.pos, "`invalid_request: true` (a request that breaks the spec on purpose) has no Arazzo form: kept as x-conform-invalid-request".into());
    }
    if let Some(f) = s.follow_redirects.as_ref().filter(|f| f.value) {
        o.insert("x-conform-follow-redirects".into(), true.into());
        names.note(
            f.pos,
            "`follow_redirects: true` has no Arazzo form: kept as x-conform-follow-redirects"
                .into(),
        );
    }
    if let Some(t) = &s.timeout {
        o.insert(
            "x-conform-timeout-ms".into(),
            json!(t.value.0.as_millis() as u64),
        );
        names.note(
            t.pos,
            "the step's `timeout` has no Arazzo form: kept as x-conform-timeout-ms".into(),
        );
    }
}

/// `expect` and `until` as success criteria; `until` also as a retry action (after an `end`
/// action for `fail_if`), its budget as `retryLimit` attempts `retryAfter` seconds apart.
fn expectations(s: &Step, names: &mut Names, o: &mut Map<String, Value>) {
    let mut all = Vec::new();
    let before = names.unsaid.len();
    for e in [&s.expect, &s.until].into_iter().flatten() {
        all.extend(criteria(&e.value, e.pos, names));
    }
    if names.unsaid.len() > before {
        // What the criteria could not say stays readable beside them.
        if let Some(e) = &s.expect {
            o.insert("x-conform-expect".into(), expect_json(&e.value));
        }
        if let Some(u) = &s.until {
            o.insert("x-conform-until".into(), expect_json(&u.value));
        }
    }
    if !all.is_empty() {
        o.insert("successCriteria".into(), Value::Array(all));
    }
    if s.until.is_none() {
        return;
    }
    let every = s
        .retry
        .as_ref()
        .and_then(|r| r.value.every)
        .map_or(500, |d| d.0.as_millis().max(1) as u64);
    let budget = s
        .retry
        .as_ref()
        .and_then(|r| r.value.timeout)
        .map_or(30_000, |d| d.0.as_millis() as u64);
    let mut actions = Vec::new();
    if let Some(fail) = &s.fail_if {
        let stop = criteria(&fail.value, fail.pos, names);
        actions.push(json!({"name": "fail-if", "type": "end", "criteria": stop}));
    }
    actions.push(json!({
        "name": "poll",
        "type": "retry",
        "retryAfter": every as f64 / 1000.0,
        "retryLimit": budget.div_ceil(every),
    }));
    o.insert("onFailure".into(), Value::Array(actions));
}

fn expect_json(e: &crate::scenario::Expect) -> Value {
    let mut m = Map::new();
    if let Some(s) = &e.status {
        m.insert(
            "status".into(),
            status_criterion(&s.value)["condition"].clone(),
        );
    }
    if let Some(h) = &e.headers {
        m.insert("headers".into(), h.to_json());
    }
    if let Some(b) = &e.body {
        m.insert("body".into(), b.to_json());
    }
    Value::Object(m)
}

/// Captures as step outputs; later `${name}`s refer to them.
fn outputs(s: &Step, id: &str, names: &mut Names, o: &mut Map<String, Value>) {
    let Some(capture) = &s.capture else { return };
    let mut out = Map::new();
    for (name, c) in &capture.value {
        let expr = match c {
            Capture::Pointer(p) | Capture::Body { body: p } => format!("$response.body#{p}"),
            Capture::Header {
                header,
                last_segment,
            } => {
                if *last_segment {
                    names.note(capture.pos, format!("capture `{name}` keeps only the last path segment of header `{header}`: Arazzo takes the whole header"));
                }
                format!("$response.header.{header}")
            }
        };
        let key = input_name(name);
        out.insert(key.clone(), expr.into());
        names.captures.insert(name.clone(), id.to_owned());
    }
    o.insert("outputs".into(), Value::Object(out));
}

/// A step id from a step's name: letters and digits kept, anything else one `-`; a repeat
/// gets `-2`, `-3`...
fn unique_id(name: &str, ids: &[String]) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = id.trim_matches('-').to_owned();
    let id = if id.is_empty() { "step".to_owned() } else { id };
    let mut n = 1;
    let mut candidate = id.clone();
    while ids.contains(&candidate) {
        n += 1;
        candidate = format!("{id}-{n}");
    }
    candidate
}

//! Static checks of a parsed scenario against its API's spec, so mistakes are reported with
//! their line before any request is sent: every error at once, each with a suggestion.

use std::path::Path;

use super::model::{Capture, Scenario, Step};
use super::node::{Node, NodeKind};
use super::span::Pos;
use super::template::{BUILTINS, Template};
use crate::check::matcher;
use crate::diag::Diagnostic;
use crate::spec::Registry;
use crate::suggest::did_you_mean;

/// All problems of `scenario`; empty when it can run.
pub fn validate(
    scenario: &Scenario,
    path: &Path,
    source: &str,
    registry: &Registry,
) -> Vec<Diagnostic> {
    let mut v = Validator {
        path,
        source,
        out: Vec::new(),
        known: BUILTINS.iter().map(|s| (*s).to_owned()).collect(),
    };
    if let Some(vars) = &scenario.vars {
        match vars.as_map() {
            Some(entries) => {
                for (k, node) in entries {
                    v.templates(node);
                    v.known.push(k.value.clone());
                }
            }
            None => v.err(
                vars.pos,
                format!(
                    "`vars` must be a mapping of names to values, not {}",
                    vars.kind_name()
                ),
                None,
            ),
        }
    }
    let spec = match registry.api(&scenario.api.value) {
        Ok(spec) => Some(spec),
        // A spec that exists but does not load is the spec's error, reported at its own file.
        Err(d) if registry.has_spec(&scenario.api.value) => {
            v.out.push(d);
            None
        }
        Err(d) => {
            v.err(scenario.api.pos, d.message.clone(), d.help.clone());
            None
        }
    };
    if scenario.steps.is_empty() {
        v.err(
            Pos::new(1, 1),
            "the scenario has no steps".into(),
            Some("add `steps:` with at least one `- call: <operationId>`".into()),
        );
    }
    let main_known = {
        for step in &scenario.steps {
            v.step(&step.value, spec.as_deref());
        }
        v.known.clone()
    };
    v.known = main_known;
    for step in &scenario.finally {
        v.step(&step.value, spec.as_deref());
    }
    v.out
}

struct Validator<'a> {
    path: &'a Path,
    source: &'a str,
    out: Vec<Diagnostic>,
    /// Variable names defined so far.
    known: Vec<String>,
}

impl Validator<'_> {
    fn err(&mut self, pos: Pos, message: String, help: Option<String>) {
        self.out.push(
            Diagnostic::new(self.path, pos, message)
                .help_opt(help)
                .with_source(self.source),
        );
    }

    fn templates(&mut self, node: &Node) {
        let mut found = Vec::new();
        node.walk(&mut |n| {
            if let NodeKind::String(s) = &n.kind {
                found.push((n.pos, Template::parse(s)));
            }
        });
        for (pos, t) in found {
            match t {
                Err(e) => self.err(pos, e, Some("write `$${` for a literal `${`".into())),
                Ok(t) => {
                    for var in t.vars() {
                        if var.name.starts_with("env.")
                            || var.default.is_some()
                            || self.known.contains(&var.name)
                        {
                            continue;
                        }
                        let help = did_you_mean(&var.name, self.known.iter().map(String::as_str))
                            .map(|s| format!("did you mean `${{{s}}}`?"))
                            .unwrap_or_else(|| "define it under `vars:` or capture it in an earlier step; built-ins: uuid, run.id, now, now.date, now.epoch; environment: env.NAME".into());
                        self.err(
                            pos,
                            format!("`${{{}}}` is not defined at this point", var.name),
                            Some(help),
                        );
                    }
                }
            }
        }
    }

    fn matchers(&mut self, node: &Node) {
        let mut errs = Vec::new();
        matcher::validate_tree(node, &mut errs);
        for (pos, msg) in errs {
            self.err(pos, msg, None);
        }
        self.templates(node);
    }

    fn scalar_map(
        &mut self,
        node: &Option<Node>,
        what: &str,
        allow_lists: bool,
    ) -> Vec<(String, Pos)> {
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
        for (k, val) in entries {
            let ok = match &val.kind {
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
        }
        self.templates(node);
        entries
            .iter()
            .map(|(k, _)| (k.value.clone(), k.pos))
            .collect()
    }

    fn step(&mut self, step: &Step, spec: Option<&crate::spec::ApiSpec>) {
        let op = spec.and_then(|s| {
            let op = s.operation(&step.call.value);
            if op.is_none() {
                let help = did_you_mean(&step.call.value, s.operation_ids())
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| {
                        format!(
                            "operations of `{}`: {}",
                            s.name,
                            s.operation_ids().collect::<Vec<_>>().join(", ")
                        )
                    });
                self.err(
                    step.call.pos,
                    format!(
                        "`{}` is not an operationId of `{}`",
                        step.call.value, s.name
                    ),
                    Some(help),
                );
            }
            op
        });
        let path_params = self.scalar_map(&step.path, "path", false);
        self.scalar_map(&step.query, "query", true);
        self.scalar_map(&step.headers, "headers", false);
        if let Some(op) = op {
            for (name, pos) in &path_params {
                if !op.params_in("path").any(|p| &p.name == name) {
                    let names: Vec<&str> = op.params_in("path").map(|p| p.name.as_str()).collect();
                    let help = did_you_mean(name, names.iter().copied())
                        .map(|c| format!("did you mean `{c}`?"))
                        .unwrap_or_else(|| {
                            format!("path parameters of {}: {}", op.id, names.join(", "))
                        });
                    self.err(
                        *pos,
                        format!("`{name}` is not a path parameter of {}", op.id),
                        Some(help),
                    );
                }
            }
            for p in op.params_in("path") {
                if !path_params.iter().any(|(n, _)| *n == p.name) {
                    self.err(
                        step.call.pos,
                        format!("{} needs the path parameter `{}`", op.id, p.name),
                        Some(format!("add `path: {{ {}: ... }}`", p.name)),
                    );
                }
            }
        }
        if let Some(body) = &step.body {
            self.templates(body);
            if let Some(raw) = &step.body_raw {
                self.err(
                    raw.pos,
                    "a step has either `body` or `body_raw`, not both".into(),
                    None,
                );
            }
        }
        if let Some(raw) = &step.body_raw {
            self.templates(&Node {
                pos: raw.pos,
                kind: NodeKind::String(raw.value.clone()),
            });
        }
        for exp in [&step.expect, &step.until, &step.fail_if]
            .into_iter()
            .flatten()
        {
            if let Some(h) = &exp.value.headers {
                if h.as_map().is_none() {
                    self.err(
                        h.pos,
                        "`headers` must be a mapping of header names".into(),
                        None,
                    );
                }
                self.matchers(h);
            }
            if let Some(b) = &exp.value.body {
                self.matchers(b);
            }
            if let Some(s) = &exp.value.status
                && let super::model::StatusSpec::Class(c) = &s.value
                && super::model::class_digit(c).is_none()
            {
                self.err(
                    s.pos,
                    format!("`{c}` is not a status class"),
                    Some(
                        "write a code such as `404`, a list `[200, 202]` or a class such as `4xx`"
                            .into(),
                    ),
                );
            }
        }
        if step.retry.is_some() && step.until.is_none() {
            self.err(
                step.retry.as_ref().map_or(step.call.pos, |r| r.pos),
                "`retry` only applies with `until`".into(),
                Some(
                    "add `until:` with what the response must look like when polling stops".into(),
                ),
            );
        }
        if let Some(fi) = &step.fail_if
            && step.until.is_none()
        {
            self.err(fi.pos, "`fail_if` only applies with `until`".into(), None);
        }
        if let Some(caps) = &step.capture {
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
            }
        }
    }
}

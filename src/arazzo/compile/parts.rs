//! The parts of a step the [`super::Compiler`] resolves: its operation (by id or path), its
//! parameters and body (runtime expressions parsed), its criteria, outputs and actions.

use std::sync::Arc;
use std::time::Duration;

use super::{Compiler, DEFAULT_RETRY_LIMIT};
use crate::arazzo::criteria::{self, CriterionType};
use crate::arazzo::document as doc;
use crate::arazzo::expr;
use crate::arazzo::program::{Action, Call, Do, Template};
use crate::openapi::ParamIn;
use crate::source::{Node, NodeKind, Pos, Spanned, did_you_mean};

impl Compiler<'_> {
    pub(super) fn operation_id(&mut self, id: &Spanned<String>) -> Option<Call> {
        let (source, op_id) = match id.value.strip_prefix("$sourceDescriptions.") {
            Some(rest) => match rest.split_once('.') {
                Some((s, o)) => (Some(s), o),
                None => (None, rest),
            },
            None => (None, id.value.as_str()),
        };
        let mut all: Vec<&str> = Vec::new();
        for (i, (name, _)) in self.sources.iter().enumerate() {
            if source.is_some_and(|s| s != name) {
                continue;
            }
            let Some(Some((_, spec))) = self.apis.get(i) else {
                continue;
            };
            if let Some(op) = spec.operations.iter().position(|o| o.id == op_id) {
                return Some(Call::Operation { api: i, op });
            }
            all.extend(spec.operation_ids());
        }
        if self.apis.iter().all(Option::is_none) {
            return None; // the sources' problem is reported already
        }
        let help = did_you_mean(op_id, all.iter().copied()).map(|s| format!("did you mean `{s}`?"));
        self.problem(
            id.span(),
            format!("no operation `{op_id}` in the source specs"),
            help,
        );
        None
    }

    /// `{$sourceDescriptions.NAME.url}#/paths/~1widgets/post`.
    pub(super) fn operation_path(&mut self, p: &Spanned<String>) -> Option<Call> {
        let parsed = p.value.strip_prefix("{$sourceDescriptions.").and_then(|r| {
            let (name, pointer) = r.split_once(".url}#")?;
            let mut parts = pointer.strip_prefix("/paths/")?.rsplitn(2, '/');
            let method = parts.next()?.to_ascii_uppercase();
            let path = parts.next()?.replace("~1", "/").replace("~0", "~");
            Some((name.to_owned(), path, method, pointer))
        });
        let Some((name, path, method, pointer)) = parsed else {
            let help = "write it as `{$sourceDescriptions.NAME.url}#/paths/~1widgets/post`";
            self.problem(
                p.span(),
                "an operationPath conform cannot read".into(),
                Some(help.into()),
            );
            return None;
        };
        let i = self.sources.iter().position(|(n, _)| *n == name);
        let spec = i.and_then(|i| self.apis.get(i)?.as_ref().map(|(_, s)| s.clone()));
        match (i, spec) {
            // The operation written at that pointer (the base of conform's variants of one
            // shared `POST .../action`, not its first variant), else any at that path and method.
            (Some(i), Some(spec)) => match spec
                .operations
                .iter()
                .position(|o| o.at.pointer == pointer)
                .or_else(|| {
                    spec.operations
                        .iter()
                        .position(|o| o.path == path && o.method == method)
                }) {
                Some(op) => Some(Call::Operation { api: i, op }),
                None => {
                    self.problem(
                        p.span(),
                        format!("no {method} {path} in source `{name}`'s spec"),
                        None,
                    );
                    None
                }
            },
            _ => {
                self.problem(
                    p.span(),
                    format!("no source `{name}`"),
                    Some("name one of `sourceDescriptions`".into()),
                );
                None
            }
        }
    }

    pub(super) fn param(&mut self, p: &doc::Param) -> Option<(String, Option<ParamIn>, Template)> {
        let (name, location, value) = match p {
            doc::Param::Inline {
                name,
                location,
                value,
            } => (name, location, value),
            doc::Param::Reusable { reference, value } => {
                let key = reference.value.strip_prefix("$components.parameters.");
                let found =
                    key.and_then(|k| self.doc.components.parameters.iter().find(|(n, _)| n == k));
                let Some((
                    _,
                    doc::Param::Inline {
                        name,
                        location,
                        value: v,
                    },
                )) = found
                else {
                    let names = self
                        .doc
                        .components
                        .parameters
                        .iter()
                        .map(|(n, _)| n.as_str());
                    let help = did_you_mean(key.unwrap_or(""), names)
                        .map(|s| format!("did you mean `$components.parameters.{s}`?"));
                    self.problem(
                        reference.span(),
                        format!("no reusable parameter `{}`", reference.value),
                        help,
                    );
                    return None;
                };
                (name, location, value.as_ref().unwrap_or(v))
            }
        };
        let location = match location.as_ref().map(|l| (l, l.value.as_str())) {
            None => None,
            Some((_, "path")) => Some(ParamIn::Path),
            Some((_, "query")) => Some(ParamIn::Query),
            Some((_, "header")) => Some(ParamIn::Header),
            Some((_, "cookie")) => Some(ParamIn::Cookie),
            Some((l, other)) => {
                self.problem(
                    l.span(),
                    format!("`in: {other}` is not a parameter location"),
                    Some("write path, query, header or cookie".into()),
                );
                return None;
            }
        };
        Some((name.value.clone(), location, self.template(value)))
    }

    pub(super) fn template(&mut self, node: &Node) -> Template {
        match &node.kind {
            NodeKind::String(s) if s.contains('$') => {
                let spanned = Spanned::with_span(s.clone(), node.span());
                let parsed = if s.starts_with('$') && !s.contains('{') {
                    expr::parse(s).map(Template::Expr)
                } else {
                    expr::interpolate(s).map(Template::Text)
                };
                parsed.unwrap_or_else(|e| {
                    self.expr_problem(&spanned, e);
                    Template::Literal(node.to_json())
                })
            }
            NodeKind::Seq(items) => Template::Seq(items.iter().map(|n| self.template(n)).collect()),
            NodeKind::Map(entries) => Template::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), self.template(v)))
                    .collect(),
            ),
            _ => Template::Literal(node.to_json()),
        }
    }

    pub(super) fn criteria(
        &mut self,
        list: &[doc::CriterionDoc],
    ) -> Vec<(criteria::Criterion, Pos)> {
        let mut out = Vec::new();
        for c in list {
            let ty = match &c.kind {
                None => CriterionType::Simple,
                Some(k) => match CriterionType::from_name(&k.value, c.version.as_deref()) {
                    Some(ty) => ty,
                    None => {
                        let m = format!("`{}` is not a criterion type", k.value);
                        let help = "write simple, regex, jsonpath or xpath";
                        self.problem(k.span(), m, Some(help.into()));
                        continue;
                    }
                },
            };
            match criteria::compile(
                &c.condition.value,
                c.context.as_ref().map(|x| x.value.as_str()),
                ty,
            ) {
                Ok(k) => out.push((k, c.condition.pos)),
                Err(e) => self.expr_problem(&c.condition, e),
            }
        }
        out
    }

    pub(super) fn outputs(
        &mut self,
        list: &[(Spanned<String>, Spanned<String>)],
    ) -> Vec<(String, expr::Expr, Pos)> {
        let mut out = Vec::new();
        for (name, e) in list {
            match expr::parse(&e.value) {
                Ok(x) => out.push((name.value.clone(), x, e.pos)),
                Err(err) => self.expr_problem(e, err),
            }
        }
        out
    }

    pub(super) fn actions(
        &mut self,
        list: &[doc::Action],
        steps: &[&str],
        failure: bool,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        for a in list {
            let a = match a {
                doc::Action::Inline(a) => a,
                doc::Action::Reusable(r) => {
                    let (prefix, pool) = if failure {
                        (
                            "$components.failureActions.",
                            &self.doc.components.failure_actions,
                        )
                    } else {
                        (
                            "$components.successActions.",
                            &self.doc.components.success_actions,
                        )
                    };
                    let key = r.value.strip_prefix(prefix).unwrap_or("");
                    match pool.iter().find(|(n, _)| n == key) {
                        Some((_, a)) => a,
                        None => {
                            let help =
                                format!("refer to one under `{}`", prefix.trim_end_matches('.'));
                            self.problem(
                                r.span(),
                                format!("no reusable action `{}`", r.value),
                                Some(help),
                            );
                            continue;
                        }
                    }
                }
            };
            if let Some(what) = self.action_kind(a, steps, failure) {
                let criteria = self
                    .criteria(&a.criteria)
                    .into_iter()
                    .map(|(c, p)| (Arc::new(c), p))
                    .collect();
                out.push(Action {
                    name: a.name.clone(),
                    what,
                    criteria,
                });
            }
        }
        out
    }

    fn action_kind(&mut self, a: &doc::ActionDoc, steps: &[&str], failure: bool) -> Option<Do> {
        match a.kind.value.as_str() {
            "end" => Some(Do::End),
            "goto" => {
                if let Some(w) = &a.workflow_id {
                    return Some(Do::GotoWorkflow(self.workflow_index(w)?));
                }
                let Some(s) = &a.step_id else {
                    self.problem(
                        a.kind.span(),
                        "a goto names no `stepId` or `workflowId`".into(),
                        Some("add the step to go to".into()),
                    );
                    return None;
                };
                let found = steps.iter().position(|x| *x == s.value);
                if found.is_none() {
                    let help = did_you_mean(&s.value, steps.iter().copied())
                        .map(|x| format!("did you mean `{x}`?"));
                    self.problem(
                        s.span(),
                        format!(
                            "goto to step `{}`, which this workflow does not have",
                            s.value
                        ),
                        help,
                    );
                }
                Some(Do::GotoStep(found?))
            }
            "retry" if failure => Some(Do::Retry {
                after: Duration::from_secs_f64(a.retry_after.unwrap_or(0.0).clamp(0.0, 3600.0)),
                limit: a
                    .retry_limit
                    .map_or(DEFAULT_RETRY_LIMIT, |l| l.min(1000) as u32),
            }),
            other => {
                let allowed = if failure {
                    "end, goto or retry"
                } else {
                    "end or goto"
                };
                self.problem(
                    a.kind.span(),
                    format!("`{other}` is not an action type here"),
                    Some(format!("write {allowed}")),
                );
                None
            }
        }
    }
}

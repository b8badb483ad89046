//! [`Warnings`]: the warnings of a run grouped per operation and rule, so that 45 scenarios
//! whose error bodies the spec leaves undocumented read as a few lines, not 45. One group per
//! operation (the operationId a step called, which names `METHOD /path` when the spec gives no
//! id) and rule (the spec location the warning cites, or its message when it cites none), with
//! the number of scenarios that hit it and the first few of them. Memory is per group, not per
//! scenario, so a streamed run keeps it flat.
//!
//! The terminal ([`super::terminal::final_report`]) groups the warnings of passing scenarios
//! (a failing one is shown whole); the report files group those of every scenario
//! ([`Warnings::every_outcome`]), since they show a failing scenario by its headline only.

use std::collections::HashMap;

use crate::check::{Finding, Severity};
use crate::run::{Outcome, ScenarioResult};

/// How many scenarios a group names; the rest are counted.
pub const EXAMPLES: usize = 3;

/// What an operation is called when a warning came from no step that called one.
pub const NO_OPERATION: &str = "(no operation)";

/// The warnings of a run, grouped per operation and rule; see the module docs.
#[derive(Debug, Default)]
pub struct Warnings {
    every_outcome: bool,
    groups: Vec<WarningGroup>,
    by_key: HashMap<(String, String), usize>,
    /// Per operation, how many scenarios had a warning in it.
    by_operation: HashMap<String, usize>,
    /// Scenarios with at least one warning grouped.
    scenarios: usize,
    /// Warnings grouped (a scenario can have several).
    total: usize,
}

/// The warnings that break one rule in one operation.
#[derive(Debug, Clone)]
pub struct WarningGroup {
    /// The operation the step called ([`NO_OPERATION`] when none).
    pub operation: String,
    /// The spec location of the rule (or the message, when it has none).
    pub rule: String,
    /// The spec location of the rule (`file#/pointer`), when it has one.
    pub at: Option<String>,
    /// The check that warned and the schema keyword, such as `content` or `schema (type)`.
    pub check: String,
    /// The first such warning's message, without the documented table it may cite.
    pub message: String,
    /// How many scenarios hit it.
    pub scenarios: usize,
    /// The first [`EXAMPLES`] of them: the scenario id, and its position among the scenarios
    /// given (a report's anchor).
    pub examples: Vec<(String, usize)>,
    last: String,
}

/// The groups of one operation, for the reports that show a line per operation.
#[derive(Debug)]
pub struct OperationWarnings<'a> {
    /// The operation.
    pub operation: &'a str,
    /// How many scenarios had a warning in it (a scenario counts once, whatever its groups).
    pub scenarios: usize,
    /// Its groups, in the order first hit.
    pub groups: Vec<&'a WarningGroup>,
}

impl Warnings {
    /// Groups for the report files: the warnings of scenarios of every outcome.
    pub fn every_outcome() -> Self {
        Warnings {
            every_outcome: true,
            ..Warnings::default()
        }
    }

    /// Takes the warnings of a finished scenario (of a passing one only, unless made with
    /// [`Warnings::every_outcome`]); `position` is its place among the scenarios given.
    pub fn add(&mut self, r: &ScenarioResult, position: usize) {
        if r.outcome != Outcome::Passed && !self.every_outcome {
            return;
        }
        let mut operations: Vec<&str> = Vec::new();
        for (step, f) in r
            .findings()
            .filter(|(_, f)| f.severity == Severity::Warning)
        {
            self.total += 1;
            let operation = if step.call.is_empty() {
                NO_OPERATION
            } else {
                step.call.as_str()
            };
            if !operations.contains(&operation) {
                operations.push(operation);
            }
            let i = self.group(operation, f);
            let g = &mut self.groups[i];
            // A scenario that hits one rule twice counts once.
            if g.last != r.id {
                g.last.clone_from(&r.id);
                g.scenarios += 1;
                if g.examples.len() < EXAMPLES {
                    g.examples.push((r.id.clone(), position));
                }
            }
        }
        if !operations.is_empty() {
            self.scenarios += 1;
        }
        for op in operations {
            match self.by_operation.get_mut(op) {
                Some(n) => *n += 1,
                None => {
                    self.by_operation.insert(op.to_owned(), 1);
                }
            }
        }
    }

    /// The index of the group of `f` in `operation`, made when it is the first.
    fn group(&mut self, operation: &str, f: &Finding) -> usize {
        let at = f.schema_at.as_ref().map(ToString::to_string);
        let rule = at.clone().unwrap_or_else(|| f.message.clone());
        let key = (operation.to_owned(), rule);
        if let Some(i) = self.by_key.get(&key) {
            return *i;
        }
        let message = f
            .message
            .split(" (the documented table")
            .next()
            .unwrap_or(&f.message)
            .to_owned();
        let kind = serde_json::to_value(f.check)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let check = match &f.keyword {
            Some(k) if *k != kind => format!("{kind} ({k})"),
            _ => kind,
        };
        self.groups.push(WarningGroup {
            operation: key.0.clone(),
            rule: key.1.clone(),
            at,
            check,
            message,
            scenarios: 0,
            examples: Vec::new(),
            last: String::new(),
        });
        self.by_key.insert(key, self.groups.len() - 1);
        self.groups.len() - 1
    }

    /// Every group, in the order first hit.
    pub fn groups(&self) -> &[WarningGroup] {
        &self.groups
    }

    /// The groups per operation, operations in the order first hit.
    pub fn by_operation(&self) -> Vec<OperationWarnings<'_>> {
        let mut out: Vec<OperationWarnings<'_>> = Vec::new();
        for g in &self.groups {
            match out.iter_mut().find(|o| o.operation == g.operation) {
                Some(o) => o.groups.push(g),
                None => out.push(OperationWarnings {
                    operation: &g.operation,
                    scenarios: self.by_operation.get(&g.operation).copied().unwrap_or(0),
                    groups: vec![g],
                }),
            }
        }
        out
    }

    /// How many scenarios had a warning grouped.
    pub fn scenarios(&self) -> usize {
        self.scenarios
    }

    /// How many warnings were grouped.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// The grouped warnings as plain text, one block per group: the message, the rule with its
/// check, and the scenarios (named unless `quiet`). The terminal and JUnit's suite output.
pub fn text(warnings: &Warnings, quiet: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for g in warnings.groups() {
        // A rule with no place in the spec is its message: said once, with its check.
        let rule = match &g.at {
            Some(at) => format!("rule: {at} [{}]", g.check),
            None => format!("check: {}", g.check),
        };
        let _ = write!(
            out,
            "  {}\n    {rule}\n    {}: in {} scenario(s)",
            // A message can quote what the target sent: escaped, as everything from a target.
            crate::term::escape_controls(&g.message),
            g.operation,
            g.scenarios
        );
        if !quiet {
            let names: Vec<&str> = g.examples.iter().map(|(id, _)| id.as_str()).collect();
            let _ = write!(out, ": {}", names.join(", "));
            if g.scenarios > g.examples.len() {
                let _ = write!(
                    out,
                    " and {} more (see the reports)",
                    g.scenarios - g.examples.len()
                );
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckKind;
    use crate::run::{Phase, StepResult};

    fn warned(id: &str, operation: &str, at: &str, outcome: Outcome) -> ScenarioResult {
        let mut r = ScenarioResult::empty(id, id, id, "api", Vec::new());
        r.outcome = outcome;
        let f = Finding::warning(CheckKind::Schema, "/x: lenient")
            .keyword("type")
            .schema_at(crate::openapi::Location {
                file: "spec.yaml".into(),
                pointer: at.to_owned(),
            });
        r.steps
            .push(StepResult::synthetic(operation, Phase::Main, f));
        r
    }

    #[test]
    fn one_rule_hit_by_two_operations_is_two_groups_and_the_operations_collect_theirs() {
        let mut w = Warnings::default();
        w.add(
            &warned("a", "getPet", "/components/schemas/Pet", Outcome::Passed),
            0,
        );
        w.add(
            &warned("b", "listPets", "/components/schemas/Pet", Outcome::Passed),
            1,
        );
        w.add(
            &warned("c", "getPet", "/components/schemas/Tag", Outcome::Passed),
            2,
        );
        w.add(
            &warned("d", "getPet", "/components/schemas/Pet", Outcome::Failed),
            3,
        );
        let groups: Vec<(&str, &str, usize)> = w
            .groups()
            .iter()
            .map(|g| (g.operation.as_str(), g.rule.as_str(), g.scenarios))
            .collect();
        assert_eq!(
            groups,
            [
                ("getPet", "spec.yaml#/components/schemas/Pet", 1),
                ("listPets", "spec.yaml#/components/schemas/Pet", 1),
                ("getPet", "spec.yaml#/components/schemas/Tag", 1),
            ],
            "a failing scenario's warnings are the terminal's details, not a group"
        );
        assert_eq!(w.groups()[0].check, "schema (type)");
        let ops = w.by_operation();
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].operation, "getPet");
        assert_eq!(ops[0].groups.len(), 2);
        assert_eq!((ops[0].scenarios, ops[1].scenarios), (2, 1));
        assert_eq!((w.total(), w.scenarios()), (3, 3));

        let mut files = Warnings::every_outcome();
        files.add(
            &warned("d", "getPet", "/components/schemas/Pet", Outcome::Failed),
            0,
        );
        assert_eq!(files.groups().len(), 1, "the files group every outcome's");
    }

    #[test]
    fn a_rule_with_no_place_in_the_spec_is_said_once_with_its_check() {
        let mut r = ScenarioResult::empty("a", "a", "a", "api", Vec::new());
        r.outcome = Outcome::Passed;
        let f =
            Finding::warning(CheckKind::Request, "sent without credentials").keyword("security");
        r.steps
            .push(StepResult::synthetic("getPet", Phase::Main, f));
        let mut w = Warnings::default();
        w.add(&r, 0);
        let shown = text(&w, true);
        assert_eq!(
            shown.matches("sent without credentials").count(),
            1,
            "{shown}"
        );
        assert!(shown.contains("    check: request (security)\n"), "{shown}");
        assert!(!shown.contains("rule:"), "{shown}");
    }
}

//! The coverage gate (`--min-coverage 80%`): a [`Gate`] parsed from the command line judges a
//! run's [`Coverage`] and gives a [`Verdict`]: the figure, whether it is met, and the
//! operations with the most documented statuses never returned, which is what to write next.
//! A run below its gate fails: [`Verdict::exit_code`] makes it exit 1, unless the run is
//! already worse (errors, an interrupt).

use std::fmt::Write as _;

use serde::Serialize;

use crate::remedy::{Remedies, Setting};
use crate::run::ExitCode;

use super::coverage::{Coverage, Figure, show_percent};

/// How many operations a failed gate's message names; the rest are counted.
pub const NAMED: usize = 5;

/// The least coverage a run must reach, in percent (0 to 100).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gate {
    /// The percentage a run must reach, from 0 to 100.
    pub min: f64,
}

/// A `--min-coverage` value that is not a percentage from 0 to 100.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a coverage: expected a percentage from 0 to 100, such as `80%`, `80` or `92.5%`"
)]
pub struct GateError(pub String);

impl Gate {
    /// `80%`, `80`, `92.5%`: a number from 0 to 100, decimals allowed, `%` optional.
    pub fn parse(text: &str) -> Result<Gate, GateError> {
        let number = text.strip_suffix('%').unwrap_or(text);
        // Digits and one point only: Rust's float syntax would also take `inf`, `NaN`, `1e2`
        // and a sign, none of which a user means here.
        let digits = number.chars().all(|c| c.is_ascii_digit() || c == '.')
            && number.chars().filter(|&c| c == '.').count() <= 1
            && number.chars().any(|c| c.is_ascii_digit());
        match number.parse::<f64>() {
            Ok(min) if digits && (0.0..=100.0).contains(&min) => Ok(Gate { min }),
            _ => Err(GateError(text.to_owned())),
        }
    }

    /// The verdict on `coverage`.
    pub fn judge(&self, coverage: &Coverage) -> Verdict {
        let figure = coverage.figure();
        let actual = figure.percent();
        let mut unreached: Vec<Unreached> = coverage
            .apis
            .iter()
            .flat_map(|api| {
                api.operations.iter().filter_map(|op| {
                    let keys: Vec<String> = op.unreached().map(str::to_owned).collect();
                    (!keys.is_empty()).then(|| Unreached {
                        api: api.api.clone(),
                        operation: op.id.clone(),
                        keys,
                    })
                })
            })
            .collect();
        // Most unreached first; ties in API and operation order, so the message is stable.
        unreached.sort_by_key(|u| std::cmp::Reverse(u.keys.len()));
        Verdict {
            min: self.min,
            actual,
            met: actual >= self.min,
            figure,
            unreached,
        }
    }
}

/// An operation's documented response keys that no response matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreached {
    /// The API's name.
    pub api: String,
    /// The operationId.
    pub operation: String,
    /// The documented response keys never returned (`404`, `4XX`, `default`).
    pub keys: Vec<String>,
}

/// What a [`Gate`] says of a run's coverage.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The gate, in percent.
    pub min: f64,
    /// The run's figure, in percent.
    pub actual: f64,
    /// Whether the figure reaches the gate.
    pub met: bool,
    /// The run's coverage figure, in pairs.
    pub figure: Figure,
    /// Every operation with a documented status never returned, most such statuses first.
    pub unreached: Vec<Unreached>,
}

impl Verdict {
    /// The run's exit code with this verdict: a gate not met makes a conforming run exit 1
    /// (violations); errors (2) and an interrupt (130) stay what they are.
    pub fn exit_code(&self, run: ExitCode) -> ExitCode {
        if self.met {
            run
        } else {
            run.max(ExitCode::Violations)
        }
    }

    /// One line: the figure against the gate, e.g. `coverage 62.5% (5 of 8 documented
    /// statuses returned), gate 80%: not met`.
    pub fn line(&self) -> String {
        format!(
            "coverage {}, gate {}: {}",
            self.figure,
            show_gate(self.min),
            if self.met { "met" } else { "not met" }
        )
    }

    /// Why a run failed its gate, with the operations to reach next; `None` when it is met.
    /// `remedies` names the gate's setting.
    pub fn failure(&self, remedies: &dyn Remedies) -> Option<String> {
        if self.met {
            return None;
        }
        let mut out = format!(
            "coverage {} is below {} {}: {} of {} documented statuses returned",
            show_percent(self.actual),
            remedies.name(Setting::MinCoverage),
            show_gate(self.min),
            self.figure.returned,
            self.figure.documented
        );
        if self.figure.documented == 0 {
            out.push_str(" (the operations of the APIs that ran document no response)");
            return Some(out);
        }
        out.push_str("; the operations with the most documented statuses never returned:");
        for u in self.unreached.iter().take(NAMED) {
            let _ = write!(out, "\n  {} {}: {}", u.api, u.operation, u.keys.join(", "));
        }
        if self.unreached.len() > NAMED {
            let _ = write!(
                out,
                "\n  and {} more operation(s); see the coverage in report.html",
                self.unreached.len() - NAMED
            );
        }
        Some(out)
    }
}

/// The gate as the user wrote it, give or take `%`: `80%`, `92.5%`.
pub fn show_gate(min: f64) -> String {
    format!("{min}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::coverage::{ApiCoverage, OperationCoverage};

    fn operation(id: &str, documented: &[(&str, usize)]) -> OperationCoverage {
        OperationCoverage {
            id: id.into(),
            method: "GET".into(),
            path: "/".into(),
            documented: documented
                .iter()
                .map(|(k, n)| ((*k).to_owned(), *n))
                .collect(),
            undocumented: Default::default(),
            calls: documented.iter().map(|(_, n)| n).sum(),
        }
    }

    fn coverage(operations: Vec<OperationCoverage>) -> Coverage {
        Coverage {
            apis: vec![ApiCoverage {
                api: "shop".into(),
                operations,
                error: None,
            }],
        }
    }

    #[test]
    fn parses_percentages_with_or_without_the_sign() {
        for (text, min) in [
            ("80%", 80.0),
            ("80", 80.0),
            ("92.5%", 92.5),
            ("0", 0.0),
            ("100%", 100.0),
            (".5", 0.5),
        ] {
            assert_eq!(Gate::parse(text), Ok(Gate { min }), "{text}");
        }
    }

    #[test]
    fn refuses_anything_else_and_says_the_form() {
        for text in [
            "abc", "", "%", "101", "100.1%", "-1", "+5", "80%%", "1e2", "inf", "NaN", " 80", "8,5",
            "1.2.3",
        ] {
            let e = Gate::parse(text).expect_err(text);
            let message = e.to_string();
            assert!(message.contains(&format!("`{text}`")), "{message}");
            assert!(message.contains("from 0 to 100") && message.contains("`80%`"));
        }
    }

    #[test]
    fn a_gate_is_met_at_its_figure_and_not_below() {
        // 4 of 5 is exactly 80%.
        let c = coverage(vec![operation(
            "a",
            &[("200", 1), ("201", 1), ("400", 1), ("404", 1), ("409", 0)],
        )]);
        assert!(Gate { min: 80.0 }.judge(&c).met);
        let v = Gate { min: 80.5 }.judge(&c);
        assert!(!v.met);
        assert_eq!(v.actual, 80.0);
        assert_eq!(
            v.figure,
            Figure {
                returned: 4,
                documented: 5
            }
        );
        // Nothing documented is nothing covered: only a zero gate passes it.
        let empty = coverage(vec![operation("ping", &[])]);
        assert!(Gate { min: 0.0 }.judge(&empty).met);
        let v = Gate { min: 1.0 }.judge(&empty);
        assert!(!v.met);
        assert!(
            v.failure(&crate::remedy::OwnTerms)
                .expect("fails")
                .contains("document no response")
        );
    }

    #[test]
    fn a_gate_not_met_fails_a_conforming_run_and_leaves_a_worse_one_as_it_is() {
        let c = coverage(vec![operation("a", &[("200", 1), ("404", 0)])]);
        let failed = Gate { min: 80.0 }.judge(&c);
        let met = Gate { min: 50.0 }.judge(&c);
        for (run, if_failed) in [
            (ExitCode::Conform, ExitCode::Violations),
            (ExitCode::Violations, ExitCode::Violations),
            (ExitCode::Errors, ExitCode::Errors),
            (ExitCode::Interrupted, ExitCode::Interrupted),
        ] {
            assert_eq!(failed.exit_code(run), if_failed, "{run:?}");
            assert_eq!(met.exit_code(run), run, "{run:?}");
        }
    }

    #[test]
    fn the_message_names_the_most_unreached_operations_first_then_counts_the_rest() {
        let mut ops = vec![operation("big", &[("200", 0), ("400", 0), ("404", 0)])];
        for i in 0..6 {
            ops.push(operation(&format!("op{i}"), &[("200", 1), ("404", 0)]));
        }
        ops.push(operation("done", &[("200", 3)]));
        let v = Gate { min: 90.0 }.judge(&coverage(ops));
        let message = v.failure(&crate::remedy::OwnTerms).expect("not met");
        assert!(
            message.starts_with("coverage 43.7% is below the coverage gate 90%: 7 of 16"),
            "{message}"
        );
        let lines: Vec<&str> = message.lines().skip(1).collect();
        assert_eq!(lines[0], "  shop big: 200, 400, 404");
        assert_eq!(lines[1], "  shop op0: 404");
        assert_eq!(lines.len(), NAMED + 1);
        assert!(
            lines[NAMED].contains("and 2 more operation(s)"),
            "{message}"
        );
        assert!(!message.contains("done"));
        assert!(v.line().ends_with("gate 90%: not met"), "{}", v.line());
    }
}

//! `summary.md`: a short Markdown summary for `$GITHUB_STEP_SUMMARY` — a table per API, the
//! failing scenarios with their headline, and the warnings, a row per operation. GitHub renders HTML inside Markdown, so everything
//! from a scenario or a target is escaped, and table cells cannot be broken by a `|`.
//! [`Summary`] keeps what it needs one scenario at a time; [`render`] feeds it a whole run.

use std::fmt::Write;

use crate::run::{RunResult, ScenarioResult};

use super::coverage::Coverage;
use super::warnings::Warnings;
use super::{RunInfo, Tally};

/// How many failing scenarios are listed; the rest are counted. Keeps the summary short.
pub const MAX_FAILURES: usize = 20;

/// How many operations with warnings are listed; the rest are counted.
pub const MAX_WARNING_OPERATIONS: usize = 20;

/// `summary.md` of a whole run in memory, with `coverage`'s table.
pub fn render(run: &RunResult, coverage: &Coverage) -> String {
    let mut summary = Summary::default();
    for s in &run.scenarios {
        summary.add(s);
    }
    summary.finish(&RunInfo::of(run), coverage)
}

/// `summary.md` in the making: the counts, and the first [`MAX_FAILURES`] failing scenarios'
/// lines (the rest are only counted), so it stays small however many scenarios run.
#[derive(Debug)]
pub struct Summary {
    tally: Tally,
    failures: Vec<String>,
    failing: usize,
    warnings: Warnings,
}

impl Default for Summary {
    fn default() -> Self {
        Summary {
            tally: Tally::default(),
            failures: Vec::new(),
            failing: 0,
            warnings: Warnings::every_outcome(),
        }
    }
}

impl Summary {
    /// Counts one finished scenario, and lists it when it fails and the list is not full.
    pub fn add(&mut self, s: &ScenarioResult) {
        self.warnings.add(s, self.tally.counts.total);
        self.tally.add(s);
        if super::is_failing(s) {
            self.failing += 1;
            if self.failures.len() < MAX_FAILURES {
                self.failures.push(format!(
                    "| {} | `{}` {} | {} |",
                    s.outcome.label(),
                    code(&s.id),
                    cell(&s.name),
                    cell(&super::headline(s))
                ));
            }
        }
    }

    /// The whole summary.
    pub fn finish(&self, info: &RunInfo<'_>, coverage: &Coverage) -> String {
        let total = self.tally.counts;
        let mut out = String::new();
        let icon = if info.exit_code(&total) == crate::run::ExitCode::Conform {
            "✅"
        } else {
            "❌"
        };
        let _ = writeln!(
            out,
            "### {icon} conform: {} passed, {} failed, {} errored, {} skipped ({})\n",
            total.passed,
            total.failed,
            total.errored,
            total.skipped,
            super::human_duration(info.duration)
        );
        if let Some(signal) = info.interrupted {
            let _ = writeln!(
                out,
                "> **Interrupted by {signal}.** Scenarios not yet started are skipped; started ones ran their `finally` steps and are marked `interrupted` in `report.json`.\n"
            );
        }
        if info.insecure {
            let _ = writeln!(out, "> ⚠️ **{}**\n", info.insecure_note());
        }
        let _ = writeln!(
            out,
            "| API | scenarios | passed | failed | errored | skipped |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|");
        for (api, c) in &self.tally.by_api {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(api),
                c.total,
                c.passed,
                c.failed,
                c.errored,
                c.skipped
            );
        }
        let _ = write!(out, "\n**Coverage:** {}", coverage.figure());
        match info.verdict {
            Some(v) if v.met => {
                let _ = write!(out, "; gate {}: ✅ met", super::gate::show_gate(v.min));
            }
            Some(v) => {
                let _ = write!(
                    out,
                    "; gate {}: ❌ not met, the run fails",
                    super::gate::show_gate(v.min)
                );
            }
            None => {}
        }
        out.push('\n');
        if self.failing > 0 {
            let _ = writeln!(out, "\n| outcome | scenario | why |");
            let _ = writeln!(out, "|---|---|---|");
            for line in &self.failures {
                let _ = writeln!(out, "{line}");
            }
            if self.failing > MAX_FAILURES {
                let _ = writeln!(
                    out,
                    "\n…and {} more; see `report.html`.",
                    self.failing - MAX_FAILURES
                );
            }
        }
        warnings(&mut out, &self.warnings);
        let _ = writeln!(out, "\nrun `{}`", code(info.run_id));
        out
    }
}

/// The warnings, a row per operation: how many scenarios, one example message, the rule and
/// where the spec writes it. A line per operation, not per scenario: a spec that leaves every
/// error body undocumented must not bury the summary.
fn warnings(out: &mut String, warnings: &Warnings) {
    if warnings.is_empty() {
        return;
    }
    let ops = warnings.by_operation();
    let _ = writeln!(
        out,
        "\n#### ⚠️ Warnings: {} in {} scenario(s), {} operation(s); they do not fail the run\n",
        warnings.total(),
        warnings.scenarios(),
        ops.len()
    );
    let _ = writeln!(
        out,
        "| operation | scenarios | warning (example) | rule | where |"
    );
    let _ = writeln!(out, "|---|--:|---|---|---|");
    for op in ops.iter().take(MAX_WARNING_OPERATIONS) {
        let Some(first) = op.groups.first() else {
            continue;
        };
        let place = first
            .at
            .as_deref()
            .map_or_else(|| "—".to_owned(), |at| format!("`{}`", code(at)));
        let more = match op.groups.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {place}{more} |",
            code(op.operation),
            op.scenarios,
            cell(&first.message),
            cell(&first.check)
        );
    }
    if ops.len() > MAX_WARNING_OPERATIONS {
        let _ = writeln!(
            out,
            "\n…and {} more operation(s); see `report.html`.",
            ops.len() - MAX_WARNING_OPERATIONS
        );
    }
}

/// Text made safe for a table cell: HTML escaped, `|` escaped, one line, bounded length.
pub fn cell(text: &str) -> String {
    const MAX: usize = 160;
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let short = if one_line.chars().count() > MAX {
        format!("{}…", one_line.chars().take(MAX).collect::<String>())
    } else {
        one_line
    };
    let mut out = String::with_capacity(short.len());
    for c in short.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            // Emphasis, links and code spans must not start inside target text.
            '*' | '_' | '[' | ']' | '`' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for inside a code span: no backticks (they would close it), no `|`, one line.
fn code(text: &str) -> String {
    text.replace(['`', '|', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_html_pipes_and_markdown() {
        assert_eq!(
            cell("<img src=x onerror=a()> | *b*\nc"),
            "&lt;img src=x onerror=a()&gt; \\| \\*b\\* c"
        );
    }
}

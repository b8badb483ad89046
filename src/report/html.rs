//! `report.html`: one self-contained page (inline CSS, no script, no network, no external
//! asset) that reads without JavaScript: totals, a summary per API and per tag, the warnings
//! grouped per operation and rule (linking to their scenarios), every failing
//! scenario with its findings (schema rule, spec location, scenario line) and its body diff
//! highlighted, the redacted exchange, all scenarios, and the per-operation status coverage.
//!
//! Everything that came from a scenario or a target goes through [`esc`]; a Content-Security-
//! Policy that allows no script is the second line of defence, not the first.
//!
//! [`Page`] builds the page one scenario at a time (a streamed run and [`render`] share it):
//! articles and rows go to parts as scenarios come, the top of the page, which carries the
//! counts, is written at the end; [`scenario_row`] and [`scenario_article`] render a scenario.

mod scenario;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::run::{Outcome, RunResult, ScenarioResult};

use super::coverage::{ApiCoverage, Coverage};
use super::gate::show_gate;
use super::parts::Part;
use super::warnings::Warnings;
use super::{Counts, RunInfo, Tally, human_duration};
use crate::remedy::Setting;

pub use scenario::{is_listed, scenario_article, scenario_row};

const CSS: &str = include_str!("report.css");

/// The whole page.
pub fn render(run: &RunResult, coverage: &Coverage) -> String {
    let mut page = Page::new(Vec::new(), Vec::new());
    // Writing into memory cannot fail.
    for s in &run.scenarios {
        let _ = page.add(s);
    }
    let mut out = Vec::new();
    let _ = page.finish(&RunInfo::of(run), coverage, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// `report.html` in the making: the articles and the rows so far, each in a part, and the
/// counts the top of the page shows.
pub struct Page<P> {
    articles: P,
    rows: P,
    tally: Tally,
    failed: usize,
    warned: usize,
    warnings: Warnings,
}

impl<P: Part> Page<P> {
    /// A page whose articles and rows wait in these parts.
    pub fn new(articles: P, rows: P) -> Self {
        Page {
            articles,
            rows,
            tally: Tally::default(),
            failed: 0,
            warned: 0,
            warnings: Warnings::every_outcome(),
        }
    }

    /// Appends one scenario: its row, and its article when it has one.
    pub fn add(&mut self, s: &ScenarioResult) -> io::Result<()> {
        let position = self.tally.counts.total;
        self.tally.add(s);
        self.warnings.add(s, position);
        if is_listed(s) {
            if super::is_failing(s) {
                self.failed += 1;
            } else {
                self.warned += 1;
            }
            self.articles
                .write_all(scenario_article(position, s).as_bytes())?;
        }
        self.rows.write_all(scenario_row(position, s).as_bytes())
    }

    /// Writes the whole page around the parts.
    pub fn finish(
        mut self,
        info: &RunInfo<'_>,
        coverage: &Coverage,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let counts = self.tally.counts;
        let mut text = String::with_capacity(32 * 1024);
        let verdict = match info.exit_code(&counts) {
            crate::run::ExitCode::Conform => "passed",
            crate::run::ExitCode::Interrupted => "interrupted",
            _ => "failed",
        };
        let _ = write!(
            text,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <title>conform: {} passed, {} failed, {} errored</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
            counts.passed, counts.failed, counts.errored
        );
        header(&mut text, info, &counts, verdict, !self.warnings.is_empty());
        text.push_str("<main>\n");
        summary(&mut text, &self.tally);
        warnings_section(&mut text, &self.warnings);
        failures_title(&mut text, self.failed, self.warned);
        out.write_all(text.as_bytes())?;
        self.articles.copy_to(out)?;
        let mut text = String::with_capacity(1024);
        text.push_str("</section>\n");
        let _ = write!(
            text,
            "<section id=\"scenarios\"><h2>All scenarios ({})</h2>\n<table><thead><tr><th>outcome</th><th>scenario</th>\
             <th>name</th><th>API</th><th>tags</th><th class=\"num\">steps</th><th class=\"num\">time</th></tr></thead><tbody>\n",
            counts.total
        );
        out.write_all(text.as_bytes())?;
        self.rows.copy_to(out)?;
        let mut text = String::from("</tbody></table></section>\n");
        coverage_section(&mut text, coverage, info);
        let _ = write!(
            text,
            "<footer>Generated by conform {} · run <span class=\"mono\">{}</span> · response bodies are \
             shown as received (cut past a limit), credentials redacted.</footer>\n</main>\n</body>\n</html>\n",
            env!("CARGO_PKG_VERSION"),
            esc(info.run_id)
        );
        out.write_all(text.as_bytes())
    }
}

/// HTML-escapes text for element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn class(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::Errored => "errored",
        Outcome::Skipped => "skipped",
    }
}

fn badge(o: Outcome) -> String {
    format!("<span class=\"badge {}\">{}</span>", class(o), o.label())
}

fn header(out: &mut String, info: &RunInfo<'_>, c: &Counts, verdict: &str, warned: bool) {
    let _ = write!(
        out,
        "<header class=\"top\"><div class=\"inner\">\n<h1>conform report <span class=\"badge {verdict} verdict\">{}</span></h1>\n\
         <p class=\"meta\">run <span class=\"mono\">{}</span> · started {} · took {}</p>\n",
        verdict.to_uppercase(),
        esc(info.run_id),
        esc(info.started_at),
        human_duration(info.duration)
    );
    if let Some(signal) = info.interrupted {
        let _ = write!(
            out,
            "<p class=\"interrupted\"><strong>Interrupted by {}.</strong> Scenarios not yet started are skipped; started ones ran their clean-up steps.</p>",
            esc(signal)
        );
    }
    if info.insecure {
        let _ = writeln!(
            out,
            "<p class=\"insecure\" role=\"alert\">⚠ {}</p>",
            esc(&info.insecure_note())
        );
    }
    out.push_str("<div class=\"tiles\">");
    for (n, label) in [
        (c.total, "scenarios"),
        (c.passed, "passed"),
        (c.failed, "failed"),
        (c.errored, "errored"),
        (c.skipped, "skipped"),
    ] {
        let _ = write!(
            out,
            "<div class=\"tile {label}{}\"><span class=\"n\">{n}</span><span class=\"l\">{label}</span></div>",
            // A zero is not news: only counts that happened get their color.
            if n == 0 { " zero" } else { "" }
        );
    }
    out.push_str("</div>\n<nav><a href=\"#summary\">Summary</a>");
    if warned {
        out.push_str("<a href=\"#warnings\">Warnings</a>");
    }
    out.push_str(
        "<a href=\"#failures\">Failures</a>\
         <a href=\"#scenarios\">All scenarios</a><a href=\"#coverage\">Coverage</a></nav>\n</div></header>\n",
    );
}

fn counts_table(out: &mut String, first: &str, rows: &BTreeMap<String, Counts>) {
    let _ = writeln!(
        out,
        "<table><thead><tr><th>{first}</th><th class=\"num\">scenarios</th><th class=\"num\">passed</th>\
         <th class=\"num\">failed</th><th class=\"num\">errored</th><th class=\"num\">skipped</th><th></th></tr></thead><tbody>"
    );
    if rows.is_empty() {
        out.push_str("<tr><td colspan=\"7\" class=\"empty\">none</td></tr>\n");
    }
    for (name, c) in rows {
        let _ = writeln!(
            out,
            "<tr><td>{} {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            badge(c.worst()),
            esc(name),
            c.total,
            c.passed,
            c.failed,
            c.errored,
            c.skipped,
            bar(c)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// A stacked bar of outcomes; widths in percent, so it needs no script.
fn bar(c: &Counts) -> String {
    let mut out = String::from("<div class=\"bar\">");
    if c.total > 0 {
        for (n, cls) in [
            (c.passed, "passed"),
            (c.failed, "failed"),
            (c.errored, "errored"),
            (c.skipped, "skipped"),
        ] {
            if n > 0 {
                let pct = n as f64 * 100.0 / c.total as f64;
                let _ = write!(
                    out,
                    "<span class=\"{cls}\" style=\"width:{pct:.2}%\"></span>"
                );
            }
        }
    }
    out.push_str("</div>");
    out
}

fn summary(out: &mut String, tally: &Tally) {
    out.push_str(
        "<section id=\"summary\"><h2>Summary</h2><div class=\"grid2\"><div><h3>By API</h3>\n",
    );
    counts_table(out, "API", &tally.by_api);
    out.push_str("</div><div><h3>By tag</h3>\n");
    counts_table(out, "tag", &tally.by_tag);
    out.push_str("</div></div></section>\n");
}

/// The warnings of every scenario, a row per operation and rule: how many scenarios, the first
/// message, the check, where the spec writes the rule, and links to the first few scenarios'
/// articles. Nothing when there is none.
fn warnings_section(out: &mut String, warnings: &Warnings) {
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"warnings\"><h2>Warnings <span class=\"meta\">— {} in {} scenario(s), {} operation(s); they do not fail the run</span></h2>\n\
         <table><thead><tr><th>operation</th><th>warning (first)</th><th>rule</th><th>where</th>\
         <th class=\"num\">scenarios</th><th>for example</th></tr></thead><tbody>",
        warnings.total(),
        warnings.scenarios(),
        warnings.by_operation().len()
    );
    for op in warnings.by_operation() {
        for g in op.groups {
            let examples: Vec<String> = g
                .examples
                .iter()
                .map(|(id, at)| format!("<a href=\"#s{at}\" class=\"mono\">{}</a>", esc(id)))
                .collect();
            let more = g.scenarios.saturating_sub(g.examples.len());
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "<tr><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td>\
                 <td class=\"num\">{}</td><td>{}{more}</td></tr>",
                esc(&g.operation),
                esc(&g.message),
                esc(&g.check),
                esc(g.at.as_deref().unwrap_or("—")),
                g.scenarios,
                examples.join(", ")
            );
        }
    }
    out.push_str("</tbody></table></section>\n");
}

/// The start of the failures section, up to its articles.
fn failures_title(out: &mut String, failed: usize, warned: usize) {
    let title = if warned > 0 {
        format!("Failures ({failed}) and warnings ({warned})")
    } else {
        format!("Failures ({failed})")
    };
    let _ = writeln!(out, "<section id=\"failures\"><h2>{title}</h2>");
    if failed == 0 {
        out.push_str("<p class=\"empty\">Every scenario conforms.</p>\n");
    }
}

fn coverage_section(out: &mut String, coverage: &Coverage, info: &RunInfo<'_>) {
    let _ = writeln!(
        out,
        "<section id=\"coverage\"><h2>Coverage <span class=\"meta\">— {}</span></h2>",
        coverage.figure()
    );
    if let Some(v) = info.verdict {
        let (class, said) = if v.met {
            ("passed", "met")
        } else {
            ("failed", "not met: the run fails")
        };
        let _ = writeln!(
            out,
            "<p class=\"gate\"><span class=\"badge {class}\">GATE</span> {} {}: {said}</p>",
            esc(&info.remedies.name(Setting::MinCoverage)),
            esc(&show_gate(v.min))
        );
    }
    out.push_str(
        "<p class=\"legend\">For each operation of the specs of the APIs \
         that ran: <span class=\"chip hit\">200 ×2</span> documented and returned (times), \
         <span class=\"chip miss\">404</span> documented, never returned, \
         <span class=\"chip undoc\">418 ×1</span> returned but not documented.</p>\n",
    );
    if coverage.apis.is_empty() {
        out.push_str("<p class=\"empty\">No API ran.</p>\n");
    }
    for api in &coverage.apis {
        api_coverage(out, api);
    }
    out.push_str("</section>\n");
}

fn api_coverage(out: &mut String, api: &ApiCoverage) {
    let _ = writeln!(
        out,
        "<h3>{} <span class=\"meta\">— {}</span></h3>",
        esc(&api.api),
        api.figure()
    );
    if let Some(e) = &api.error {
        let _ = writeln!(out, "<p class=\"empty\">spec not readable: {}</p>", esc(e));
        return;
    }
    out.push_str(
        "<table><thead><tr><th>operation</th><th>request</th><th>statuses</th><th class=\"num\">calls</th></tr></thead><tbody>\n",
    );
    for op in &api.operations {
        let mut chips = String::new();
        for (key, n) in &op.documented {
            if *n > 0 {
                let _ = write!(chips, "<span class=\"chip hit\">{} ×{n}</span>", esc(key));
            } else {
                let _ = write!(chips, "<span class=\"chip miss\">{}</span>", esc(key));
            }
        }
        for (status, n) in &op.undocumented {
            let _ = write!(chips, "<span class=\"chip undoc\">{status} ×{n}</span>");
        }
        let _ = writeln!(
            out,
            "<tr><td class=\"mono\">{}</td><td class=\"mono\">{} {}</td><td>{chips}</td><td class=\"num\">{}</td></tr>",
            esc(&op.id),
            esc(&op.method),
            esc(&op.path),
            op.calls
        );
    }
    out.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_both_quotes() {
        assert_eq!(
            esc("\"><img src=x onerror='a()'>&"),
            "&quot;&gt;&lt;img src=x onerror=&#39;a()&#39;&gt;&amp;"
        );
    }
}

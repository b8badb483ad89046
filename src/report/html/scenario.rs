//! One scenario in `report.html`: its row in the table of all scenarios ([`scenario_row`])
//! and, when it failed or has warnings, its detailed article ([`scenario_article`]) with the
//! findings, the body diff and the exchange. The whole page and a streamed run both render
//! scenarios with these, so the two cannot differ.

use std::fmt::Write;

use crate::check::{Finding, Severity};
use crate::run::{Outcome, Phase, ScenarioResult, StepResult};

use super::{badge, class, esc};
use crate::report::human_duration;

/// Whether the scenario gets an article: it failed, or it passed with warnings (lenient
/// readings `--strict` would fail; on a green run they are what a reader most needs to see).
pub fn is_listed(s: &ScenarioResult) -> bool {
    crate::report::is_failing(s) || s.findings().next().is_some()
}

/// A scenario's row in the table of all scenarios; `position` as for [`scenario_article`].
pub fn scenario_row(position: usize, s: &ScenarioResult) -> String {
    let id = if is_listed(s) {
        format!("<a href=\"#s{position}\" class=\"mono\">{}</a>", esc(&s.id))
    } else {
        format!("<span class=\"mono\">{}</span>", esc(&s.id))
    };
    format!(
        "<tr><td>{}</td><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        badge(s.outcome),
        esc(&s.name),
        esc(crate::report::api_label(s)),
        esc(&s.tags.join(", ")),
        s.steps.len(),
        human_duration(s.duration)
    )
}

/// The detailed article of a failing scenario, or of a passing one with warnings
/// ([`is_listed`]); `position` is its place among the scenarios of the report, its anchor.
pub fn scenario_article(position: usize, s: &ScenarioResult) -> String {
    let mut out = String::with_capacity(2048);
    article(&mut out, position, s);
    out
}

fn article(out: &mut String, index: usize, s: &ScenarioResult) {
    let tags = if s.tags.is_empty() {
        String::new()
    } else {
        format!(" · tags {}", esc(&s.tags.join(", ")))
    };
    let _ = write!(
        out,
        "<article class=\"scenario {}\" id=\"s{index}\">\n<h3>{} <span class=\"mono\">{}</span> — {}</h3>\n\
         <p class=\"where\">API {} · <span class=\"mono\">{}</span>{tags} · {}</p>\n",
        class(s.outcome),
        badge(s.outcome),
        esc(&s.id),
        esc(&s.name),
        esc(crate::report::api_label(s)),
        esc(&s.path),
        human_duration(s.duration)
    );
    for d in &s.errors {
        let _ = writeln!(out, "<pre class=\"diag\">{}</pre>", esc(&d.to_string()));
    }
    for (n, step) in s.steps.iter().enumerate() {
        if step.outcome != Outcome::Passed || !step.findings.is_empty() {
            step_html(out, s, n, step);
        }
    }
    out.push_str("</article>\n");
}

fn step_html(out: &mut String, s: &ScenarioResult, n: usize, step: &StepResult) {
    let phase = match step.phase {
        Phase::Main => "step",
        Phase::Finally => "finally step",
    };
    let _ = writeln!(
        out,
        "<div class=\"step\"><h4>{} {phase} {} <span class=\"mono\">{}</span> calls <span class=\"mono\">{}</span> \
         <span class=\"pos\">{}</span></h4>",
        badge(step.outcome),
        n + 1,
        esc(&step.name),
        esc(&step.call),
        esc(&step.pos.after(step.written_in(&s.path)))
    );
    if let Some(why) = &step.skipped {
        let _ = writeln!(out, "<p class=\"empty\">skipped: {}</p>", esc(why));
    }
    if !step.findings.is_empty() {
        out.push_str("<ul class=\"findings\">\n");
        for f in &step.findings {
            finding(out, step.written_in(&s.path), f);
        }
        out.push_str("</ul>\n");
    }
    if let Some(d) = &step.body_diff {
        let text = crate::json_diff::unified(&d.expected, &d.actual, false);
        if !text.is_empty() {
            out.push_str("<p class=\"diff-title\">body: expected vs actual, only the fields the expectation names</p>\n");
            diff(out, &text);
        }
    }
    if step.request.is_some() || step.response.is_some() {
        let status = step
            .response
            .as_ref()
            .map(|r| format!(" → {}", r.status))
            .unwrap_or_default();
        let line = step
            .request
            .as_ref()
            .map(|r| format!("{} {}", r.method, r.url))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<details><summary>exchange: {}{status}</summary><pre>{}</pre></details>",
            esc(&line),
            esc(&crate::report::junit::exchange_text(step))
        );
    }
    out.push_str("</div>\n");
}

/// One finding of a step written in `file`.
fn finding(out: &mut String, file: &str, f: &Finding) {
    let sev = match f.severity {
        Severity::Warning => "warning",
        Severity::Violation => "violation",
        Severity::Error => "error",
    };
    let check = serde_json::to_value(f.check)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<li class=\"{sev}\"><span class=\"sev\">{sev}</span><span class=\"check\">[{}]</span>{}",
        esc(&check),
        esc(&f.message)
    );
    let mut facts = Vec::new();
    if let Some(p) = f.pointer.as_deref().filter(|p| !p.is_empty()) {
        facts.push(("at", p.to_owned()));
    }
    if let Some(k) = &f.keyword {
        facts.push(("rule", k.clone()));
    }
    if let Some(at) = &f.schema_at {
        facts.push(("spec", at.to_string()));
    }
    if let Some(e) = &f.expected {
        facts.push(("expected", e.to_string()));
    }
    if let Some(a) = &f.actual {
        facts.push(("actual", a.to_string()));
    }
    if let Some(p) = f.pos {
        facts.push(("scenario", format!("{file}:{p}")));
    }
    if !facts.is_empty() {
        out.push_str("<dl class=\"facts\">");
        for (k, v) in facts {
            let _ = write!(out, "<dt>{k}</dt><dd>{}</dd>", esc(&v));
        }
        out.push_str("</dl>");
    }
    out.push_str("</li>\n");
}

/// A unified diff with each line classed by its first character, for the CSS to color.
fn diff(out: &mut String, text: &str) {
    out.push_str("<pre class=\"diff\">");
    for line in text.lines() {
        let cls = if line.starts_with("---") || line.starts_with("+++") {
            "file"
        } else if line.starts_with("@@") {
            "hunk"
        } else if line.starts_with('-') {
            "del"
        } else if line.starts_with('+') {
            "add"
        } else {
            "ctx"
        };
        let _ = write!(out, "<span class=\"{cls}\">{}</span>", esc(line));
    }
    out.push_str("</pre>\n");
}

//! The human live view as an [`EventSink`]: a line per finished scenario and, on a terminal, a
//! progress bar (scenarios done / total, failures so far) kept below the lines. Off with
//! `--quiet` (then only failing lines) or when stdout is not a terminal (then lines only).

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::{Event, EventSink, Outcome, Phase};

pub struct Human {
    color: bool,
    quiet: bool,
    bar: Option<ProgressBar>,
    /// Print each step's request as built (`--dry-run`).
    dry_run: bool,
    failures: AtomicUsize,
    /// After an interrupt, clean-up steps are shown as they run.
    interrupted: AtomicBool,
    out: Mutex<std::io::Stdout>,
}

impl Human {
    /// `bar`: draw the progress bar (the caller checks that stdout is a terminal).
    pub fn new(color: bool, quiet: bool, bar: bool) -> Self {
        let bar = bar.then(|| {
            // Hidden until the run starts and the total is known, so no `0/0` is ever drawn.
            let pb = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
            // The template is a constant; if indicatif ever rejected it, the default style stays.
            // `--color never` and NO_COLOR reach the bar too, not only the lines.
            let template = if color {
                "{bar:32.cyan/blue} {pos}/{len} scenarios · {msg} · {elapsed}"
            } else {
                "{bar:32} {pos}/{len} scenarios · {msg} · {elapsed}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                pb.set_style(style.progress_chars("━━─"));
            }
            pb
        });
        Human {
            color,
            quiet,
            bar,
            dry_run: false,
            failures: AtomicUsize::new(0),
            interrupted: AtomicBool::new(false),
            out: Mutex::new(std::io::stdout()),
        }
    }

    /// Also print every step's request as it would be sent (credentials redacted).
    pub fn dry_run(mut self, on: bool) -> Self {
        self.dry_run = on;
        self
    }

    fn print(&self, line: &str) {
        match &self.bar {
            // Printed above the bar, which redraws below it.
            Some(pb) => pb.println(line),
            None => {
                let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
                let _ = writeln!(out, "{line}");
            }
        }
    }
}

impl EventSink for Human {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::RunStarted { total, .. } => {
                if let Some(pb) = &self.bar {
                    pb.set_message("0 failed");
                    pb.set_length(total.unwrap_or(0) as u64);
                    pb.set_draw_target(ProgressDrawTarget::stdout());
                }
            }
            Event::Deselected { .. } => {
                if let Some(pb) = &self.bar {
                    pb.set_length(pb.length().unwrap_or(1).saturating_sub(1));
                }
            }
            Event::ScenarioFinished { result, .. } => {
                let failed = matches!(result.outcome, Outcome::Failed | Outcome::Errored);
                let failures = if failed {
                    self.failures.fetch_add(1, Ordering::Relaxed) + 1
                } else {
                    self.failures.load(Ordering::Relaxed)
                };
                if !(self.quiet && result.outcome == Outcome::Passed) {
                    self.print(&super::terminal::scenario_line(result, self.color));
                }
                if let Some(pb) = &self.bar {
                    pb.set_message(format!("{failures} failed"));
                    pb.inc(1);
                }
            }
            Event::Interrupted { signal } => {
                self.interrupted.store(true, Ordering::SeqCst);
                self.print(&super::terminal::interrupted_line(signal, self.color));
            }
            Event::StepFinished { scenario, step }
                if step.phase == Phase::Finally && self.interrupted.load(Ordering::SeqCst) =>
            {
                self.print(&super::terminal::cleanup_line(scenario, step, self.color));
            }
            Event::StepFinished { scenario, step } if self.dry_run => {
                let text = super::terminal::dry_run_step(step);
                self.print(&format!("{scenario}:\n{}", text.trim_end()));
            }
            Event::RunFinished { .. } => {
                if let Some(pb) = &self.bar {
                    pb.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}

//! [`Human`], the human live view as an [`EventSink`]: a block per finished scenario, printed in
//! the order the files were found whatever order they finish in (a scenario overtaken by a
//! slower one waits in a [`Reorder`] as text), and, on a terminal, a progress bar (scenarios
//! done / total, failures so far) kept below the lines, which moves as scenarios finish. Off
//! with `--quiet` (then only failing lines) or when stdout is not a terminal (then lines only).

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::order::Reorder;
use crate::run::{Event, EventSink, Outcome, ScenarioResult};

/// How much of each exchange `-v` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    /// A line per scenario.
    #[default]
    Lines,
    /// `-v`: also each exchange, request line, status and bodies.
    Exchanges,
    /// `-vv`: also the request and response headers.
    Headers,
}

impl Verbosity {
    /// From the number of `-v` given.
    pub fn of_count(n: u8) -> Verbosity {
        match n {
            0 => Verbosity::Lines,
            1 => Verbosity::Exchanges,
            _ => Verbosity::Headers,
        }
    }
}

pub struct Human {
    color: bool,
    quiet: bool,
    bar: Option<ProgressBar>,
    /// Print each step's request as built (`--dry-run`).
    dry_run: bool,
    verbosity: Verbosity,
    failed: AtomicUsize,
    errored: AtomicUsize,
    /// The text of scenarios that finished before an earlier one; printed under this lock, so
    /// blocks never interleave.
    pending: Mutex<Reorder<String>>,
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
            verbosity: Verbosity::Lines,
            failed: AtomicUsize::new(0),
            errored: AtomicUsize::new(0),
            pending: Mutex::new(Reorder::default()),
            out: Mutex::new(std::io::stdout()),
        }
    }

    /// Also print every step's request as it would be sent (credentials redacted).
    pub fn dry_run(mut self, on: bool) -> Self {
        self.dry_run = on;
        self
    }

    /// Also print each exchange (`-v`), with headers (`-vv`). `--quiet` wins over it.
    pub fn verbosity(mut self, v: Verbosity) -> Self {
        self.verbosity = v;
        self
    }

    /// What the terminal shows of a finished scenario, or `None` when `--quiet` hides it.
    fn block(&self, result: &ScenarioResult) -> Option<String> {
        if self.quiet && result.outcome == Outcome::Passed {
            return None;
        }
        let mut text = String::new();
        if self.dry_run {
            for step in &result.steps {
                let step_text = super::terminal::dry_run_step(step);
                text.push_str(&format!("{}:\n{}\n", result.id, step_text.trim_end()));
            }
        }
        text.push_str(&super::terminal::scenario_line(result, self.color));
        if self.verbosity >= Verbosity::Exchanges && !self.quiet && !self.dry_run {
            let headers = self.verbosity >= Verbosity::Headers;
            text.push_str(super::verbose::exchanges(result, headers).trim_end_matches('\n'));
        }
        Some(text)
    }

    /// Takes `index`'s block (or gap) and prints every block whose turn has come.
    fn put(&self, index: usize, block: Option<String>) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.put(index, block);
        while let Some(text) = pending.pop() {
            self.print(&text);
        }
    }

    fn print(&self, text: &str) {
        match &self.bar {
            // Printed above the bar, which redraws below it.
            Some(pb) => pb.println(text),
            None => {
                let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
                let _ = writeln!(out, "{text}");
            }
        }
    }

    fn bar_message(&self) -> String {
        let failed = self.failed.load(Ordering::Relaxed);
        match self.errored.load(Ordering::Relaxed) {
            0 => format!("{failed} failed"),
            errored => format!("{failed} failed, {errored} errored"),
        }
    }
}

impl EventSink for Human {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::RunStarted { total, .. } => {
                if let Some(pb) = &self.bar {
                    pb.set_message(self.bar_message());
                    pb.set_length(total.unwrap_or(0) as u64);
                    pb.set_draw_target(ProgressDrawTarget::stdout());
                }
            }
            Event::Deselected { index, .. } => {
                self.put(*index, None);
                if let Some(pb) = &self.bar {
                    pb.set_length(pb.length().unwrap_or(1).saturating_sub(1));
                }
            }
            Event::ScenarioFinished { index, result } => {
                match result.outcome {
                    Outcome::Failed => self.failed.fetch_add(1, Ordering::Relaxed),
                    Outcome::Errored => self.errored.fetch_add(1, Ordering::Relaxed),
                    Outcome::Passed | Outcome::Skipped => 0,
                };
                self.put(*index, self.block(result));
                if let Some(pb) = &self.bar {
                    pb.set_message(self.bar_message());
                    pb.inc(1);
                }
            }
            Event::RunFinished { .. } => {
                // Every index has come by now; whatever still waits (a runner that skipped an
                // index would be a bug) is printed rather than lost.
                let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
                while let Some(text) = pending.pop_any() {
                    self.print(&text);
                }
                if let Some(pb) = &self.bar {
                    pb.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}

//! [`Human`], the human live view as an [`EventSink`]: a block per finished scenario, printed in
//! the order the files were found whatever order they finish in (a scenario overtaken by a
//! slower one waits in a [`Reorder`] as text), and, on a terminal, a progress bar (scenarios
//! done / total, failures so far) kept below the lines, which moves as scenarios finish. Off
//! with `--quiet` (then only failing lines) or when stdout is not a terminal (then lines only).

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::order::Reorder;
use crate::run::{Event, EventSink, Outcome, Phase, ScenarioResult};

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

/// The human live view: a block per finished scenario in the order found, and on a terminal a progress bar below.
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
    /// Where the lines go without a bar: stdout, or a test's buffer.
    out: Mutex<Box<dyn Write + Send>>,
    /// After an interrupt, clean-up steps are shown as they run.
    interrupted: AtomicBool,
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
            out: Mutex::new(Box::new(std::io::stdout())),
            interrupted: AtomicBool::new(false),
        }
    }

    /// Also print every step's request as it would be sent (credentials redacted).
    pub fn dry_run(mut self, on: bool) -> Self {
        self.dry_run = on;
        self
    }

    /// Lines to `out` instead of stdout (no bar is drawn there).
    pub fn output(mut self, out: Box<dyn Write + Send>) -> Self {
        self.bar = None;
        self.out = Mutex::new(out);
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
        // The one sink of the live lines: no control character a target sent gets through,
        // conform's own colours do (the renderers escaped the target's text before painting).
        let text = &*crate::term::for_terminal(text, self.color);
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
    /// Only `-v` prints a passing scenario's exchanges (and `--dry-run` its requests, which a
    /// dry run records whatever the sinks read).
    fn reads_passing_exchanges(&self) -> bool {
        self.verbosity >= Verbosity::Exchanges && !self.quiet
    }

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
            Event::Interrupted { signal } => {
                self.interrupted.store(true, Ordering::SeqCst);
                self.print(&super::terminal::interrupted_line(signal, self.color));
            }
            Event::StepFinished { scenario, step }
                if step.phase == Phase::Finally && self.interrupted.load(Ordering::SeqCst) =>
            {
                self.print(&super::terminal::cleanup_line(scenario, step, self.color));
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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::scenario::Found;

    /// A writer whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Buffer {
        fn ids(&self) -> Vec<String> {
            let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
            String::from_utf8_lossy(&bytes)
                .lines()
                .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
                .collect()
        }
    }

    fn result(id: &str, outcome: Outcome) -> ScenarioResult {
        let found = Found {
            path: Path::new(id).to_owned(),
            id: id.to_owned(),
        };
        let mut r = ScenarioResult::skipped(&found, "");
        r.outcome = outcome;
        r.skipped = None;
        r
    }

    /// A reporter writing to a buffer (no bar), and the buffer.
    fn human(quiet: bool) -> (Human, Buffer) {
        let buf = Buffer::default();
        let h = Human::new(false, quiet, false).output(Box::new(buf.clone()));
        (h, buf)
    }

    fn finish(h: &Human, index: usize, id: &str, outcome: Outcome) {
        let r = result(id, outcome);
        h.event(&Event::ScenarioFinished { index, result: &r });
    }

    #[test]
    fn scenarios_print_in_index_order_whatever_order_they_finish() {
        let (h, buf) = human(false);
        finish(&h, 2, "c", Outcome::Passed);
        finish(&h, 3, "d", Outcome::Failed);
        assert!(buf.ids().is_empty(), "c and d wait for a and b");
        finish(&h, 0, "a", Outcome::Passed);
        assert_eq!(buf.ids(), ["a"]);
        h.event(&Event::Deselected { index: 1, id: "b" });
        assert_eq!(buf.ids(), ["a", "c", "d"], "a deselected file is a gap");
    }

    #[test]
    fn quiet_hides_passes_without_holding_back_what_follows() {
        let (h, buf) = human(true);
        finish(&h, 1, "b", Outcome::Errored);
        finish(&h, 0, "a", Outcome::Passed);
        assert_eq!(buf.ids(), ["b"]);
    }

    #[test]
    fn the_end_of_a_run_prints_what_still_waits() {
        let (h, buf) = human(false);
        finish(&h, 1, "b", Outcome::Passed);
        let summary = crate::run::RunSummary {
            run_id: String::new(),
            started_at: String::new(),
            duration: std::time::Duration::ZERO,
            counts: Default::default(),
            interrupted: None,
        };
        h.event(&Event::RunFinished { summary: &summary });
        assert_eq!(buf.ids(), ["b"]);
    }
}

//! Reports: pure functions of results. [`terminal`] renders the human view (a line per scenario,
//! then failures with their diffs, then the summary line).

pub mod terminal;

use std::time::Duration;

/// `850ms`, `1.2s`, `2m05s`.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}

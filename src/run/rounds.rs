//! `--repeat N`: the same selection N times in one run. [`repeat`] chains the files N times,
//! each id marked with its round, so every round streams through the one runner, its bounded
//! in-flight window and its sinks like a longer corpus (the runner lets a round finish before
//! the next starts, [`super::RunOptions::round_size`]); [`RoundWatch`], a sink, calls back at
//! each [`Event::RoundFinished`] with the process's [`Figures`] at that quiet moment: what a
//! soak compares between round 10 and round 100 (memory, open files, threads, tasks), and what
//! a person watching a long repeat wants to see stay flat.

use std::fmt;

use super::{Event, EventSink};
use crate::scenario::Found;
use crate::source::Diagnostic;

/// `id` in round `k` of `n`.
pub fn round_id(id: &str, k: usize, n: usize) -> String {
    format!("{id} (round {k}/{n})")
}

/// The files `found()` yields, `rounds` times over (it is called once per round, so a walk of
/// the folders is streamed again rather than kept), ids marked with their round when there is
/// more than one.
pub fn repeat<F, I>(rounds: usize, found: F) -> impl Iterator<Item = Result<Found, Diagnostic>>
where
    F: Fn() -> I,
    I: Iterator<Item = Result<Found, Diagnostic>>,
{
    let rounds = rounds.max(1);
    (1..=rounds).flat_map(move |k| {
        found().map(move |f| {
            f.map(|mut f| {
                if rounds > 1 {
                    f.id = round_id(&f.id, k, rounds);
                }
                f
            })
        })
    })
}

/// What the process holds, where the platform tells (`/proc` on Linux); `None` elsewhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Resident memory.
    pub rss_kib: Option<u64>,
    /// File descriptors open.
    pub open_fds: Option<usize>,
    /// OS threads of the process.
    pub threads: Option<usize>,
    /// Tokio tasks alive in the runtime the caller runs on.
    pub tasks: Option<usize>,
}

impl Figures {
    /// The figures at this moment, each `None` where the platform does not tell.
    pub fn now() -> Figures {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| -> Option<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        };
        Figures {
            rss_kib: field("VmRSS:"),
            open_fds: std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count()),
            threads: field("Threads:").and_then(|n| usize::try_from(n).ok()),
            tasks: tokio::runtime::Handle::try_current()
                .ok()
                .map(|h| h.metrics().num_alive_tasks()),
        }
    }
}

impl fmt::Display for Figures {
    /// `rss 31.2 MiB, 14 open fds, 5 threads, 6 tasks`, what is known of it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(k) = self.rss_kib {
            parts.push(format!("rss {:.1} MiB", k as f64 / 1024.0));
        }
        if let Some(n) = self.open_fds {
            parts.push(format!("{n} open fds"));
        }
        if let Some(n) = self.threads {
            parts.push(format!("{n} threads"));
        }
        if let Some(n) = self.tasks {
            parts.push(format!("{n} tasks"));
        }
        if parts.is_empty() {
            return f.write_str("no process figures on this platform");
        }
        f.write_str(&parts.join(", "))
    }
}

type OnRound = Box<dyn Fn(usize, usize, &Figures) + Send + Sync>;

/// Calls `on_round(k, rounds, figures)` at the end of each round.
pub struct RoundWatch {
    rounds: usize,
    on_round: OnRound,
}

impl RoundWatch {
    /// Calls `on_round(k, rounds, figures)` after each of `rounds` rounds (`k` from 1).
    pub fn new(
        rounds: usize,
        on_round: impl Fn(usize, usize, &Figures) + Send + Sync + 'static,
    ) -> RoundWatch {
        RoundWatch {
            rounds,
            on_round: Box::new(on_round),
        }
    }
}

impl EventSink for RoundWatch {
    fn event(&self, event: &Event<'_>) {
        if let Event::RoundFinished { round } = event {
            (self.on_round)(*round, self.rounds, &Figures::now());
        }
    }

    fn reads_passing_exchanges(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    use super::*;

    fn found(id: &str) -> Result<Found, Diagnostic> {
        Ok(Found {
            path: PathBuf::from(id),
            id: id.to_owned(),
        })
    }

    #[test]
    fn each_round_streams_the_files_again_with_its_number() {
        let ids: Vec<String> = repeat(2, || [found("a.yaml"), found("b.yaml")].into_iter())
            .map(|f| f.expect("found").id)
            .collect();
        assert_eq!(
            ids,
            [
                "a.yaml (round 1/2)",
                "b.yaml (round 1/2)",
                "a.yaml (round 2/2)",
                "b.yaml (round 2/2)"
            ]
        );
        let once: Vec<String> = repeat(1, || [found("a.yaml")].into_iter())
            .map(|f| f.expect("found").id)
            .collect();
        assert_eq!(once, ["a.yaml"], "one round keeps the ids as they are");
    }

    #[test]
    fn the_watch_calls_once_per_round_with_the_process_figures() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let watch = RoundWatch::new(2, move |k, n, f| {
            s.lock().expect("lock").push((k, n, *f));
        });
        watch.event(&Event::Deselected { index: 0, id: "x" });
        watch.event(&Event::RoundFinished { round: 1 });
        watch.event(&Event::RoundFinished { round: 2 });
        let seen = seen.lock().expect("lock");
        assert_eq!(
            seen.iter().map(|(k, n, _)| (*k, *n)).collect::<Vec<_>>(),
            [(1, 2), (2, 2)]
        );
        if cfg!(target_os = "linux") {
            let f = seen[0].2;
            assert!(f.rss_kib.is_some_and(|k| k > 0), "{f:?}");
            assert!(f.open_fds.is_some_and(|n| n >= 3), "{f:?}");
            assert!(f.threads.is_some_and(|n| n >= 1), "{f:?}");
            // No runtime here: no task figure rather than a made-up one.
            assert_eq!(f.tasks, None);
            assert!(f.to_string().contains("open fds"), "{f}");
        }
    }
}

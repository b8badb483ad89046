//! Ctrl-C and SIGTERM during `conform run`: the first fires the run's [`Interrupt`] (the runner
//! winds down and cleans up, the reports are written, exit 130); the second exits at once and
//! says what the running scenarios had created, which may now be left on the target. A command
//! that serves until stopped waits for the first with [`stopped`].

use std::sync::Arc;

use conform::run::{ExitCode, InFlight, Interrupt};

/// Watches the signals until the task is dropped or aborted.
pub async fn watch(interrupt: Interrupt, in_flight: Arc<InFlight>) {
    let Some(mut signals) = Signals::new() else {
        return;
    };
    let first = signals.next().await;
    interrupt.trigger(first);
    let second = signals.next().await;
    errln!("\n{second} again: exiting now, before clean-up finished");
    let left = in_flight.left_behind();
    if left.is_empty() {
        errln!("no running scenario had captured anything; nothing known to be left behind");
    } else {
        errln!("may be left behind on the targets (values each running scenario captured):");
        for (scenario, values) in left {
            let values: Vec<String> = values.iter().map(|(n, v)| format!("{n}={v}")).collect();
            errln!("  {scenario}: {}", values.join(", "));
        }
    }
    std::process::exit(i32::from(ExitCode::Interrupted.code()));
}

/// For a command that serves until stopped (`conform proxy`, `conform mock`): watches SIGINT
/// and SIGTERM from now on (call it before saying where it serves, so a signal sent as soon as
/// that is read is not the default, fatal one) and gives the wait for the first; from then on a
/// second one exits at once (`second` says what is lost). When the signals cannot be watched,
/// the wait never ends: the command serves until killed.
pub fn stopped(second: &'static str) -> impl std::future::Future<Output = ()> {
    // Registered now, not when the wait is first polled.
    let signals = Signals::new();
    async move {
        let Some(mut signals) = signals else {
            return std::future::pending().await;
        };
        signals.next().await;
        tokio::spawn(async move {
            let again = signals.next().await;
            errln!("\n{again} again: exiting now; {second}");
            std::process::exit(i32::from(ExitCode::Interrupted.code()));
        });
    }
}

/// SIGINT and SIGTERM, registered once for the whole run.
#[cfg(unix)]
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    /// `None` if they cannot be watched: the default action (ending the process) then stays.
    fn new() -> Option<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Some(Signals {
            int: signal(SignalKind::interrupt()).ok()?,
            term: signal(SignalKind::terminate()).ok()?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Option<Self> {
        Some(Signals)
    }

    async fn next(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

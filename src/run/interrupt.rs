//! [`Interrupt`]: a run's stop signal, and [`InFlight`], what the scenarios running now have
//! created. The CLI triggers the interrupt on the first Ctrl-C (SIGINT) or SIGTERM; from then on
//! no scenario and no main step starts, `until` polls make no further attempt, requests already
//! sent finish or time out, and the `finally` steps of every started scenario run within the
//! clean-up budget. A second signal is the CLI's: it exits at once, printing what
//! [`InFlight::left_behind`] says may be left on the target.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Notify;

/// How long the `finally` steps of interrupted scenarios may take, all together, by default.
pub const DEFAULT_CLEANUP_BUDGET: Duration = Duration::from_secs(60);

/// A cloneable stop signal shared by the runner and whoever watches the signals.
#[derive(Debug, Clone)]
pub struct Interrupt {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The signal's name and when it came; set once.
    fired: OnceLock<(&'static str, Instant)>,
    notify: Notify,
    cleanup: Duration,
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt::new(DEFAULT_CLEANUP_BUDGET)
    }
}

impl Interrupt {
    /// A signal not yet fired; once it is, clean-up may take `cleanup` in all.
    pub fn new(cleanup: Duration) -> Self {
        Interrupt {
            inner: Arc::new(Inner {
                fired: OnceLock::new(),
                notify: Notify::new(),
                cleanup,
            }),
        }
    }

    /// Fires the signal (named for the messages, such as `SIGINT`); true the first time.
    pub fn trigger(&self, signal: &'static str) -> bool {
        let first = self.inner.fired.set((signal, Instant::now())).is_ok();
        if first {
            self.inner.notify.notify_waiters();
        }
        first
    }

    /// The signal that fired, if one did.
    pub fn signal(&self) -> Option<&'static str> {
        self.inner.fired.get().map(|(s, _)| *s)
    }

    /// Whether the signal has fired.
    pub fn is_set(&self) -> bool {
        self.inner.fired.get().is_some()
    }

    /// The moment clean-up must be over, once the signal fired.
    pub fn cleanup_deadline(&self) -> Option<Instant> {
        self.inner
            .fired
            .get()
            .map(|(_, at)| *at + self.inner.cleanup)
    }

    /// Resolves when the signal fires (at once if it has).
    pub async fn fired(&self) {
        let notified = self.inner.notify.notified();
        tokio::pin!(notified);
        // Registered before the check, so a trigger between the two is not missed.
        notified.as_mut().enable();
        if self.is_set() {
            return;
        }
        notified.await;
    }

    /// Tells `sink` of the interrupt when it comes, not when the run ends (`Event::Interrupted`):
    /// a task to abort once the run is over.
    pub fn announce_to(&self, sink: Arc<dyn super::EventSink>) -> tokio::task::JoinHandle<()> {
        let interrupt = self.clone();
        tokio::spawn(async move {
            interrupt.fired().await;
            if let Some(signal) = interrupt.signal() {
                sink.event(&super::Event::Interrupted { signal });
            }
        })
    }

    /// Sleeps for `d`, or less if the signal fires; true if it fired.
    pub async fn sleep(&self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => self.is_set(),
            _ = self.fired() => true,
        }
    }
}

/// The values each running scenario has captured so far (ids of what it created), by scenario
/// id, for the message of a second interrupt. Values are redacted before they are kept.
#[derive(Debug, Default)]
pub struct InFlight {
    scenarios: Mutex<BTreeMap<String, Vec<(String, String)>>>,
}

impl InFlight {
    pub(crate) fn captured(&self, scenario: &str, name: &str, value: &Value) {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let mut map = self.scenarios.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(scenario.to_owned()).or_default();
        list.retain(|(n, _)| n != name);
        list.push((name.to_owned(), text));
    }

    pub(crate) fn finished(&self, scenario: &str) {
        self.scenarios
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(scenario);
    }

    /// Scenarios still running and what they captured: what an exit now may leave behind.
    pub fn left_behind(&self) -> Vec<(String, Vec<(String, String)>)> {
        self.scenarios
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn fires_once_and_wakes_every_waiter() {
        let i = Interrupt::new(Duration::from_secs(5));
        assert!(!i.is_set());
        assert!(i.cleanup_deadline().is_none());
        let waiter = {
            let i = i.clone();
            tokio::spawn(async move { i.fired().await })
        };
        tokio::task::yield_now().await;
        assert!(i.trigger("SIGINT"));
        assert!(!i.trigger("SIGTERM"), "a second trigger is not the first");
        assert_eq!(i.signal(), Some("SIGINT"));
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter wakes")
            .expect("joins");
        let deadline = i
            .cleanup_deadline()
            .expect("a clean-up deadline once fired");
        assert!(deadline > Instant::now());
    }

    #[tokio::test]
    async fn a_sleep_ends_when_the_signal_fires() {
        let i = Interrupt::default();
        let sleeper = {
            let i = i.clone();
            tokio::spawn(async move { i.sleep(Duration::from_secs(3600)).await })
        };
        tokio::task::yield_now().await;
        i.trigger("SIGTERM");
        let fired = tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("the sleep is cut short")
            .expect("joins");
        assert!(fired);
        assert!(!Interrupt::default().sleep(Duration::from_millis(1)).await);
    }

    #[test]
    fn in_flight_keeps_the_latest_value_of_running_scenarios_only() {
        let f = InFlight::default();
        f.captured("a.yaml", "id", &Value::String("w-1".into()));
        f.captured("a.yaml", "id", &Value::String("w-2".into()));
        f.captured("b.yaml", "n", &Value::from(7));
        f.finished("b.yaml");
        assert_eq!(
            f.left_behind(),
            vec![("a.yaml".into(), vec![("id".into(), "w-2".into())])]
        );
    }
}

//! [`Clock`]: the mocks' injectable time. Windows (24 h, 5-day grace, reclaim interval) are
//! tested by advancing it, in milliseconds of real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Real time plus an offset that only moves forward. Cheap to clone; clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// A clock reading real time, not yet advanced.
    pub fn new() -> Self {
        Self::default()
    }

    /// Real time plus every advance so far; saturates at `Timestamp::MAX`.
    pub fn now(&self) -> jiff::Timestamp {
        let offset = jiff::SignedDuration::from_millis(self.offset_ms.load(Ordering::SeqCst));
        jiff::Timestamp::now()
            .checked_add(offset)
            .unwrap_or(jiff::Timestamp::MAX)
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// RFC 3339 with milliseconds and `Z`, as the vendors write timestamps.
    pub fn now_rfc3339(&self) -> String {
        self.now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_is_shared_between_clones() {
        let c = Clock::new();
        let d = c.clone();
        let before = c.now();
        d.advance(Duration::from_secs(5 * 24 * 3600));
        let jumped = c.now().duration_since(before);
        assert!(jumped.as_secs() >= 5 * 24 * 3600, "{jumped:?}");
    }
}

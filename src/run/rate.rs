//! [`RateLimiter`]: at most N requests per second to one target, so a real vendor is not
//! flooded by concurrent scenarios (`--rate`).

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// `per_second` must be positive.
    pub fn new(per_second: f64) -> Self {
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second.max(0.001)),
            next: Mutex::new(None),
        }
    }

    /// Waits for this request's slot. Slots are handed out in order, spaced evenly.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_evenly() {
        let limiter = RateLimiter::new(10.0);
        let start = tokio::time::Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // 5 requests at 10/s: the first at once, the last after 4 intervals.
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }
}

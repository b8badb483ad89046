//! [`Store`]: the LivePerson mock's deletion requests and their state machine, kept apart from
//! HTTP so the rules (grace period, quota, who may cancel what) read in one place.
//!
//! A request is `NOT_STARTED` until its grace period ends; then LivePerson approves it and it is
//! `IN_PROGRESS` until the deletion completes, `DONE`. A cancel within the grace period makes it
//! `CANCELED` for good. Status is derived from the time, never stored, so a clock jump needs no
//! background task.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// The default grace period during which a request can be cancelled (the API overview, see
/// `specs/liveperson-deletion/NOTES.md`).
pub const GRACE_PERIOD: Duration = Duration::from_secs(5 * 24 * 3600);
/// How long the deletion itself takes once approved: the documented upper bound ("within 20
/// days"), so a scenario that sees `IN_PROGRESS` keeps seeing it for a long while.
pub const DELETION_TIME: Duration = Duration::from_secs(20 * 24 * 3600);
/// Deletion requests an account may submit per calendar month (the API overview).
pub const MONTHLY_QUOTA: usize = 100;
/// Who approves a request when its grace period ends: nobody acts, so the mock names the vendor.
pub const APPROVER: &str = "LivePerson";

/// One deletion request.
#[derive(Debug, Clone)]
pub struct Deletion {
    pub id: u64,
    pub site: String,
    pub requested_by: String,
    pub request_time: Timestamp,
    /// The request body as the vendor echoes it: a string that holds JSON.
    pub delete_json: String,
    pub cancel: Option<Cancel>,
}

#[derive(Debug, Clone)]
pub struct Cancel {
    pub by: String,
    pub at: Timestamp,
}

/// Why a cancel is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefused {
    NotFound,
    AlreadyCanceled,
    /// The grace period is over: LivePerson approved the request and it is final.
    Approved,
}

/// The states of the vendor's `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    InProgress,
    Canceled,
    Done,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::NotStarted,
        Status::InProgress,
        Status::Canceled,
        Status::Done,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::NotStarted => "NOT_STARTED",
            Status::InProgress => "IN_PROGRESS",
            Status::Canceled => "CANCELED",
            Status::Done => "DONE",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == text)
    }
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d).ok())
        .unwrap_or(Timestamp::MAX)
}

/// Timestamps as the vendor's examples write them: `2017-12-24T09:31:25.000Z`.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl Deletion {
    pub fn approved_at(&self) -> Timestamp {
        plus(self.request_time, GRACE_PERIOD)
    }

    pub fn is_approved(&self, now: Timestamp) -> bool {
        self.cancel.is_none() && now >= self.approved_at()
    }

    pub fn status(&self, now: Timestamp) -> Status {
        if self.cancel.is_some() {
            Status::Canceled
        } else if now < self.approved_at() {
            Status::NotStarted
        } else if now < plus(self.approved_at(), DELETION_TIME) {
            Status::InProgress
        } else {
            Status::Done
        }
    }

    /// The full record (create, cancel), field for field as in the seed's example: `siteid`,
    /// an integer `request_id`, `null` for what has not happened.
    pub fn record(&self, now: Timestamp) -> Value {
        let approved = self.is_approved(now);
        let update = match (&self.cancel, approved) {
            (Some(c), _) => Some(c.at),
            (None, true) => Some(self.approved_at()),
            (None, false) => None,
        };
        json!({
            "request_id": self.id,
            "siteid": self.site,
            "request_time": format_time(self.request_time),
            "requested_by": self.requested_by,
            "approved_by": approved.then_some(APPROVER),
            "cancelled_by": self.cancel.as_ref().map(|c| c.by.clone()),
            "delete_json": self.delete_json,
            "approve_timestamp": approved.then(|| format_time(self.approved_at())),
            "update_timestamp": update.map(format_time),
            "cancel_timestamp": self.cancel.as_ref().map(|c| format_time(c.at)),
            "is_approved": approved,
            "is_canceled": self.cancel.is_some(),
        })
    }

    /// The short form of the get method: `{request_id, siteid, request_time, requested_by,
    /// status}`.
    pub fn summary(&self, now: Timestamp) -> Summary {
        Summary {
            request_id: Some(self.id),
            siteid: self.site.clone(),
            request_time: format_time(self.request_time),
            requested_by: self.requested_by.clone(),
            status: self.status(now).name(),
        }
    }
}

/// [`Deletion::summary`], serialised straight from its fields: the get method is what a client
/// polls, and building a `serde_json::Value` for it was most of the mock's own work under load.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// `None` only under the `missing-required-field` fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<u64>,
    pub siteid: String,
    pub request_time: String,
    pub requested_by: String,
    pub status: &'static str,
}

/// Filters of the list method; dates are `yyyy-mm-dd`, inclusive, in UTC.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Every deletion request of every account, and each account's clock jumps.
#[derive(Debug, Default)]
pub struct Store {
    next_id: u64,
    deletions: BTreeMap<u64, Deletion>,
    /// Clock jumps asked for by requests of each account (`X-Conform-Clock-Advance`).
    jumps: HashMap<String, Duration>,
    /// The sum of `jumps`: the shared layer has applied it to the whole mock's clock.
    jumped: Duration,
}

impl Store {
    /// Records that a request of `site` carried a clock jump of `by`.
    pub fn jump(&mut self, site: &str, by: Duration) {
        *self.jumps.entry(site.to_owned()).or_default() += by;
        self.jumped += by;
    }

    /// The time as `site` sees it. The shared layer applies a clock jump to the whole mock;
    /// here it only counts for the account whose request asked for it, so a mock-only
    /// scenario that jumps past the grace period does not approve the requests of scenarios
    /// running beside it on other accounts.
    pub fn now(&self, clock_now: Timestamp, site: &str) -> Timestamp {
        let own = self.jumps.get(site).copied().unwrap_or_default();
        let others = self.jumped.saturating_sub(own);
        SignedDuration::try_from(others)
            .ok()
            .and_then(|d| clock_now.checked_sub(d).ok())
            .unwrap_or(clock_now)
    }

    /// Requests `site` submitted in the calendar month (UTC) of `now`.
    fn submitted_this_month(&self, site: &str, now: Timestamp) -> usize {
        let month = now.strftime("%Y-%m").to_string();
        self.deletions
            .values()
            .filter(|d| d.site == site && d.request_time.strftime("%Y-%m").to_string() == month)
            .count()
    }

    /// Adds a request, or `None` when the account's monthly quota is used up.
    pub fn create(
        &mut self,
        site: &str,
        requested_by: &str,
        delete_json: String,
        now: Timestamp,
    ) -> Option<&Deletion> {
        if self.submitted_this_month(site, now) >= MONTHLY_QUOTA {
            return None;
        }
        // Ids look like the vendor's (`7723`): integers, increasing across accounts.
        self.next_id = self.next_id.max(7722) + 1;
        let d = Deletion {
            id: self.next_id,
            site: site.to_owned(),
            requested_by: requested_by.to_owned(),
            request_time: now,
            delete_json,
            cancel: None,
        };
        Some(self.deletions.entry(d.id).or_insert(d))
    }

    /// The request `id` of `site`; another account's request is as unknown as a missing one.
    pub fn get(&self, site: &str, id: &str) -> Option<&Deletion> {
        let id: u64 = id.parse().ok()?;
        self.deletions.get(&id).filter(|d| d.site == site)
    }

    pub fn list(&self, site: &str, filter: &Filter, now: Timestamp) -> Vec<&Deletion> {
        self.deletions
            .values()
            .filter(|d| d.site == site)
            .filter(|d| filter.status.is_none_or(|s| d.status(now) == s))
            .filter(|d| {
                let day = d.request_time.strftime("%Y-%m-%d").to_string();
                filter.from.as_ref().is_none_or(|f| &day >= f)
                    && filter.to.as_ref().is_none_or(|t| &day <= t)
            })
            .collect()
    }

    /// Cancels request `id` of `site` for `by`. With `allow_any`, the state machine's guards
    /// are off (the `forbidden-transition` fault): a cancelled or approved request is
    /// cancelled (again).
    pub fn cancel(
        &mut self,
        site: &str,
        id: &str,
        by: &str,
        now: Timestamp,
        allow_any: bool,
    ) -> Result<&Deletion, CancelRefused> {
        let id: u64 = id.parse().map_err(|_| CancelRefused::NotFound)?;
        let d = self
            .deletions
            .get_mut(&id)
            .filter(|d| d.site == site)
            .ok_or(CancelRefused::NotFound)?;
        if !allow_any {
            if d.cancel.is_some() {
                return Err(CancelRefused::AlreadyCanceled);
            }
            if d.is_approved(now) {
                return Err(CancelRefused::Approved);
            }
        }
        d.cancel = Some(Cancel {
            by: by.to_owned(),
            at: now,
        });
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        "2017-12-24T09:31:25Z".parse().expect("a timestamp")
    }

    #[test]
    fn a_request_can_be_cancelled_only_within_the_grace_period() {
        let mut s = Store::default();
        let id = s.create("le1", "me", "{}".into(), t0()).expect("quota").id;
        let late = plus(t0(), GRACE_PERIOD);
        assert_eq!(
            s.cancel("le1", &id.to_string(), "me", late, false)
                .map(|d| d.id),
            Err(CancelRefused::Approved)
        );
        let d = s.get("le1", &id.to_string()).expect("the request");
        assert_eq!(d.status(late), Status::InProgress);
        assert_eq!(d.status(plus(late, DELETION_TIME)), Status::Done);
        assert_eq!(d.record(late)["approved_by"], APPROVER);

        let id = s.create("le1", "me", "{}".into(), t0()).expect("quota").id;
        let d = s
            .cancel("le1", &id.to_string(), "you", t0(), false)
            .expect("cancelled");
        assert_eq!(d.status(late), Status::Canceled);
        let r = d.record(late);
        assert_eq!(
            (&r["is_canceled"], &r["cancelled_by"], &r["is_approved"]),
            (&json!(true), &json!("you"), &json!(false))
        );
        assert_eq!(r["cancel_timestamp"], "2017-12-24T09:31:25.000Z");
        assert_eq!(
            s.cancel("le1", &id.to_string(), "you", t0(), false)
                .map(|d| d.id),
            Err(CancelRefused::AlreadyCanceled)
        );
        assert!(s.cancel("le1", &id.to_string(), "you", late, true).is_ok());
    }

    #[test]
    fn other_accounts_requests_are_unknown() {
        let mut s = Store::default();
        let id = s.create("le1", "me", "{}".into(), t0()).expect("quota").id;
        assert!(s.get("le2", &id.to_string()).is_none());
        assert_eq!(
            s.cancel("le2", &id.to_string(), "me", t0(), false)
                .map(|d| d.id),
            Err(CancelRefused::NotFound)
        );
        assert!(s.get("le1", "not-a-number").is_none());
    }

    #[test]
    fn the_monthly_quota_counts_per_account_and_calendar_month() {
        let mut s = Store::default();
        for _ in 0..MONTHLY_QUOTA {
            assert!(s.create("le1", "me", "{}".into(), t0()).is_some());
        }
        assert!(s.create("le1", "me", "{}".into(), t0()).is_none());
        assert!(s.create("le2", "me", "{}".into(), t0()).is_some());
        let next_month = plus(t0(), Duration::from_secs(8 * 24 * 3600));
        assert!(s.create("le1", "me", "{}".into(), next_month).is_some());
    }

    #[test]
    fn a_clock_jump_counts_only_for_the_account_that_asked() {
        let mut s = Store::default();
        let day = Duration::from_secs(24 * 3600);
        // The shared layer has already moved the whole clock by the jump.
        let clock = plus(t0(), day);
        s.jump("le1", day);
        assert_eq!(s.now(clock, "le1"), clock);
        assert_eq!(s.now(clock, "le2"), t0());
    }

    #[test]
    fn filters_select_by_status_and_day() {
        let mut s = Store::default();
        let a = s.create("le1", "me", "{}".into(), t0()).expect("quota").id;
        let later = plus(t0(), Duration::from_secs(3 * 24 * 3600));
        let b = s.create("le1", "me", "{}".into(), later).expect("quota").id;
        s.cancel("le1", &a.to_string(), "me", later, false)
            .expect("cancelled");
        let ids = |f: Filter| -> Vec<u64> {
            s.list("le1", &f, later).into_iter().map(|d| d.id).collect()
        };
        let canceled = Filter {
            status: Some(Status::Canceled),
            ..Filter::default()
        };
        assert_eq!(ids(canceled), vec![a]);
        let from = Filter {
            from: Some("2017-12-25".into()),
            ..Filter::default()
        };
        assert_eq!(ids(from), vec![b]);
        let to = Filter {
            to: Some("2017-12-24".into()),
            ..Filter::default()
        };
        assert_eq!(ids(to), vec![a]);
    }
}

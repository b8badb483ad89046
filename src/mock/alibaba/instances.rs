//! The instance state machine of the Alibaba Elasticsearch mock, free of HTTP: [`Store`] holds
//! the instances and moves them as `specs/alibaba-elasticsearch/NOTES.md` ("Lifecycle")
//! describes.
//!
//! ```text
//! create ──> active ──DeleteInstance(protective)──> inactive ──CancelDeletion──> activating
//!              ^                                       │ 24 h                        │ async delay
//!              └───────────────────────────────────────┼─────────────────────────────┘
//!   DeleteInstance(immediate), from any state ──> gone <┘  (then InstanceNotFound)
//! ```
//!
//! Time is the mock's [`Clock`](crate::mock::Clock) passed in as `now`; windows are stored as
//! deadlines and settled lazily on every call, so a jump of the clock takes effect at once.

use std::collections::HashMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// How long a protectively released instance stays frozen and restorable.
pub const FROZEN_WINDOW: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Activating,
    Inactive,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Activating => "activating",
            Status::Inactive => "inactive",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub status: Status,
    description: String,
    es_version: String,
    payment_type: String,
    node_amount: i64,
    created_at: Timestamp,
    updated_at: Timestamp,
    /// While `inactive`: when the instance is released for good.
    frozen_until: Option<Timestamp>,
    /// While `activating`: when it turns `active` (`None`: never, the `never-completes` fault).
    active_at: Option<Timestamp>,
}

impl Instance {
    /// The `Result` of DescribeInstance.
    pub fn view(&self) -> View<'_> {
        let ts = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        View {
            instance_id: &self.id,
            status: self.status.as_str(),
            description: &self.description,
            es_version: &self.es_version,
            payment_type: &self.payment_type,
            node_amount: self.node_amount,
            created_at: ts(self.created_at),
            updated_at: ts(self.updated_at),
            domain: format!("{}.elasticsearch.aliyuncs.com", self.id),
            port: 9200,
        }
    }
}

/// An instance as DescribeInstance shows it, serialised straight from the [`Instance`] it
/// borrows (building a `serde_json::Value` for every read was a fifth of the mock's work under
/// load). Field order is the service's.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct View<'a> {
    pub instance_id: &'a str,
    pub status: &'static str,
    pub description: &'a str,
    pub es_version: &'a str,
    pub payment_type: &'a str,
    pub node_amount: i64,
    pub created_at: String,
    pub updated_at: String,
    pub domain: String,
    pub port: u16,
}

/// What createInstance asks for (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewInstance {
    pub description: String,
    pub es_version: String,
    pub payment_type: String,
    pub node_amount: i64,
}

/// Why a transition is refused; the HTTP layer maps each to the gateway's error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown, released, or past the 24-hour window: `InstanceNotFound`.
    NotFound,
    /// The action does not apply in this state: `InstanceStatusNotSupportCurrentAction`.
    WrongStatus,
    /// A restore is still running: `InstanceActivating`.
    Activating,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteType {
    Protective,
    Immediate,
}

/// How the state machine deviates, for fault profiles.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deviations {
    /// `activating` never ends.
    pub never_completes: bool,
    /// CancelDeletion on an `active` instance succeeds.
    pub restore_active: bool,
}

#[derive(Debug, Default)]
pub struct Store {
    instances: HashMap<String, Instance>,
    deviations: Deviations,
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    let d = SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// A fresh id shaped like the service's (`es-cn-` and 19 lower-case letters and digits).
fn new_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("es-cn-{}", &hex[..19])
}

impl Store {
    pub fn new(deviations: Deviations) -> Self {
        Store {
            instances: HashMap::new(),
            deviations,
        }
    }

    /// Applies every transition that is due at `now`.
    fn settle(&mut self, now: Timestamp) {
        self.instances.retain(|_, i| {
            !(i.status == Status::Inactive && i.frozen_until.is_some_and(|t| now >= t))
        });
        for i in self.instances.values_mut() {
            if i.status == Status::Activating && i.active_at.is_some_and(|t| now >= t) {
                i.status = Status::Active;
                i.active_at = None;
                i.updated_at = now;
            }
        }
    }

    /// Moves every deadline except `except`'s forward by `by`: a clock jump sent by one
    /// scenario then ages only the instance it names, and scenarios running in parallel on
    /// the same mock do not see each other's time travel.
    pub fn shift_deadlines_except(&mut self, except: Option<&str>, by: Duration) {
        for i in self.instances.values_mut() {
            if Some(i.id.as_str()) == except {
                continue;
            }
            i.frozen_until = i.frozen_until.map(|t| plus(t, by));
            i.active_at = i.active_at.map(|t| plus(t, by));
        }
    }

    pub fn create(&mut self, now: Timestamp, new: NewInstance) -> String {
        self.settle(now);
        let id = new_id();
        self.instances.insert(
            id.clone(),
            Instance {
                id: id.clone(),
                // The real service takes minutes to build a cluster; the mock's is ready at
                // once, so scenarios spend their time on the lifecycle under test.
                status: Status::Active,
                description: new.description,
                es_version: new.es_version,
                payment_type: new.payment_type,
                node_amount: new.node_amount,
                created_at: now,
                updated_at: now,
                frozen_until: None,
                active_at: None,
            },
        );
        id
    }

    pub fn describe(&mut self, now: Timestamp, id: &str) -> Result<&Instance, Refusal> {
        self.settle(now);
        self.instances.get(id).ok_or(Refusal::NotFound)
    }

    pub fn delete(&mut self, now: Timestamp, id: &str, how: DeleteType) -> Result<(), Refusal> {
        self.settle(now);
        let i = self.instances.get_mut(id).ok_or(Refusal::NotFound)?;
        match (how, i.status) {
            (DeleteType::Immediate, _) => {
                self.instances.remove(id);
            }
            (DeleteType::Protective, Status::Active) => {
                i.status = Status::Inactive;
                i.frozen_until = Some(plus(now, FROZEN_WINDOW));
                i.updated_at = now;
            }
            (DeleteType::Protective, Status::Inactive) => return Err(Refusal::WrongStatus),
            (DeleteType::Protective, Status::Activating) => return Err(Refusal::Activating),
        }
        Ok(())
    }

    /// CancelDeletion: `inactive` -> `activating`, `active` after `delay`.
    pub fn cancel_deletion(
        &mut self,
        now: Timestamp,
        id: &str,
        delay: Duration,
    ) -> Result<(), Refusal> {
        self.settle(now);
        let deviations = self.deviations;
        let i = self.instances.get_mut(id).ok_or(Refusal::NotFound)?;
        match i.status {
            Status::Inactive => {
                i.status = Status::Activating;
                i.frozen_until = None;
                i.active_at = (!deviations.never_completes).then(|| plus(now, delay));
                i.updated_at = now;
                Ok(())
            }
            Status::Active if deviations.restore_active => Ok(()),
            Status::Active => Err(Refusal::WrongStatus),
            Status::Activating => Err(Refusal::Activating),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new() -> NewInstance {
        NewInstance {
            description: "d".into(),
            es_version: "7.10_with_X-Pack".into(),
            payment_type: "postpaid".into(),
            node_amount: 2,
        }
    }

    const DELAY: Duration = Duration::from_millis(60);

    #[test]
    fn protective_delete_freezes_and_cancel_restores_through_activating() {
        let mut s = Store::default();
        let t0 = Timestamp::UNIX_EPOCH;
        let id = s.create(t0, new());
        s.delete(t0, &id, DeleteType::Protective).expect("freeze");
        assert_eq!(s.describe(t0, &id).map(|i| i.status), Ok(Status::Inactive));
        s.cancel_deletion(t0, &id, DELAY).expect("restore");
        assert_eq!(
            s.describe(t0, &id).map(|i| i.status),
            Ok(Status::Activating)
        );
        assert_eq!(s.cancel_deletion(t0, &id, DELAY), Err(Refusal::Activating));
        let later = plus(t0, DELAY);
        assert_eq!(s.describe(later, &id).map(|i| i.status), Ok(Status::Active));
        assert_eq!(
            s.cancel_deletion(later, &id, DELAY),
            Err(Refusal::WrongStatus)
        );
    }

    #[test]
    fn the_window_expires_and_immediate_delete_releases() {
        let mut s = Store::default();
        let t0 = Timestamp::UNIX_EPOCH;
        let a = s.create(t0, new());
        let b = s.create(t0, new());
        s.delete(t0, &a, DeleteType::Protective).expect("freeze");
        let after = plus(t0, FROZEN_WINDOW);
        assert_eq!(s.cancel_deletion(after, &a, DELAY), Err(Refusal::NotFound));
        s.delete(t0, &b, DeleteType::Immediate).expect("release");
        assert_eq!(s.describe(t0, &b).map(|i| i.status), Err(Refusal::NotFound));
    }

    #[test]
    fn shifting_deadlines_spares_only_the_named_instance() {
        let mut s = Store::default();
        let t0 = Timestamp::UNIX_EPOCH;
        let aged = s.create(t0, new());
        let other = s.create(t0, new());
        for id in [&aged, &other] {
            s.delete(t0, id, DeleteType::Protective).expect("freeze");
        }
        s.shift_deadlines_except(Some(&aged), FROZEN_WINDOW);
        let after = plus(t0, FROZEN_WINDOW);
        assert_eq!(
            s.describe(after, &aged).map(|i| i.status),
            Err(Refusal::NotFound)
        );
        assert_eq!(
            s.describe(after, &other).map(|i| i.status),
            Ok(Status::Inactive)
        );
    }

    #[test]
    fn deviations_break_the_rules_they_name() {
        let mut s = Store::new(Deviations {
            never_completes: true,
            restore_active: true,
        });
        let t0 = Timestamp::UNIX_EPOCH;
        let id = s.create(t0, new());
        assert_eq!(s.cancel_deletion(t0, &id, DELAY), Ok(()));
        s.delete(t0, &id, DeleteType::Protective).expect("freeze");
        s.cancel_deletion(t0, &id, DELAY).expect("restore");
        let much_later = plus(t0, Duration::from_secs(3600));
        assert_eq!(
            s.describe(much_later, &id).map(|i| i.status),
            Ok(Status::Activating)
        );
    }
}

//! A Nova server's state machine, as [`Server`]: vm_state and task_state move on the mock's
//! clock, evaluated lazily when the server is looked at (no background tasks to cancel).
//!
//! ```text
//! create -> building/spawning --delay--> active
//! DELETE (active) -> active/soft-deleting --delay--> soft-deleted --reclaim interval--> gone
//! restore (soft-deleted, no task) -> soft-deleted/restoring --delay--> active
//! forceDelete (no task) -> gone
//! ```

use serde::Serialize;
use serde_json::Value;

/// Nova's `vm_state` values the mock reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmState {
    Building,
    Active,
    SoftDeleted,
}

impl VmState {
    pub fn name(self) -> &'static str {
        match self {
            VmState::Building => "building",
            VmState::Active => "active",
            VmState::SoftDeleted => "soft-deleted",
        }
    }

    /// The API's `status`, which Nova derives from vm_state (task states that would change it,
    /// such as rebooting, never occur here).
    fn status(self) -> &'static str {
        match self {
            VmState::Building => "BUILD",
            VmState::Active => "ACTIVE",
            VmState::SoftDeleted => "SOFT_DELETED",
        }
    }

    /// Nova's power_state: 0 no state, 1 running, 4 shutdown.
    fn power_state(self) -> u8 {
        match self {
            VmState::Building => 0,
            VmState::Active => 1,
            VmState::SoftDeleted => 4,
        }
    }
}

/// A running task and where it leads.
#[derive(Debug, Clone)]
pub struct Task {
    pub name: &'static str,
    /// `None`: never completes (the `never-completes` fault).
    pub done_at: Option<jiff::Timestamp>,
    pub then: VmState,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub id: String,
    pub project_id: String,
    pub user_id: String,
    pub name: String,
    pub image_ref: String,
    pub flavor_ref: Value,
    pub metadata: Value,
    pub created: jiff::Timestamp,
    pub updated: jiff::Timestamp,
    pub vm_state: VmState,
    pub task: Option<Task>,
    /// When the soft delete completed; the reclaim interval runs from here.
    pub deleted_at: Option<jiff::Timestamp>,
}

impl Server {
    /// Completes the task whose time has come.
    pub fn settle(&mut self, now: jiff::Timestamp) {
        if let Some(task) = &self.task
            && let Some(done_at) = task.done_at
            && done_at <= now
        {
            self.vm_state = task.then;
            self.updated = done_at;
            if task.then == VmState::SoftDeleted {
                self.deleted_at = Some(done_at);
            }
            self.task = None;
        }
    }

    /// Soft-deleted for longer than `interval`: Nova's periodic task has hard-deleted it.
    pub fn reclaimed(&self, now: jiff::Timestamp, interval: std::time::Duration) -> bool {
        let interval =
            jiff::SignedDuration::try_from(interval).unwrap_or(jiff::SignedDuration::MAX);
        self.vm_state == VmState::SoftDeleted
            && self.task.is_none()
            && self
                .deleted_at
                .and_then(|at| at.checked_add(interval).ok())
                .is_some_and(|deadline| deadline <= now)
    }

    /// Starts `name`, which ends in `then` at `done_at`.
    pub fn start(
        &mut self,
        name: &'static str,
        then: VmState,
        now: jiff::Timestamp,
        done_at: Option<jiff::Timestamp>,
    ) {
        self.task = Some(Task {
            name,
            done_at,
            then,
        });
        self.updated = now;
    }

    /// Moves every instant of this server forward by `by`, so a clock jump leaves it unaged.
    pub fn shift(&mut self, by: jiff::SignedDuration) {
        let later = |t: jiff::Timestamp| t.checked_add(by).unwrap_or(jiff::Timestamp::MAX);
        self.created = later(self.created);
        self.updated = later(self.updated);
        self.deleted_at = self.deleted_at.map(later);
        if let Some(task) = &mut self.task {
            task.done_at = task.done_at.map(later);
        }
    }

    /// Nova's refusal of `action` in the current state: `while it is in vm_state active` or,
    /// when a task runs, `task_state restoring`.
    pub fn invalid_state(&self, action: &str) -> String {
        let (attr, state) = match &self.task {
            Some(task) => ("task_state", task.name),
            None => ("vm_state", self.vm_state.name()),
        };
        format!(
            "Cannot '{action}' instance {} while it is in {attr} {state}",
            self.id
        )
    }

    /// The `server` object of `GET /servers/{id}`; `root` is `http://host/compute`.
    pub fn view(&self, root: &str) -> View<'_> {
        let stamp = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        View {
            id: &self.id,
            name: &self.name,
            status: Some(self.vm_state.status()),
            tenant_id: &self.project_id,
            user_id: &self.user_id,
            created: stamp(self.created),
            updated: stamp(self.updated),
            host_id: if self.vm_state == VmState::Building {
                String::new()
            } else {
                format!("{:x}", fnv1a(&self.project_id))
            },
            addresses: Empty {},
            flavor: Ref {
                id: &self.flavor_ref,
                links: [Link {
                    href: format!("{root}/flavors/{}", text(&self.flavor_ref)),
                    rel: "bookmark",
                }],
            },
            image: if self.image_ref.is_empty() {
                Image::None("")
            } else {
                Image::Ref(Ref {
                    id: &self.image_ref,
                    links: [Link {
                        href: format!("{root}/images/{}", self.image_ref),
                        rel: "bookmark",
                    }],
                })
            },
            metadata: &self.metadata,
            links: links(root, &self.id),
            key_name: (),
            access_ipv4: "",
            access_ipv6: "",
            disk_config: "MANUAL",
            task_state: self.task.as_ref().map(|t| t.name),
            vm_state: self.vm_state.name(),
            power_state: PowerState::Number(self.vm_state.power_state()),
            locked: false,
        }
    }
}

/// A server as Nova shows it, serialised straight from the [`Server`] it borrows: under load,
/// building it as a `serde_json::Value` (two dozen map inserts) was the largest part of a read.
/// Field order is Nova's.
#[derive(Debug, Serialize)]
pub struct View<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// `None` only under the `missing-required-field` fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    pub tenant_id: &'a str,
    pub user_id: &'a str,
    pub created: String,
    pub updated: String,
    #[serde(rename = "hostId")]
    pub host_id: String,
    pub addresses: Empty,
    pub flavor: Ref<'a, Value>,
    pub image: Image<'a>,
    pub metadata: &'a Value,
    pub links: [Link; 2],
    pub key_name: (),
    #[serde(rename = "accessIPv4")]
    pub access_ipv4: &'static str,
    #[serde(rename = "accessIPv6")]
    pub access_ipv6: &'static str,
    #[serde(rename = "OS-DCF:diskConfig")]
    pub disk_config: &'static str,
    #[serde(rename = "OS-EXT-STS:task_state")]
    pub task_state: Option<&'static str>,
    #[serde(rename = "OS-EXT-STS:vm_state")]
    pub vm_state: &'static str,
    #[serde(rename = "OS-EXT-STS:power_state")]
    pub power_state: PowerState,
    pub locked: bool,
}

/// `{}`.
#[derive(Debug, Serialize)]
pub struct Empty {}

/// A flavor or image reference: its id and bookmark link.
#[derive(Debug, Serialize)]
pub struct Ref<'a, T: ?Sized> {
    pub id: &'a T,
    pub links: [Link; 1],
}

/// A server booted from an image names it; one booted from a volume has `""`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Image<'a> {
    None(&'static str),
    Ref(Ref<'a, str>),
}

/// Nova's integer power state, or the string the `wrong-type` fault makes of it.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum PowerState {
    Number(u8),
    Text(String),
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub href: String,
    pub rel: &'static str,
}

/// The `self` and `bookmark` links of a server.
pub fn links(root: &str, id: &str) -> [Link; 2] {
    [
        Link {
            href: format!("{root}/v2.1/servers/{id}"),
            rel: "self",
        },
        Link {
            href: format!("{root}/servers/{id}"),
            rel: "bookmark",
        },
    ]
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A stable stand-in for Nova's hostId (a hash of project and host), so it looks like one.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn at(secs: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_700_000_000 + secs).expect("in range")
    }

    fn server() -> Server {
        Server {
            id: "f5dc173b-6804-445a-a6d8-c705dad5b5eb".into(),
            project_id: "p".into(),
            user_id: "u".into(),
            name: "n".into(),
            image_ref: String::new(),
            flavor_ref: json!("1"),
            metadata: json!({}),
            created: at(0),
            updated: at(0),
            vm_state: VmState::Active,
            task: None,
            deleted_at: None,
        }
    }

    #[test]
    fn a_task_completes_when_its_time_comes_and_not_before() {
        let mut s = server();
        s.start("soft-deleting", VmState::SoftDeleted, at(0), Some(at(1)));
        s.settle(at(0));
        assert_eq!(s.vm_state, VmState::Active);
        assert_eq!(
            s.invalid_state("restore"),
            format!(
                "Cannot 'restore' instance {} while it is in task_state soft-deleting",
                s.id
            )
        );
        s.settle(at(1));
        assert_eq!(s.vm_state, VmState::SoftDeleted);
        assert_eq!(s.deleted_at, Some(at(1)));
        let view = serde_json::to_value(s.view("http://h/compute")).expect("a view");
        assert_eq!(view["status"], "SOFT_DELETED");
    }

    #[test]
    fn reclaim_runs_from_the_soft_delete_and_a_shift_postpones_it() {
        let mut s = server();
        s.vm_state = VmState::SoftDeleted;
        s.deleted_at = Some(at(0));
        let hour = Duration::from_secs(3600);
        assert!(!s.reclaimed(at(3599), hour));
        assert!(s.reclaimed(at(3600), hour));
        s.shift(jiff::SignedDuration::from_hours(2));
        assert!(!s.reclaimed(at(3600), hour));
    }

    #[test]
    fn a_task_that_never_completes_stays() {
        let mut s = server();
        s.vm_state = VmState::SoftDeleted;
        s.start("restoring", VmState::Active, at(0), None);
        s.settle(at(1_000_000));
        assert_eq!(s.vm_state, VmState::SoftDeleted);
        let view = serde_json::to_value(s.view("http://h/compute")).expect("a view");
        assert_eq!(view["OS-EXT-STS:task_state"], "restoring");
    }
}

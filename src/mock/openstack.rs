//! The reference mock of OpenStack Compute (Nova) with its Keystone, on one listener, laid out
//! like a devstack cloud:
//!
//! - `/identity`: Keystone v3 (`POST /identity/v3/auth/tokens` password login scoped to a
//!   project, token in `X-Subject-Token`, a service catalog naming `/compute/v2.1`), see
//!   `keystone.rs`;
//! - `/compute`: Nova's version documents and, under `/compute/v2.1`, servers with soft delete,
//!   `restore` and `forceDelete`, behind token auth and microversion negotiation, see
//!   `nova.rs` (the pipeline), `handlers.rs`, `servers.rs` and `microversion.rs`.
//!
//! The state lives in [`Shared`]: tokens and servers, both per project. Time is the mock's
//! [`Clock`](super::Clock), with one twist: the `X-Conform-Clock-Advance` header ages only the
//! server its request names (and never a token). Scenarios share one mock and run concurrently,
//! so a jump past the reclaim interval in one scenario must not reclaim the soft-deleted servers
//! of another; every other server is shielded from the jump.

mod handlers;
mod keystone;
mod microversion;
mod nova;
mod servers;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use super::MockOptions;
use crate::vendor::openstack::keystone::{KeystoneAuth, PasswordLogin, Project};

/// How long a soft-deleted server can be restored (Nova's `reclaim_instance_interval`; a
/// cloud sets it, 1 hour is a common choice and the mock's).
pub const RECLAIM_INTERVAL: Duration = Duration::from_secs(3600);
/// Keystone's default token lifetime (`[token] expiration`).
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// A Keystone user of the mock, member of one project.
struct Account {
    user_id: &'static str,
    user_name: &'static str,
    password: &'static str,
    project_id: &'static str,
    project_name: &'static str,
}

const DOMAIN_ID: &str = "default";
const DOMAIN_NAME: &str = "Default";

/// The test user, and a second one in another project so "another project's server" is real.
const ACCOUNTS: &[Account] = &[
    Account {
        user_id: "5d2e5e6c0b6a4f4b9d1fa7f0c0c0f001",
        user_name: "conform",
        password: "conform-secret",
        project_id: "6f70656e737461636b20342065766572",
        project_name: "conform",
    },
    Account {
        user_id: "5d2e5e6c0b6a4f4b9d1fa7f0c0c0f002",
        user_name: "other",
        password: "other-secret",
        project_id: "0a0b0c0d0e0f40418283848586878889",
        project_name: "other",
    },
];

/// Who a token speaks for.
#[derive(Debug, Clone)]
struct Grant {
    user_id: String,
    /// `None` for an unscoped token, which Nova refuses.
    project_id: Option<String>,
    expires_at: jiff::Timestamp,
}

/// The mock's state, shared by Keystone and Nova.
struct Shared {
    options: MockOptions,
    tokens: Mutex<HashMap<String, Grant>>,
    servers: Mutex<HashMap<String, servers::Server>>,
}

impl Shared {
    fn new(options: &MockOptions) -> Self {
        Shared {
            options: options.clone(),
            tokens: Mutex::default(),
            servers: Mutex::default(),
        }
    }

    fn now(&self) -> jiff::Timestamp {
        self.options.clock.now()
    }

    fn tokens(&self) -> MutexGuard<'_, HashMap<String, Grant>> {
        // A poisoned lock only means another handler panicked; the map itself is consistent.
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn servers(&self) -> MutexGuard<'_, HashMap<String, servers::Server>> {
        self.servers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A clock-advance header moved the clock by `by`: shield every token and every server but
    /// `aged` from the jump (see the module docs).
    fn shield(&self, by: Duration, aged: Option<&str>) {
        let by = jiff::SignedDuration::try_from(by).unwrap_or(jiff::SignedDuration::MAX);
        for grant in self.tokens().values_mut() {
            grant.expires_at = grant
                .expires_at
                .checked_add(by)
                .unwrap_or(jiff::Timestamp::MAX);
        }
        for (id, server) in self.servers().iter_mut() {
            if Some(id.as_str()) != aged {
                server.shift(by);
            }
        }
    }
}

pub fn router(options: &MockOptions) -> Router {
    let shared = Arc::new(Shared::new(options));
    Router::new()
        .route("/identity", get(keystone::versions))
        .route("/identity/", get(keystone::versions))
        .route("/identity/v3", get(keystone::version))
        .route("/identity/v3/", get(keystone::version))
        .route("/identity/v3/auth/tokens", post(keystone::issue))
        .route("/compute", get(nova::versions))
        .route("/compute/", get(nova::versions))
        .route("/compute/v2.1", get(nova::version))
        .route("/compute/v2.1/", get(nova::version))
        .fallback(nova::dispatch)
        .with_state(shared)
}

/// A target that reaches this mock at `base` as the test user: its calls go to
/// `<base>compute/v2.1`, and its credentials log in to the mock's Keystone first, so an
/// embedded run exercises a real Keystone login.
pub fn target(base: &reqwest::Url) -> crate::targets::Target {
    let account = &ACCOUNTS[0];
    let compute = base.join("compute/v2.1").unwrap_or_else(|_| base.clone());
    let auth_url = base.join("identity/v3").unwrap_or_else(|_| base.clone());
    let mut target = crate::targets::Target::new(compute);
    target.auth = Some(Arc::new(KeystoneAuth::new(PasswordLogin {
        auth_url,
        username: account.user_name.to_owned(),
        password: account.password.to_owned(),
        user_domain: DOMAIN_NAME.to_owned(),
        project: Project::Name(account.project_name.to_owned()),
        project_domain: DOMAIN_NAME.to_owned(),
    })));
    target
}

/// The test credentials, for people (`conform mock` prints them), as `OS_*` variables.
pub fn credentials() -> Vec<(&'static str, String)> {
    let account = &ACCOUNTS[0];
    vec![
        ("OS_AUTH_URL", "<the base URL above>identity/v3".into()),
        ("OS_USERNAME", account.user_name.into()),
        ("OS_PASSWORD", account.password.into()),
        ("OS_PROJECT_NAME", account.project_name.into()),
        ("OS_USER_DOMAIN_NAME", DOMAIN_NAME.into()),
        ("OS_PROJECT_DOMAIN_NAME", DOMAIN_NAME.into()),
        (
            "compute endpoint",
            "<the base URL above>compute/v2.1".into(),
        ),
        (
            "second account (another project)",
            format!(
                "{} / {} in project {}",
                ACCOUNTS[1].user_name, ACCOUNTS[1].password, ACCOUNTS[1].project_name
            ),
        ),
    ]
}

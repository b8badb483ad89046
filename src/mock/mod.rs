//! Mocks served in-process on 127.0.0.1: [`start`] serves one API's mock and returns a
//! [`Running`] handle. The default target of `conform run` is the embedded mocks, started on
//! ephemeral ports for the run.
//!
//! Every mock takes [`MockOptions`]: a fault profile ([`Fault`]) that breaks one rule, an
//! injectable [`Clock`], and the delay of asynchronous transitions. A request header
//! `X-Conform-Clock-Advance: <duration>` moves the mock's clock forward before the request is
//! handled (for `mock-only` scenarios such as "after the 24-hour window").

pub mod alibaba;
mod clock;
mod faults;
mod fixture;
mod ids;
mod liveperson;
mod openstack;
mod replay;
mod stream;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use reqwest::Url;
use tokio::sync::oneshot;

pub use clock::Clock;
pub use faults::{Fault, SLOW_DELAY};
pub use replay::{Fallback, ReplayServeError, start_replay};

use crate::targets::Target;

/// APIs that have a built-in mock.
pub const APIS: &[&str] = &[
    "alibaba-elasticsearch",
    "fixture",
    "liveperson-deletion",
    "openstack-compute",
];

/// The header that moves a mock's clock forward.
pub const CLOCK_ADVANCE_HEADER: &str = "x-conform-clock-advance";

/// How a mock behaves.
#[derive(Debug, Clone)]
pub struct MockOptions {
    /// The rule to break; `None` for a faithful mock.
    pub fault: Option<Fault>,
    /// The mock's time; tests advance it to cross windows without waiting.
    pub clock: Clock,
    /// How long asynchronous transitions take (`activating` -> `active`, `restoring`).
    pub async_delay: Duration,
    /// How long the `slow` profile delays each response.
    pub slow_delay: Duration,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            fault: None,
            clock: Clock::new(),
            async_delay: Duration::from_millis(60),
            slow_delay: SLOW_DELAY,
        }
    }
}

/// The router of a built-in mock, with the shared layers (clock header, transport faults).
pub fn router(api: &str, options: &MockOptions) -> Option<axum::Router> {
    let app = match api {
        "alibaba-elasticsearch" => alibaba::router(options),
        "fixture" => fixture::router(),
        "liveperson-deletion" => liveperson::router(options),
        "openstack-compute" => openstack::router(options),
        _ => return None,
    };
    let clock = options.clock.clone();
    let (fault, slow) = (options.fault, options.slow_delay);
    // One layer for both (each layer costs a boxed future and a service clone per request).
    Some(app.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| shared(clock.clone(), fault, slow, req, next),
    )))
}

/// The layer every mock shares: the clock header moves the clock before the request is handled,
/// then the transport fault, if any, breaks the answer.
async fn shared(
    clock: Clock,
    fault: Option<Fault>,
    slow: std::time::Duration,
    req: Request,
    next: Next,
) -> Response {
    if let Some(by) = clock_jump(req.headers()) {
        clock.advance(by);
    }
    faults::layer(fault, slow, req, next).await
}

/// The jump a request's `X-Conform-Clock-Advance` asks for, if it names a duration. The shared
/// layer applies it to the clock; a mock that keeps the jump to what the request names (an
/// account, a server, an instance) reads it again here.
pub(crate) fn clock_jump(headers: &axum::http::HeaderMap) -> Option<std::time::Duration> {
    headers
        .get(CLOCK_ADVANCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| crate::units::parse_duration(v).ok())
}

/// The credentials a client needs for the mock of `api`, to print for people (`conform mock`).
pub fn credentials(api: &str) -> Vec<(&'static str, String)> {
    match api {
        "alibaba-elasticsearch" => alibaba::credentials(),
        "fixture" => vec![("auth", "none".into())],
        "liveperson-deletion" => liveperson::credentials(),
        "openstack-compute" => openstack::credentials(),
        _ => Vec::new(),
    }
}

/// A target that reaches the mock of `api` at `base`, with the mock's test credentials.
pub fn target(api: &str, base: &Url) -> Target {
    let mut t = match api {
        "alibaba-elasticsearch" => alibaba::target(base),
        "liveperson-deletion" => liveperson::target(base),
        "openstack-compute" => openstack::target(base),
        _ => Target::new(base.clone()),
    };
    t.is_mock = true;
    t
}

/// A mock being served; stops when dropped or on [`Running::stop`].
pub struct Running {
    /// The API the mock serves.
    pub api: String,
    /// The address it listens on: 127.0.0.1 and the port asked for (or the ephemeral one given).
    pub addr: SocketAddr,
    /// The server's root, `http://127.0.0.1:PORT/`.
    pub base_url: Url,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The target that reaches this mock with its test credentials.
    pub fn target(&self) -> Target {
        target(&self.api, &self.base_url)
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves every built-in mock on an ephemeral port, each with its own [`Clock`] (a clock jump in
/// one API must not age another's), and the targets that reach them with their test credentials.
pub async fn start_all(
    options: &MockOptions,
) -> std::io::Result<(crate::targets::Targets, Vec<Running>)> {
    let mut targets = crate::targets::Targets::default();
    let mut running = Vec::new();
    for api in APIS {
        let own = MockOptions {
            clock: Clock::new(),
            ..options.clone()
        };
        let m = start(api, 0, &own).await.map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot start the `{api}` mock: {e}"))
        })?;
        targets.insert(api, m.target());
        running.push(m);
    }
    Ok((targets, running))
}

/// Serves the mock of `api` on 127.0.0.1:`port` (0: an ephemeral port).
pub async fn start(api: &str, port: u16, options: &MockOptions) -> std::io::Result<Running> {
    let app = router(api, options).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "no built-in mock for API `{api}` (mocks: {})",
                APIS.join(", ")
            ),
        )
    })?;
    serve(api, app, port).await
}

/// Serves `app` as `api` on 127.0.0.1:`port` (0: ephemeral) until stopped.
pub(crate) async fn serve(api: &str, app: axum::Router, port: u16) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
    });
    let base_url =
        Url::parse(&format!("http://{addr}/")).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(Running {
        api: api.to_owned(),
        addr,
        base_url,
        shutdown: Some(tx),
        task: Some(task),
    })
}

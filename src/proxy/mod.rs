//! `conform proxy`: a validating reverse proxy. Any client (an SDK, a team's own tests, an app)
//! talks to a listener on 127.0.0.1 instead of the target; each exchange is forwarded unchanged
//! (`forward`), and its answer is checked as `conform check` checks a recorded one
//! ([`crate::har::verify::exchange`], the same code) and streamed to the event sinks as one scenario result per
//! exchange, so the terminal shows findings as they happen and every report and `--record`
//! work as for a run. [`Session`] holds what the listeners share (the sinks, the counts, what
//! the redactor has learnt); [`start`] opens one listener per target.
//!
//! The proxy holds no credentials unless told to sign ([`Upstream::signer`], see [`sign`]): it
//! passes on the client's, learns them from each exchange ([`crate::redact::Redactor::learn`])
//! and redacts them from everything it emits; a signer's secrets are known from the start.

mod forward;
pub mod sign;
mod verdict;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use url::Url;

use crate::har::Matcher;
use crate::openapi::ApiSpec;
use crate::redact::Redactor;
use crate::run::{Counts, Event, EventSink, RunSummary};

pub use forward::HOP_BY_HOP;
pub use sign::{SignError, Signer};

/// How every listener forwards and checks.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// Apply the vendors' documented tables literally (`x-conform-strict`).
    pub strict: bool,
    /// Send the client's `Host` to the target instead of the target's own: for clients whose
    /// signature covers the host they were pointed at (a signature such as ACS3), when the target serves
    /// any host (the mocks). A request in absolute form (the client uses the proxy as its HTTP
    /// proxy) always keeps its `Host`, which is the target's already.
    pub preserve_host: bool,
    /// One exchange with the target, from sending to the last byte of the answer.
    pub timeout: Duration,
    /// Request and response bodies larger than this are not forwarded (the proxy's limit,
    /// answered 413 or 502 and reported as the harness's, never as the target's).
    pub max_body: usize,
    /// How messages name the settings they point at (the CLI's flags).
    pub remedies: Arc<dyn crate::remedy::Remedies>,
    /// Headers added to every request forwarded to the target (`Name`, `value`), such as a
    /// token the clients do not send; a header of the same name the client sent wins. The
    /// values of credential-named ones ([`Redactor::is_secret_header`]) are redacted from
    /// everything the proxy emits, wherever they show.
    pub headers: Vec<(String, String)>,
}

impl Default for ProxyOptions {
    fn default() -> Self {
        ProxyOptions {
            strict: false,
            preserve_host: false,
            timeout: Duration::from_secs(30),
            max_body: crate::run::DEFAULT_MAX_BODY,
            remedies: Arc::new(crate::remedy::OwnTerms),
            headers: Vec::new(),
        }
    }
}

/// What every listener of one `conform proxy` shares.
pub struct Session {
    sink: Arc<dyn EventSink>,
    run_id: String,
    started: Instant,
    started_at: String,
    /// Indexes are handed out when an exchange is reported, not when it arrives: a client that
    /// hangs up mid-exchange must not leave a gap that ordered reporters would wait on.
    next: AtomicUsize,
    counts: Mutex<Counts>,
    /// Grows with every exchange: a token a login returned is scrubbed wherever it shows next.
    redactor: Mutex<Redactor>,
}

impl Session {
    /// Starts the session's run on `sink` (one run, however many listeners).
    pub fn new(sink: Arc<dyn EventSink>) -> Arc<Session> {
        let run_id = crate::run::new_run_id();
        sink.event(&Event::RunStarted {
            run_id: &run_id,
            total: None,
        });
        Arc::new(Session {
            sink,
            run_id,
            started: Instant::now(),
            started_at: jiff::Timestamp::now().to_string(),
            next: AtomicUsize::new(0),
            counts: Mutex::new(Counts::default()),
            redactor: Mutex::new(Redactor::default()),
        })
    }

    /// How many exchanges were reported so far.
    pub fn exchanges(&self) -> usize {
        self.next.load(Ordering::SeqCst)
    }

    /// Ends the run: the summary, also sent to the sinks (report files are completed there).
    pub fn finish(&self) -> RunSummary {
        let summary = RunSummary {
            run_id: self.run_id.clone(),
            started_at: self.started_at.clone(),
            duration: self.started.elapsed(),
            counts: *self.counts.lock().unwrap_or_else(|p| p.into_inner()),
            interrupted: None,
        };
        self.sink.event(&Event::RunFinished { summary: &summary });
        summary
    }

    fn redactor(&self) -> std::sync::MutexGuard<'_, Redactor> {
        self.redactor.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn report(&self, mut result: crate::run::ScenarioResult) {
        let index = self.next.fetch_add(1, Ordering::SeqCst);
        // Numbered from 1, as a person counts the exchanges they made.
        result.id = format!("{}#{}", result.id, index + 1);
        result.path.clone_from(&result.id);
        self.sink.event(&Event::ScenarioStarted { id: &result.id });
        for step in &result.steps {
            self.sink.event(&Event::StepFinished {
                scenario: &result.id,
                step,
            });
        }
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .add(result.outcome);
        self.sink.event(&Event::ScenarioFinished {
            index,
            result: &result,
        });
    }
}

/// One target behind a listener.
pub struct Upstream {
    /// The spec of the API the target serves; exchanges are checked against it.
    pub api: Arc<ApiSpec>,
    /// The target's URL: the listener's root stands for it (`/servers` on the listener is
    /// `<URL>/servers`).
    pub base: Url,
    /// The target's credentials, applied to every request that matches an operation; `None`:
    /// the client's requests go as they were written.
    pub signer: Option<Signer>,
}

impl Upstream {
    /// `api`'s target at `base`, its requests forwarded as the client wrote them.
    pub fn new(api: Arc<ApiSpec>, base: Url) -> Self {
        Upstream {
            api,
            base,
            signer: None,
        }
    }
}

/// A listening proxy; [`Running::stop`] lets the exchanges in flight finish.
pub struct Running {
    /// The name of the API this listener proxies.
    pub api: String,
    /// The address the listener is bound to (127.0.0.1 and the actual port).
    pub addr: SocketAddr,
    /// The listener's root URL (`http://127.0.0.1:<port>`): clients use it instead of the target's.
    pub base_url: Url,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, waits up to `grace` for the exchanges in flight, then drops them.
    pub async fn stop(mut self, grace: Duration) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if tokio::time::timeout(grace, &mut self.task).await.is_err() {
            self.task.abort();
        }
    }
}

/// Why a listener could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    #[error("cannot listen on 127.0.0.1:{port}: {cause}")]
    /// The port is taken or not allowed.
    Bind {
        /// The port asked for (0: an ephemeral one).
        port: u16,
        /// What the system said.
        cause: std::io::Error,
    },
    #[error("{api}: the target URL `{url}` is not http or https")]
    /// The target's URL cannot be proxied.
    Scheme {
        /// The API whose target it is.
        api: String,
        /// The URL as configured.
        url: String,
    },
}

/// Serves `upstream` on 127.0.0.1:`port` (0: an ephemeral port) through `client`.
pub async fn start(
    upstream: Upstream,
    port: u16,
    client: reqwest::Client,
    options: ProxyOptions,
    session: Arc<Session>,
) -> Result<Running, ProxyError> {
    if !matches!(upstream.base.scheme(), "http" | "https") {
        return Err(ProxyError::Scheme {
            api: upstream.api.name.clone(),
            url: upstream.base.to_string(),
        });
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|cause| ProxyError::Bind { port, cause })?;
    let addr = listener
        .local_addr()
        .map_err(|cause| ProxyError::Bind { port, cause })?;
    let api = upstream.api.name.clone();
    // The proxy's own credentials are known before any exchange: scrubbed from the first one on.
    {
        let mut redactor = session.redactor();
        redactor.learn(&options.headers, "");
        for secret in upstream.signer.iter().flat_map(Signer::secrets) {
            redactor.add(secret);
        }
    }
    let shared = Arc::new(forward::Shared {
        matcher: Matcher::new(vec![upstream.api.clone()]),
        upstream,
        client,
        options,
        session,
        listener: addr,
    });
    let app = axum::Router::new()
        .fallback(forward::handle)
        .with_state(shared);
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    let base_url = Url::parse(&format!("http://{addr}")).map_err(|e| ProxyError::Bind {
        port,
        cause: std::io::Error::other(e),
    })?;
    Ok(Running {
        api,
        addr,
        base_url,
        shutdown: Some(tx),
        task,
    })
}

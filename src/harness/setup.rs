//! What a [`Harness`](super::Harness)'s trials share, started by the first trial that runs:
//! the process's tokio runtime, the servers of [`Source::Serve`], the built-in mocks and one
//! [`Runner`]; [`Setup`] holds them.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};

use reqwest::Url;

use super::HarnessError;
use crate::openapi::Registry;
use crate::run::{RunOptions, Runner};
use crate::scenario::Found;
use crate::targets::{Target, Targets, parse_base_url};

/// Where one API's calls go, as the builder was told.
pub(super) enum Source {
    Url(String),
    Target(Target),
    Serve(axum::Router),
}

/// One harness's specs and targets, and the runner built from them on first use.
pub(super) struct Setup {
    specs: PathBuf,
    sources: Vec<(String, Source)>,
    mocks: bool,
    options: RunOptions,
    runner: OnceLock<Result<Arc<Runner>, HarnessError>>,
}

impl Setup {
    pub(super) fn new(
        specs: PathBuf,
        sources: Vec<(String, Source)>,
        mocks: bool,
        options: RunOptions,
    ) -> Self {
        Setup {
            specs,
            sources,
            mocks,
            options,
            runner: OnceLock::new(),
        }
    }

    /// The runner, built (and the servers started) the first time a trial asks.
    pub(super) fn runner(&self) -> Result<Arc<Runner>, HarnessError> {
        self.runner.get_or_init(|| self.build()).clone()
    }

    fn build(&self) -> Result<Arc<Runner>, HarnessError> {
        let rt = runtime()?;
        let targets = self.targets(rt)?;
        // One client per runner, built inside the runtime that drives it.
        let client = rt
            .block_on(async { crate::run::http_client() })
            .map_err(|e| HarnessError::Client(e.to_string()))?;
        Ok(Arc::new(Runner::new(
            Arc::new(Registry::new(self.specs.clone())),
            Arc::new(targets),
            client,
            self.options.clone(),
        )))
    }

    fn targets(&self, rt: &tokio::runtime::Runtime) -> Result<Targets, HarnessError> {
        let mut targets = Targets::default();
        if self.mocks {
            targets.extend(mock_targets()?);
        }
        for (api, source) in &self.sources {
            let target = match source {
                Source::Url(url) => {
                    Target::new(parse_base_url(url).map_err(|e| HarnessError::Url {
                        api: api.clone(),
                        url: url.clone(),
                        reason: e.to_string(),
                    })?)
                }
                Source::Target(t) => t.clone(),
                Source::Serve(router) => Target::new(rt.block_on(serve(api, router.clone()))?),
            };
            targets.insert(api, target);
        }
        Ok(targets)
    }
}

/// The runtime every trial of the process runs its scenario on (and the servers live on): built
/// once, never dropped, so a server outlives the trial that started it.
pub(super) fn runtime() -> Result<&'static tokio::runtime::Runtime, HarnessError> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, HarnessError>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| HarnessError::Runtime(e.to_string()))
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Serves `router` on 127.0.0.1 at an ephemeral port for the rest of the process; its base URL.
async fn serve(api: &str, router: axum::Router) -> Result<Url, HarnessError> {
    let bind = |e: std::io::Error| HarnessError::Bind {
        api: api.to_owned(),
        reason: e.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(bind)?;
    let addr = listener.local_addr().map_err(bind)?;
    tokio::spawn(async move {
        // Serving ends only with the process; an accept error has nobody to tell but the trial
        // whose request then fails.
        let _ = axum::serve(listener, router).await;
    });
    Url::parse(&format!("http://{addr}/")).map_err(|e| HarnessError::Bind {
        api: api.to_owned(),
        reason: e.to_string(),
    })
}

/// The built-in mocks' targets, the mocks started once per process and kept for its life.
#[cfg(feature = "mock")]
fn mock_targets() -> Result<Targets, HarnessError> {
    static MOCKS: OnceLock<Result<Targets, HarnessError>> = OnceLock::new();
    static RUNNING: OnceLock<Vec<crate::mock::Running>> = OnceLock::new();
    MOCKS
        .get_or_init(|| {
            let (targets, running) = runtime()?
                .block_on(crate::mock::start_all(&Default::default()))
                .map_err(|e| HarnessError::Mocks(e.to_string()))?;
            let _ = RUNNING.set(running);
            Ok(targets)
        })
        .clone()
}

/// Without the mocks, [`Harness::mocks`](super::Harness) does not exist, so nothing asks.
#[cfg(not(feature = "mock"))]
fn mock_targets() -> Result<Targets, HarnessError> {
    Ok(Targets::default())
}

/// Held while a trial runs its scenario: `exclusive` scenarios run alone within this process, as
/// the runner runs them, since the trials of one process share the servers. (Under nextest every
/// trial has its own process and servers.)
pub(super) fn turn(found: &Found) -> Box<dyn std::any::Any> {
    static ALONE: RwLock<()> = RwLock::new(());
    let exclusive = crate::scenario::load(&found.path).is_ok_and(|(s, _)| s.exclusive);
    if exclusive {
        Box::new(ALONE.write().unwrap_or_else(|p| p.into_inner()))
    } else {
        Box::new(ALONE.read().unwrap_or_else(|p| p.into_inner()))
    }
}

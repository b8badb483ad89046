//! Mocks served in-process on 127.0.0.1: [`Running`] is one started mock. The default target of
//! `conform run` is the embedded mocks, started on ephemeral ports for the run.
//!
//! Today this holds the `fixture` API that the harness's own golden tests run against; the
//! reference mocks of the vendor APIs join it here, one file each.

mod fixture;

use std::net::SocketAddr;

use reqwest::Url;
use tokio::sync::oneshot;

/// APIs that have a built-in mock.
pub const APIS: &[&str] = &["fixture"];

/// The router of a built-in mock.
pub fn router(api: &str) -> Option<axum::Router> {
    match api {
        "fixture" => Some(fixture::router()),
        _ => None,
    }
}

/// A mock being served; stops when dropped or on [`Running::stop`].
pub struct Running {
    pub api: String,
    pub addr: SocketAddr,
    pub base_url: Url,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
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

/// Serves the mock of `api` on 127.0.0.1:`port` (0: an ephemeral port).
pub async fn start(api: &str, port: u16) -> std::io::Result<Running> {
    let app = router(api).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "no built-in mock for API `{api}` (mocks: {})",
                APIS.join(", ")
            ),
        )
    })?;
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
        Url::parse(&format!("http://{addr}")).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(Running {
        api: api.to_owned(),
        addr,
        base_url,
        shutdown: Some(tx),
        task: Some(task),
    })
}

//! Connections a target drops before answering: [`Dropped`] says how one broke under a
//! request ([`dropped_before_answer`] reads it from reqwest's error) and whether the request
//! was sent again ([`resendable`] says when that is safe), and [`Answers`] remembers the
//! last error answer of the run that left its connection open, so that the next request can
//! wait a moment for a close on its way, and a finding can name that answer.
//!
//! Why: servers (jupyter-server under tornado, httpbin under gunicorn) close a kept-alive
//! connection right after a 5xx without saying `Connection: close`. A client as quick as this
//! one sends its next request on that connection before it sees the close, and the innocent
//! request meets a reset.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::http::Headers;

/// How a connection broke before the target answered the request sent on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropKind {
    /// The connection closed before the request was written (hyper's "canceled"): the request
    /// never reached the target.
    Unsent,
    /// The request was written, then the connection was closed or reset with no (complete)
    /// answer: the target may have read it, even processed it.
    Unanswered,
}

/// A connection that broke before any answer came: what a server does when it closes a
/// kept-alive connection (after an error answer, without `Connection: close`) just as the next
/// request is sent on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// Whether the request could have reached the target.
    pub kind: DropKind,
    /// Whether it was sent again; the answer (or the failure) is then the second sending's.
    pub resent: bool,
    /// The method of the request that met it (after a redirect, maybe not the step's).
    pub method: reqwest::Method,
    /// The innermost cause of the first failure, in the OS's or hyper's words.
    pub cause: String,
}

/// Whether `e` is a connection that broke before any answer: hyper's "canceled" (the request was
/// never written) or "connection closed before message completed", or a reset or broken pipe.
/// A timeout, a failure to connect, a TLS failure or an answer hyper cannot parse is not.
pub(super) fn dropped_before_answer(e: &reqwest::Error) -> Option<DropKind> {
    use std::io::ErrorKind;
    if e.is_timeout() || e.is_connect() {
        return None;
    }
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_canceled() {
                return Some(DropKind::Unsent);
            }
            if h.is_incomplete_message() {
                return Some(DropKind::Unanswered);
            }
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionAborted
            )
        {
            return Some(DropKind::Unanswered);
        }
        src = s.source();
    }
    None
}

/// Whether a request whose connection broke before any answer may be sent again, once:
/// - one hyper never wrote ([`DropKind::Unsent`]) never reached the target, whatever its
///   method (hyper gives the request back only when "the message was never even started");
/// - an idempotent one (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) may be repeated by definition
///   (RFC 9110, section 9.2.2, allows a client to retry it after a connection failure): sent
///   twice, it means what it means once;
/// - any other (POST, PATCH) may have been read and processed before the connection broke,
///   and nothing the client sees proves it was not (a reset comes both from a server that
///   never read it and from one that read it and aborted): it is never sent again.
pub fn resendable(kind: DropKind, method: &reqwest::Method) -> bool {
    // Not `Method::is_idempotent`: it does not know QUERY, an extension method.
    kind == DropKind::Unsent || idempotent(method.as_str())
}

/// Whether a method is idempotent (RFC 9110, section 9.2.2), as [`resendable`] reads it.
pub fn idempotent(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE" | "QUERY"
    )
}

/// How long a request that must not be sent twice (a POST, a PATCH) waits when the run's last
/// answer was a 5xx that left its connection open: time for the close the server may be
/// sending to arrive, so that the pool drops that connection instead of lending it (what
/// Python's urllib3 does by checking a pooled socket before reuse). A heuristic, not a proof:
/// a close that comes later still breaks the request, and the finding then says why.
pub const GRACE: Duration = Duration::from_millis(20);

/// The run's answers, counted, and the last 5xx among them that left its connection open.
/// Two atomics on the common path, no lock and no allocation but for a 5xx.
#[derive(Debug, Default)]
pub struct Answers {
    /// Answers received so far, from any target.
    count: AtomicU64,
    /// `count` at the last 5xx that left its connection open; 0 for none.
    error_at: AtomicU64,
    /// That answer's origin (only a request to the same origin can meet its connection), and
    /// how a finding names it ("500 to POST /x (scenario `s`)").
    error: Mutex<(Option<url::Origin>, String)>,
}

impl Answers {
    /// Counts an answer from `url`; a 5xx without `Connection: close` is remembered, named by
    /// `name`.
    pub fn answered(
        &self,
        url: &url::Url,
        status: u16,
        headers: &Headers,
        name: impl FnOnce() -> String,
    ) {
        let n = self.count.fetch_add(1, Ordering::AcqRel) + 1;
        if status >= 500 && !closes(headers.get("connection")) {
            if let Ok(mut e) = self.error.lock() {
                *e = (Some(url.origin()), name());
            }
            self.error_at.store(n, Ordering::Release);
        }
    }

    /// Whether the run's last answer (no other since, from any target) was a 5xx from `url`'s
    /// origin that left its connection open. Two atomic loads unless it may be.
    pub fn after_kept_alive_error(&self, url: &url::Url) -> bool {
        self.kept_alive_error(url).is_some()
    }

    /// That answer, named, when it is still the run's last and came from `url`'s origin.
    pub fn kept_alive_error(&self, url: &url::Url) -> Option<String> {
        let at = self.error_at.load(Ordering::Acquire);
        if at == 0 || at != self.count.load(Ordering::Acquire) {
            return None;
        }
        let e = self.error.lock().ok()?;
        (e.0.as_ref() == Some(&url.origin())).then(|| e.1.clone())
    }
}

/// Whether a `Connection` header's value says the connection closes after this message.
pub fn closes(connection: Option<&str>) -> bool {
    connection.is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Headers;

    #[test]
    fn only_what_never_reached_the_target_or_is_idempotent_is_sent_again() {
        use reqwest::Method;
        let query = Method::from_bytes(b"QUERY").unwrap();
        for m in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            query,
        ] {
            assert!(resendable(DropKind::Unanswered, &m), "{m}");
            assert!(idempotent(m.as_str()), "{m}");
        }
        for m in [Method::POST, Method::PATCH] {
            assert!(
                !resendable(DropKind::Unanswered, &m),
                "{m} may be processed"
            );
            assert!(resendable(DropKind::Unsent, &m), "{m} never written");
            assert!(!idempotent(m.as_str()), "{m}");
        }
    }

    #[test]
    fn only_the_last_answer_counts_and_only_a_5xx_left_open_from_that_origin() {
        let a = Answers::default();
        let x = url::Url::parse("http://127.0.0.1:8000/x").expect("url");
        let other = url::Url::parse("http://127.0.0.1:9000/x").expect("url");
        let open: Headers = vec![("Content-Type".into(), "application/json".into())].into();
        let closed: Headers = vec![("Connection".into(), "keep-alive, Close".into())].into();
        a.answered(&x, 200, &open, || "200".into());
        assert!(!a.after_kept_alive_error(&x));
        a.answered(&x, 500, &closed, || "500 closed".into());
        assert!(!a.after_kept_alive_error(&x), "the server said it closes");
        a.answered(&x, 503, &open, || "503 to GET /x".into());
        assert_eq!(a.kept_alive_error(&x).as_deref(), Some("503 to GET /x"));
        assert!(
            !a.after_kept_alive_error(&other),
            "another origin's connection"
        );
        a.answered(&x, 201, &open, || "201".into());
        assert_eq!(a.kept_alive_error(&x), None, "another answer came since");
    }
}

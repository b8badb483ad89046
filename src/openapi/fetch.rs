//! [`fetch`]: a spec named by URL (`http://127.0.0.1:8888/api/spec.yaml`, as a server publishes
//! it), read once before anything runs. The rules are those of a spec file, plus the network's:
//! http or https only; [`super::SPEC_LIMIT`] applied while the body streams (a server that
//! sends more is cut off, whatever its `Content-Length` says); [`FETCH_TIMEOUT`] for the whole
//! exchange; a redirect followed only on the origin named (a spec cannot send conform to
//! another host), at most [`MAX_REDIRECTS`] times. Any other answer than 2xx is an error that
//! names the URL and the status.
//!
//! The text is then parsed as a file's is (YAML or JSON), every problem placed at the URL's
//! own line and column. Its `$ref`s to other files are refused: a spec
//! read from a URL is one document.

use std::path::Path;
use std::time::Duration;

use reqwest::Url;

use crate::source::{Diagnostic, Pos, SizeLimit};

/// How long fetching a spec may take, connecting and reading included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// How many redirects on the named origin are followed.
pub const MAX_REDIRECTS: usize = 5;

/// Whether `value` names a spec by URL rather than by file: it has a scheme (`x://`). An
/// http or https one is fetched; any other is refused by [`fetch`].
pub fn is_url(value: &str) -> bool {
    value.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// The text of the spec at `url`, fetched on a thread of its own (callers may or may not be
/// inside a runtime). Errors are placed at the URL.
pub fn fetch(url: &str) -> Result<String, Diagnostic> {
    fetch_within(url, super::SPEC_LIMIT)
}

/// [`fetch`] under `limit`.
fn fetch_within(url: &str, limit: SizeLimit) -> Result<String, Diagnostic> {
    let at = Path::new(url);
    let error = |m: String| Diagnostic::new(at, Pos::UNKNOWN, m);
    let parsed = Url::parse(url).map_err(|e| error(format!("not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(
            error(format!("scheme `{}` is not http or https", parsed.scheme()))
                .help("name the spec by an http(s) URL, or download it and name the file"),
        );
    }
    let fetched = std::thread::scope(|s| {
        s.spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| error(format!("cannot start the fetch: {e}")))?;
            runtime.block_on(get(&parsed, at, limit))
        })
        .join()
    });
    fetched.unwrap_or_else(|_| Err(error("the fetch stopped unexpectedly".into())))
}

/// The GET itself, under the rules of [`fetch`].
async fn get(url: &Url, at: &Path, limit: SizeLimit) -> Result<String, Diagnostic> {
    let error = |m: String| Diagnostic::new(at, Pos::UNKNOWN, m);
    let origin = url.origin();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.url().origin() != origin || attempt.previous().len() > MAX_REDIRECTS {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    let mut builder = reqwest::Client::builder()
        .redirect(policy)
        .connect_timeout(Duration::from_secs(10))
        .timeout(FETCH_TIMEOUT);
    if crate::http::is_loopback(url) {
        // A server on this machine is reached directly, whatever the proxy variables say.
        builder = builder.no_proxy();
    }
    let client = builder
        .build()
        .map_err(|e| error(format!("cannot build the HTTP client: {e}")))?;
    let mut response = client
        .get(url.clone())
        .header(
            reqwest::header::ACCEPT,
            "application/yaml, application/json;q=0.9, */*;q=0.5",
        )
        .send()
        .await
        .map_err(|e| unreachable(at, &e))?;
    let status = response.status();
    if status.is_redirection() {
        let to = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no `Location`");
        return Err(error(format!(
            "answered {status}, a redirect to {to}: conform follows a spec's redirects only on \
             the origin named, {MAX_REDIRECTS} at most"
        ))
        .help("name the URL the spec is served at"));
    }
    if !status.is_success() {
        return Err(error(format!("answered {status}, not the spec"))
            .help("check the URL: it must answer 2xx with the spec (YAML or JSON)"));
    }
    let too_large = |size: u64| {
        error(format!(
            "{size} bytes or more is over conform's limit of {} bytes ({} MiB) for {}",
            limit.bytes,
            limit.bytes >> 20,
            limit.what
        ))
        .help(limit.fix)
    };
    if let Some(len) = response.content_length()
        && len > limit.bytes
    {
        return Err(too_large(len));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(at, &e))? {
        let size = u64::try_from(bytes.len() + chunk.len()).unwrap_or(u64::MAX);
        if size > limit.bytes {
            return Err(too_large(size));
        }
        bytes.extend_from_slice(&chunk);
    }
    let text = crate::source::decode_text(at, bytes)?;
    refuse_controls(at, &text)?;
    Ok(text)
}

/// A control character YAML and JSON both forbid raw (any but tab, line feed, carriage return
/// and NEL) is refused at its line and column, and never echoed: the text comes from a server,
/// and a message that quoted it could drive the terminal that shows it.
fn refuse_controls(at: &Path, text: &str) -> Result<(), Diagnostic> {
    let forbidden = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}');
    let Some(offset) = text.find(forbidden) else {
        return Ok(());
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    let c = text[offset..].chars().next().unwrap_or_default();
    let pos = Pos::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    );
    Err(Diagnostic::new(
        at,
        pos,
        format!(
            "control character U+{:04X} in the spec: YAML and JSON do not allow it raw",
            u32::from(c)
        ),
    )
    .help("the server sent something that is not a YAML or JSON spec; check the URL"))
}

/// A request that got no answer, in the OS's words (the innermost cause).
fn unreachable(at: &Path, e: &reqwest::Error) -> Diagnostic {
    let mut cause = e.to_string();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let what = if e.is_timeout() {
        format!("no answer within {}s", FETCH_TIMEOUT.as_secs())
    } else {
        format!("cannot fetch the spec: {cause}")
    };
    Diagnostic::new(at, Pos::UNKNOWN, what).help(
        "check that the server is up and the URL is right, or download the spec and name the file",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_told_from_a_file() {
        assert!(is_url("http://127.0.0.1:8888/api/spec.yaml"));
        assert!(is_url("HTTPS://h/spec.json"));
        assert!(is_url("ftp://h/spec.json"));
        assert!(!is_url("api/openapi.yaml"));
        assert!(!is_url("/abs/openapi.yaml"));
        assert!(!is_url("C:\\specs\\openapi.yaml"));
        assert!(!is_url("://x"));
    }

    /// A server on 127.0.0.1 that answers each of `answers`, one connection each, in order.
    fn serve(answers: Vec<Vec<u8>>) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        std::thread::spawn(move || {
            for answer in answers {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = stream.write_all(&answer);
            }
        });
        base
    }

    const SMALL: SizeLimit = SizeLimit {
        bytes: 100,
        what: "a spec file",
        fix: "split it",
    };

    #[test]
    fn the_size_limit_holds_while_the_body_streams() {
        // Chunked: no length to refuse it by, so the count while reading cuts it off.
        let chunk = format!("{:x}\r\n{}\r\n", 60, "a".repeat(60));
        let chunked = format!(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{chunk}{chunk}0\r\n\r\n"
        );
        let declared =
            "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\nconnection: close\r\n\r\nopenapi";
        let fits =
            "HTTP/1.1 200 OK\r\ncontent-length: 14\r\nconnection: close\r\n\r\nopenapi: 3.1.0";
        let base = serve(vec![chunked.into(), declared.into(), fits.into()]);
        let url = format!("{base}/spec.yaml");
        let e = fetch_within(&url, SMALL).expect_err("over the limit");
        assert!(
            e.message
                .contains("120 bytes or more is over conform's limit of 100"),
            "{e}"
        );
        assert_eq!(e.path, Path::new(&url));
        let e = fetch_within(&url, SMALL).expect_err("declared over the limit");
        assert!(e.message.contains("1000 bytes or more"), "{e}");
        assert_eq!(fetch_within(&url, SMALL).expect("fits"), "openapi: 3.1.0");
    }

    #[test]
    fn a_redirect_is_followed_on_its_origin_only() {
        let fits =
            "HTTP/1.1 200 OK\r\ncontent-length: 14\r\nconnection: close\r\n\r\nopenapi: 3.1.0";
        let here = "HTTP/1.1 301 Moved\r\nlocation: /real.yaml\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let away = "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.2:9/spec.yaml\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let base = serve(vec![here.into(), fits.into(), away.into()]);
        let url = format!("{base}/spec.yaml");
        assert_eq!(fetch(&url).expect("same origin"), "openapi: 3.1.0");
        let e = fetch(&url).expect_err("another origin");
        assert!(
            e.message
                .contains("answered 302 Found, a redirect to http://127.0.0.2:9/spec.yaml"),
            "{e}"
        );
    }

    #[test]
    fn a_raw_control_character_is_refused_at_its_place_and_never_echoed() {
        let e = refuse_controls(
            Path::new("u"),
            "openapi: 3.1.0\ninfo: {title: \"a\u{1b}[2J\"}\n",
        )
        .expect_err("ESC");
        assert_eq!((e.pos.line, e.pos.col), (2, 17), "{e}");
        assert!(e.message.contains("U+001B"), "{e}");
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
        refuse_controls(Path::new("u"), "a:\tb\r\n\u{85}é\n").expect("allowed");
    }

    #[test]
    fn only_http_and_https_are_fetched() {
        let e = fetch("ftp://127.0.0.1/spec.yaml").expect_err("refused");
        assert!(e.message.contains("`ftp` is not http or https"), "{e}");
        assert_eq!(e.path, Path::new("ftp://127.0.0.1/spec.yaml"));
    }
}

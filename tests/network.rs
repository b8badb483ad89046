//! Networks, through the real binary: a forward proxy on 127.0.0.1 that alone knows the host
//! `api.conform.test` (forwarded to the fixture mock, or tunnelled by `CONNECT` to a TLS
//! server), and TLS servers with a CA made at test time, one of them requiring a client
//! certificate, all in front of the fixture mock. Each run is the passing fixtures
//! (`tests/fixtures/pass`), so a pass is a real pass and a failure is the network's.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use conform::mock::MockOptions;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::{Conform, Mocks, runtime, temp_dir, text};

/// Connections a test server accepts before it stops: far more than a test makes.
const MAX_CONNECTIONS: usize = 500;

/// The host only the test proxy resolves.
const PROXIED: &str = "http://api.conform.test/";

const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The passing fixtures with `extra` switches, in an environment with no proxy variable but
/// `env`'s (the test runner's own must not leak in).
fn run_pass(extra: &[&str], env: &[(&str, &str)]) -> (Output, Option<PathBuf>, Conform) {
    let mut args = vec!["run", "--specs", "tests/fixtures/specs"];
    args.extend_from_slice(extra);
    args.push("tests/fixtures/pass");
    let mut c = Conform::new(&args);
    for v in PROXY_VARS {
        c = c.env_remove(v);
    }
    let mut c = c.envs(env.iter().copied());
    let out = c.run();
    let reports = c.reports();
    (out, reports, c)
}

/// Asserts that the run stopped with exit 2 (an error, not a violation and not a panic) and
/// says `says`; its text.
fn errors(out: &Output, says: &str) -> String {
    let t = text(out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains(says), "expected {says:?} in:\n{t}");
    t
}

fn passed(out: &Output) -> bool {
    out.status.code() == Some(0)
        && text(out)
            .lines()
            .any(|l| l.starts_with("3 passed, 0 failed"))
}

/// Servers run on a runtime of their own, alive as long as this is.
struct Servers {
    rt: tokio::runtime::Runtime,
}

impl Servers {
    fn new() -> Servers {
        Servers { rt: runtime() }
    }

    /// A forward proxy: requests for `api.conform.test` go to `upstream`, a `CONNECT` to
    /// `api.conform.test:443` is tunnelled to `tunnel`, any other host gets 502. It keeps the
    /// head of each connection's first request.
    fn proxy(&self, upstream: SocketAddr, tunnel: Option<SocketAddr>) -> Proxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let listener = self
            .rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let heads = seen.clone();
        self.rt.spawn(async move {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((mut conn, _)) = listener.accept().await else {
                    break;
                };
                let heads = heads.clone();
                tokio::spawn(async move {
                    let Some(head) = read_head(&mut conn).await else {
                        return;
                    };
                    let text = String::from_utf8_lossy(&head).into_owned();
                    heads.lock().expect("lock").push(text.clone());
                    let target = text.split(' ').nth(1).unwrap_or("");
                    if let Some(tunnel) = tunnel
                        && text.starts_with("CONNECT api.conform.test:443 ")
                    {
                        let Ok(mut up) = TcpStream::connect(tunnel).await else {
                            return;
                        };
                        if conn.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.is_ok() {
                            let _ = tokio::io::copy_bidirectional(&mut conn, &mut up).await;
                        }
                        return;
                    }
                    if !target.starts_with(PROXIED) {
                        let _ = conn
                            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                            .await;
                        return;
                    }
                    // The mock takes absolute-form request targets as they are.
                    let Ok(mut up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    if up.write_all(&head).await.is_ok() {
                        let _ = tokio::io::copy_bidirectional(&mut conn, &mut up).await;
                    }
                });
            }
        });
        Proxy { addr, seen }
    }

    /// A TLS server on 127.0.0.1 in front of `upstream`, with `tls`'s certificate; returns its
    /// `https://` URL.
    fn tls(&self, upstream: SocketAddr, tls: rustls::ServerConfig) -> String {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let listener = self
            .rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        self.rt.spawn(async move {
            for _ in 0..MAX_CONNECTIONS {
                let Ok((conn, _)) = listener.accept().await else {
                    break;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A refused handshake ends here; the client reports it.
                    let Ok(Ok(mut conn)) =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(conn)).await
                    else {
                        return;
                    };
                    let Ok(mut up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut conn, &mut up).await;
                });
            }
        });
        format!("https://{addr}/")
    }
}

/// The request head (through the blank line), at most 64 KiB, within 10 s.
async fn read_head(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = conn.read(&mut buf).await.ok()?;
            if n == 0 || head.len() > 64 * 1024 {
                return None;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    Some(head)
}

struct Proxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn heads(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

fn fixture_mock() -> (Mocks, SocketAddr) {
    let mocks = Mocks::start(&["fixture"], &MockOptions::default());
    let url = url::Url::parse(&mocks.base("fixture")).expect("mock URL");
    let addr = url.socket_addrs(|| None).expect("address")[0];
    (mocks, addr)
}

#[test]
fn a_proxy_carries_user_targets_and_no_proxy_turns_it_off() {
    let (_mocks, mock) = fixture_mock();
    let servers = Servers::new();
    let proxy = servers.proxy(mock, None);
    let target = format!("fixture={PROXIED}");
    let through = [
        "--target",
        target.as_str(),
        // api.conform.test is not this machine: its state changes need the confirmation.
        "--allow-writes",
    ];

    // Credentials in the proxy URL reach the proxy, and nothing prints them.
    let with_auth = format!("http://alice:hunter2@{}", proxy.addr);
    let (out, reports, _keep) = run_pass(&through, &[("HTTP_PROXY", &with_auth)]);
    let t = text(&out);
    assert!(passed(&out), "through HTTP_PROXY: {t}");
    let heads = proxy.heads();
    assert!(
        heads
            .iter()
            .any(|h| h.starts_with("POST http://api.conform.test/")),
        "the proxy carried the run: {heads:?}"
    );
    // alice:hunter2, as Basic auth.
    assert!(
        heads
            .iter()
            // Header names in any case: HTTP says they are case-insensitive.
            .all(|h| h
                .to_ascii_lowercase()
                .contains("proxy-authorization: basic ")
                && h.contains("YWxpY2U6aHVudGVyMg==")),
        "{heads:?}"
    );
    assert!(
        t.contains(&format!(
            "proxy: http targets through http://***@{}/ (HTTP_PROXY)",
            proxy.addr
        )),
        "{t}"
    );
    let mut shown = t.clone();
    for entry in std::fs::read_dir(reports.expect("reports")).expect("reports") {
        shown += &std::fs::read_to_string(entry.expect("entry").path()).unwrap_or_default();
    }
    assert!(!shown.contains("hunter2"), "the proxy password leaked");

    // --no-proxy: the host resolves nowhere else.
    let before = proxy.heads().len();
    let no_proxy: Vec<&str> = through.iter().copied().chain(["--no-proxy"]).collect();
    let (out, _, _keep) = run_pass(&no_proxy, &[("HTTP_PROXY", &proxy.url())]);
    errors(
        &out,
        "error [transport] cannot connect to http://api.conform.test",
    );
    assert_eq!(
        proxy.heads().len(),
        before,
        "--no-proxy still used the proxy"
    );

    // NO_PROXY: the same, from the environment.
    let (out, _, _keep) = run_pass(
        &through,
        &[
            ("HTTP_PROXY", &proxy.url()),
            ("NO_PROXY", "localhost,.conform.test"),
        ],
    );
    errors(&out, "cannot connect to http://api.conform.test");
    assert_eq!(proxy.heads().len(), before, "NO_PROXY was not honoured");

    // ALL_PROXY stands in for HTTP_PROXY.
    let (out, _, _keep) = run_pass(&through, &[("all_proxy", &proxy.url())]);
    assert!(passed(&out), "through all_proxy: {}", text(&out));
}

#[test]
fn the_embedded_mocks_are_reached_directly_whatever_the_proxy_variables() {
    // Nothing listens on port 1: a run that used this proxy would fail.
    let dead = "http://127.0.0.1:1";
    let (out, _, _keep) = run_pass(&[], &[("HTTP_PROXY", dead), ("ALL_PROXY", dead)]);
    assert!(passed(&out), "{}", text(&out));
    // The same mock given as a user target does go through the proxy variables.
    let (mocks, _) = fixture_mock();
    let target = format!("fixture={}", mocks.base("fixture"));
    let (out, _, _keep) = run_pass(&["--target", &target], &[("HTTP_PROXY", dead)]);
    errors(
        &out,
        "error [transport] cannot connect to http://127.0.0.1:",
    );
}

#[test]
fn a_proxy_variable_that_is_not_a_url_is_a_clear_error() {
    let (mocks, _) = fixture_mock();
    let target = format!("fixture={}", mocks.base("fixture"));
    let (out, _, _keep) = run_pass(
        &["--target", &target],
        &[("HTTPS_PROXY", "socks5://bob:s3cret@127.0.0.1:1080")],
    );
    let t = errors(
        &out,
        "HTTPS_PROXY=socks5://***@127.0.0.1:1080 is not a usable proxy",
    );
    assert!(!t.contains("s3cret"), "{t}");
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, all made now and written
/// as PEM files.
struct Pki {
    dir: tempfile::TempDir,
    server: (CertificateDer<'static>, PrivateKeyDer<'static>),
    ca: CertificateDer<'static>,
}

impl Pki {
    fn new() -> Pki {
        let dir = temp_dir();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "conform test CA");
        let ca_key = KeyPair::generate().expect("key");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("key");
        let server_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "api.conform.test".to_owned()])
                .expect("params");
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("server certificate");

        let client_key = KeyPair::generate().expect("key");
        let mut client_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        client_params
            .distinguished_name
            .push(DnType::CommonName, "conform test client");
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params
            .signed_by(&client_key, &issuer)
            .expect("client certificate");

        let write = |name: &str, text: String| {
            std::fs::write(dir.path().join(name), text).expect("write");
        };
        write("ca.pem", ca_cert.pem());
        write("client.pem", client_cert.pem());
        write("client.key", client_key.serialize_pem());
        write("not-pem.pem", "this is not a certificate\n".to_owned());
        let server = (
            server_cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        );
        Pki {
            dir,
            server,
            ca: ca_cert.der().clone(),
        }
    }

    fn path(&self, name: &str) -> String {
        path_str(&self.dir.path().join(name))
    }

    fn server_config(&self, require_client_cert: bool) -> rustls::ServerConfig {
        let builder = rustls::ServerConfig::builder();
        let builder = if require_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(self.ca.clone()).expect("CA root");
            let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
                .build()
                .expect("client verifier");
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        builder
            .with_single_cert(vec![self.server.0.clone()], self.server.1.clone_key())
            .expect("server config")
    }
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("utf-8 temp path").to_owned()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect(name)
}

#[test]
fn a_private_ca_is_trusted_with_cacert_and_insecure_says_so_everywhere() {
    let (_mocks, mock) = fixture_mock();
    let pki = Pki::new();
    let servers = Servers::new();
    let url = servers.tls(mock, pki.server_config(false));
    let target = format!("fixture={url}");

    // Unknown CA: a certificate error on the step, not a panic.
    let (out, _, _keep) = run_pass(&["--target", &target], &[]);
    errors(&out, "cannot connect to https://127.0.0.1:");
    errors(
        &out,
        ": invalid peer certificate: UnknownIssuer; the server's certificate is not signed by a \
         CA this run trusts: pass that CA with --cacert FILE",
    );

    // Trusted with --cacert: a pass, and no report says insecure.
    let ca = pki.path("ca.pem");
    let (out, reports, _keep) = run_pass(&["--target", &target, "--cacert", &ca], &[]);
    assert!(passed(&out), "{}", text(&out));
    assert!(!text(&out).contains("insecure"), "{}", text(&out));
    let reports = reports.expect("reports");
    assert!(!read(&reports, "report.json").contains("insecure"));
    assert!(!read(&reports, "summary.md").contains("insecure"));

    // --insecure: a pass, marked loudly at the start and in every report.
    let (out, reports, _keep) = run_pass(&["--target", &target, "--insecure"], &[]);
    assert!(passed(&out), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("warning: --insecure: server certificates were not verified"),
        "{stderr}"
    );
    let reports = reports.expect("reports");
    let json: serde_json::Value =
        serde_json::from_str(&read(&reports, "report.json")).expect("report.json");
    assert_eq!(json["insecure"], serde_json::Value::Bool(true), "{json}");
    assert!(read(&reports, "report.html").contains("<p class=\"insecure\" role=\"alert\">"));
    assert!(read(&reports, "junit.xml").contains("<property name=\"conform.insecure\""));
    assert!(read(&reports, "summary.md").contains("> ⚠️ **--insecure: server certificates"));
}

#[test]
fn https_targets_go_through_the_proxy_in_a_tunnel() {
    let (_mocks, mock) = fixture_mock();
    let pki = Pki::new();
    let servers = Servers::new();
    let tls = servers.tls(mock, pki.server_config(false));
    let tls = url::Url::parse(&tls)
        .expect("URL")
        .socket_addrs(|| None)
        .expect("addr")[0];
    let proxy = servers.proxy(mock, Some(tls));
    let ca = pki.path("ca.pem");
    let args = [
        "--target",
        "fixture=https://api.conform.test/",
        "--allow-writes",
        "--cacert",
        &ca,
    ];
    let (out, _, _keep) = run_pass(&args, &[("HTTPS_PROXY", &proxy.url())]);
    assert!(passed(&out), "{}", text(&out));
    let heads = proxy.heads();
    assert!(
        heads
            .iter()
            .any(|h| h.starts_with("CONNECT api.conform.test:443 ")),
        "{heads:?}"
    );
    // HTTP_PROXY is for http targets only.
    let (out, _, _keep) = run_pass(&args, &[("HTTP_PROXY", &proxy.url())]);
    errors(&out, "cannot connect to https://api.conform.test");
}

#[test]
fn a_cacert_that_is_not_pem_names_the_file_and_what_was_expected() {
    let pki = Pki::new();
    let bad = pki.path("not-pem.pem");
    let (out, _, _keep) = run_pass(
        &["--target", "fixture=https://127.0.0.1:1/", "--cacert", &bad],
        &[],
    );
    errors(
        &out,
        &format!("{bad}: no certificate in it; expected one or more PEM certificates"),
    );
    let missing = pki.path("missing.pem");
    let (out, _, _keep) = run_pass(
        &[
            "--target",
            "fixture=https://127.0.0.1:1/",
            "--cacert",
            &missing,
        ],
        &[],
    );
    let t = errors(
        &out,
        &format!("cannot read the CA file {missing}: No such file"),
    );
    assert_eq!(t.matches("No such file").count(), 1, "said once: {t}");
}

#[test]
fn a_server_that_requires_a_client_certificate_gets_it_from_cert_and_key() {
    let (_mocks, mock) = fixture_mock();
    let pki = Pki::new();
    let servers = Servers::new();
    let url = servers.tls(mock, pki.server_config(true));
    let target = format!("fixture={url}");
    let ca = pki.path("ca.pem");
    let (cert, key) = (pki.path("client.pem"), pki.path("client.key"));

    let (out, _, _keep) = run_pass(&["--target", &target, "--cacert", &ca], &[]);
    // Refused without a certificate.
    errors(
        &out,
        "CertificateRequired; the server requires a client certificate: pass --cert FILE --key FILE",
    );

    let (out, _, _keep) = run_pass(
        &[
            "--target", &target, "--cacert", &ca, "--cert", &cert, "--key", &key,
        ],
        &[],
    );
    assert!(passed(&out), "{}", text(&out));

    // One without the other is a usage error, before anything runs.
    for half in [["--cert", &cert], ["--key", &key]] {
        let mut args = vec!["--target", &target];
        args.extend(half);
        let (out, _, _keep) = run_pass(&args, &[]);
        errors(&out, "required arguments were not provided");
    }
}

/// A target that redirects, and what it and the other origin received: the request heads the
/// target read, and how many connections the other origin (another port) accepted.
struct Redirecting {
    _rt: tokio::runtime::Runtime,
    target: String,
    elsewhere: String,
    heads: Arc<Mutex<Vec<String>>>,
    other_connections: Arc<std::sync::atomic::AtomicUsize>,
}

/// The target answers by the widget id's last digit: 1 redirects to the other origin, 2 to
/// widget 3 on its own origin, 3 is the widget, 4 is 401; anything else (what fuzz sends)
/// redirects to the other origin.
fn redirecting() -> Redirecting {
    let rt = runtime();
    let other = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let elsewhere = format!("http://{}/elsewhere", other.local_addr().expect("addr"));
    let other_connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = other_connections.clone();
    rt.spawn(async move {
        while let Ok((mut conn, _)) = other.accept().await {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = conn.shutdown().await;
        }
    });
    let listener = rt
        .block_on(TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let target = format!("http://{}", listener.local_addr().expect("addr"));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (seen, to) = (heads.clone(), elsewhere.clone());
    rt.spawn(async move {
        for _ in 0..MAX_CONNECTIONS {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(answer_redirecting(conn, to.clone(), seen.clone()));
        }
    });
    Redirecting {
        _rt: rt,
        target,
        elsewhere,
        heads,
        other_connections,
    }
}

async fn answer_redirecting(mut conn: TcpStream, elsewhere: String, seen: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let path = text.split(' ').nth(1).unwrap_or("/").to_owned();
    seen.lock().expect("lock").push(text);
    let rid = "x-request-id: req-00000000-0000-0000-0000-00000000beef\r\n";
    let redirect = |to: &str| {
        format!(
            "HTTP/1.1 302 Found\r\nconnection: close\r\n{rid}location: {to}\r\ncontent-length: 0\r\n\r\n"
        )
    };
    let reply = if path.starts_with("/widgets/") && path.ends_with('2') {
        redirect("/widgets/00000000-0000-0000-0000-000000000003")
    } else if path.starts_with("/widgets/") && path.ends_with('3') {
        let body = r#"{"id":"00000000-0000-0000-0000-000000000003","name":"w","size":1,"status":"ready","created_at":"2026-12-01T00:00:00Z"}"#;
        format!(
            "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\n{rid}content-length: {}\r\n\r\n{body}",
            body.len()
        )
    } else if path.starts_with("/widgets/") && path.ends_with('4') {
        let body = r#"{"error":"'_xsrf' argument missing"}"#;
        format!(
            "HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-type: application/json\r\n{rid}content-length: {}\r\n\r\n{body}",
            body.len()
        )
    } else {
        redirect(&elsewhere)
    };
    let _ = conn.write_all(reply.as_bytes()).await;
    let _ = conn.shutdown().await;
}

fn redirect_run(server: &Redirecting, scenario: &str, extra: &[&str]) -> Output {
    let target = format!("fixture={}", server.target);
    let mut args = vec![
        "run",
        "--no-report",
        "--no-proxy",
        "--specs",
        "tests/fixtures/specs",
        "--step-timeout",
        "5s",
        "--target",
        &target,
    ];
    args.extend_from_slice(extra);
    args.push(scenario);
    Conform::new(&args).output()
}

#[test]
fn a_redirect_is_the_targets_answer_and_nothing_reaches_another_origin() {
    let server = redirecting();
    let out = redirect_run(&server, "tests/fixtures/redirect/plain.yaml", &["-v"]);
    let t = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the 302 is checked as any status: {t}"
    );
    assert!(t.contains("302"), "{t}");
    assert!(
        t.contains(&server.target),
        "the URL that answered is named: {t}"
    );

    let out = redirect_run(&server, "tests/fixtures/redirect/follow-cross.yaml", &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(
        t.contains(&format!("Location: {}", server.elsewhere)) && t.contains("another origin"),
        "the finding names the Location: {t}"
    );

    let out = redirect_run(&server, "tests/fixtures/redirect/follow-same.yaml", &["-v"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "same-origin following: {t}");
    assert!(
        t.contains("000000000003"),
        "the request that answered is the one shown: {t}"
    );

    let fuzz_target = format!("fixture={}", server.target);
    let out = Conform::new(&[
        "fuzz",
        "--no-report",
        "--no-proxy",
        "--specs",
        "tests/fixtures/specs",
        "--target",
        &fuzz_target,
        "--seed",
        "7",
        "--max-examples",
        "3",
        "--shrink-runs",
        "0",
        "--allow-writes",
    ])
    .output();
    let t = text(&out);
    assert!(
        !t.contains("panicked") && server.heads.lock().expect("lock").len() > 5,
        "fuzz sent its requests to the target: {t}"
    );
    assert_eq!(
        server
            .other_connections
            .load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the other origin received nothing from run or fuzz"
    );
}

#[test]
fn extra_headers_reach_the_target_redacted_everywhere_and_a_steps_own_wins() {
    let server = redirecting();
    let dir = temp_dir();
    let har = dir.path().join("run.har");
    let reports = dir.path().join("reports");
    let targets = dir.path().join("targets.yaml");
    std::fs::write(
        &targets,
        format!(
            "fixture:\n  url: {}\n  auth: none\n  headers:\n    X-Jupyter-Token: ${{env.WIRE_TOKEN}}\n    X-Widget-Tenant: from-file\n",
            server.target
        ),
    )
    .expect("write");
    let (har_s, rep_s, tf_s) = (path_str(&har), path_str(&reports), path_str(&targets));
    let out = Conform::new(&[
        "run",
        "--no-proxy",
        "--specs",
        "tests/fixtures/specs",
        "--targets",
        &tf_s,
        "--header",
        "Authorization: token cli-s3cret-42",
        "-H",
        "X-Widget-Tenant: from-cli",
        "-vv",
        "--record",
        &har_s,
        "--report",
        &rep_s,
        "tests/fixtures/redirect/headers.yaml",
    ])
    .envs([("WIRE_TOKEN", "file-s3cret-77")])
    .output();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    let heads = server
        .heads
        .lock()
        .expect("lock")
        .join("\n")
        .to_ascii_lowercase();
    assert!(
        heads.contains("authorization: token cli-s3cret-42"),
        "{heads}"
    );
    assert!(heads.contains("x-jupyter-token: file-s3cret-77"), "{heads}");
    assert!(
        heads.contains("x-widget-tenant: from-step"),
        "the step's own wins: {heads}"
    );
    assert!(
        !heads.contains("from-cli") && !heads.contains("from-file"),
        "{heads}"
    );
    assert!(t.contains("Authorization: token <redacted>"), "{t}");
    let mut everything = t.clone();
    everything.push_str(&read(dir.path(), "run.har"));
    for entry in std::fs::read_dir(&reports).expect("reports") {
        let p = entry.expect("entry").path();
        everything.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
    }
    for secret in ["cli-s3cret-42", "file-s3cret-77"] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
}

#[test]
fn a_refusal_of_a_request_without_credentials_says_how_to_send_one() {
    let server = redirecting();
    let out = redirect_run(&server, "tests/fixtures/redirect/refused.yaml", &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains("carried no credential") && t.contains("--header 'Authorization:"),
        "{t}"
    );
    let out = redirect_run(
        &server,
        "tests/fixtures/redirect/refused.yaml",
        &["--header", "Authorization: token abcd1234"],
    );
    let t = text(&out);
    assert!(!t.contains("carried no credential"), "{t}");
    let out = redirect_run(
        &server,
        "tests/fixtures/redirect/refused.yaml",
        &["--header", "Authorization token"],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(2), "{t}");
    assert!(t.contains("expected `--header 'Name: value'`"), "{t}");
}

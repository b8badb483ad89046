//! The reference mock of LivePerson's Personal Data Deletion API (`rtbf`), faithful to
//! `specs/liveperson-deletion/` (its NOTES.md gives the vendor's pages): create, list, get and
//! cancel deletion requests under `Authorization: Bearer`, the 5-day grace period on the mock's
//! clock, the monthly quota, and the CSDS domain lookup that points clients at this mock.
//!
//! Records follow the vendor's *examples* (`siteid`, integer `request_id`, `null` for what has
//! not happened), not its table: conform warns about them, and `--strict` fails them.
//!
//! Errors are `{"code": <HTTP status>, "message": "..."}` (the spec's inferred envelope):
//! 400 bad input, 401 bad or missing token, 403 monthly quota used up, 404 unknown request,
//! 409 cancel of a cancelled or approved request.
//!
//! Faults implemented here (the transport ones come from the shared layer):
//! `wrong-success-status` (cancel answers 201), `missing-required-field` (`request_id` and
//! `is_canceled` left out), `wrong-type` (`is_canceled` as the string `"true"`),
//! `forbidden-transition` (cancel twice, and after approval, succeeds), `wrong-error-envelope`
//! (`{"error": {"status", "description"}}`), `wrong-error-code` (every error says `code: 400`).
//! `extra-field` has nothing to break: the error envelope is open.
//!
//! A clock jump (`X-Conform-Clock-Advance`) counts only for the account in the path of the
//! request that asked for it ([`record_jump`], `store::Store::now`), so a mock-only scenario
//! that jumps past the grace period cannot approve other scenarios' requests.

mod store;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use self::store::{CancelRefused, Filter, MONTHLY_QUOTA, Status, Store, Summary};
use super::{Clock, Fault, MockOptions};
use crate::targets::credentials::bearer::BearerAuth;
use crate::vendor::liveperson::discovery::RTBF_SERVICE;

/// The mock's one valid token. Fixed, so a person can paste it from `conform mock`'s output.
pub const TEST_TOKEN: &str = "lp-mock-token-5e1f0c2a";
/// The user the test token belongs to: the mock's `requested_by` and `cancelled_by`.
pub const TEST_USER: &str = "conform-mock-user";
/// Ids per deletion request (create page: "up to 100 unique ids").
const MAX_IDS: usize = 100;
const DELETION_TYPES: [&str; 4] = ["engagement", "conversation", "consumer", "ticketing"];

/// Why a request is turned away before it reaches the store.
type Refusal = (StatusCode, String);

#[derive(Clone)]
struct App {
    store: Arc<Mutex<Store>>,
    clock: Clock,
    fault: Option<Fault>,
}

impl App {
    /// The store, locked. Reads keep the guard for the lookup only and serialise after it: under
    /// load, two workers rendering behind one lock queued on each other (futex waits were 6% of
    /// the mock's CPU).
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-written (every change is
        // one insert or one field), so a poisoned lock is still good to use.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The time as `site` sees it (see [`record_jump`]).
    fn now(&self, store: &Store, site: &str) -> jiff::Timestamp {
        store.now(self.clock.now(), site)
    }

    fn is(&self, fault: Fault) -> bool {
        self.fault == Some(fault)
    }

    fn error(&self, status: StatusCode, message: impl Into<String>) -> Response {
        let message = message.into();
        let body = match self.fault {
            Some(Fault::WrongErrorEnvelope) => {
                json!({"error": {"status": status.as_u16(), "description": message}})
            }
            Some(Fault::WrongErrorCode) => json!({"code": 400, "message": message}),
            _ => json!({"code": status.as_u16(), "message": message}),
        };
        let mut resp = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: a 401 names the scheme the client should use.
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"rtbf\""),
            );
        }
        resp
    }

    /// A record as sent, with the fault applied.
    fn shaped(&self, mut v: Value) -> Value {
        if let Some(o) = v.as_object_mut() {
            match self.fault {
                Some(Fault::MissingRequiredField) => {
                    o.remove("request_id");
                    o.remove("is_canceled");
                }
                Some(Fault::WrongType) => {
                    if let Some(Value::Bool(b)) = o.get("is_canceled") {
                        let text = b.to_string();
                        o.insert("is_canceled".into(), Value::String(text));
                    }
                }
                _ => {}
            }
        }
        v
    }

    /// A summary as sent, with the fault applied (it has no `is_canceled` for `wrong-type`).
    fn shaped_summary(&self, mut s: Summary) -> Summary {
        if self.is(Fault::MissingRequiredField) {
            s.request_id = None;
        }
        s
    }

    /// The token check every deletion route starts with: the caller, or the refusal.
    fn authorize(&self, headers: &HeaderMap) -> Result<&'static str, Refusal> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match token {
            Some(TEST_TOKEN) => Ok(TEST_USER),
            Some(_) => Err((StatusCode::UNAUTHORIZED, "The token is not valid".into())),
            None => Err((
                StatusCode::UNAUTHORIZED,
                "Authorization: Bearer <token> is required".into(),
            )),
        }
    }

    /// Auth first (as the vendor's gateway does), then the site id of the path.
    fn admit(&self, headers: &HeaderMap, site: &str) -> Result<&'static str, Refusal> {
        let user = self.authorize(headers)?;
        if !is_site_id(site) {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("site_id `{site}` does not match ^[a-zA-Z0-9_]{{1,20}}$"),
            ));
        }
        Ok(user)
    }

    /// A refusal as an error response, so it carries the error faults too.
    fn refuse(&self, (status, message): Refusal) -> Response {
        self.error(status, message)
    }
}

fn is_site_id(s: &str) -> bool {
    (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

pub fn router(options: &MockOptions) -> Router {
    let app = App {
        store: Arc::default(),
        clock: options.clock.clone(),
        fault: options.fault,
    };
    Router::new()
        .route(
            "/api/account/{account}/service/{service}/baseURI.json",
            get(domain),
        )
        .route(
            "/api/account/{site}/personal-data-deletion",
            post(create).get(list),
        )
        .route("/api/account/{site}/personal-data-deletion/{id}", get(show))
        .route(
            "/api/account/{site}/personal-data-deletion/{id}/cancel",
            post(cancel),
        )
        // Before the layer, so unrouted requests book their clock jumps too.
        .fallback(|State(app): State<App>| async move {
            app.error(StatusCode::NOT_FOUND, "No such resource")
        })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            record_jump,
        ))
        .with_state(app)
}

/// Books every clock jump the shared layer applied to the account in the request's path
/// (`/api/account/{site}/...`, or no account), whatever the request's fate: a refused or
/// unrouted request moved the clock too, and a jump left unbooked would reach every account.
async fn record_jump(State(app): State<App>, req: Request, next: Next) -> Response {
    if let Some(by) = super::clock_jump(req.headers()) {
        let mut segments = req.uri().path().trim_start_matches('/').split('/');
        let site = match (segments.next(), segments.next(), segments.next()) {
            (Some("api"), Some("account"), Some(site)) => site,
            _ => "",
        };
        app.store().jump(site, by);
    }
    next.run(req).await
}

/// The CSDS lookup, answering this mock's own host for `rtbf`, so domain discovery can be
/// tested end to end against one server.
async fn domain(
    State(app): State<App>,
    Path((account, service)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if query.get("version").map(String::as_str) != Some("1.0") {
        return app.error(StatusCode::BAD_REQUEST, "version=1.0 is required");
    }
    if !is_site_id(&account) {
        return app.error(StatusCode::BAD_REQUEST, "not an account id");
    }
    if service != RTBF_SERVICE {
        return app.error(
            StatusCode::NOT_FOUND,
            format!("no service `{service}` for account {account}"),
        );
    }
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return app.error(StatusCode::BAD_REQUEST, "a Host header is required");
    };
    Json(json!({"service": service, "account": account, "baseURI": host})).into_response()
}

/// Why the mock answers 400: the message its error body carries.
#[derive(Debug)]
struct BadRequest(String);

impl From<String> for BadRequest {
    fn from(message: String) -> Self {
        BadRequest(message)
    }
}

/// The ids of a create body, or why it is refused: exactly one deletion type, 1 to 100 unique
/// string ids.
fn parse_create(body: &[u8]) -> Result<Value, BadRequest> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let Some(o) = v.as_object() else {
        return Err(BadRequest("the body must be a JSON object".into()));
    };
    let mut present = o.keys().filter(|k| DELETION_TYPES.contains(&k.as_str()));
    let (Some(kind), None) = (present.next(), present.next()) else {
        return Err(BadRequest(format!(
            "Only one deletion type may be sent per request: one of {}",
            DELETION_TYPES.join(", ")
        )));
    };
    if let Some(other) = o.keys().find(|k| !DELETION_TYPES.contains(&k.as_str())) {
        return Err(BadRequest(format!("unknown field `{other}`")));
    }
    let ids = o[kind]
        .as_array()
        .filter(|ids| {
            ids.iter()
                .all(|i| i.as_str().is_some_and(|s| !s.is_empty()))
        })
        .ok_or_else(|| format!("`{kind}` must be an array of non-empty strings"))?;
    if ids.is_empty() || ids.len() > MAX_IDS {
        return Err(BadRequest(format!(
            "`{kind}` must hold 1 to {MAX_IDS} ids, not {}",
            ids.len()
        )));
    }
    let unique: std::collections::HashSet<&str> = ids.iter().filter_map(Value::as_str).collect();
    if unique.len() != ids.len() {
        return Err(BadRequest(format!("the ids of `{kind}` must be unique")));
    }
    Ok(v)
}

async fn create(
    State(app): State<App>,
    Path(site): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let user = match app.admit(&headers, &site) {
        Ok(user) => user,
        Err(refusal) => return app.refuse(refusal),
    };
    let request = match parse_create(&body) {
        Ok(v) => v,
        Err(BadRequest(message)) => return app.error(StatusCode::BAD_REQUEST, message),
    };
    let mut store = app.store();
    let now = app.now(&store, &site);
    match store.create(&site, user, request.to_string(), now) {
        Some(d) => (StatusCode::CREATED, Json(app.shaped(d.record(now)))).into_response(),
        // The earlier create page's 429 ("threshold"), only under its fault profile.
        None if app.is(Fault::Quota429) => app.error(
            StatusCode::TOO_MANY_REQUESTS,
            "Requests threshold for current month was reached",
        ),
        // 403, the current create page's status; 429 would say "rate", not "quota".
        None => app.error(
            StatusCode::FORBIDDEN,
            format!("The monthly quota of {MONTHLY_QUOTA} deletion requests is used up"),
        ),
    }
}

/// A `yyyy-mm-dd` day that exists, or `None`.
fn day(text: &str) -> Option<String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    (shaped && text.parse::<jiff::civil::Date>().is_ok()).then(|| text.to_owned())
}

fn parse_filter(query: &HashMap<String, String>) -> Result<Filter, BadRequest> {
    let mut f = Filter::default();
    if let Some(s) = query.get("status") {
        let names: Vec<&str> = Status::ALL.iter().map(|s| s.name()).collect();
        f.status = Some(
            Status::parse(s)
                .ok_or_else(|| format!("status `{s}` is not one of {}", names.join(", ")))?,
        );
    }
    for (name, slot) in [("fromDate", &mut f.from), ("toDate", &mut f.to)] {
        if let Some(text) = query.get(name) {
            *slot = Some(day(text).ok_or_else(|| format!("{name} `{text}` is not yyyy-mm-dd"))?);
        }
    }
    if let (Some(from), Some(to)) = (&f.from, &f.to)
        && from > to
    {
        return Err(BadRequest(format!("fromDate {from} is after toDate {to}")));
    }
    Ok(f)
}

async fn list(
    State(app): State<App>,
    Path(site): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = app.admit(&headers, &site) {
        return app.refuse(refusal);
    }
    let filter = match parse_filter(&query) {
        Ok(f) => f,
        Err(BadRequest(message)) => return app.error(StatusCode::BAD_REQUEST, message),
    };
    let items: Vec<Summary> = {
        let store = app.store();
        let now = app.now(&store, &site);
        store
            .list(&site, &filter, now)
            .into_iter()
            .map(|d| app.shaped_summary(d.summary(now)))
            .collect()
    };
    Json(items).into_response()
}

fn not_found(app: &App, id: &str) -> Response {
    app.error(
        StatusCode::NOT_FOUND,
        format!("Deletion request {id} was not found"),
    )
}

async fn show(
    State(app): State<App>,
    Path((site, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = app.admit(&headers, &site) {
        return app.refuse(refusal);
    }
    let summary = {
        let store = app.store();
        let now = app.now(&store, &site);
        store.get(&site, &id).map(|d| d.summary(now))
    };
    match summary {
        Some(s) => Json([app.shaped_summary(s)]).into_response(),
        None => not_found(&app, &id),
    }
}

async fn cancel(
    State(app): State<App>,
    Path((site, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let user = match app.admit(&headers, &site) {
        Ok(user) => user,
        Err(refusal) => return app.refuse(refusal),
    };
    let mut store = app.store();
    let now = app.now(&store, &site);
    let allow_any = app.is(Fault::ForbiddenTransition);
    match store.cancel(&site, &id, user, now, allow_any) {
        Ok(d) => {
            let status = if app.is(Fault::WrongSuccessStatus) {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, Json(json!([app.shaped(d.record(now))]))).into_response()
        }
        Err(CancelRefused::NotFound) => not_found(&app, &id),
        Err(CancelRefused::AlreadyCanceled) => app.error(
            StatusCode::CONFLICT,
            format!("Deletion request {id} is already canceled"),
        ),
        Err(CancelRefused::Approved) => app.error(
            StatusCode::CONFLICT,
            format!("Deletion request {id} is approved (its grace period is over) and can no longer be canceled"),
        ),
    }
}

/// A target that reaches this mock at `base` with its test token.
pub fn target(base: &reqwest::Url) -> crate::targets::Target {
    let mut t = crate::targets::Target::new(base.clone());
    t.auth = Some(Arc::new(BearerAuth::new(TEST_TOKEN)));
    t
}

/// The test credentials, for people (`conform mock`).
pub fn credentials() -> Vec<(&'static str, String)> {
    vec![
        ("Authorization", format!("Bearer {TEST_TOKEN}")),
        // What `conform run --target liveperson-deletion=URL` reads the token from.
        ("LP_BEARER_TOKEN", TEST_TOKEN.into()),
        (
            "site_id",
            "any account id matching ^[a-zA-Z0-9_]{1,20}$".into(),
        ),
        (
            "domain lookup",
            "GET /api/account/{site_id}/service/rtbf/baseURI.json?version=1.0".into(),
        ),
    ]
}

/// Only the store's rules are unit-tested there; these pin what HTTP adds.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::liveperson::discovery::{DiscoveryError, discover_base_url};

    fn client() -> reqwest::Client {
        crate::run::http_client().expect("a client")
    }

    #[tokio::test]
    async fn discovery_finds_the_mock_through_its_own_csds() {
        let mock = crate::mock::start(
            "liveperson-deletion",
            0,
            &crate::mock::MockOptions::default(),
        )
        .await
        .expect("the mock starts");
        let found = discover_base_url(&client(), &mock.base_url, "le92186583", RTBF_SERVICE)
            .await
            .expect("the domain is found");
        assert_eq!(found, mock.base_url);
        mock.stop().await;
    }

    #[tokio::test]
    async fn discovery_reports_an_unknown_service_with_the_csds_answer() {
        let mock = crate::mock::start(
            "liveperson-deletion",
            0,
            &crate::mock::MockOptions::default(),
        )
        .await
        .expect("the mock starts");
        let err = discover_base_url(&client(), &mock.base_url, "le92186583", "nosuch")
            .await
            .expect_err("no such service");
        match err {
            DiscoveryError::Status { status, url, .. } => {
                assert_eq!(status, 404);
                assert!(
                    url.ends_with("/service/nosuch/baseURI.json?version=1.0"),
                    "{url}"
                );
            }
            other => panic!("unexpected error: {other}"),
        }
        mock.stop().await;
    }

    #[test]
    fn create_bodies_need_exactly_one_type_of_unique_ids() {
        assert!(parse_create(br#"{"consumer": ["a", "b"]}"#).is_ok());
        for bad in [
            &br#"{"consumer": ["a"], "engagement": ["b"]}"#[..],
            br#"{}"#,
            br#"{"consumer": []}"#,
            br#"{"consumer": ["a", "a"]}"#,
            br#"{"consumer": [1]}"#,
            br#"{"consumer": ["a"], "extra": 1}"#,
            br#"["consumer"]"#,
            b"not json",
        ] {
            assert!(
                parse_create(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let many: Vec<String> = (0..=MAX_IDS).map(|i| i.to_string()).collect();
        let body = json!({"ticketing": many}).to_string();
        assert!(parse_create(body.as_bytes()).is_err());
    }

    #[test]
    fn list_filters_are_checked() {
        let q = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(parse_filter(&q(&[("status", "CANCELED"), ("fromDate", "2017-12-01")])).is_ok());
        for bad in [
            q(&[("status", "canceled")]),
            q(&[("fromDate", "2017-12-1")]),
            q(&[("toDate", "2017-02-30")]),
            q(&[("fromDate", "2017-12-02"), ("toDate", "2017-12-01")]),
        ] {
            assert!(parse_filter(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn errors_carry_the_fault_of_the_profile() {
        let app = |fault| App {
            store: Arc::default(),
            clock: Clock::new(),
            fault,
        };
        let body = |r: Response| {
            futures_util::FutureExt::now_or_never(axum::body::to_bytes(r.into_body(), 1 << 16))
                .and_then(Result::ok)
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        };
        let ok = app(None).error(StatusCode::NOT_FOUND, "gone");
        assert!(ok.headers().get(header::WWW_AUTHENTICATE).is_none());
        assert_eq!(body(ok), Some(json!({"code": 404, "message": "gone"})));
        let code = app(Some(Fault::WrongErrorCode)).error(StatusCode::NOT_FOUND, "gone");
        assert_eq!(body(code), Some(json!({"code": 400, "message": "gone"})));
        let unauth = app(None).error(StatusCode::UNAUTHORIZED, "who");
        assert!(unauth.headers().get(header::WWW_AUTHENTICATE).is_some());
    }

    #[test]
    fn a_record_shows_its_time_like_the_vendors_examples() {
        let t = "2017-12-24T09:31:25Z".parse().expect("a timestamp");
        let mut s = Store::default();
        let d: &store::Deletion = s.create("le1", TEST_USER, "{}".into(), t).expect("quota");
        assert_eq!(d.record(t)["request_time"], "2017-12-24T09:31:25.000Z");
    }
}

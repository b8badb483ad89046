//! One request outside any scenario ([`Probed`]): what `conform fuzz` sends to learn how the
//! target answers a method the spec does not declare (TRACE), which no scenario can say (a
//! step calls an operation, with its method). The target's headers and credentials are put on
//! it as on any step, the rate limit holds, and the records kept of it are redacted.

use url::Url;

use super::result::{RequestRecord, ResponseRecord};
use super::step::RECORD_BODY_LIMIT;
use super::{Runner, send};
use crate::check::Finding;
use crate::http::{Body, Request, Response};

/// A probe's request as reports keep it, and the answer or why none came.
#[derive(Debug)]
pub struct Probed {
    /// The request sent, redacted.
    pub request: RequestRecord,
    /// The answer: its record (redacted) and the response itself, or the transport finding.
    pub response: Result<(ResponseRecord, Response), Finding>,
}

impl Runner {
    /// Sends `method` to `url` on `api`'s target as a step of `operation_id` would be sent
    /// (the target's headers and credentials, the step timeout), with no body. `None` when
    /// `api` has no target, or its credentials cannot be attached (a step says why).
    pub async fn probe(
        &self,
        api: &str,
        operation_id: &str,
        method: &str,
        url: Url,
    ) -> Option<Probed> {
        let target = self.targets.get(api)?;
        let mut headers = send::client_headers("application/json");
        for (name, value) in &target.headers {
            headers.set(name, value.clone());
        }
        let mut request = Request {
            operation_id: operation_id.to_owned(),
            method: method.to_owned(),
            url,
            headers,
            body: Body::new(Vec::new()),
        };
        if let Some(auth) = &target.auth {
            auth.apply(&mut request, &self.client).await.ok()?;
        }
        if let Some(limiter) = self.limiter(api) {
            limiter.acquire().await;
        }
        let mut dropped = None;
        let response = send::send(
            &self.client,
            &request,
            self.options.step_timeout,
            self.options.max_body,
            &mut dropped,
        )
        .await
        .map(|r| {
            (
                ResponseRecord::redacted(&r, &self.redactor, RECORD_BODY_LIMIT),
                r,
            )
        });
        Some(Probed {
            request: RequestRecord::redacted(&request, &self.redactor, RECORD_BODY_LIMIT),
            response,
        })
    }
}

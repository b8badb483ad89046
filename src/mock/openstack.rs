//! The reference mock of `openstack` (to be written): every route answers 501 until then.

use axum::Router;
use axum::http::StatusCode;

use super::MockOptions;

pub fn router(_options: &MockOptions) -> Router {
    Router::new().fallback(|| async { StatusCode::NOT_IMPLEMENTED })
}

/// A target that reaches this mock at `base` with its test credentials.
pub fn target(base: &reqwest::Url) -> crate::target::Target {
    crate::target::Target::new(base.clone())
}

/// The test credentials, for people (`conform mock` prints them).
pub fn credentials() -> Vec<(&'static str, String)> {
    Vec::new()
}

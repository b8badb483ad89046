//! [`BearerAuth`]: `Authorization: Bearer <token>`, the token as given (from a vendor's login
//! API or an OAuth 2.0 client).

use std::fmt;

use crate::targets::{Auth, AuthFuture, Prepared};

/// `Authorization: Bearer <token>` on every request.
#[derive(Clone)]
pub struct BearerAuth {
    token: String,
}

impl BearerAuth {
    /// Sends `token` as it is.
    pub fn new(token: impl Into<String>) -> Self {
        BearerAuth {
            token: token.into(),
        }
    }
}

// Written by hand so the token never reaches a log through `{:?}`.
impl fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerAuth")
            .field("token", &crate::redact::MARKER)
            .finish()
    }
}

impl Auth for BearerAuth {
    fn apply<'a>(&'a self, req: &'a mut Prepared, _: &'a reqwest::Client) -> AuthFuture<'a> {
        req.set_header("Authorization", format!("Bearer {}", self.token));
        Box::pin(async { Ok(()) })
    }

    fn secrets(&self) -> Vec<String> {
        vec![self.token.clone()]
    }

    fn describe(&self) -> String {
        "Authorization: Bearer token".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Url;

    #[tokio::test]
    async fn bearer_sets_the_header_and_names_its_secret() {
        let auth = BearerAuth::new("t0k3n");
        let mut req = Prepared {
            method: "GET".into(),
            url: Url::parse("http://127.0.0.1/").expect("a URL"),
            headers: vec![("authorization".into(), "old".into())].into(),
            body: Default::default(),
            operation_id: String::new(),
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client");
        auth.apply(&mut req, &client).await.expect("applied");
        assert_eq!(req.header("Authorization"), Some("Bearer t0k3n"));
        assert_eq!(req.headers.len(), 1);
        assert_eq!(auth.secrets(), vec!["t0k3n".to_owned()]);
        assert!(!format!("{auth:?}").contains("t0k3n"));
    }
}

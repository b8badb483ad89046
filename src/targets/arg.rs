//! [`TargetArg`]: a target as written on a command line, `API=URL` for one API or a bare `URL`
//! for every API; the one parser of it, whose [`TargetArgError`] says what is wrong in the
//! library's terms (the command line adds the flag it came from).

use reqwest::Url;

/// A target given as text: the API it is for (every API when `None`) and its base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetArg {
    /// The API named before `=`; `None` for a bare URL, which is for every API.
    pub api: Option<String>,
    /// The base URL: http or https, with no query or fragment.
    pub url: Url,
}

/// Why a target's text is not `API=URL` or `URL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetArgError {
    /// The URL part is not a base URL (`reason` says why).
    #[error("`{text}`: {reason}")]
    Url {
        /// The whole text as given, `API=` included.
        text: String,
        /// Why the URL part is refused.
        reason: super::BaseUrlError,
    },
    /// One API's target was required and the text names none.
    #[error("`{text}` names no API: expected API=URL, such as widgets=http://127.0.0.1:8080")]
    NoApi {
        /// The text as given.
        text: String,
    },
}

impl TargetArg {
    /// `API=URL` (the API named), or a bare `URL` for every API.
    pub fn parse(text: &str) -> Result<TargetArg, TargetArgError> {
        let (api, url) = match text.split_once('=') {
            Some((api, url)) if !api.contains("://") => (Some(api.to_owned()), url),
            _ => (None, text),
        };
        let url = super::parse_base_url(url).map_err(|reason| TargetArgError::Url {
            text: text.to_owned(),
            reason,
        })?;
        Ok(TargetArg { api, url })
    }

    /// `API=URL` only: an API and its URL, for a command that serves one API per target.
    pub fn parse_named(text: &str) -> Result<(String, Url), TargetArgError> {
        match TargetArg::parse(text)? {
            TargetArg {
                api: Some(api),
                url,
            } => Ok((api, url)),
            TargetArg { api: None, .. } => Err(TargetArgError::NoApi {
                text: text.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_and_its_url_or_a_url_for_every_api() {
        let t = TargetArg::parse("widgets=http://127.0.0.1:9/v1").expect("parses");
        assert_eq!(t.api.as_deref(), Some("widgets"));
        assert_eq!(t.url.as_str(), "http://127.0.0.1:9/v1");
        // A `=` in the URL's query-like part does not make an API of the scheme.
        let t = TargetArg::parse("http://127.0.0.1:9/a=b").expect("parses");
        assert_eq!(t.api, None);
    }

    #[test]
    fn errors_say_what_is_wrong_without_naming_a_flag() {
        let e = TargetArg::parse("widgets=ftp://x").expect_err("not http");
        assert!(
            e.to_string().contains("scheme `ftp` is not http or https"),
            "{e}"
        );
        let e = TargetArg::parse_named("http://127.0.0.1:9").expect_err("no API");
        assert!(matches!(e, TargetArgError::NoApi { .. }), "{e}");
        assert!(!e.to_string().contains("--"), "{e}");
    }
}

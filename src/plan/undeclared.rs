//! A step against what its operation declares, checked at load so nothing is sent for a
//! scenario that is wrong: the expected statuses are HTTP statuses and documented ones, the
//! path and query parameters are declared, and a header is not a near-miss of a declared one.
//! Each check gives a [`Problem`] that [`super::compile()`] turns into a diagnostic.

use crate::openapi::Operation;
use crate::openapi::ParamIn;
use crate::scenario::{StatusSpec, class_digit};
use crate::source::{Pos, Span, Spanned, did_you_mean, edit_distance};

/// What is wrong, where, and the fix.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub help: String,
}

/// Where `token` is written as a whole word on the line of `within`, from its start: the one
/// code of a list `[200, 2000]` to underline. `within` itself when it is not found there.
fn token_span(source: &str, within: Span, token: &str) -> Span {
    let Some(line) = source
        .lines()
        .nth((within.start.line as usize).wrapping_sub(1))
    else {
        return within;
    };
    let chars: Vec<char> = line.chars().collect();
    let t: Vec<char> = token.chars().collect();
    let from = (within.start.col as usize).saturating_sub(1);
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    (from..chars.len())
        .find(|&i| {
            chars.get(i..i + t.len()) == Some(&t[..])
                && (i == 0 || !word(chars.get(i - 1)))
                && !word(chars.get(i + t.len()))
        })
        .and_then(|i| {
            let col = u32::try_from(i + 1).ok()?;
            let end = u32::try_from(i + 1 + t.len()).ok()?;
            Some(Span {
                start: Pos::new(within.start.line, col),
                end: Pos::new(within.start.line, end),
            })
        })
        .unwrap_or(within)
}

/// A code outside 100–599 is not an HTTP status: no target can answer it. `source` is the
/// scenario's text, to underline the code itself in a list.
pub fn status_range(status: &Spanned<StatusSpec>, source: &str) -> Option<Problem> {
    let bad = status
        .value
        .codes()
        .into_iter()
        .find(|c| !(100..=599).contains(c))?;
    Some(Problem {
        span: token_span(source, status.span(), &bad.to_string()),
        message: format!("`{bad}` is not an HTTP status (they run from 100 to 599)"),
        help: "write a code such as `404`, a list `[200, 202]` or a class such as `4xx`".into(),
    })
}

/// An expected status the spec does not document for `op`, unless the step says it tests an
/// undocumented answer (`undocumented: true`).
pub fn undocumented(status: &Spanned<StatusSpec>, op: &Operation, source: &str) -> Option<Problem> {
    let class_documented = |c: &str| {
        class_digit(c).is_none_or(|digit| {
            op.responses.iter().any(|r| {
                r.key == "default" || r.key.as_bytes().first() == Some(&(b'0' + digit as u8))
            })
        })
    };
    let missing: Vec<String> = status
        .value
        .classes()
        .into_iter()
        .filter(|c| !class_documented(c))
        .map(str::to_owned)
        .chain(
            status
                .value
                .codes()
                .into_iter()
                .filter(|c| (100..=599).contains(c) && op.response(*c).is_none())
                .map(|c| c.to_string()),
        )
        .collect();
    let first = missing.first()?;
    Some(Problem {
        span: token_span(source, status.span(), first),
        message: format!(
            "status {} is not documented for {} (documented: {})",
            missing.join(", "),
            op.id,
            op.documented_statuses().join(", ")
        ),
        help: "expect a documented status, or add `undocumented: true` beside `status` if the \
               step tests an answer the spec leaves out"
            .into(),
    })
}

/// Names of `location` (`path` or `query`) parameters that `op` does not declare, each with
/// the closest declared one.
pub fn unknown_params(
    names: &[&Spanned<String>],
    op: &Operation,
    location: ParamIn,
) -> Vec<Problem> {
    // A querystring parameter is given by its name among the query ones.
    let also = (location == ParamIn::Query).then_some(ParamIn::Querystring);
    let declared: Vec<&str> = op
        .params
        .iter()
        .filter(|p| p.location == location || Some(p.location) == also)
        .map(|p| p.name.as_str())
        .collect();
    let whole = op
        .params_in(ParamIn::Querystring)
        .next()
        .filter(|_| also.is_some());
    names
        .iter()
        .filter(|n| !declared.contains(&n.value.as_str()))
        .map(|n| Problem {
            span: n.span(),
            message: format!("`{}` is not a {location} parameter of {}", n.value, op.id),
            help: match did_you_mean(n, declared.iter().copied()) {
                // The whole query string is one value: its fields go inside it.
                None if let Some(q) = whole => format!(
                    "{} takes its whole query string as `{}` (`in: querystring`): write \
                     `query: {{ {}: {{ {}: ... }} }}`",
                    op.id, q.name, q.name, n.value
                ),
                Some(c) => format!("did you mean `{c}`?"),
                None if declared.is_empty() && location == ParamIn::Query => format!(
                    "{} declares no query parameters: remove it, or add `invalid_request: true` \
                     to send it anyway",
                    op.id
                ),
                None if declared.is_empty() => {
                    format!("{} has no {location} parameters: remove it", op.id)
                }
                None => format!(
                    "{location} parameters of {}: {}",
                    op.id,
                    declared.join(", ")
                ),
            },
        })
        .collect()
}

/// Headers of the HTTP standards and common practice: sent freely, never "did you mean".
const STANDARD_HEADERS: &[&str] = &[
    "accept",
    "accept-encoding",
    "accept-language",
    "authorization",
    "cache-control",
    "content-encoding",
    "content-language",
    "content-length",
    "content-type",
    "cookie",
    "idempotency-key",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-unmodified-since",
    "origin",
    "prefer",
    "range",
    "referer",
    "user-agent",
    "x-correlation-id",
    "x-forwarded-for",
    "x-request-id",
];

/// Headers that look like a misspelling of one `op` declares (one or two letters off). Any
/// other header is allowed: APIs accept custom and standard headers that specs leave out.
pub fn misspelt_headers(names: &[&Spanned<String>], op: &Operation) -> Vec<Problem> {
    let declared: Vec<&str> = op
        .params_in(ParamIn::Header)
        .map(|p| p.name.as_str())
        .collect();
    names
        .iter()
        .filter(|n| {
            !declared.iter().any(|d| d.eq_ignore_ascii_case(&n.value))
                && !STANDARD_HEADERS.contains(&n.value.to_ascii_lowercase().as_str())
        })
        .filter_map(|n| {
            let near = did_you_mean(n, declared.iter().copied())?;
            (edit_distance(&n.to_ascii_lowercase(), &near.to_ascii_lowercase()) <= 2).then(|| {
                Problem {
                    span: n.span(),
                    message: format!(
                        "`{}` is not a header of {}, but `{near}` is",
                        n.value, op.id
                    ),
                    help: format!(
                        "did you mean `{near}`? (add `invalid_request: true` to send it as written)"
                    ),
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openapi::{Location, Param, Response};

    fn here() -> Location {
        Location {
            file: "spec.yaml".into(),
            pointer: String::new(),
        }
    }

    fn op() -> Operation {
        let param = |name: &str, location: ParamIn| {
            std::sync::Arc::new(Param {
                name: name.into(),
                location,
                required: false,
                schema: None,
                lenient: false,
            })
        };
        let response = |key: &str| Response {
            key: key.into(),
            headers: Vec::new(),
            content: Vec::new(),
            no_body: false,
            at: here(),
        };
        Operation {
            id: "getWidget".into(),
            method: "GET".into(),
            path: "/widgets/{id}".into(),
            params: vec![
                param("id", ParamIn::Path),
                param("verbose", ParamIn::Query),
                param("X-Widget-Tenant", ParamIn::Header),
            ],
            request_body: None,
            responses: vec![response("200"), response("404")],
            security: Vec::new(),
            requirements: Vec::new(),
            produces: None,
            accept: Default::default(),
            tags: Vec::new(),
            at: here(),
        }
    }

    fn at<T>(v: T) -> Spanned<T> {
        Spanned::new(v, Pos::new(1, 1))
    }

    #[test]
    fn a_status_must_be_an_http_status() {
        assert!(status_range(&at(StatusSpec::One(2000)), "").is_some());
        assert!(status_range(&at(StatusSpec::AnyOf(vec![200, 99])), "").is_some());
        assert!(status_range(&at(StatusSpec::One(599)), "").is_none());
        assert!(status_range(&at(StatusSpec::One(100)), "").is_none());
    }

    #[test]
    fn the_bad_code_of_a_list_is_underlined() {
        let src = "expect: {status: [200, 2000, 20]}\n";
        let status = Spanned::new(StatusSpec::AnyOf(vec![200, 2000, 20]), Pos::new(1, 18));
        let p = status_range(&status, src).expect("2000 is out of range");
        assert_eq!((p.span.start.col, p.span.end.col), (24, 28));
        // `20` is not found inside `200` or `2000`.
        assert_eq!(token_span(src, status.span(), "20").start.col, 30);
    }

    #[test]
    fn an_expected_status_must_be_documented() {
        let p = undocumented(&at(StatusSpec::One(418)), &op(), "").expect("418 is not documented");
        assert_eq!(
            p.message,
            "status 418 is not documented for getWidget (documented: 200, 404)"
        );
        assert!(undocumented(&at(StatusSpec::AnyOf(vec![200, 404])), &op(), "").is_none());
        assert!(undocumented(&at(StatusSpec::Class("4xx".into())), &op(), "").is_none());
        assert!(undocumented(&at(StatusSpec::Class("5xx".into())), &op(), "").is_some());
    }

    #[test]
    fn an_unknown_parameter_gets_the_nearest_declared_one() {
        let name = at("verbos".to_owned());
        let p = unknown_params(&[&name], &op(), ParamIn::Query);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].help, "did you mean `verbose`?");
        let ok = at("verbose".to_owned());
        assert!(unknown_params(&[&ok], &op(), ParamIn::Query).is_empty());
    }

    #[test]
    fn a_field_of_a_querystring_is_shown_inside_it() {
        let mut op = op();
        op.params = vec![std::sync::Arc::new(Param {
            name: "filter".into(),
            location: ParamIn::Querystring,
            required: true,
            schema: None,
            lenient: false,
        })];
        let ok = at("filter".to_owned());
        assert!(unknown_params(&[&ok], &op, ParamIn::Query).is_empty());
        let term = at("term".to_owned());
        let p = unknown_params(&[&term], &op, ParamIn::Query);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].help
                .contains("write `query: { filter: { term: ... } }`"),
            "{}",
            p[0].help
        );
    }

    #[test]
    fn only_a_near_miss_of_a_declared_header_is_refused() {
        let names: Vec<Spanned<String>> = [
            "X-Widget-Tenat",
            "x-widget-tenant",
            "Accept",
            "X-Request-Id",
            "X-Custom",
        ]
        .into_iter()
        .map(|s| at(s.to_owned()))
        .collect();
        let refs: Vec<&Spanned<String>> = names.iter().collect();
        let p = misspelt_headers(&refs, &op());
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.starts_with("`X-Widget-Tenat`"), "{p:?}");
    }
}

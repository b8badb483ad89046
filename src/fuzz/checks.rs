//! The catalogue of what `conform fuzz` checks ([`FuzzCheck`]): one stable kebab-case code per
//! rule, every failure the fuzzer reports carrying exactly one, and the selection of which
//! rules a run reports ([`Checks`]). The codes follow Schemathesis's catalogue
//! (`not_a_server_error`, `status_code_conformance`, `negative_data_rejection`, ...), spelt as
//! conform spells its check names.
//!
//! Most failures are findings of the ordinary response checks ([`CheckKind`]) on a generated
//! case, classified by the case's kind and the status it got (`FuzzCheck::of`); others come
//! from probes of the fuzzer's own (an undeclared method: `methods`).

use std::fmt;
use std::str::FromStr;

use super::engine::fails;
use crate::check::CheckKind;
use crate::run::{ScenarioResult, StepResult};

/// One rule `conform fuzz` checks, by its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FuzzCheck {
    /// A 5xx the operation does not document (and any 500), or no answer at all.
    ServerError,
    /// A status the spec does not document for the operation (not a 5xx, not one of the
    /// more specific rules below).
    StatusConformance,
    /// Content-Type, body presence and JSON well-formedness against the spec.
    ContentType,
    /// Response headers against the spec.
    ResponseHeaders,
    /// The response body against the spec's schema.
    ResponseSchema,
    /// A request that breaks one rule of the spec was not refused with a 4xx.
    InvalidDataAccepted,
    /// A request that conforms to the spec was refused with a 4xx the spec does not document.
    ValidDataRejected,
    /// A method the spec does not declare on a path was not answered 405 with `Allow`, or 501.
    UndeclaredMethod,
    /// An operation that declares security succeeded without credentials, or with wrong ones.
    CredentialsIgnored,
    /// The item a create answered with success reads as 404.
    CreateNotReadable,
    /// The item reads as a success after its delete succeeded.
    UseAfterDelete,
}

impl FuzzCheck {
    /// Every check, in the catalogue's order.
    pub const ALL: [FuzzCheck; 11] = [
        FuzzCheck::ServerError,
        FuzzCheck::StatusConformance,
        FuzzCheck::ContentType,
        FuzzCheck::ResponseHeaders,
        FuzzCheck::ResponseSchema,
        FuzzCheck::InvalidDataAccepted,
        FuzzCheck::ValidDataRejected,
        FuzzCheck::UndeclaredMethod,
        FuzzCheck::CredentialsIgnored,
        FuzzCheck::CreateNotReadable,
        FuzzCheck::UseAfterDelete,
    ];

    /// The stable code: what reports show and a selection names.
    pub fn code(self) -> &'static str {
        match self {
            FuzzCheck::ServerError => "server-error",
            FuzzCheck::StatusConformance => "status-conformance",
            FuzzCheck::ContentType => "content-type",
            FuzzCheck::ResponseHeaders => "response-headers",
            FuzzCheck::ResponseSchema => "response-schema",
            FuzzCheck::InvalidDataAccepted => "invalid-data-accepted",
            FuzzCheck::ValidDataRejected => "valid-data-rejected",
            FuzzCheck::UndeclaredMethod => "undeclared-method",
            FuzzCheck::CredentialsIgnored => "credentials-ignored",
            FuzzCheck::CreateNotReadable => "create-not-readable",
            FuzzCheck::UseAfterDelete => "use-after-delete",
        }
    }

    /// What the check asks of the target, in one line.
    pub fn description(self) -> &'static str {
        match self {
            FuzzCheck::ServerError => {
                "no 500, no undocumented 5xx, and an answer (no reset connection or timeout)"
            }
            FuzzCheck::StatusConformance => "every status is one the spec documents",
            FuzzCheck::ContentType => {
                "Content-Type, body presence and JSON well-formedness as the spec documents"
            }
            FuzzCheck::ResponseHeaders => "response headers as the spec documents them",
            FuzzCheck::ResponseSchema => "every response body matches its schema in the spec",
            FuzzCheck::InvalidDataAccepted => {
                "a request breaking one rule of the spec is refused with a 4xx"
            }
            FuzzCheck::ValidDataRejected => {
                "a request conforming to the spec gets no 4xx the spec leaves undocumented"
            }
            FuzzCheck::UndeclaredMethod => {
                "a method the spec does not declare on a path gets 405 with `Allow`, or 501"
            }
            FuzzCheck::CredentialsIgnored => {
                "an operation that declares security does not succeed without credentials, \
                 nor with wrong ones"
            }
            FuzzCheck::CreateNotReadable => "the item a create made can be read at once (no 404)",
            FuzzCheck::UseAfterDelete => "a deleted item reads as 404 or 410, not a success",
        }
    }

    /// The check the first failure of a generated case's `result` breaks, the case being of
    /// `kind` (`valid`, `boundary`, `negative`): by the kind and the status for a status
    /// finding, else by the check that found it. `None` when nothing fails, or for a failure
    /// of the run rather than the target (a scenario that does not compile, a limit of the
    /// harness, an interrupt): those are always reported.
    pub(super) fn of(kind: &str, result: &ScenarioResult) -> Option<FuzzCheck> {
        let (step, f) = result.findings().find(|(_, f)| fails(f.severity))?;
        FuzzCheck::classify(kind == "negative", f.check, step.status)
    }

    /// What a failing finding of `check` on a step that got `status` breaks.
    ///
    /// A valid request refused with a 4xx the spec does not document is valid data rejected,
    /// but 401, 403 and 404 (as Schemathesis's `positive_data_acceptance`): a generated id that
    /// names nothing, a credential that does not reach that far, are answers to a valid request;
    /// that they are undocumented is status conformance. A documented 4xx (a 409 conflict) is
    /// no failure at all: the case's scenario accepts every documented status.
    fn classify(negative: bool, check: CheckKind, status: Option<u16>) -> Option<FuzzCheck> {
        let is_status = matches!(check, CheckKind::Status | CheckKind::UndocumentedStatus);
        Some(match (check, status) {
            (CheckKind::Transport, _) => FuzzCheck::ServerError,
            (_, Some(500..=599)) if is_status => FuzzCheck::ServerError,
            (_, None) if is_status => FuzzCheck::ServerError,
            (_, Some(401 | 403 | 404)) if is_status && !negative => FuzzCheck::StatusConformance,
            (_, Some(400..=499)) if is_status && !negative => FuzzCheck::ValidDataRejected,
            (_, Some(100..=399)) if is_status && negative => FuzzCheck::InvalidDataAccepted,
            _ if is_status => FuzzCheck::StatusConformance,
            (CheckKind::Content, _) => FuzzCheck::ContentType,
            (CheckKind::Header, _) => FuzzCheck::ResponseHeaders,
            (CheckKind::Schema | CheckKind::Body, _) => FuzzCheck::ResponseSchema,
            _ => return None,
        })
    }
}

impl fmt::Display for FuzzCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A code that names no check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{code}` is not a check of `conform fuzz`; the checks are: {}",
    codes()
)]
#[non_exhaustive]
pub struct UnknownCheck {
    /// The code as given.
    pub code: String,
}

fn codes() -> String {
    FuzzCheck::ALL.map(FuzzCheck::code).join(", ")
}

impl FromStr for FuzzCheck {
    type Err = UnknownCheck;

    /// A check by its code (`server-error`); `_` is read as `-`, so Schemathesis's
    /// `not_a_server_error` style of spelling a code is not needed but `server_error` works.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        FuzzCheck::ALL
            .into_iter()
            .find(|c| c.code() == wanted)
            .ok_or_else(|| UnknownCheck { code: s.to_owned() })
    }
}

/// Which checks a run reports: every one but those excluded, or only those named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checks {
    /// Only these, when given (an empty list keeps none).
    pub only: Option<Vec<FuzzCheck>>,
    /// Never these.
    pub excluded: Vec<FuzzCheck>,
}

impl Checks {
    /// Whether failures of `check` are reported (and its probes sent).
    pub fn keeps(&self, check: FuzzCheck) -> bool {
        !self.excluded.contains(&check) && self.only.as_ref().is_none_or(|o| o.contains(&check))
    }

    /// Whether a failure classified as `check` is reported: one of the run itself (`None`)
    /// always is.
    pub(super) fn keeps_failure(&self, check: Option<FuzzCheck>) -> bool {
        check.is_none_or(|c| self.keeps(c))
    }
}

/// `message` with the code of the check it breaks in front: `[server-error] expected ...`, as a
/// saved scenario's comment says it.
pub(super) fn labelled(check: Option<FuzzCheck>, message: &str) -> String {
    match check {
        Some(c) => format!("[{c}] {message}"),
        None => message.to_owned(),
    }
}

/// Names the check in each step of a failure that has a failing finding (`... [server-error]`),
/// so the reports (the JSON report's step names among them) say which rule broke.
pub(super) fn tag(steps: &mut [StepResult], check: Option<FuzzCheck>) {
    let Some(check) = check else { return };
    for s in steps {
        if s.findings.iter().any(|f| fails(f.severity)) {
            s.name = format!("{} [{check}]", s.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_and_an_unknown_one_lists_them() {
        for c in FuzzCheck::ALL {
            assert_eq!(c.code().parse::<FuzzCheck>(), Ok(c));
            assert!(!c.description().is_empty());
        }
        assert_eq!(
            "server_error".parse::<FuzzCheck>(),
            Ok(FuzzCheck::ServerError)
        );
        let e = "crash".parse::<FuzzCheck>().unwrap_err().to_string();
        assert!(
            e.contains("`crash`") && e.contains("server-error, status-conformance"),
            "{e}"
        );
        assert!(!e.contains("--"), "no flag in library text: {e}");
    }

    #[test]
    fn a_failure_is_classified_by_its_case_and_status() {
        use CheckKind::*;
        let of = |negative, c, s| FuzzCheck::classify(negative, c, s);
        assert_eq!(of(false, Status, Some(500)), Some(FuzzCheck::ServerError));
        assert_eq!(
            of(true, UndocumentedStatus, Some(502)),
            Some(FuzzCheck::ServerError)
        );
        assert_eq!(of(false, Transport, None), Some(FuzzCheck::ServerError));
        assert_eq!(
            of(true, Status, Some(201)),
            Some(FuzzCheck::InvalidDataAccepted)
        );
        assert_eq!(
            of(true, Status, Some(302)),
            Some(FuzzCheck::InvalidDataAccepted)
        );
        assert_eq!(
            of(false, Status, Some(400)),
            Some(FuzzCheck::ValidDataRejected)
        );
        assert_eq!(
            of(false, UndocumentedStatus, Some(422)),
            Some(FuzzCheck::ValidDataRejected)
        );
        assert_eq!(
            of(false, Status, Some(404)),
            Some(FuzzCheck::StatusConformance)
        );
        assert_eq!(
            of(true, UndocumentedStatus, Some(400)),
            Some(FuzzCheck::StatusConformance)
        );
        assert_eq!(
            of(false, Status, Some(302)),
            Some(FuzzCheck::StatusConformance)
        );
        assert_eq!(
            of(false, Schema, Some(200)),
            Some(FuzzCheck::ResponseSchema)
        );
        assert_eq!(of(false, Content, Some(200)), Some(FuzzCheck::ContentType));
        assert_eq!(
            of(false, Header, Some(200)),
            Some(FuzzCheck::ResponseHeaders)
        );
        assert_eq!(of(false, Scenario, None), None);
    }

    #[test]
    fn a_selection_keeps_what_it_names_and_drops_what_it_excludes() {
        let all = Checks::default();
        assert!(FuzzCheck::ALL.iter().all(|c| all.keeps(*c)));
        let only = Checks {
            only: Some(vec![FuzzCheck::ServerError]),
            excluded: vec![],
        };
        assert!(only.keeps(FuzzCheck::ServerError) && !only.keeps(FuzzCheck::ResponseSchema));
        let except = Checks {
            only: None,
            excluded: vec![FuzzCheck::UndeclaredMethod],
        };
        assert!(!except.keeps(FuzzCheck::UndeclaredMethod) && except.keeps_failure(None));
        assert!(except.keeps(FuzzCheck::ServerError));
    }
}

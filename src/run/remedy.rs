//! [`Remedies`]: what a message of the runner tells its user to change, in the words of the
//! program that drives it. The runner knows settings (a target per API, allowing writes,
//! stopping at the first failure), not how they are given: the command line has flags, a test
//! harness has methods. [`OwnTerms`] says them in the library's terms.

/// The help of the runner's messages that ask the user to change a setting.
pub trait Remedies: Send + Sync + std::fmt::Debug {
    /// How to give `api` a target (its base URL).
    fn give_target(&self, api: &str) -> String;
    /// How to let a scenario change state on a target that is neither a mock nor local: or to
    /// see its requests without sending them, or to select a read-only subset.
    fn allow_writes(&self) -> String;
    /// The setting that stops starting scenarios after the first failure, as the user calls it.
    fn fail_fast(&self) -> String;
    /// How to send a credential the spec does not declare (a header on every request).
    fn send_credentials(&self) -> String;
}

/// The runner's own words, for a caller that gives the settings in code.
#[derive(Debug, Clone, Copy, Default)]
pub struct OwnTerms;

impl Remedies for OwnTerms {
    fn give_target(&self, api: &str) -> String {
        format!("give `{api}` a target: its base URL, such as http://host:port")
    }

    fn allow_writes(&self) -> String {
        "allow writes (`RunOptions::allow_writes`) to confirm, run dry to see the requests, \
         or select a read-only subset"
            .into()
    }

    fn fail_fast(&self) -> String {
        "fail-fast".into()
    }

    fn send_credentials(&self) -> String {
        "give the target the header that carries one (`Target::add_headers`, such as \
         `Authorization: token ...`)"
            .into()
    }
}

//! [`Remedies`]: how a library message names a setting it asks its user to change, in the
//! words of the program that drives the library. The library knows settings (a target per API,
//! allowing writes, stopping at the first failure, the clean-up budget), not how they are
//! given: the command line has flags, a test harness has methods. A message names a
//! [`Setting`] through the caller's [`Remedies`]; [`OwnTerms`] says them in the library's
//! terms, and the CLI implements the trait with its flags. No module below the CLI spells a
//! flag (`scripts/flag-words.py` checks it).

/// A setting of a run, a proxy or a report that a message may name.
/// Exhaustive on purpose: a new setting does not compile until the CLI names its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Stop starting scenarios after the first failure.
    FailFast,
    /// How long clean-up steps may still run after an interrupt.
    CleanupTimeout,
    /// Fail the lenient readings of documents that contradict themselves.
    Strict,
    /// Server certificates not verified.
    Insecure,
    /// The least coverage a run must reach.
    MinCoverage,
    /// A target's base URL given outside a targets file.
    Target,
    /// The largest response or request body read.
    MaxBody,
    /// How long a proxied exchange may take.
    Timeout,
    /// The spec of one API, named by file or URL wherever it is.
    Spec,
}

/// The help of the library's messages that ask the user to change a setting.
pub trait Remedies: Send + Sync + std::fmt::Debug {
    /// How to give `api` a target (its base URL).
    fn give_target(&self, api: &str) -> String;
    /// How to let a scenario change state on a target that is neither a mock nor local: or to
    /// see its requests without sending them, or to select a read-only subset.
    fn allow_writes(&self) -> String;
    /// How to give a variable a value from outside the scenarios.
    fn give_var(&self) -> String;
    /// `setting`, as the user calls it: a flag on the command line, a field or a method in
    /// code. Messages put it in code quotes or before a colon.
    fn name(&self, setting: Setting) -> String;
    /// How to send a credential the spec does not declare (a header on every request).
    fn send_credentials(&self) -> String;
}

/// The library's own words, for a caller that gives the settings in code.
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

    fn give_var(&self) -> String {
        "give it a value from outside (`RunOptions::inputs`)".into()
    }

    fn send_credentials(&self) -> String {
        "give the target the header that carries one (`Target::add_headers`, such as \
         `Authorization: token ...`)"
            .into()
    }

    fn name(&self, setting: Setting) -> String {
        match setting {
            Setting::FailFast => "fail-fast",
            Setting::CleanupTimeout => "Interrupt::new",
            Setting::Strict => "RunOptions::strict",
            Setting::Insecure => "certificate verification off",
            Setting::MinCoverage => "the coverage gate",
            Setting::Target => "the given target",
            Setting::MaxBody => "the body limit",
            Setting::Timeout => "ProxyOptions::timeout",
            Setting::Spec => "SpecFiles::parse",
        }
        .into()
    }
}

/// The library's own words, as a `'static` reference for defaults.
pub static OWN_TERMS: OwnTerms = OwnTerms;

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Setting; 9] = [
        Setting::FailFast,
        Setting::CleanupTimeout,
        Setting::Strict,
        Setting::Insecure,
        Setting::MinCoverage,
        Setting::Target,
        Setting::MaxBody,
        Setting::Timeout,
        Setting::Spec,
    ];

    #[test]
    fn the_librarys_own_words_name_no_flag() {
        let own = OwnTerms;
        let words: Vec<String> = ALL
            .iter()
            .map(|s| own.name(*s))
            .chain([
                own.give_target("widgets"),
                own.allow_writes(),
                own.give_var(),
            ])
            .collect();
        for w in &words {
            assert!(!w.is_empty() && !w.contains("--"), "{w}");
        }
        let mut distinct = words.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            words.len(),
            "each setting has its own words"
        );
    }
}

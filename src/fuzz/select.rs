//! Which operations a fuzzing run takes: a [`Selection`] of [`Pattern`]s to include (none: all)
//! and to exclude. A pattern names an operation by its `operationId` (the whole id, or text the
//! id contains, as the first selector did; `*` in it is a wildcard), by its path template with a
//! glob (`/api/kernels/*`), or by tag (`tag:kernels`).
//!
//! The glob is matched simply, with no crate: `*` stands for any text within one path segment
//! (no `/`), `**` for any text across segments, everything else is literal (the braces of a
//! template parameter too: `/pets/{petId}` is matched by `/pets/*` and by `/pets/{petId}`).

use crate::openapi::{ApiSpec, Operation};

/// One way of naming operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// An `operationId`: equal to it, contained in it, or matching it as a glob with `*`.
    Id(String),
    /// A glob over the path template (it starts with `/`).
    Path(String),
    /// An operation carrying this tag (`tag:NAME`).
    Tag(String),
}

/// A pattern that cannot select anything, or one that selects no operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// Empty text, or `tag:` with no name.
    #[error(
        "`{0}` names no operation: expected an operationId, a path glob such as `/pets/*`, or \
         `tag:NAME`"
    )]
    Empty(String),
    /// Nothing in the specs matches the pattern; `ids` are the operations there are.
    #[error("`{pattern}` matches no operation; the operations are: {}", ids.join(", "))]
    NoMatch {
        /// The pattern as given.
        pattern: String,
        /// Every operation id of the specs searched, for the fix.
        ids: Vec<String>,
    },
}

impl Pattern {
    /// Reads one pattern: `tag:NAME`, a path glob starting with `/`, else an operation id.
    pub fn parse(text: &str) -> Result<Pattern, SelectError> {
        let text = text.trim();
        if let Some(tag) = text.strip_prefix("tag:") {
            let tag = tag.trim();
            if tag.is_empty() {
                return Err(SelectError::Empty(text.to_owned()));
            }
            return Ok(Pattern::Tag(tag.to_owned()));
        }
        if text.is_empty() {
            return Err(SelectError::Empty(text.to_owned()));
        }
        if text.starts_with('/') {
            return Ok(Pattern::Path(text.to_owned()));
        }
        Ok(Pattern::Id(text.to_owned()))
    }

    /// Whether the pattern names `op`.
    pub fn matches(&self, op: &Operation) -> bool {
        match self {
            Pattern::Id(id) if id.contains('*') => glob(id.as_bytes(), op.id.as_bytes(), false),
            Pattern::Id(id) => op.id.contains(id.as_str()),
            Pattern::Path(p) => glob(p.as_bytes(), op.path.as_bytes(), true),
            Pattern::Tag(t) => op.tags.iter().any(|x| x == t),
        }
    }

    /// The pattern as written.
    pub fn text(&self) -> String {
        match self {
            Pattern::Id(s) | Pattern::Path(s) => s.clone(),
            Pattern::Tag(t) => format!("tag:{t}"),
        }
    }
}

/// Whether `text` matches `pattern` (`*` any run of characters, within one segment when
/// `segments`; `**` any run at all).
fn glob(pattern: &[u8], text: &[u8], segments: bool) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => {
            let (rest, across) = match rest.split_first() {
                Some((b'*', r)) => (r, true),
                _ => (rest, !segments),
            };
            // Every split of `text`: bounded by its length, each step one byte shorter.
            (0..=text.len())
                .take_while(|&i| across || !text[..i].contains(&b'/'))
                .any(|i| glob(rest, &text[i..], segments))
        }
        Some((c, rest)) => text.first() == Some(c) && glob(rest, &text[1..], segments),
    }
}

/// The operations to fuzz: those any `include` pattern names (all when there is none), but
/// none an `exclude` pattern names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Operations to take; none means every operation.
    pub include: Vec<Pattern>,
    /// Operations to leave out, whatever `include` says.
    pub exclude: Vec<Pattern>,
}

impl Selection {
    /// A selection from the patterns as written.
    pub fn parse(include: &[String], exclude: &[String]) -> Result<Selection, SelectError> {
        let parse = |l: &[String]| -> Result<Vec<Pattern>, SelectError> {
            l.iter().map(|t| Pattern::parse(t)).collect()
        };
        Ok(Selection {
            include: parse(include)?,
            exclude: parse(exclude)?,
        })
    }

    /// Whether `op` is fuzzed.
    pub fn selects(&self, op: &Operation) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| p.matches(op)))
            && !self.exclude.iter().any(|p| p.matches(op))
    }

    /// An error for the first include or exclude pattern that names no operation of `specs`: a
    /// mistyped name would otherwise fuzz everything, or nothing, in silence.
    pub fn check(&self, specs: &[&ApiSpec]) -> Result<(), SelectError> {
        let ops = || specs.iter().flat_map(|s| s.operations.iter());
        for p in self.include.iter().chain(&self.exclude) {
            if !ops().any(|op| p.matches(op)) {
                return Err(SelectError::NoMatch {
                    pattern: p.text(),
                    ids: ops().map(|op| op.id.clone()).collect(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Pattern, SelectError, Selection, glob};

    const SPEC: &str = r#"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /api/kernels:
    get: {operationId: listKernels, tags: [kernels], responses: {"200": {description: ok}}}
    post: {operationId: startKernel, tags: [kernels], responses: {"201": {description: ok}}}
  /api/kernels/{kernel_id}:
    delete: {operationId: deleteKernel, tags: [kernels], responses: {"204": {description: ok}}}
  /api/sessions:
    get: {operationId: listSessions, tags: [sessions], responses: {"200": {description: ok}}}
  /drip:
    get: {operationId: getDrip, responses: {"200": {description: ok}}}
"#;

    fn chosen(include: &[&str], exclude: &[&str]) -> Vec<String> {
        let (_dir, registry, _) = crate::init::load_for_test("t", SPEC);
        let spec = registry.api("t").expect("loads");
        let own = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let s = Selection::parse(&own(include), &own(exclude)).expect("parses");
        s.check(&[&spec]).expect("each pattern matches");
        spec.operations
            .iter()
            .filter(|op| s.selects(op))
            .map(|op| op.id.clone())
            .collect()
    }

    #[test]
    fn patterns_name_operations_by_id_path_glob_and_tag() {
        assert_eq!(chosen(&["getDrip"], &[]), ["getDrip"]);
        // The first selector's meaning stays: text the id contains.
        assert_eq!(
            chosen(&["Kernel"], &[]),
            ["listKernels", "startKernel", "deleteKernel"]
        );
        assert_eq!(chosen(&["list*"], &[]), ["listKernels", "listSessions"]);
        assert_eq!(chosen(&["/api/kernels/*"], &[]), ["deleteKernel"]);
        assert_eq!(
            chosen(&["/api/*"], &[]),
            ["listKernels", "startKernel", "listSessions"]
        );
        assert_eq!(chosen(&["/api/**"], &[]).len(), 4);
        assert_eq!(chosen(&["tag:sessions"], &[]), ["listSessions"]);
        assert_eq!(chosen(&["tag:kernels", "getDrip"], &[]).len(), 4);
    }

    #[test]
    fn an_exclude_wins_over_an_include() {
        assert_eq!(
            chosen(&["tag:kernels"], &["deleteKernel"]),
            ["listKernels", "startKernel"]
        );
        assert_eq!(chosen(&[], &["/drip", "tag:kernels"]), ["listSessions"]);
    }

    #[test]
    fn a_pattern_that_matches_nothing_is_an_error_listing_the_ids() {
        let (_dir, registry, _) = crate::init::load_for_test("t", SPEC);
        let spec = registry.api("t").expect("loads");
        let s = Selection::parse(&["tag:nope".into()], &[]).expect("parses");
        let err = s.check(&[&spec]).expect_err("nothing is tagged nope");
        let text = err.to_string();
        assert!(text.contains("`tag:nope` matches no operation"), "{text}");
        assert!(
            text.contains("listKernels") && text.contains("getDrip"),
            "{text}"
        );
        let s = Selection::parse(&[], &["/nowhere/*".into()]).expect("parses");
        assert!(matches!(
            s.check(&[&spec]),
            Err(SelectError::NoMatch { .. })
        ));
        assert_eq!(
            Pattern::parse("tag:"),
            Err(SelectError::Empty("tag:".into()))
        );
        assert!(Pattern::parse("  ").is_err());
    }

    #[test]
    fn a_single_star_stays_within_a_segment() {
        assert!(glob(b"/a/*", b"/a/{id}", true));
        assert!(!glob(b"/a/*", b"/a/{id}/b", true));
        assert!(glob(b"/a/**", b"/a/{id}/b", true));
        assert!(glob(b"/a/*/b", b"/a/x/b", true));
        assert!(glob(b"*", b"", true));
        assert!(!glob(b"/a", b"/ab", true));
    }
}

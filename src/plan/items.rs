//! `expect.items`: expectations over the items of a streamed body (server-sent events, JSON
//! Lines, JSON text sequences), compiled once into an [`ItemsExpectation`]: how many items, and
//! patterns the first, the last, every or any item must match (the matchers of
//! [`super::expect`]). An SSE item is its event object, its `data` parsed when it is JSON.

use super::expect::Pattern;
use crate::source::Pos;

/// The keys `expect.items` takes, for validation and suggestions.
pub const ITEMS_KEYS: &[&str] = &["count", "first", "last", "every", "any"];

/// What the items of a stream must look like; every given part must hold.
#[derive(Debug, Clone)]
pub struct ItemsExpectation {
    /// Where `items:` is written.
    pub pos: Pos,
    /// Exactly this many items, and where that is written.
    pub count: Option<(u64, Pos)>,
    /// The first item matches (as a subset, as `body` does).
    pub first: Option<Pattern>,
    /// The last item matches.
    pub last: Option<Pattern>,
    /// Every item matches.
    pub every: Option<Pattern>,
    /// At least one item matches.
    pub any: Option<Pattern>,
}

impl ItemsExpectation {
    /// An expectation written at `pos` with nothing in it yet.
    pub fn new(pos: Pos) -> Self {
        ItemsExpectation {
            pos,
            count: None,
            first: None,
            last: None,
            every: None,
            any: None,
        }
    }

    /// Its patterns, each with the key it is under.
    pub fn patterns(&self) -> impl Iterator<Item = (&'static str, &Pattern)> {
        [
            ("first", &self.first),
            ("last", &self.last),
            ("every", &self.every),
            ("any", &self.any),
        ]
        .into_iter()
        .filter_map(|(k, p)| p.as_ref().map(|p| (k, p)))
    }
}

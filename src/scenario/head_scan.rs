//! The fast path of [`super::parse_head`]: a scenario's `name` and `tags` read straight from the
//! YAML parser's events (granit-parser, the parser serde-saphyr itself runs), with nothing built
//! but those two values. Its one function, [`scan`], answers only when it is sure serde-saphyr
//! would give the same [`Head`]; on anything it does not vouch for (an error, an anchor, an alias,
//! a tag, a merge key, a null or number-like key, a possible duplicate key, a non-finite float,
//! a big or deep file) it answers `None`, and the caller parses with serde-saphyr as before, so
//! every value and diagnostic stays what it was.
//!
//! The whole document is still read (a syntax error or a duplicate key anywhere fails today's
//! head parse too), but other keys' values are only walked, never built.

use std::borrow::Cow;

use granit_parser::{Event, Parser, ScalarStyle, StrInput};

use super::load::Head;
use crate::source::{yaml_null, yaml_parser};

/// More nodes than this and the file is left to serde-saphyr, whose node budget
/// ([`crate::source::yaml::MAX_NODES`]) must decide; far above any scenario.
const MAX_NODES: usize = 100_000;

/// Deeper than this and the file is left to serde-saphyr, whose depth budget
/// ([`crate::source::yaml::MAX_DEPTH`]) must decide.
const MAX_DEPTH: usize = 32;

/// A mapping with more keys than this is left to serde-saphyr: duplicate keys are found by a
/// linear scan, which must stay cheap.
const MAX_KEYS: usize = 64;

type Events<'a> = Parser<'a, StrInput<'a>>;

/// The head of `source` when it is a plain one, `None` when serde-saphyr must decide.
pub(super) fn scan(source: &str) -> Option<Head> {
    let mut ev: Events<'_> = yaml_parser(source);
    expect(&mut ev, |e| matches!(e, Event::StreamStart))?;
    expect(&mut ev, |e| matches!(e, Event::DocumentStart(..)))?;
    expect(&mut ev, |e| matches!(e, Event::MappingStart(_, 0, None)))?;
    let mut walk = Walk { nodes: 1 };
    let (mut name, mut tags) = (None, None);
    let mut keys: Vec<Cow<'_, str>> = Vec::new();
    loop {
        let key = match next(&mut ev)? {
            Event::MappingEnd => break,
            Event::Scalar(key, style, 0, None) => (key, style),
            _ => return None,
        };
        let (key, style) = key;
        walk.node()?;
        // A field name is read as a string: one that could be a number is left to serde-saphyr.
        if !key_ok(&key, style, &keys) || (style == ScalarStyle::Plain && numeric(&key)) {
            return None;
        }
        keys.push(key.clone());
        match key.as_ref() {
            "name" => name = Some(walk.string(&mut ev)?),
            "tags" => tags = Some(walk.strings(&mut ev)?),
            _ => walk.skip(&mut ev)?,
        }
    }
    expect(&mut ev, |e| matches!(e, Event::DocumentEnd))?;
    expect(&mut ev, |e| matches!(e, Event::StreamEnd))?;
    Some(Head {
        name: name?,
        tags: tags.unwrap_or_default(),
    })
}

/// Counts what a walk has seen, to leave big files to serde-saphyr's budget.
struct Walk {
    nodes: usize,
}

impl Walk {
    fn node(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    /// A string value as serde-saphyr reads one into a `String`: any untagged, unanchored
    /// scalar but a plain null (`~`, `null`, nothing).
    fn string(&mut self, ev: &mut Events<'_>) -> Option<String> {
        self.node()?;
        match next(ev)? {
            Event::Scalar(v, style, 0, None) if !(style == ScalarStyle::Plain && yaml_null(&v)) => {
                Some(v.into_owned())
            }
            _ => None,
        }
    }

    /// A list of strings, block or flow, each as [`Self::string`] reads it.
    fn strings(&mut self, ev: &mut Events<'_>) -> Option<Vec<String>> {
        self.node()?;
        if !matches!(next(ev)?, Event::SequenceStart(_, 0, None)) {
            return None;
        }
        let mut out = Vec::new();
        loop {
            self.node()?;
            match next(ev)? {
                Event::SequenceEnd => return Some(out),
                Event::Scalar(v, style, 0, None)
                    if !(style == ScalarStyle::Plain && yaml_null(&v)) =>
                {
                    out.push(v.into_owned())
                }
                _ => return None,
            }
        }
    }

    /// Walks one value without building it, checking what serde-saphyr checks when it skips a
    /// value (its keys for duplicates, its plain scalars for non-finite floats).
    fn skip(&mut self, ev: &mut Events<'_>) -> Option<()> {
        // One entry per open collection: `Some(keys)` for a mapping (and whether a key is
        // expected next), `None` for a sequence.
        let mut open: Vec<Option<(Vec<Cow<'_, str>>, bool)>> = Vec::new();
        loop {
            self.node()?;
            let at_key = matches!(open.last(), Some(Some((_, true))));
            match next(ev)? {
                Event::Scalar(v, style, 0, None) => {
                    if style == ScalarStyle::Plain && maybe_non_finite(&v) {
                        return None;
                    }
                    if let Some(Some((keys, expect_key))) = open.last_mut() {
                        if *expect_key {
                            if !key_ok(&v, style, keys) {
                                return None;
                            }
                            keys.push(v);
                        }
                        *expect_key = !*expect_key;
                    }
                }
                Event::SequenceStart(_, 0, None) if !at_key => open.push(None),
                Event::MappingStart(_, 0, None) if !at_key => open.push(Some((Vec::new(), true))),
                Event::SequenceEnd | Event::MappingEnd => {
                    open.pop();
                    if let Some(Some((_, expect_key))) = open.last_mut() {
                        *expect_key = true;
                    }
                }
                _ => return None,
            }
            if open.is_empty() {
                return Some(());
            }
            if open.len() > MAX_DEPTH {
                return None;
            }
        }
    }
}

/// Whether serde-saphyr would take `key` (a scalar in a key's place, after `keys`) as this walk
/// does. Refused: a possible duplicate (same text as a key before; two keys that may be
/// the same integer), a null, a merge key, a non-finite float, and a mapping with many keys.
fn key_ok(key: &str, style: ScalarStyle, keys: &[Cow<'_, str>]) -> bool {
    if keys.len() >= MAX_KEYS || keys.iter().any(|k| k.as_ref() == key) {
        return false;
    }
    if style == ScalarStyle::Plain {
        // `1` and `0x1` are one key to serde-saphyr: two number-like keys may be a duplicate.
        let numbers = numeric(key) && keys.iter().any(|k| numeric(k));
        if yaml_null(key) || key == "<<" || maybe_non_finite(key) || numbers {
            return false;
        }
    } else if !matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
        return false;
    }
    true
}

/// A plain scalar shaped like a number: a digit or `.` first, after a sign.
fn numeric(v: &str) -> bool {
    let t = v.trim_matches([' ', '\t', '\r', '\n']);
    let u = t.strip_prefix(['+', '-']).unwrap_or(t);
    u.starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// A plain scalar that may read as an infinite or NaN float (`.inf`, `-.NaN`, `1e999`), which
/// serde-saphyr refuses even in a skipped value: number-shaped with an `e`, `i` or `n`.
fn maybe_non_finite(v: &str) -> bool {
    numeric(v) && v.contains(['e', 'E', 'i', 'I', 'n', 'N'])
}

fn next<'a>(ev: &mut Events<'a>) -> Option<Event<'a>> {
    match ev.next_event()? {
        Ok((e, _)) => Some(e),
        Err(_) => None,
    }
}

fn expect(ev: &mut Events<'_>, is: impl Fn(&Event<'_>) -> bool) -> Option<()> {
    is(&next(ev)?).then_some(())
}

#[cfg(test)]
mod tests;

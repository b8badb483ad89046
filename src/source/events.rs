//! [`build`]: a [`Node`] tree straight from the YAML parser's events (granit-parser, the parser
//! serde-saphyr itself runs), without serde-saphyr's event replay and per-node `Spanned`
//! synthesis, which cost about a third of a flow's CPU.
//!
//! It is a fast path for the files that need nothing unusual, and only that: it answers `None`
//! ("not sure") for anything whose meaning it does not reproduce exactly — a tag, an alias, a
//! merge key (`<<`), a second document, a duplicate key, a key whose text a typed key would read
//! differently from the tree's, a non-finite number, a file near the node or depth limit, a
//! syntax error. The caller then runs serde-saphyr ([`super::yaml::parse`]), so the value and
//! every diagnostic stay what they were. What it accepts it resolves as serde-saphyr does with
//! [`super::yaml::options`]: YAML 1.2 core scalars with strict booleans (`yes`, `on` stay
//! strings), quoted and block scalars always strings, positions as `Span::from_saphyr` gives.

use std::collections::HashSet;

use granit_parser::{Event, Parser, ScalarStyle, StrInput};

use super::node::{Node, NodeKind};
use super::span::{Pos, Span, Spanned};
use super::yaml::{MAX_DEPTH, MAX_NODES};

/// The largest text the fast path reads; serde-saphyr's own limits (64 MiB of scalars) are far
/// above, and a larger file is left to it.
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// The YAML parser over `source`, run as serde-saphyr runs it (built without its `comments`
/// feature: no comment events): the one way every fast path here and in `conform list` starts.
pub(crate) fn parser(source: &str) -> Parser<'_, StrInput<'_>> {
    let mut options = granit_parser::Options::default();
    options.emit_comments = false;
    Parser::new_from_str_with_options(source, options)
}

/// Whether a plain scalar reads as null (YAML 1.2's core schema: nothing, `~`, `null`).
pub(crate) fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// A plain scalar resolved as serde-saphyr's `deserialize_any` resolves it (YAML 1.2 core
/// schema, strict booleans), without copying its text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(&'a str),
}

/// The meaning of a plain scalar, or `None` when the fast path leaves it to serde-saphyr (a
/// non-finite number, which it refuses, and `-0`, which it reads as a signed integer only).
pub(crate) fn resolve(text: &str) -> Option<Scalar<'_>> {
    if is_null(text) {
        return Some(Scalar::Null);
    }
    let t = text.trim_matches([' ', '\t', '\r', '\n']);
    match t {
        "true" | "True" | "TRUE" => return Some(Scalar::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Scalar::Bool(false)),
        _ => {}
    }
    // Integers: signed when written with `-` (not a `-0127`), else unsigned; too large for 64
    // bits, a float.
    let negative = t.strip_prefix('-');
    let integer = match negative {
        Some(_) if leading_zero_decimal(t) => None,
        Some(rest) => magnitude(rest),
        None => magnitude(t.strip_prefix('+').unwrap_or(t)),
    };
    match (negative.is_some(), integer) {
        (true, Some(0)) => return None,
        (true, Some(m)) if m <= i64::MAX as u128 + 1 => {
            return Some(Scalar::I64(i64::try_from(-(m as i128)).ok()?));
        }
        (false, Some(m)) if m <= u128::from(u64::MAX) => {
            return Some(Scalar::U64(u64::try_from(m).ok()?));
        }
        _ => {}
    }
    float(text, t)
}

/// `t` as a float when Rust's parser reads it finitely (serde-saphyr's YAML 1.2 form); `.inf`,
/// `.nan` and an overflowing numeral are non-finite, which serde-saphyr refuses by default.
fn float<'a>(text: &'a str, t: &str) -> Option<Scalar<'a>> {
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if matches!(
        unsigned,
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF"
    ) {
        return None;
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(Scalar::F64(v)),
        Ok(_) if unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit) => None,
        _ => Some(Scalar::Str(text)),
    }
}

/// `0127`, `-0127`: a decimal with a redundant leading zero (not an integer in YAML 1.2).
fn leading_zero_decimal(t: &str) -> bool {
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The value of unsigned integer digits: decimal, `0x`, `0o`, `0b`, with single `_` between
/// digits, as serde-saphyr's `parse_int_unsigned` reads them.
fn magnitude(rest: &str) -> Option<u128> {
    let (radix, digits) = if let Some(r) = rest.strip_prefix("0x").or(rest.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = rest.strip_prefix("0o").or(rest.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = rest.strip_prefix("0b").or(rest.strip_prefix("0B")) {
        (2, r)
    } else {
        if rest.starts_with('0') && rest != "0" {
            return None;
        }
        (10, rest)
    };
    let bytes = digits.as_bytes();
    let mut val: u128 = 0;
    let mut saw = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let prev_ok = i > 0 && bytes[i - 1] != b'_';
            let next_ok = i + 1 < bytes.len() && bytes[i + 1] != b'_';
            if !prev_ok || !next_ok {
                return None;
            }
            continue;
        }
        let d = (b as char).to_digit(radix)?;
        val = val
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(d))?;
        saw = true;
    }
    saw.then_some(val)
}

/// The tree value of a scalar: plain ones resolved, quoted and block ones strings.
fn scalar_kind(text: &str, style: ScalarStyle) -> Option<NodeKind> {
    if style != ScalarStyle::Plain {
        return Some(NodeKind::String(text.to_owned()));
    }
    Some(match resolve(text)? {
        Scalar::Null => NodeKind::Null,
        Scalar::Bool(b) => NodeKind::Bool(b),
        Scalar::U64(v) => NodeKind::Number(v.into()),
        Scalar::I64(v) => NodeKind::Number(v.into()),
        Scalar::F64(v) => NodeKind::Number(serde_json::Number::from_f64(v)?),
        Scalar::Str(s) => NodeKind::String(s.to_owned()),
    })
}

/// How mapping keys are read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keys {
    /// For a tree used as such: a key is the text of its resolved value, as `Node`'s own
    /// deserializer makes it (`200`, `true`, `null` for `~`, a quoted `"200"` as written).
    Tree,
    /// For a tree a typed model is then read from ([`super::de`]): a typed key (a struct field,
    /// a `String` key) reads the scalar's text where the tree reads its resolved value, so only
    /// keys where the two are the same text, and which read back as the same kind, are taken
    /// (`200`, `true`, `name`, a quoted `"x"`); `~`, `0x1F`, a quoted `"200"` are left to
    /// serde-saphyr.
    Typed,
}

/// A mapping key's text as `keys` reads it; `None` when serde-saphyr must decide (a float key,
/// which `Node` refuses, or one a typed reading would see otherwise).
fn key_text(text: &str, style: ScalarStyle, keys: Keys) -> Option<String> {
    let plain = style == ScalarStyle::Plain;
    if keys == Keys::Tree && !plain {
        return Some(text.to_owned());
    }
    let canonical = match resolve(text)? {
        Scalar::Str(_) => return Some(text.to_owned()),
        Scalar::Bool(b) => b.to_string(),
        Scalar::U64(v) => v.to_string(),
        Scalar::I64(v) => v.to_string(),
        Scalar::Null => "null".to_owned(),
        Scalar::F64(_) => return None,
    };
    match keys {
        Keys::Tree => Some(canonical),
        Keys::Typed => (plain && canonical == text && canonical != "null").then_some(canonical),
    }
}

/// Converts a parser span: 1-based line, column plus one, the end on the start line by length in
/// characters (what `Span::from_saphyr` makes of serde-saphyr's `Location`).
fn span_of(span: &granit_parser::Span) -> Span {
    let start = Pos::new(
        u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    );
    let chars = span.end.index().saturating_sub(span.start.index());
    let len = u32::try_from(chars).unwrap_or(0);
    let end = if start.is_known() && len > 0 {
        Pos::new(start.line, start.col.saturating_add(len))
    } else {
        start
    };
    Span { start, end }
}

/// A collection being read.
enum Open {
    Seq(Span, Vec<Node>),
    Map(Span, Vec<(Spanned<String>, Node)>, Option<Spanned<String>>),
}

/// The tree of `source`'s single document, or `None` when serde-saphyr must decide (see the
/// module docs).
pub fn build(source: &str) -> Option<Node> {
    build_with(source, Keys::Tree)
}

/// [`build`], with keys read as `keys` says.
pub(crate) fn build_with(source: &str, keys: Keys) -> Option<Node> {
    if source.len() > MAX_BYTES {
        return None;
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;
    let mut documents = 0usize;
    for item in parser(source) {
        let (event, span) = item.ok()?;
        let done = match event {
            Event::StreamStart | Event::DocumentEnd | Event::StreamEnd => continue,
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return None;
                }
                continue;
            }
            Event::Scalar(text, style, _, tag) => {
                nodes += 1;
                if tag.is_some() {
                    return None;
                }
                // A scalar where a key is awaited is that key.
                if let Some(Open::Map(_, _, key @ None)) = stack.last_mut() {
                    let k = key_text(&text, style, keys)?;
                    if k == "<<" {
                        return None;
                    }
                    *key = Some(Spanned::with_span(k, span_of(&span)));
                    continue;
                }
                let s = span_of(&span);
                Node {
                    pos: s.start,
                    end: s.end,
                    kind: scalar_kind(&text, style)?,
                }
            }
            Event::SequenceStart(_, _, ref tag) | Event::MappingStart(_, _, ref tag) => {
                nodes += 1;
                if tag.is_some() || stack.len() + 2 > MAX_DEPTH {
                    return None;
                }
                if let Some(Open::Map(_, _, None)) = stack.last() {
                    return None; // a collection as a key
                }
                let s = span_of(&span);
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Seq(s, Vec::new())
                } else {
                    Open::Map(s, Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => close(stack.pop()?)?,
            _ => return None, // an alias, or anything this reader does not know
        };
        if nodes > MAX_NODES - 8 {
            return None;
        }
        match stack.last_mut() {
            Some(Open::Seq(_, items)) => items.push(done),
            Some(Open::Map(_, entries, key)) => entries.push((key.take()?, done)),
            None if root.is_none() => root = Some(done),
            None => return None,
        }
    }
    root
}

/// The node of a collection that has just closed; `None` for a mapping with a key twice.
fn close(open: Open) -> Option<Node> {
    let (span, kind) = match open {
        Open::Seq(span, items) => (span, NodeKind::Seq(items)),
        Open::Map(span, entries, None) => {
            if has_duplicate(&entries) {
                return None;
            }
            (span, NodeKind::Map(entries))
        }
        Open::Map(_, _, Some(_)) => return None,
    };
    Some(Node {
        pos: span.start,
        end: span.end,
        kind,
    })
}

fn has_duplicate(entries: &[(Spanned<String>, Node)]) -> bool {
    if entries.len() <= 16 {
        return entries
            .iter()
            .enumerate()
            .any(|(i, (k, _))| entries[..i].iter().any(|(o, _)| o.value == k.value));
    }
    let mut seen = HashSet::with_capacity(entries.len());
    !entries.iter().all(|(k, _)| seen.insert(k.value.as_str()))
}

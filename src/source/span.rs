//! Where something was written: [`Pos`] (a line and column), [`Span`] (start and end, so a
//! diagnostic can underline the whole token, as hurl's `SourceInfo` does) and [`Spanned`], a
//! value with its span. Every later error or finding points at the text the user wrote.

use std::fmt;

use schemars::JsonSchema;
use std::marker::PhantomData;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// A 1-based line and column in a source file. `0:0` means "not known".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

impl Pos {
    /// The position of something whose place is not known.
    pub const UNKNOWN: Pos = Pos { line: 0, col: 0 };

    /// Line `line`, column `col` (both 1-based).
    pub fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }

    /// Whether the position is known (not [`Pos::UNKNOWN`]).
    pub fn is_known(&self) -> bool {
        self.line > 0
    }

    /// `path:line:col`, or `path` alone when the position is not known (a HAR entry, which
    /// its path names already: `run.har#/log/entries/3`).
    pub fn after(&self, path: &str) -> String {
        if self.is_known() {
            format!("{path}:{self}")
        } else {
            path.to_owned()
        }
    }

    pub(crate) fn from_saphyr(loc: &serde_saphyr::Location) -> Self {
        Pos {
            line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
            col: u32::try_from(loc.column()).unwrap_or(u32::MAX),
        }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// A stretch of source text: from `start` up to `end` (exclusive). `end == start` when only the
/// start is known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// The first character.
    pub start: Pos,
    /// Just past the last character; equal to `start` when only the start is known.
    pub end: Pos,
}

impl Span {
    /// The span of something whose place is not known.
    pub const UNKNOWN: Span = Span {
        start: Pos::UNKNOWN,
        end: Pos::UNKNOWN,
    };

    /// A span that only knows where it starts.
    pub fn at(start: Pos) -> Self {
        Span { start, end: start }
    }

    /// The span of a serde-saphyr location: its start, and its end when the token is known to
    /// be on that line (the parser gives a length in characters; a token that crosses a line is
    /// underlined to the end of its first line).
    pub(crate) fn from_saphyr(loc: &serde_saphyr::Location) -> Self {
        let start = Pos::from_saphyr(loc);
        let len = u32::try_from(loc.span().len()).unwrap_or(0);
        let end = if start.is_known() && len > 0 {
            Pos::new(start.line, start.col.saturating_add(len))
        } else {
            start
        };
        Span { start, end }
    }

    /// How many columns to underline on the start line, at least one.
    pub fn width(&self) -> usize {
        if self.end.line == self.start.line && self.end.col > self.start.col {
            (self.end.col - self.start.col) as usize
        } else {
            1
        }
    }
}

/// A value with the span of the YAML node it came from.
///
/// A thin wrapper over `serde_saphyr::Spanned` whose JSON Schema is that of `T`, so the
/// published scenario schema shows the plain shape. `pos` is the start, `end` where it stops.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it starts.
    pub pos: Pos,
    /// Where it ends; equal to `pos` when only the start is known.
    pub end: Pos,
}

impl<T> Spanned<T> {
    /// `value` known only by where it starts.
    pub fn new(value: T, pos: Pos) -> Self {
        Spanned {
            value,
            pos,
            end: pos,
        }
    }

    /// `value` written over `span`.
    pub fn with_span(value: T, span: Span) -> Self {
        Spanned {
            value,
            pos: span.start,
            end: span.end,
        }
    }

    /// Where the value starts and ends.
    pub fn span(&self) -> Span {
        Span {
            start: self.pos,
            end: self.end,
        }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The tree's deserializer (`source::de`) answers this name with the span and the value
        // in one step; serde-saphyr and any other deserializer see a plain newtype, and the
        // value is read through serde-saphyr's own span wrapper as before.
        d.deserialize_newtype_struct(super::de::SPANNED, SpannedVisitor(PhantomData))
    }
}

struct SpannedVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
    type Value = Spanned<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value with its position")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Spanned<T>, D::Error> {
        let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Spanned::with_span(
            s.value,
            Span::from_saphyr(&s.referenced),
        ))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Spanned<T>, A::Error> {
        let span = seq
            .next_element::<PackedSpan>()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let value = seq
            .next_element::<T>()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        Ok(Spanned::with_span(value, span.0))
    }
}

/// A span packed into one number by `source::de`.
struct PackedSpan(Span);

impl<'de> Deserialize<'de> for PackedSpan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = PackedSpan;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a packed span")
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<PackedSpan, E> {
                Ok(PackedSpan(super::de::unpack(v)))
            }
        }
        d.deserialize_u128(V)
    }
}

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

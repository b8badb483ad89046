//! [`from_str`]: the typed model read from a [`Node`] tree ([`super::events::build`]) through a
//! `serde::Deserializer` over `&Node`, so every `#[derive(Deserialize)]` type of the crate
//! (`deny_unknown_fields`, `default`, untagged enums, `deserialize_with`) reads it unchanged.
//!
//! [`Spanned`] asks for its span with a newtype struct named [`SPANNED`]; this deserializer
//! answers it in one step (a sequence of the packed span and the value), where serde-saphyr
//! synthesizes a map of two `Location`s per node. Any other deserializer treats it as a plain
//! newtype and `Spanned` falls back to serde-saphyr's own wrapper.
//!
//! Like the tree builder it is a fast path for success only: where a type asks for something
//! whose reading by serde-saphyr it does not reproduce exactly (a number into a `String`, which
//! serde-saphyr reads as the text written; a float; a quoted integer), it fails, and the caller
//! reads the file with serde-saphyr instead.

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::events::{Keys, Scalar, build_with, resolve};
use super::node::{Node, NodeKind};
use super::span::{Pos, Span, Spanned};

/// The newtype struct name by which [`Spanned`] asks for its node's span.
pub(crate) const SPANNED: &str = "$conform::Spanned";

/// Why the fast path declined; the caller reads the file with serde-saphyr instead, which gives
/// the diagnostic.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Declined(String);

impl de::Error for Declined {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Declined(msg.to_string())
    }
}

fn declined<T>(what: &str) -> Result<T, Declined> {
    Err(Declined(format!("left to serde-saphyr: {what}")))
}

/// `source` read as `T` by the fast path, or `None` when serde-saphyr must read it.
pub fn from_str<T: DeserializeOwned>(source: &str) -> Option<T> {
    let node = build_with(source, Keys::Typed)?;
    T::deserialize(NodeDe(&node)).ok()
}

/// A span as one number, so that it crosses the visitor interface in one call.
fn pack(s: Span) -> u128 {
    let parts = [s.start.line, s.start.col, s.end.line, s.end.col];
    parts
        .iter()
        .fold(0u128, |acc, &p| (acc << 32) | u128::from(p))
}

pub(crate) fn unpack(v: u128) -> Span {
    let part = |i: u32| u32::try_from((v >> (32 * (3 - i))) & u128::from(u32::MAX)).unwrap_or(0);
    Span {
        start: Pos::new(part(0), part(1)),
        end: Pos::new(part(2), part(3)),
    }
}

/// The answer to [`SPANNED`]: the packed span, then the value.
struct SpannedSeq<D> {
    span: Option<Span>,
    value: Option<D>,
}

impl<'de, D: de::Deserializer<'de, Error = Declined>> de::SeqAccess<'de> for SpannedSeq<D> {
    type Error = Declined;
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Declined> {
        if let Some(span) = self.span.take() {
            return seed.deserialize(SpanDe(pack(span))).map(Some);
        }
        match self.value.take() {
            Some(d) => seed.deserialize(d).map(Some),
            None => Ok(None),
        }
    }
}

struct SpanDe(u128);

impl<'de> de::Deserializer<'de> for SpanDe {
    type Error = Declined;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        v.visit_u128(self.0)
    }
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// An integer node as the integer type asked for; a float or an out-of-range value declines.
macro_rules! ints {
    ($($method:ident $visit:ident $ty:ty;)*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
            match self.int() {
                Some(Ok(u)) => v.$visit(<$ty>::try_from(u).or_else(|_| declined("range"))?),
                Some(Err(i)) => v.$visit(<$ty>::try_from(i).or_else(|_| declined("range"))?),
                None => declined("not an integer"),
            }
        }
    )*};
}

/// A deserializer over one node of the tree.
#[derive(Clone, Copy)]
pub(crate) struct NodeDe<'a>(pub(crate) &'a Node);

impl NodeDe<'_> {
    /// The node as an unsigned (`Ok`) or negative (`Err`) integer.
    fn int(&self) -> Option<Result<u64, i64>> {
        match &self.0.kind {
            NodeKind::Number(n) => n.as_u64().map(Ok).or_else(|| n.as_i64().map(Err)),
            _ => None,
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        match &self.0.kind {
            NodeKind::Null => v.visit_unit(),
            NodeKind::Bool(b) => v.visit_bool(*b),
            NodeKind::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => v.visit_u64(u),
                (None, Some(i), _) => v.visit_i64(i),
                (None, None, Some(f)) => v.visit_f64(f),
                _ => declined("number"),
            },
            NodeKind::String(s) => v.visit_borrowed_str(s),
            NodeKind::Seq(items) => visit_seq(items, v),
            NodeKind::Map(entries) => visit_map(entries, v),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        match &self.0.kind {
            NodeKind::Bool(b) => v.visit_bool(*b),
            NodeKind::String(s) => match resolve(s) {
                Some(Scalar::Bool(b)) => v.visit_bool(b),
                _ => declined("not a boolean"),
            },
            _ => declined("not a boolean"),
        }
    }

    ints! {
        deserialize_i8 visit_i8 i8; deserialize_i16 visit_i16 i16; deserialize_i32 visit_i32 i32;
        deserialize_i64 visit_i64 i64; deserialize_u8 visit_u8 u8; deserialize_u16 visit_u16 u16;
        deserialize_u32 visit_u32 u32; deserialize_u64 visit_u64 u64;
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        match &self.0.kind {
            NodeKind::String(s) => v.visit_borrowed_str(s),
            _ => declined("not a string"),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        match self.0.kind {
            NodeKind::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        match self.0.kind {
            NodeKind::Null => v.visit_unit(),
            _ => declined("not null"),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Declined> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, Declined> {
        newtype(self, self.0.span(), name, v)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        match &self.0.kind {
            NodeKind::Seq(items) => visit_seq(items, v),
            _ => declined("not a list"),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        match &self.0.kind {
            NodeKind::Map(entries) => visit_map(entries, v),
            _ => declined("not a mapping"),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Declined> {
        self.deserialize_map(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Declined> {
        match &self.0.kind {
            NodeKind::String(s) => v.visit_enum(BorrowedStrDeserializer::<Declined>::new(s)),
            _ => declined("an enum written other than by its name"),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        v.visit_unit()
    }

    fn deserialize_f32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
        declined("a float")
    }
    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
        declined("a float")
    }
    fn deserialize_char<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
        declined("a char")
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
        declined("bytes")
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
        declined("bytes")
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Declined> {
        declined("a tuple")
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, Declined> {
        declined("a tuple")
    }
}

/// A newtype struct: [`SPANNED`] answered with `span` and the value, any other the value.
fn newtype<'de, D, V>(d: D, span: Span, name: &str, v: V) -> Result<V::Value, Declined>
where
    D: de::Deserializer<'de, Error = Declined>,
    V: Visitor<'de>,
{
    if name == SPANNED {
        v.visit_seq(SpannedSeq {
            span: Some(span),
            value: Some(d),
        })
    } else {
        v.visit_newtype_struct(d)
    }
}

fn visit_seq<'de, V: Visitor<'de>>(items: &'de [Node], v: V) -> Result<V::Value, Declined> {
    let mut access = de::value::SeqDeserializer::<_, Declined>::new(items.iter().map(NodeDe));
    let value = v.visit_seq(&mut access)?;
    access.end()?;
    Ok(value)
}

fn visit_map<'de, V: Visitor<'de>>(
    entries: &'de [(Spanned<String>, Node)],
    v: V,
) -> Result<V::Value, Declined> {
    let pairs = entries.iter().map(|(k, n)| (KeyDe(k), NodeDe(n)));
    let mut access = de::value::MapDeserializer::<_, Declined>::new(pairs);
    let value = v.visit_map(&mut access)?;
    access.end()?;
    Ok(value)
}

impl<'de> IntoDeserializer<'de, Declined> for NodeDe<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// A deserializer over a mapping key. The builder keeps only keys whose text reads back as the
/// kind written (see `events::Keys::Typed`), so the text is resolved again when asked for any
/// value.
#[derive(Clone, Copy)]
struct KeyDe<'a>(&'a Spanned<String>);

impl<'de> IntoDeserializer<'de, Declined> for KeyDe<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for KeyDe<'de> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        match resolve(&self.0.value) {
            Some(Scalar::Bool(b)) => v.visit_bool(b),
            Some(Scalar::U64(u)) => v.visit_u64(u),
            Some(Scalar::I64(i)) => v.visit_i64(i),
            Some(Scalar::Str(_)) => v.visit_borrowed_str(&self.0.value),
            _ => declined("a key"),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        v.visit_borrowed_str(&self.0.value)
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        v.visit_borrowed_str(&self.0.value)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        v.visit_borrowed_str(&self.0.value)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, Declined> {
        newtype(self, self.0.span(), name, v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Declined> {
        v.visit_enum(BorrowedStrDeserializer::<Declined>::new(&self.0.value))
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
        declined("a bytes key")
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Declined> {
        declined("a bytes key")
    }

    // Anything else is what the resolved text is, as `deserialize_any` gives it: an integer,
    // a boolean or a string; a type that takes none of these declines.
    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char option unit unit_struct seq
        tuple tuple_struct map struct
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Declined> {
        v.visit_unit()
    }
}

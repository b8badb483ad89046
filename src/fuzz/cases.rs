//! The cases of one operation: [`plan_cases`] draws, from the parameter and body schemas, the
//! negatives (each rule broken once), the boundaries and random valid requests, up to
//! `--max-examples`, all from a generator seeded by the run's seed and the operation, so the
//! same seed gives the same cases whatever else runs.

use crate::openapi::ParamIn;
use std::collections::BTreeMap;

use serde_json::Value;

use super::case::{Broken, Case, Kind, Request};
use super::r#gen::{Generator, Place};
use crate::openapi::{Operation, Param, Schema, model_is_json};

/// What the cases of an operation are made from.
pub struct Inputs<'a> {
    /// The operation the cases are for.
    pub op: &'a Operation,
    /// Parameter values the user pinned (`--var NAME=VALUE` naming a parameter): sent in every
    /// case, optional or not, never generated; no case breaks or leaves out such a parameter
    /// (a negative of it is not made, rather than sent with the pin overridden).
    pub fixed: &'a BTreeMap<String, Value>,
    /// The most cases the operation gets (`--max-examples`; 0 counts as 1).
    pub max_examples: usize,
    /// Header names (lower-case) the target sets on every request, never generated: its
    /// credentials' and the headers pinned for it (a targets entry's `headers:`, or given for
    /// every target), since a generated value would override the pinned one.
    pub auth_headers: &'a [String],
}

/// A seed for one operation: the run's seed mixed with the API and operation names (FNV-1a,
/// stable across versions and platforms).
pub fn op_seed(seed: u64, api: &str, op: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in api.bytes().chain([0]).chain(op.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A small deterministic source of choices (splitmix64) for what the generator does not
/// decide: whether an optional parameter is sent.
pub struct Dice(u64);

impl Dice {
    /// A source seeded with `seed` (an [`op_seed`]).
    pub fn new(seed: u64) -> Dice {
        Dice(seed)
    }

    /// The next 64 random bits.
    pub fn draw(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True about once in `n` times.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.draw().is_multiple_of(n.max(1))
    }
}

/// Why an operation gets no case at all.
#[derive(Debug, Clone, PartialEq)]
pub struct NoCase(pub String);

/// The JSON body schema of `op`, if it takes one.
pub fn body_schema(op: &Operation) -> Option<&Schema> {
    op.request_body
        .as_ref()?
        .content
        .iter()
        .find(|m| model_is_json(&m.media_type))?
        .schema
        .as_deref()
}

/// How a case names a parameter: "query parameter `limit`" (shrinking finds a boundary
/// case's parameter by it).
pub(super) fn param_place(location: ParamIn, name: &str) -> String {
    format!("{location} parameter `{name}`")
}

/// Whether a parameter value can be sent: a scalar, or a list of scalars (`?tag=a&tag=b`).
/// An object (`style: deepObject`, Stripe's `created[gt]=`) is not serialized by the harness,
/// a limit of ours; such values are not generated. A querystring parameter (OpenAPI 3.2) is an
/// object of such values, sent as form pairs, or the query string as text.
fn sendable(p: &Param, v: &Value) -> bool {
    if p.location == ParamIn::Querystring {
        return match v {
            Value::Object(fields) => fields.values().all(sendable_scalar),
            Value::String(_) => true,
            _ => false,
        };
    }
    sendable_scalar(v)
}

/// A scalar, or a list of scalars.
fn sendable_scalar(v: &Value) -> bool {
    match v {
        Value::Object(_) => false,
        Value::Array(items) => items
            .iter()
            .all(|i| !matches!(i, Value::Object(_) | Value::Array(_))),
        _ => true,
    }
}

/// Where a parameter's value goes: a path segment is never empty ([`Place::Path`]), a header
/// holds only what HTTP allows ([`Place::Header`]).
fn place_of(p: &Param) -> Place {
    match p.location {
        ParamIn::Path => Place::Path,
        ParamIn::Header | ParamIn::Cookie => Place::Header,
        ParamIn::Query | ParamIn::Querystring => Place::Param,
    }
}

/// Whether a server may rightly read this value of an optional query parameter as the
/// parameter left out: `?kernel=` is how forms and most frameworks say "not given", so an empty
/// value breaking `format: uuid` is no negative (jupyter-server's `GET /api/resolvePath`
/// answers it as it answers no `kernel` at all).
fn reads_as_absent(p: &Param, value: &Value) -> bool {
    !p.required && p.location == ParamIn::Query && value.as_str() == Some("")
}

/// Whether a value of a query or header parameter leaves nothing on the wire: an empty array
/// (`tags: []` sends no `tags=` at all), so for a required parameter it is no valid boundary.
fn absent_on_the_wire(p: &Param, value: &Value) -> bool {
    p.location != ParamIn::Path && value.as_array().is_some_and(Vec::is_empty)
}

fn sent_params<'o>(op: &'o Operation, auth: &'o [String]) -> impl Iterator<Item = &'o Param> {
    op.params
        .iter()
        .map(AsRef::as_ref)
        .filter(|p| {
            matches!(
                p.location,
                ParamIn::Path | ParamIn::Query | ParamIn::Querystring | ParamIn::Header
            )
        })
        // The target's own credentials go there; a generated value would be replaced, or
        // would break a signature.
        .filter(move |p| {
            p.location != ParamIn::Header
                || !(p.name.eq_ignore_ascii_case("authorization")
                    || auth.contains(&p.name.to_ascii_lowercase()))
        })
}

/// A valid request: required parameters always, optional ones about half the time, the body
/// when required (and three times in four when optional).
fn valid_request(
    input: &Inputs<'_>,
    generator: &mut Generator,
    dice: &mut Dice,
) -> Result<Request, NoCase> {
    let (op, fixed) = (input.op, input.fixed);
    let mut r = Request::default();
    for p in sent_params(op, input.auth_headers) {
        if !p.required && !fixed.contains_key(&p.name) && !dice.one_in(2) {
            continue;
        }
        let value = match (fixed.get(&p.name), &p.schema) {
            (Some(v), _) => v.clone(),
            (None, Some(schema)) => {
                let mut drawn = None;
                let mut empty = false;
                for _ in 0..8 {
                    let v = generator.valid(schema, place_of(p)).map_err(|e| {
                        NoCase(format!(
                            "no valid value for {} parameter `{}`: {e}",
                            p.location, p.name
                        ))
                    })?;
                    // An empty array sends nothing: a required parameter would be missing.
                    empty = p.required && absent_on_the_wire(p, &v);
                    if sendable(p, &v) && !empty {
                        drawn = Some(v);
                        break;
                    }
                }
                match drawn {
                    Some(v) => v,
                    None if !p.required => continue,
                    None if empty => {
                        return Err(NoCase(format!(
                            "the required {} parameter `{}` drew only empty arrays, which send                              nothing",
                            p.location, p.name
                        )));
                    }
                    None => {
                        return Err(NoCase(format!(
                            "the required {} parameter `{}` takes an object, which the harness \
                             does not serialize (a limit of conform's: `style: deepObject` is \
                             not supported)",
                            p.location, p.name
                        )));
                    }
                }
            }
            (None, None) => Value::String("x".into()),
        };
        slot(&mut r, p.location).push((p.name.clone(), value));
    }
    let required = op.request_body.as_ref().is_some_and(|b| b.required);
    if let Some(schema) = body_schema(op)
        && (required || !dice.one_in(4))
    {
        r.body = Some(
            generator
                .valid(schema, Place::Body)
                .map_err(|e| NoCase(format!("no valid request body: {e}")))?,
        );
    }
    Ok(r)
}

fn slot(r: &mut Request, location: ParamIn) -> &mut Vec<(String, Value)> {
    match location {
        ParamIn::Path => &mut r.path,
        ParamIn::Query | ParamIn::Querystring => &mut r.query,
        ParamIn::Header | ParamIn::Cookie => &mut r.headers,
    }
}

/// `r` with parameter `name` in `location` set to `value` (added if absent), or removed.
fn with_param(r: &Request, location: ParamIn, name: &str, value: Option<Value>) -> Request {
    let mut out = r.clone();
    let list = slot(&mut out, location);
    list.retain(|(n, _)| n != name);
    if let Some(v) = value {
        list.push((name.to_owned(), v));
    }
    out
}

/// Whether `candidate` (a smaller request, shrinking) sends every pinned value that `original`
/// sends, as it sends it: shrinking must not shorten or drop what the user pinned.
pub fn pins_kept(original: &Request, candidate: &Request, fixed: &BTreeMap<String, Value>) -> bool {
    let lists = |r: &Request| [r.path.clone(), r.query.clone(), r.headers.clone()];
    lists(original)
        .iter()
        .zip(lists(candidate).iter())
        .all(|(o, c)| {
            o.iter()
                .filter(|(n, _)| fixed.contains_key(n))
                .all(|pair| c.contains(pair))
        })
}

/// The cases found so far: requests that break one rule, and valid ones at a boundary.
#[derive(Default)]
struct Drawn {
    negatives: Vec<(Request, Broken)>,
    boundaries: Vec<(Request, String)>,
}

/// The cases of each parameter the operation sends: left out when required, breaking its
/// schema (from `minimal`), at its schema's boundaries (from `base`).
fn param_cases(
    input: &Inputs<'_>,
    generator: &mut Generator,
    base: &Request,
    minimal: &Request,
    found: &mut Drawn,
) {
    for p in sent_params(input.op, input.auth_headers) {
        // A pinned value is the user's: no case breaks it, leaves it out or moves it.
        if input.fixed.contains_key(&p.name) {
            continue;
        }
        let place = param_place(p.location, &p.name);
        if p.required && p.location != ParamIn::Path {
            found.negatives.push((
                with_param(minimal, p.location, &p.name, None),
                Broken {
                    place: place.clone(),
                    keyword: "required".into(),
                    description: "left out, though required".into(),
                },
            ));
        }
        let Some(schema) = &p.schema else { continue };
        // `x-conform-lenient`: the service ignores what breaks the schema, so nothing does.
        let broken = if p.lenient {
            Vec::new()
        } else {
            generator.negatives(schema, place_of(p))
        };
        for n in broken
            .into_iter()
            .filter(|n| sendable(p, &n.value) && !reads_as_absent(p, &n.value))
        {
            found.negatives.push((
                with_param(minimal, p.location, &p.name, Some(n.value)),
                Broken {
                    place: place.clone(),
                    keyword: n.rule.keyword.into(),
                    description: n.rule.description,
                },
            ));
        }
        for b in generator
            .boundaries(schema, place_of(p))
            .into_iter()
            .filter(|b| sendable(p, b) && !(p.required && absent_on_the_wire(p, b)))
        {
            let what = format!("{place} = {}", super::case::as_text(&b));
            found
                .boundaries
                .push((with_param(base, p.location, &p.name, Some(b)), what));
        }
    }
}

/// The cases of the request body: breaking its schema, left out when required, at its
/// boundaries.
fn body_cases(
    op: &Operation,
    schema: &Schema,
    generator: &mut Generator,
    (base, minimal): (&Request, &Request),
    found: &mut Drawn,
) {
    for n in generator.negatives(schema, Place::Body) {
        let mut r = minimal.clone();
        r.body = Some(n.value);
        let place = if n.rule.pointer.is_empty() {
            "body".to_owned()
        } else {
            format!("body `{}`", n.rule.pointer)
        };
        found.negatives.push((
            r,
            Broken {
                place,
                keyword: n.rule.keyword.into(),
                description: n.rule.description,
            },
        ));
    }
    if op.request_body.as_ref().is_some_and(|b| b.required) {
        let mut r = minimal.clone();
        r.body = None;
        found.negatives.push((
            r,
            Broken {
                place: "body".into(),
                keyword: "required".into(),
                description: "left out, though the operation requires one".into(),
            },
        ));
    }
    for b in generator.boundaries(schema, Place::Body) {
        let mut r = base.clone();
        let what = format!("body {}", short(&b));
        r.body = Some(b);
        found.boundaries.push((r, what));
    }
}

/// Every case of one operation, numbered from 1: negatives first (at most half the budget),
/// then boundaries (at most a quarter), then random valid requests up to `max_examples`.
pub fn plan_cases(input: &Inputs<'_>, seed: u64) -> Result<Vec<Case>, NoCase> {
    let op = input.op;

    let mut generator = Generator::new(seed);
    let mut dice = Dice::new(seed);
    let max = input.max_examples.max(1);
    let base = valid_request(input, &mut generator, &mut dice)?;
    // A negative breaks one rule of a request that sends nothing optional besides: an optional
    // parameter beside it may decide how the broken one is read (a newer header that wins).
    let mut minimal = base.clone();
    for (location, list) in [
        (ParamIn::Query, &mut minimal.query),
        (ParamIn::Header, &mut minimal.headers),
    ] {
        list.retain(|(n, _)| {
            input.fixed.contains_key(n)
                || op
                    .params_in(location)
                    .find(|p| p.name == *n)
                    .is_none_or(|p| p.required)
        });
    }
    let mut found = Drawn::default();
    param_cases(input, &mut generator, &base, &minimal, &mut found);
    if let Some(schema) = body_schema(op) {
        body_cases(op, schema, &mut generator, (&base, &minimal), &mut found);
    }
    let Drawn {
        negatives,
        boundaries,
    } = found;
    let mut cases: Vec<Case> = Vec::new();
    let push = |cases: &mut Vec<Case>, kind: Kind, request: Request| {
        cases.push(Case {
            number: cases.len() + 1,
            kind,
            request,
            chain: None,
        });
    };
    push(&mut cases, Kind::Valid, base.clone());
    if max > 2
        && !op
            .params_in(ParamIn::Header)
            .any(|p| p.name.eq_ignore_ascii_case("accept"))
    {
        // `Accept: */*` (what curl sends) takes any media type (RFC 9110 §12.5.1): a 406 to it
        // is the server's, where the `Accept` conform sends by itself asks for what the
        // operation documents and gets it.
        let mut any = base.clone();
        any.headers
            .push(("Accept".into(), Value::String("*/*".into())));
        push(
            &mut cases,
            Kind::Boundary("header Accept: */* (any media type)".into()),
            any,
        );
    }
    for (r, b) in spread(negatives, max / 2) {
        push(&mut cases, Kind::Negative(b), r);
    }
    for (r, what) in spread(boundaries, max / 4) {
        push(&mut cases, Kind::Boundary(what), r);
    }
    let mut misses = 0;
    while cases.len() < max && misses < 3 * max {
        match valid_request(input, &mut generator, &mut dice) {
            Ok(r) if cases.iter().all(|c| c.request != r) => push(&mut cases, Kind::Valid, r),
            _ => misses += 1,
        }
    }
    cases.truncate(max);
    Ok(cases)
}

/// At most `n` of `items`, spread evenly over them (every rule gets its turn before a second
/// value of one rule when the budget is short).
fn spread<T>(items: Vec<T>, n: usize) -> Vec<T> {
    if items.len() <= n {
        return items;
    }
    let step = items.len() as f64 / n.max(1) as f64;
    let keep: Vec<usize> = (0..n).map(|i| (i as f64 * step) as usize).collect();
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i))
        .map(|(_, v)| v)
        .collect()
}

/// A value cut to a few dozen characters, for a case's name.
pub fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() <= 40 {
        return text;
    }
    let cut: String = text.chars().take(37).collect();
    format!("{cut}...")
}

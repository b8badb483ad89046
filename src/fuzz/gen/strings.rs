//! Strings a schema accepts: a known `format` (date-time, date, time, uuid, email, uri,
//! hostname, ipv4, ipv6, ...), a `pattern` (drawn from the regex by `rand_regex`, each pattern
//! compiled once by [`Patterns`]), or free text within `minLength`/`maxLength`, short by default
//! and often hostile (`super::hostile`: non-ASCII, controls, long).

use std::collections::HashMap;

use rand::RngExt;
use rand_pcg::Pcg64;
use regex_syntax::hir::{Capture, Hir, HirKind, Repetition};
use serde_json::{Map, Value};

use super::{GenError, Place};

/// The longest string made unless `minLength` asks for more: requests stay small.
pub(super) const SHORT: usize = 24;

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// Compiled pattern generators by (pattern, repeat cap): compiling is the slow part.
#[derive(Default)]
pub(super) struct Patterns {
    compiled: HashMap<(String, u32), Result<rand_regex::Regex, PatternError>>,
}

impl Patterns {
    fn get(&mut self, pattern: &str, cap: u32) -> Result<&rand_regex::Regex, GenError> {
        self.compiled
            .entry((pattern.to_owned(), cap))
            .or_insert_with(|| compile(pattern, cap))
            .as_ref()
            .map_err(|reason| GenError::Pattern {
                pattern: pattern.to_owned(),
                reason: reason.to_string(),
            })
    }
}

/// The generator of a JSON Schema `pattern`: ASCII classes first (`\d` as `[0-9]`, as a server
/// most likely reads it), Unicode only when the pattern needs it; anchors are dropped, since
/// the generated string is the whole value anyway.
fn compile(pattern: &str, cap: u32) -> Result<rand_regex::Regex, PatternError> {
    let ascii = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .build()
        .parse(pattern);
    let hir = match ascii {
        Ok(hir) => hir,
        Err(_) => regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .map_err(|e| PatternError::Syntax(Box::new(e)))?,
    };
    rand_regex::Regex::with_hir(without_looks(hir), cap).map_err(PatternError::Generator)
}

/// Why a `pattern` has no generator; kept per pattern so a bad one is reported, not retried.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
enum PatternError {
    /// The pattern is not a regex `regex_syntax` reads.
    #[error("{0}")]
    Syntax(Box<regex_syntax::Error>),
    /// `rand_regex` cannot draw from it.
    #[error("{0}")]
    Generator(rand_regex::Error),
}

/// `hir` with its assertions (`^`, `$`, `\b`) taken out: rand_regex refuses them.
fn without_looks(hir: Hir) -> Hir {
    match hir.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Concat(subs) => Hir::concat(subs.into_iter().map(without_looks).collect()),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.into_iter().map(without_looks).collect())
        }
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(without_looks(*r.sub)),
            ..r
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(without_looks(*c.sub)),
            ..c
        }),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
    }
}

pub(super) fn len_bounds(m: &Map<String, Value>) -> (usize, Option<usize>) {
    let get = |k: &str| {
        m.get(k)
            .and_then(Value::as_f64)
            .map(|f| f.max(0.0) as usize)
    };
    (get("minLength").unwrap_or(0), get("maxLength"))
}

/// A string `m` accepts (most likely: the caller checks it with the validator).
pub(super) fn string(
    rng: &mut Pcg64,
    patterns: &mut Patterns,
    m: &Map<String, Value>,
    place: Place,
) -> Result<String, GenError> {
    let (min, max) = len_bounds(m);
    if let Some(f) = m.get("format").and_then(Value::as_str)
        && let Some(mut s) = format(rng, f)
    {
        // Formats with a variable part (an email's name) may fit the bounds on another draw.
        for _ in 0..8 {
            let n = s.chars().count();
            if n >= min && max.is_none_or(|x| n <= x) {
                break;
            }
            s = format(rng, f).unwrap_or_default();
        }
        return Ok(s);
    }
    if let Some(p) = m.get("pattern").and_then(Value::as_str) {
        // Each open repetition (`+`, `*`) at most 8 times: a few of them still make a short
        // string.
        let cap = max.unwrap_or(SHORT).min(8).max(min).min(4096) as u32;
        let regex = patterns.get(p, cap.max(1))?;
        // A few draws for one within the length bounds, and short unless `minLength` asks
        // for more; the validator has the last word.
        let longest = max.unwrap_or(usize::MAX).min(SHORT.max(min));
        let mut last = String::new();
        for _ in 0..16 {
            last = rng.sample(regex);
            let n = last.chars().count();
            if n >= min && n <= longest {
                break;
            }
        }
        return Ok(last);
    }
    Ok(super::hostile::text(rng, place, (min, max)))
}

/// `n` random lower-case letters and digits.
pub(super) fn plain(rng: &mut Pcg64, n: usize) -> String {
    (0..n)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect()
}

fn word(rng: &mut Pcg64) -> String {
    let n = rng.random_range(3..9);
    (0..n)
        .map(|_| ALNUM[rng.random_range(0..26)] as char)
        .collect()
}

/// A value of a known format; `None` for a format this generator does not know.
pub(super) fn format(rng: &mut Pcg64, f: &str) -> Option<String> {
    let date = |rng: &mut Pcg64| {
        format!(
            "{:04}-{:02}-{:02}",
            rng.random_range(2000..2031),
            rng.random_range(1..13),
            rng.random_range(1..29)
        )
    };
    let time = |rng: &mut Pcg64| {
        format!(
            "{:02}:{:02}:{:02}Z",
            rng.random_range(0..24),
            rng.random_range(0..60),
            rng.random_range(0..60)
        )
    };
    Some(match f {
        "date-time" => format!("{}T{}", date(rng), time(rng)),
        "date" => date(rng),
        "time" => time(rng),
        "uuid" => {
            let b: [u8; 16] = rng.random();
            let mut u = uuid::Builder::from_random_bytes(b).into_uuid().to_string();
            u.make_ascii_lowercase();
            u
        }
        "email" | "idn-email" => format!("{}@example.com", word(rng)),
        "uri" | "url" | "iri" | "uri-reference" | "iri-reference" => {
            format!("https://example.com/{}", word(rng))
        }
        "hostname" | "idn-hostname" => format!("{}.example.com", word(rng)),
        "ipv4" => format!(
            "{}.{}.{}.{}",
            rng.random_range(1..224),
            rng.random_range(0..256),
            rng.random_range(0..256),
            rng.random_range(1..255)
        ),
        "ipv6" => format!("2001:db8::{:x}", rng.random_range(1..0xffff_u32)),
        "duration" => format!("P{}D", rng.random_range(1..31)),
        "byte" => "aGVsbG8=".to_owned(),
        _ => return None,
    })
}

/// A string that is not of format `f` (but still a string), for a "bad format" negative.
pub(super) fn bad_format(f: &str) -> Option<&'static str> {
    Some(match f {
        "date-time" => "2024-13-45T99:99:99Z",
        "date" => "2024-13-45",
        "time" => "99:99:99",
        "uuid" => "not-a-uuid",
        "email" | "idn-email" => "not-an-email",
        "uri" | "iri" => "not a uri",
        "hostname" | "idn-hostname" => "-not_a_hostname-",
        "ipv4" => "999.1.1.1",
        "ipv6" => "not:an:ipv6",
        "duration" => "not-a-duration",
        _ => return None,
    })
}

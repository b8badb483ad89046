//! Free text that breaks servers: [`text`] draws, for a string with no `format`, `pattern` or
//! `enum` to follow, a [`Flavour`] (ordinary letters and digits most of the time; else non-ASCII
//! letters, combining marks, right-to-left text, emoji, control characters, a mix, or a long
//! string), always exactly as many characters (code points, as JSON Schema counts them) as the
//! length bounds allow.
//!
//! Where the value goes decides what it may hold: a JSON body any character; a path or query
//! value any character too (the runner percent-encodes it, `%0E`), but not whitespace or a
//! control character first or last (frameworks strip them from a query value, which then
//! reads as another value); a header value only what HTTP allows in a field (visible ASCII,
//! SP and HTAB inside, non-ASCII as obs-text bytes; never CR, LF, NUL or another control).

use rand::RngExt;
use rand_pcg::Pcg64;

use super::Place;
use super::strings::{SHORT, plain};

/// What a drawn string is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavour {
    /// Lower-case ASCII letters and digits: what most requests hold.
    Plain,
    /// Letters outside ASCII: accented Latin, Greek, Cyrillic, CJK, Turkish dotless i.
    Letters,
    /// Letters each followed by combining marks (a stack of them now and then).
    Combining,
    /// Hebrew and Arabic letters with bidirectional controls (RLO, RLM, RLI).
    Rtl,
    /// Emoji: outside the BMP, with skin tones, ZWJ sequences and flags.
    Emoji,
    /// ASCII letters around C0 controls (NUL included), DEL and C1 controls.
    Control,
    /// A bit of each of the above.
    Mixed,
    /// As long as the bounds allow, up to a few thousand characters.
    Long,
}

/// Each flavour's weight, out of 100: a little over a third of free strings are hostile, so
/// that, with formats and patterns beside them, well over 15% of strings are not ASCII.
const WEIGHTS: [(Flavour, u32); 8] = [
    (Flavour::Plain, 60),
    (Flavour::Letters, 8),
    (Flavour::Combining, 5),
    (Flavour::Rtl, 5),
    (Flavour::Emoji, 7),
    (Flavour::Control, 8),
    (Flavour::Mixed, 4),
    (Flavour::Long, 3),
];

const LETTERS: &[char] = &[
    'é', 'ß', 'ñ', 'ø', 'Å', 'ç', 'ü', 'ı', 'İ', 'ǅ', 'ﬁ', 'Ж', 'я', 'λ', 'Ω', '中', '文', '日',
    '本', '한', '글', 'ก', 'अ', '\u{a0}', '\u{200b}', '\u{feff}',
];
const MARKS: &[char] = &[
    '\u{301}', '\u{300}', '\u{308}', '\u{327}', '\u{335}', '\u{36f}', '\u{20dd}', '\u{489}',
];
const RTL: &[char] = &[
    'ש', 'ל', 'ו', 'ם', 'ع', 'ر', 'ب', 'ي', '\u{200f}', '\u{202e}', '\u{2067}', '\u{61c}',
];
/// Emoji sequences, each several code points: drawn whole when they fit.
const EMOJI: &[&str] = &[
    "😀",
    "💩",
    "🧪",
    "👍🏽",
    "❤\u{fe0f}",
    "👨\u{200d}👩\u{200d}👧",
    "🇫🇷",
    "\u{1d54f}",
];
/// The controls: C0 (NUL, SO `\x0e`, GS `\x1d`, TAB, LF, CR, ESC ...), DEL, C1.
const CONTROLS: &[char] = &[
    '\0', '\u{1}', '\u{8}', '\t', '\n', '\u{b}', '\r', '\u{e}', '\u{1b}', '\u{1d}', '\u{1f}',
    '\u{7f}', '\u{80}', '\u{85}', '\u{9b}', '\u{9f}',
];

/// A string of `bounds` (min, max characters) for `place`, of a drawn flavour.
pub(super) fn text(rng: &mut Pcg64, place: Place, bounds: (usize, Option<usize>)) -> String {
    let flavour = draw(rng);
    let (min, max) = bounds;
    let hi = max.unwrap_or(usize::MAX).min(SHORT.max(min));
    let lo = if hi >= 1 { min.max(1) } else { min };
    let n = if flavour == Flavour::Long {
        // Long in a parameter stays under what servers take in a request line or a header
        // field (about 4 KiB once percent-encoded): a 414 or 431 says nothing of the API.
        let longest = if place.is_text() { 512 } else { 4096 };
        let want = rng.random_range(longest / 4..=longest);
        want.min(max.unwrap_or(usize::MAX)).max(min)
    } else if lo >= hi {
        lo
    } else {
        rng.random_range(lo..=hi.min(lo + 12))
    };
    let s = of_flavour(rng, flavour, n, place);
    // A header field's length limit counts bytes (servers read obs-text as Latin-1): a
    // non-ASCII value that is longer in bytes than `maxLength` is left ASCII.
    if place == Place::Header && max.is_some_and(|m| s.len() > m) {
        return plain(rng, n);
    }
    s
}

/// A flavour, by [`WEIGHTS`].
pub(super) fn draw(rng: &mut Pcg64) -> Flavour {
    let total: u32 = WEIGHTS.iter().map(|(_, w)| w).sum();
    let mut at = rng.random_range(0..total);
    for (f, w) in WEIGHTS {
        if at < w {
            return f;
        }
        at -= w;
    }
    Flavour::Plain
}

/// `n` characters of `flavour`, fit for `place`.
pub(super) fn of_flavour(rng: &mut Pcg64, flavour: Flavour, n: usize, place: Place) -> String {
    // The share of hostile characters: most of a short string, a sprinkle in a long one
    // (percent-encoded, one emoji is 12 bytes of URL).
    let share = match flavour {
        Flavour::Plain => return plain(rng, n),
        Flavour::Long => 0.03,
        _ if n > 64 => 0.1,
        Flavour::Control => 0.3,
        _ => 0.6,
    };
    let mut out: Vec<char> = Vec::with_capacity(n);
    while out.len() < n {
        if rng.random_bool(share) {
            let room = n - out.len();
            out.extend(hostile(rng, flavour, room));
        } else {
            out.push(alnum(rng));
        }
    }
    out.truncate(n);
    if n > 0 && !out.iter().any(|c| !c.is_ascii_alphanumeric()) {
        // At least one character of the flavour, in the middle when there is one.
        let at = n / 2;
        out[at] = hostile(rng, flavour, 1).first().copied().unwrap_or('é');
    }
    fit(rng, &mut out, place);
    out.into_iter().collect()
}

/// One hostile piece of `flavour`, at most `room` characters.
fn hostile(rng: &mut Pcg64, flavour: Flavour, room: usize) -> Vec<char> {
    let pick = |rng: &mut Pcg64, set: &[char]| set[rng.random_range(0..set.len())];
    let flavour = match flavour {
        Flavour::Mixed | Flavour::Long => [
            Flavour::Letters,
            Flavour::Combining,
            Flavour::Rtl,
            Flavour::Emoji,
            Flavour::Control,
        ][rng.random_range(0..5)],
        f => f,
    };
    match flavour {
        Flavour::Combining if room >= 2 => {
            let marks = rng.random_range(1..=3).min(room - 1);
            let mut piece = vec![alnum(rng)];
            piece.extend((0..marks).map(|_| pick(rng, MARKS)));
            piece
        }
        Flavour::Combining => vec![pick(rng, MARKS)],
        Flavour::Rtl => vec![pick(rng, RTL)],
        Flavour::Emoji => {
            let e: Vec<char> = EMOJI[rng.random_range(0..EMOJI.len())].chars().collect();
            if e.len() <= room { e } else { vec!['😀'] }
        }
        Flavour::Control => vec![pick(rng, CONTROLS)],
        _ => vec![pick(rng, LETTERS)],
    }
}

fn alnum(rng: &mut Pcg64) -> char {
    plain(rng, 1).chars().next().unwrap_or('a')
}

/// `chars` made fit for `place`: in a header, every character HTTP refuses in a field value
/// replaced; in a query or a header, no whitespace or control at either end.
fn fit(rng: &mut Pcg64, chars: &mut [char], place: Place) {
    if place == Place::Header {
        for c in chars.iter_mut() {
            if !header_char(*c) {
                *c = alnum(rng);
            }
        }
    }
    if matches!(place, Place::Param | Place::Header) {
        let n = chars.len();
        for at in [0, n.saturating_sub(1)] {
            if chars.get(at).is_some_and(|c| strippable(*c)) {
                chars[at] = alnum(rng);
            }
        }
    }
}

/// Whether HTTP allows `c` in a header field value (RFC 9110 5.5: visible ASCII, SP, HTAB,
/// and obs-text, which every byte of a non-ASCII character in UTF-8 is).
pub(crate) fn header_char(c: char) -> bool {
    c == '\t' || c == ' ' || c.is_ascii_graphic() || !c.is_ascii()
}

/// Whether a server may strip `c` from the ends of a value: whitespace or a control (what
/// Python's `str.strip` and tornado's argument clean-up remove), a zero-width character, or a
/// combining mark with nothing to combine with.
pub(crate) fn strippable(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{200b}' | '\u{feff}' | '\u{200f}' | '\u{202e}' | '\u{2067}' | '\u{61c}'
        )
        || MARKS.contains(&c)
        || ('\u{1c}'..='\u{1f}').contains(&c)
}

//! Text safe to print on a terminal: [`escape_controls`] shows every control character a
//! target could send (ESC, BEL, the other C0 controls but line feed and tab, DEL, the C1
//! controls U+0080–U+009F) as a Rust escape (`\u{1b}`), so a body, a header value or an error
//! text from a target can neither move the cursor, retitle the window, ring the bell, hide
//! text nor write the clipboard. [`for_terminal`] is what the terminal sinks apply to all they
//! print; it keeps conform's own colour sequences when colour is on.
//!
//! Report files keep their own rules (JSON escapes C0 controls, JUnit's XML writer and the
//! HTML report escape theirs); this is for the terminal only.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` is a control character a terminal acts on: C0 but `\n` and `\t`, DEL, C1.
fn is_hostile(c: char) -> bool {
    // Unicode's Cc: C0, DEL and C1.
    c.is_control() && c != '\n' && c != '\t'
}

fn escaped(c: char, out: &mut String) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

/// `text` with every control character but line feed and tab shown as `\u{..}`; the same
/// text, borrowed, when there is none.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile(c) {
            escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` as a terminal sink prints it: [`escape_controls`], except that with `color` the
/// colour sequences conform writes itself (`ESC [ digits m`, SGR) are kept. The renderers
/// escape what a target sent before they colour anything, so no sequence kept here is a
/// target's.
pub fn for_terminal(text: &str, color: bool) -> Cow<'_, str> {
    if !color {
        return escape_controls(text);
    }
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}'
            && let Some(len) = sgr_len(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if is_hostile(c) {
            escaped(c, &mut out);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The length of the colour sequence `ESC [ (digits | ;)* m` at the start of `text`, if any.
fn sgr_len(text: &str) -> Option<usize> {
    let params = text.strip_prefix("\u{1b}[")?;
    let digits = params
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (params.as_bytes().get(digits) == Some(&b'm')).then_some(2 + digits + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_escaped_and_plain_text_is_untouched() {
        let hostile = "a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc\rd\u{7f}e\u{9b}31mf\u{0}";
        let shown = escape_controls(hostile);
        assert_eq!(
            shown,
            "a\\u{1b}]0;pwned\\u{7}b\\u{1b}[2Jc\\u{d}d\\u{7f}e\\u{9b}31mf\\u{0}"
        );
        assert!(matches!(
            escape_controls("line\n\ttab é ü 日本"),
            Cow::Borrowed(_)
        ));
        // With colour on, conform's own SGR stays; everything else is escaped as without it.
        let painted = "\u{1b}[31mred\u{1b}[0m \u{1b}[2J\u{7}";
        assert_eq!(
            for_terminal(painted, true),
            "\u{1b}[31mred\u{1b}[0m \\u{1b}[2J\\u{7}"
        );
        assert_eq!(
            for_terminal(painted, false),
            "\\u{1b}[31mred\\u{1b}[0m \\u{1b}[2J\\u{7}"
        );
        assert_eq!(for_terminal("\u{1b}[", true), "\\u{1b}[");
    }
}

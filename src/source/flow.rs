//! [`Bracket`]: where a YAML flow collection (`[...]`, `{...}`) was left open or closed by the
//! wrong bracket, found by a light scan of the text.
//!
//! The parser notices an unclosed `{` only lines later, at whatever token no longer fits ("did
//! not find expected ',' or '}'", "illegal placement of ':'", or a type error at the opening
//! bracket), and never says where the collection began. This scan says where: it follows block
//! lines only far enough to see where a flow value starts, then brackets, quotes and comments
//! inside it. It is a heuristic for messages, used only once parsing has already failed.

use super::span::Pos;

/// A flow collection that does not close properly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bracket {
    /// Opened at `at` and still open at the end of the file.
    Unclosed { open: char, at: Pos },
    /// Opened at `at`, closed at `close_at` by the other kind of bracket.
    Mismatched {
        open: char,
        at: Pos,
        close: char,
        close_at: Pos,
    },
}

impl Bracket {
    /// The closing bracket that `open` needs.
    pub fn closer(open: char) -> char {
        if open == '[' { ']' } else { '}' }
    }
}

/// The first flow collection of `source` that does not close properly: a mismatch where it
/// happens, or else the innermost one still open at the end.
pub fn scan(source: &str) -> Option<Bracket> {
    let mut stack: Vec<(char, Pos)> = Vec::new();
    // Inside a block scalar (`|`, `>`): lines indented deeper than this are text.
    let mut block_scalar: Option<usize> = None;
    for (i, line) in source.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let chars: Vec<char> = line.chars().collect();
        let indent = chars.iter().take_while(|c| **c == ' ').count();
        if let Some(parent) = block_scalar {
            if indent > parent || chars.iter().all(|c| c.is_whitespace()) {
                continue;
            }
            block_scalar = None;
        }
        let mut at = 0;
        if stack.is_empty() {
            match block_value_start(&chars, indent) {
                Some(BlockValue::Flow(start)) => at = start,
                Some(BlockValue::Scalar) => {
                    block_scalar = Some(indent);
                    continue;
                }
                None => continue,
            }
        }
        if let Some(found) = flow(&chars, at, line_no, &mut stack) {
            return Some(found);
        }
    }
    stack
        .last()
        .map(|&(open, at)| Bracket::Unclosed { open, at })
}

enum BlockValue {
    /// A flow collection starts at this character index.
    Flow(usize),
    /// A block scalar (`|` or `>`) starts: the following deeper lines are text.
    Scalar,
}

/// Where the value of a block line starts, if it is a flow collection or a block scalar: after
/// the indentation, any `- ` entries, and a `key: `.
fn block_value_start(chars: &[char], indent: usize) -> Option<BlockValue> {
    let mut i = indent;
    let skip_blanks = |mut i: usize| {
        while chars.get(i).is_some_and(|c| *c == ' ' || *c == '\t') {
            i += 1;
        }
        i
    };
    while chars.get(i) == Some(&'-') && chars.get(i + 1).is_none_or(|c| *c == ' ') {
        i = skip_blanks(i + 1);
    }
    if let Some(v) = value_kind(chars, i) {
        return Some(v);
    }
    // A key: quoted, or plain up to the first `: ` (or `:` at the end of the line).
    let mut j = i;
    if let Some(&q @ ('"' | '\'')) = chars.get(j) {
        j = skip_quoted(chars, j, q);
    }
    while j < chars.len() {
        match chars[j] {
            '#' if j > 0 && chars[j - 1] == ' ' => return None,
            ':' if chars.get(j + 1).is_none_or(|c| *c == ' ' || *c == '\t') => {
                return value_kind(chars, skip_blanks(j + 1));
            }
            _ => j += 1,
        }
    }
    None
}

fn value_kind(chars: &[char], i: usize) -> Option<BlockValue> {
    match chars.get(i) {
        Some('[' | '{') => Some(BlockValue::Flow(i)),
        Some('|' | '>') => Some(BlockValue::Scalar),
        _ => None,
    }
}

/// The index after the quoted scalar that starts at `i` (or the end of the line).
fn skip_quoted(chars: &[char], i: usize, q: char) -> usize {
    let mut j = i + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' if q == '"' => j += 2,
            '\'' if q == '\'' && chars.get(j + 1) == Some(&'\'') => j += 2,
            c if c == q => return j + 1,
            _ => j += 1,
        }
    }
    chars.len()
}

/// Follows brackets from index `i` of a line, until the outermost one closes.
fn flow(
    chars: &[char],
    mut i: usize,
    line_no: u32,
    stack: &mut Vec<(char, Pos)>,
) -> Option<Bracket> {
    let pos = |i: usize| Pos::new(line_no, u32::try_from(i + 1).unwrap_or(u32::MAX));
    while i < chars.len() {
        let c = chars[i];
        let after_separator = i == 0 || matches!(chars[i - 1], ' ' | '\t' | '[' | '{' | ',' | ':');
        match c {
            '[' | '{' => stack.push((c, pos(i))),
            ']' | '}' => {
                let (open, at) = stack.pop()?;
                if Bracket::closer(open) != c {
                    return Some(Bracket::Mismatched {
                        open,
                        at,
                        close: c,
                        close_at: pos(i),
                    });
                }
                if stack.is_empty() {
                    // The rest of the line is a comment or nothing.
                    return None;
                }
            }
            '"' | '\'' if after_separator => {
                i = skip_quoted(chars, i, c);
                continue;
            }
            '#' if i > 0 && matches!(chars[i - 1], ' ' | '\t') => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_mapping_is_found_where_it_opens() {
        let src = "steps:\n  - call: x\n    body: {name: a, size: 1\n    expect: {status: 201}\n";
        assert_eq!(
            scan(src),
            Some(Bracket::Unclosed {
                open: '{',
                at: Pos::new(3, 11)
            })
        );
    }

    #[test]
    fn the_innermost_open_bracket_is_named() {
        assert_eq!(
            scan("tags: [a, [b\nname: x\n"),
            Some(Bracket::Unclosed {
                open: '[',
                at: Pos::new(1, 11)
            })
        );
    }

    #[test]
    fn a_wrong_closer_is_a_mismatch() {
        assert_eq!(
            scan("- q: {name: [a, b}\n"),
            Some(Bracket::Mismatched {
                open: '[',
                at: Pos::new(1, 13),
                close: '}',
                close_at: Pos::new(1, 18)
            })
        );
    }

    #[test]
    fn balanced_text_and_brackets_in_strings_comments_and_block_scalars_are_fine() {
        let src = "a: [1, {b: \"}\"}, 'x]'] # [\nb: c[d\nc: |\n  {not: [flow\nd: {e: [f]}\n\
                   e: \"a [ b\"\nf: it's {here\n- [x, y]\n";
        assert_eq!(scan(src), None);
    }

    #[test]
    fn a_multi_line_flow_collection_closes_on_a_later_line() {
        assert_eq!(scan("a: [\n  1,\n  {b: 2}\n]\nc: d\n"), None);
    }
}

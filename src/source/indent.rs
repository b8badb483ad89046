//! [`IndentHint`]: which columns the blocks above a badly indented line start at, so a message
//! can say "move it to column 5 (the mapping at line 4)" instead of the parser's "did not find
//! expected key"; and [`first_key`], where a duplicated key was first written.
//!
//! Both read the text's layout only (indentation, `- ` entries, `key:`), once parsing has
//! already failed; they are heuristics for messages, never for meaning.

use super::span::Pos;

/// A column some block above starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// 1-based column.
    pub col: usize,
    /// 1-based line where that block's entry is.
    pub line: usize,
    /// A `- ` list entry (else a mapping key or other content).
    pub list: bool,
}

impl Block {
    pub fn describe(&self) -> String {
        let what = if self.list { "list" } else { "mapping" };
        format!("column {} (the {what} at line {})", self.col, self.line)
    }
}

/// Where `line` (1-based) starts and the nearest block columns on either side of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndentHint {
    /// The column the line's content starts at.
    pub col: usize,
    /// The nearest enclosing block column left of it, and the nearest one right of it.
    pub before: Option<Block>,
    pub after: Option<Block>,
}

/// `None` when the line starts at a column some block above starts at (its indentation is
/// then not the problem), or when there is no such line.
pub fn hint(source: &str, line: usize) -> Option<IndentHint> {
    let lines: Vec<&str> = source.lines().collect();
    let text = lines.get(line.checked_sub(1)?)?;
    let col = indent(text)? + 1;
    let blocks = blocks_above(&lines[..line - 1]);
    if blocks.is_empty() || blocks.iter().any(|b| b.col == col) {
        return None;
    }
    let before = blocks
        .iter()
        .filter(|b| b.col < col)
        .max_by_key(|b| b.col)
        .copied();
    let after = blocks
        .iter()
        .filter(|b| b.col > col)
        .min_by_key(|b| b.col)
        .copied();
    Some(IndentHint { col, before, after })
}

/// Spaces before the content of a line; `None` for blank and comment lines.
fn indent(line: &str) -> Option<usize> {
    let n = line.chars().take_while(|c| *c == ' ').count();
    match line[n..].chars().next() {
        None | Some('#') => None,
        Some(_) => Some(n),
    }
}

/// The columns a line's entries start at, left to right: each `- ` and the content after the
/// last one (1-based), as `(col, is_list)`.
fn columns(line: &str) -> Vec<(usize, bool)> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = chars.iter().take_while(|c| **c == ' ').count();
    let mut out = Vec::new();
    while chars.get(i) == Some(&'-') && chars.get(i + 1).is_none_or(|c| *c == ' ') {
        out.push((i + 1, true));
        i += 1;
        while chars.get(i) == Some(&' ') {
            i += 1;
        }
    }
    if i < chars.len() {
        out.push((i + 1, false));
    }
    out
}

/// The blocks still open after `lines`: walking up, the columns of the last line, then of each
/// line that starts further left than every line below it.
fn blocks_above(lines: &[&str]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut leftmost = usize::MAX;
    for (i, line) in lines.iter().enumerate().rev() {
        let Some(start) = indent(line) else { continue };
        if start + 1 >= leftmost {
            continue;
        }
        for (col, list) in columns(line) {
            if col < leftmost {
                out.push(Block {
                    col,
                    line: i + 1,
                    list,
                });
            }
        }
        leftmost = start + 1;
        if leftmost == 1 {
            break;
        }
    }
    out
}

/// Where `key` was first written in the mapping that repeats it at `dup`: earlier on the same
/// line (a flow mapping), or on an earlier line of the same block mapping.
pub fn first_key(source: &str, dup: Pos, key: &str) -> Option<Pos> {
    let lines: Vec<&str> = source.lines().collect();
    let line_no = dup.line as usize;
    let line = lines.get(line_no.checked_sub(1)?)?;
    let col = dup.col as usize;
    let here: String = line.chars().take(col.saturating_sub(1)).collect();
    if let Some(c) = flow_key_col(&here, key) {
        return Some(Pos::new(dup.line, u32::try_from(c).ok()?));
    }
    for (i, text) in lines[..line_no - 1].iter().enumerate().rev() {
        let Some(start) = indent(text) else { continue };
        let cols = columns(text);
        let Some(&(content, _)) = cols.last() else {
            continue;
        };
        if content > col {
            continue;
        }
        if content < col {
            return None;
        }
        if key_of(text, content) == Some(key) {
            return Some(Pos::new(u32::try_from(i + 1).ok()?, dup.col));
        }
        // A `- ` entry starts this mapping: lines above it belong to another entry.
        if start + 1 < content {
            return None;
        }
    }
    None
}

/// The key written at 1-based column `col` of `line`, unquoted.
fn key_of(line: &str, col: usize) -> Option<&str> {
    let start = line.char_indices().nth(col - 1)?.0;
    let rest = &line[start..];
    let end = rest.find(':')?;
    Some(rest[..end].trim().trim_matches(['"', '\'']))
}

/// The 1-based column of `key:` in the flow text `before` (the part of the line before the
/// duplicate), where the key starts after `{`, `,` or a space.
fn flow_key_col(before: &str, key: &str) -> Option<usize> {
    let chars: Vec<char> = before.chars().collect();
    let k: Vec<char> = key.chars().collect();
    (0..chars.len()).find_map(|i| {
        let starts = i == 0 || matches!(chars[i - 1], '{' | ',' | ' ');
        let mut j = i;
        if matches!(chars.get(j), Some('"' | '\'')) {
            j += 1;
        }
        let matched = chars.get(j..j + k.len()) == Some(&k[..]);
        let mut end = j + k.len();
        if matches!(chars.get(end), Some('"' | '\'')) && j > i {
            end += 1;
        }
        let colon = chars.get(end) == Some(&':');
        (starts && matched && colon && before.contains('{')).then_some(i + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: &str = "name: x\nsteps:\n  - call: a\n    body:\n      name: a\n";

    #[test]
    fn a_line_between_two_blocks_gets_both_columns() {
        let src = format!("{STEPS}     size: 1\n");
        let h = hint(&src, 6).expect("a hint");
        assert_eq!(h.col, 6);
        assert_eq!(h.before.map(|b| (b.col, b.line)), Some((5, 4)));
        assert_eq!(h.after.map(|b| (b.col, b.line)), Some((7, 5)));
    }

    #[test]
    fn a_list_entry_is_named_as_a_list() {
        let src = "steps:\n  - call: a\n    body: {}\n   - call: b\n";
        let h = hint(src, 4).expect("a hint");
        assert_eq!(h.before.map(|b| (b.col, b.list)), Some((3, true)));
        assert_eq!(h.after.map(|b| (b.col, b.list)), Some((5, false)));
        assert_eq!(
            h.before.expect("before").describe(),
            "column 3 (the list at line 2)"
        );
    }

    #[test]
    fn a_line_on_a_block_column_gets_no_hint() {
        let src = format!("{STEPS}  - call: b\n");
        assert_eq!(hint(&src, 6), None);
        assert_eq!(hint("name: a: b\n", 1), None);
    }

    #[test]
    fn the_first_key_is_found_in_the_same_block_or_flow_mapping() {
        let src = "steps:\n  - call: a\n    body: {}\n    x: 1\n    body: 2\n";
        assert_eq!(first_key(src, Pos::new(5, 5), "body"), Some(Pos::new(3, 5)));
        // The same key in another list entry is not the first of this mapping.
        let src = "steps:\n  - call: a\n  - body: 1\n    body: 2\n";
        assert_eq!(first_key(src, Pos::new(4, 5), "call"), None);
        assert_eq!(first_key(src, Pos::new(4, 5), "body"), Some(Pos::new(3, 5)));
        let src = "a: {x: 1, y: 2, x: 3}\n";
        assert_eq!(first_key(src, Pos::new(1, 17), "x"), Some(Pos::new(1, 5)));
    }
}

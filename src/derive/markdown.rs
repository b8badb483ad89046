//! Markdown pages into [`Block`]s: ATX headings, paragraph lines, fenced code, and GFM pipe
//! tables as vendors really write them: indented by a space or two, with or without the
//! trailing pipe, `\|` and `\*` escapes, and cells that run over several lines until a
//! closing `|` (a "Valid values:" list in a cell).

use super::{Block, Row, Table, squash};

/// A row that never closes stops at this many lines, so a stray `|` cannot swallow the page.
const MAX_ROW_LINES: usize = 50;

/// The blocks of a Markdown page, in page order.
pub fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = front_matter(&lines, &mut out);
    while i < lines.len() {
        let t = lines[i].trim();
        if let Some(fence) = fence_of(t) {
            let start = i;
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with(fence) {
                body.push(lines[i]);
                i += 1;
            }
            out.push(Block::Code {
                text: dedent(&body),
                line: start + 2,
            });
            i += 1;
            continue;
        }
        if t.starts_with('|') && lines.get(i + 1).is_some_and(|l| is_delimiter(l.trim())) {
            let (table, next) = table(&lines, i);
            out.push(Block::Table(table));
            i = next;
            continue;
        }
        if let Some(h) = t.strip_prefix('#') {
            out.push(Block::Heading {
                text: h.trim_start_matches('#').trim().to_owned(),
                line: i + 1,
            });
        } else if !t.is_empty() && t != "---" {
            out.push(Block::Text {
                text: unformat(t),
                line: i + 1,
            });
        }
        i += 1;
    }
    out
}

/// A leading `---` YAML block (Jekyll pages): its `title:` is the page's
/// title; the rest is site metadata. Returns the first line after it.
fn front_matter(lines: &[&str], out: &mut Vec<Block>) -> usize {
    if lines.first().map(|l| l.trim()) != Some("---") {
        return 0;
    }
    let Some(end) = lines.iter().skip(1).position(|l| l.trim() == "---") else {
        return 0;
    };
    for (i, l) in lines[1..=end].iter().enumerate() {
        if let Some(title) = l.strip_prefix("title:") {
            out.push(Block::Heading {
                text: title.trim().trim_matches(['"', '\'']).to_owned(),
                line: i + 2,
            });
        }
    }
    end + 2
}

fn fence_of(t: &str) -> Option<&'static str> {
    if t.starts_with("```") {
        Some("```")
    } else if t.starts_with("~~~") {
        Some("~~~")
    } else {
        None
    }
}

/// `|:---|---:|` (the outer pipes optional).
fn is_delimiter(t: &str) -> bool {
    t.contains('-')
        && t.contains('|')
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
}

/// The table whose header is at `start`; returns it and the index of the first line after it.
fn table(lines: &[&str], start: usize) -> (Table, usize) {
    let head = lines[start].trim();
    // A header that closes with `|` means rows do too, so a row without one continues below.
    let closed = head.ends_with('|');
    let header = cells(head);
    let mut rows = Vec::new();
    let mut i = start + 2;
    while i < lines.len() {
        let t = lines[i].trim();
        if !t.starts_with('|') {
            break;
        }
        let line = i + 1;
        let mut text = t.to_owned();
        i += 1;
        if closed && !ends_with_pipe(t) {
            let limit = (i + MAX_ROW_LINES).min(lines.len());
            while i < limit {
                let next = lines[i].trim();
                if next.starts_with('|') || next.starts_with('#') {
                    break;
                }
                text.push('\n');
                text.push_str(next);
                i += 1;
                if ends_with_pipe(next) {
                    break;
                }
            }
        }
        rows.push(Row {
            cells: cells(&text),
            line,
        });
    }
    (
        Table {
            header,
            rows,
            line: start + 1,
        },
        i,
    )
}

fn ends_with_pipe(t: &str) -> bool {
    t.ends_with('|') && !t.ends_with("\\|")
}

/// Splits a row on unescaped pipes, dropping the outer ones, and unescapes each cell.
fn cells(row: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = row.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if n.is_ascii_punctuation() => cur.push(n),
                Some(n) => {
                    cur.push('\\');
                    cur.push(n);
                }
                None => cur.push('\\'),
            },
            '|' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    let trimmed = row.trim();
    if trimmed.starts_with('|') {
        parts.remove(0);
    }
    if ends_with_pipe(trimmed) {
        parts.pop();
    }
    parts.iter().map(|p| squash(p)).collect()
}

/// Strips the emphasis and code marks a caption line carries (`**Path Parameters**`).
fn unformat(t: &str) -> String {
    squash(&t.replace("**", "").replace('`', ""))
}

/// Removes the common leading whitespace (fenced blocks indented with the list or table).
pub(crate) fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only_table(text: &str) -> Table {
        crate::derive::first_table(blocks(text)).expect("a table")
    }

    #[test]
    fn escapes_and_continuation_lines() {
        let t = only_table(
            "|Parameter|Type|Example|Description|\n|---|---|---|---|\n\
             |InstanceId|String|es-cn\\*\\*\\*\\*|a \\| b|\n\
             |Result|Boolean|true|Valid values:\n\n-   true\n-   false |\n\
             |Next|String|x|y|\n",
        );
        assert_eq!(t.header, ["Parameter", "Type", "Example", "Description"]);
        assert_eq!(
            t.rows[0].cells,
            ["InstanceId", "String", "es-cn****", "a | b"]
        );
        assert_eq!(
            t.rows[1].cells,
            ["Result", "Boolean", "true", "Valid values: - true - false"]
        );
        assert_eq!(t.rows[2].cells[0], "Next");
        assert_eq!(t.rows[2].line, 8);
    }

    #[test]
    fn indented_tables_without_trailing_pipes() {
        let t = only_table(
            "  |Name   | Description | Type/Value\n  |:---- | :--- | :---\n  |request_id | ID | String\n  |siteId| LP | string\n",
        );
        assert_eq!(t.header, ["Name", "Description", "Type/Value"]);
        assert_eq!(t.rows[1].cells, ["siteId", "LP", "string"]);
    }

    #[test]
    fn fenced_code_is_dedented() {
        let b = blocks("x\n```json\n  [\n      {\"a\": 1}\n  ]\n```\n");
        assert_eq!(
            b[1],
            Block::Code {
                text: "[\n    {\"a\": 1}\n]".into(),
                line: 3
            }
        );
    }
}

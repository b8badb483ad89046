//! reStructuredText pages into [`Block`]s: underlined (and overlined) section titles,
//! paragraph lines, `.. code::`/`.. code-block::` literal blocks, and grid tables.
//!
//! Grid tables are read by columns, as docutils does: the top border fixes the column
//! boundaries; a cell is closed by a `---` run under it, so a cell that spans rows (its column
//! not closed while the others are) is repeated on each row it covers, and a missing `|` at a
//! boundary joins the two columns' text (a cell that spans columns).

use super::markdown::dedent;
use super::{Block, Row, Table, squash};

/// The blocks of a reStructuredText page, in page order.
pub fn blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let t = raw.trim();
        if t.starts_with('+') && t.ends_with('+') && t.len() > 2 {
            let indent = raw.len() - raw.trim_start().len();
            let start = i;
            while i < lines.len() {
                let l = lines[i].trim();
                if !(l.starts_with('+') || l.starts_with('|')) {
                    break;
                }
                i += 1;
            }
            let body: Vec<&str> = lines[start..i]
                .iter()
                .map(|l| l.get(indent..).unwrap_or("").trim_end())
                .collect();
            out.push(Block::Table(grid(&body, start + 1)));
            continue;
        }
        if t.starts_with(".. code") {
            let indent = raw.len() - raw.trim_start().len();
            let start = i;
            i += 1;
            let mut body = Vec::new();
            while i < lines.len() {
                let l = lines[i];
                let deeper = l.len() - l.trim_start().len() > indent;
                if !l.trim().is_empty() && !deeper {
                    break;
                }
                body.push(l);
                i += 1;
            }
            out.push(Block::Code {
                text: dedent(&body).trim().to_owned(),
                line: start + 1 + body.iter().take_while(|l| l.trim().is_empty()).count() + 1,
            });
            continue;
        }
        if is_adornment(t) {
            i += 1;
            continue;
        }
        if !t.is_empty() {
            if lines.get(i + 1).is_some_and(|n| is_adornment(n.trim())) {
                out.push(Block::Heading {
                    text: t.to_owned(),
                    line: i + 1,
                });
                i += 2;
                continue;
            }
            out.push(Block::Text {
                text: squash(&t.replace("**", "").replace("``", "")),
                line: i + 1,
            });
        }
        i += 1;
    }
    out
}

/// A line of one repeated punctuation character: a section title's under- or overline.
fn is_adornment(t: &str) -> bool {
    let mut chars = t.chars();
    match chars.next() {
        Some(c) if "=-~^\"'`#*+_:.".contains(c) && t.len() >= 3 => chars.all(|d| d == c),
        _ => false,
    }
}

/// One grid table; `first_line` is the 1-based line of its top border.
fn grid(lines: &[&str], first_line: usize) -> Table {
    let rows: Vec<Vec<char>> = lines.iter().map(|l| l.chars().collect()).collect();
    let bounds: Vec<usize> = rows[0]
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == '+')
        .map(|(i, _)| i)
        .collect();
    let ncols = bounds.len().saturating_sub(1);
    let at = |r: &[char], i: usize| r.get(i).copied().unwrap_or(' ');
    // Per column: the text of the open cell, and the cells closed since the last full border.
    let mut open: Vec<Vec<String>> = vec![Vec::new(); ncols];
    let mut closed: Vec<Vec<String>> = vec![Vec::new(); ncols];
    let mut row_line = first_line + 1;
    let mut header: Vec<String> = Vec::new();
    let mut body: Vec<Row> = Vec::new();
    for (n, r) in rows.iter().enumerate().skip(1) {
        let mut c = 0;
        let mut all_closed = true;
        let mut header_rule = false;
        while c < ncols {
            let (left, right) = (bounds[c], bounds[c + 1]);
            let segment: String = (left + 1..right).map(|i| at(r, i)).collect();
            let rule = !segment.is_empty() && segment.chars().all(|ch| ch == '-' || ch == '=');
            if rule && at(r, left) == '+' {
                header_rule |= segment.starts_with('=');
                closed[c].push(squash(&open[c].join(" ")));
                open[c].clear();
                c += 1;
                continue;
            }
            all_closed = false;
            // A cell spanning columns: no `|` at the next boundary, so read on to one.
            let mut end = c + 1;
            while end < ncols && !matches!(at(r, bounds[end]), '|' | '+') {
                end += 1;
            }
            let text: String = (left + 1..bounds[end]).map(|i| at(r, i)).collect();
            open[c].push(text.trim().to_owned());
            c = end;
        }
        if !all_closed {
            continue;
        }
        let height = closed.iter().map(Vec::len).max().unwrap_or(0);
        let mut made = Vec::new();
        for k in 0..height {
            let cells = closed
                .iter()
                .map(|col| match col.len() {
                    1 => col[0].clone(), // spans every sub-row
                    _ => col.get(k).cloned().unwrap_or_default(),
                })
                .collect();
            made.push(Row {
                cells,
                line: row_line,
            });
        }
        closed.iter_mut().for_each(Vec::clear);
        if header_rule {
            header = (0..ncols)
                .map(|c| {
                    squash(
                        &made
                            .iter()
                            .map(|r| r.cells[c].as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    )
                })
                .collect();
            body.clear();
        } else {
            body.extend(made);
        }
        row_line = first_line + n + 1;
    }
    Table {
        header,
        rows: body,
        line: first_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only_table(text: &str) -> Table {
        crate::derive::first_table(blocks(text)).expect("a table")
    }

    #[test]
    fn multi_line_cells_join() {
        let t = only_table(
            "+------+-----------+------------+\n\
             |Name  |Type       |Description |\n\
             +======+===========+============+\n\
             |{a}   |csapi:UUID |The UUID of |\n\
             |      |           |the tenant. |\n\
             +------+-----------+------------+\n",
        );
        assert_eq!(t.header, ["Name", "Type", "Description"]);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(
            t.rows[0].cells,
            ["{a}", "csapi:UUID", "The UUID of the tenant."]
        );
        assert_eq!(t.rows[0].line, 4);
    }

    #[test]
    fn merged_cells_span_rows_and_columns() {
        let t = only_table(
            "+------+--------+------------+\n\
             |Name  |Type    |Description |\n\
             +======+========+============+\n\
             |a     |String  |Shared by a |\n\
             +------+--------+and b.      |\n\
             |b     |Integer |            |\n\
             +------+--------+------------+\n\
             |Response fields              |\n\
             +------+--------+------------+\n",
        );
        assert_eq!(t.rows[0].cells, ["a", "String", "Shared by a and b."]);
        assert_eq!(t.rows[1].cells, ["b", "Integer", "Shared by a and b."]);
        assert_eq!(t.rows[2].cells, ["Response fields", "", ""]);
    }

    #[test]
    fn titles_and_code() {
        let b = blocks(
            "=====\nTitle\n=====\n\nRequest\n^^^^^^^\n\n.. code::\n\n    {\n        \"restore\": null\n    }\n\nafter\n",
        );
        assert_eq!(
            b[0],
            Block::Heading {
                text: "Title".into(),
                line: 2
            }
        );
        assert_eq!(
            b[1],
            Block::Heading {
                text: "Request".into(),
                line: 5
            }
        );
        assert_eq!(
            b[2],
            Block::Code {
                text: "{\n    \"restore\": null\n}".into(),
                line: 10
            }
        );
        assert_eq!(
            b[3],
            Block::Text {
                text: "after".into(),
                line: 14
            }
        );
    }
}

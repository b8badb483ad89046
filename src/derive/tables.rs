//! From [`Block`]s to a [`Derived`] draft: recognise each table by its header words, decide
//! whether it describes the request or the response (and where a request parameter goes) from
//! its columns, its name cells and the captions above it, and map the documents' type words to
//! JSON Schema.

use serde_json::{Value, json};

use super::crosscheck::{self, Disagreement};
use super::types::{schema_of, valid_values};
use super::{Block, Format, Row, Table};

/// Where a documented field goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A path template parameter (`{id}`).
    Path,
    /// A query string parameter.
    Query,
    /// A request header.
    Header,
    /// A request cookie.
    Cookie,
    /// A request body field.
    Body,
    /// A success response body field.
    Response,
}

impl Place {
    /// The OpenAPI `in` value (`path`, `query`, ...), or `body`/`response` for the bodies.
    pub fn name(self) -> &'static str {
        match self {
            Place::Path => "path",
            Place::Query => "query",
            Place::Header => "header",
            Place::Cookie => "cookie",
            Place::Body => "body",
            Place::Response => "response",
        }
    }
}

/// One row of a parameter or response table.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field name, cleaned of `└` marks and decorations.
    pub name: String,
    /// The names of the enclosing fields, outermost first (rows marked `└` under their parent); empty at the top.
    pub parent: Vec<String>,
    /// Where it goes; nested fields share the place of their outermost parent.
    pub place: Place,
    /// Required by the table (path parameters always are).
    pub required: bool,
    /// The type cell as written (`String ^[a-z]{1,20}$`, `xsd:string *(Required)*`).
    pub type_text: String,
    /// The JSON Schema read from the type cell (with `enum` from the description).
    pub schema: Value,
    /// The description cell as written; empty if none.
    pub description: String,
    /// The example cell; `None` when the table has none or it is empty.
    pub example: Option<String>,
    /// The 1-based line of the row in the page.
    pub line: usize,
}

/// A status from a response-code or error-code table.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// The 3-digit HTTP status code.
    pub code: String,
    /// The row's other cells joined with `: `; empty if none.
    pub description: String,
}

/// A JSON example found in a code block, with the side it illustrates.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// The parsed JSON.
    pub value: Value,
    /// The block as written, to find a key's line.
    pub text: String,
    /// The 1-based line where the block starts.
    pub line: usize,
    /// Whether it illustrates the response (else the request body).
    pub response: bool,
}

/// Everything read from one page.
#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    /// The markup the page was written in.
    pub format: Format,
    /// The page's first heading; empty if it has none.
    pub title: String,
    /// The HTTP method, lowercase; `None` when the page names no request line.
    pub method: Option<String>,
    /// The path template; `None` when the page names no request line.
    pub path: Option<String>,
    /// The table rows, in page order.
    pub fields: Vec<Field>,
    /// The statuses of the status tables, in page order.
    pub statuses: Vec<Status>,
    /// The JSON examples, in page order.
    pub examples: Vec<Example>,
    /// Where examples and tables disagree (see [`crosscheck`]).
    pub disagreements: Vec<Disagreement>,
    /// What was read but not used, or guessed: shown to the user beside the draft.
    pub notes: Vec<String>,
}

/// Header words that name a column's role.
#[derive(Default)]
struct Columns {
    name: Option<usize>,
    ty: Option<usize>,
    position: Option<usize>,
    required: Option<usize>,
    description: Option<usize>,
    example: Option<usize>,
    status: Option<usize>,
    method: Option<usize>,
    url: Option<usize>,
}

impl Columns {
    fn of(header: &[String]) -> Self {
        let mut c = Columns::default();
        for (i, h) in header.iter().enumerate() {
            let h = h.to_ascii_lowercase();
            let slot = match h.as_str() {
                "parameter" | "parameters" | "name" | "field" | "element" | "header"
                | "parameter name" | "field name" => &mut c.name,
                "position" | "in" | "location" | "param type" => &mut c.position,
                "required" | "mandatory" => &mut c.required,
                "method" | "http method" => &mut c.method,
                "url" | "uri" | "endpoint" | "path" => &mut c.url,
                "response code" | "httpcode" | "http code" | "status" | "status code"
                | "http status code" => &mut c.status,
                _ if h.contains("type") => &mut c.ty,
                _ if h.contains("description") => &mut c.description,
                _ if h.contains("example") => &mut c.example,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        c
    }
}

/// Reads the blocks of one page into a [`Derived`] draft, cross-checked.
pub fn build(blocks: &[Block], format: Format) -> Derived {
    let mut d = Derived {
        format,
        title: String::new(),
        method: None,
        path: None,
        fields: Vec::new(),
        statuses: Vec::new(),
        examples: Vec::new(),
        disagreements: Vec::new(),
        notes: Vec::new(),
    };
    request_line(blocks, &mut d);
    // Captions: the texts under the current heading, most recent last.
    let mut heading = String::new();
    let mut captions: Vec<String> = Vec::new();
    for block in blocks {
        match block {
            Block::Heading { text, .. } => {
                if d.title.is_empty() {
                    d.title = text.clone();
                }
                heading = text.clone();
                captions.clear();
            }
            Block::Text { text, .. } => captions.push(text.clone()),
            Block::Table(t) => table(t, &heading, &captions, &mut d),
            Block::Code { text, line } => {
                if let Ok(value) = serde_json::from_str::<Value>(text)
                    && (value.is_object() || value.is_array())
                {
                    let response = side(&heading, &captions) != Some(false);
                    d.examples.push(Example {
                        value,
                        text: text.clone(),
                        line: *line,
                        response,
                    });
                }
            }
        }
    }
    if let Some(path) = d.path.clone() {
        for name in template_names(&path) {
            if !d
                .fields
                .iter()
                .any(|f| f.place == Place::Path && f.name == name)
            {
                d.notes.push(format!(
                    "path parameter `{name}` is only in the URL, typed string (inferred)"
                ));
                d.fields.push(Field {
                    name: name.to_owned(),
                    parent: Vec::new(),
                    place: Place::Path,
                    required: true,
                    type_text: String::new(),
                    schema: json!({"type": "string"}),
                    description: String::new(),
                    example: None,
                    line: 0,
                });
            }
        }
    }
    d.disagreements = crosscheck::check(&d.fields, &d.examples);
    d
}

/// `METHOD /path` from a code block or a Method/URL table.
fn request_line(blocks: &[Block], d: &mut Derived) {
    const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    for block in blocks {
        let found = match block {
            Block::Code { text, .. } => text.lines().find_map(|l| {
                let mut parts = l.split_whitespace();
                let m = parts.next()?;
                METHODS
                    .contains(&m)
                    .then(|| (m.to_owned(), parts.next().unwrap_or("/").to_owned()))
            }),
            Block::Table(t) => {
                let c = Columns::of(&t.header);
                match (c.method, c.url, t.rows.first()) {
                    (Some(m), Some(u), Some(r)) => Some((
                        r.cells.get(m).cloned().unwrap_or_default(),
                        r.cells.get(u).cloned().unwrap_or_default(),
                    )),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some((method, url)) = found {
            d.method = Some(method.to_ascii_lowercase());
            d.path = Some(normalize_path(&url));
            return;
        }
    }
    d.notes
        .push("no request line (`METHOD /path`) found; the draft uses `/unknown`".into());
}

/// `https://{domain}/a/[Id]/b?x=1` -> `/a/{Id}/b`.
fn normalize_path(url: &str) -> String {
    let no_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = if url.contains("://") {
        no_scheme.find('/').map_or("/", |i| &no_scheme[i..])
    } else {
        no_scheme
    };
    let path = path.split(['?', '#']).next().unwrap_or("/");
    path.replace('[', "{").replace(']', "}")
}

fn template_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n))
        .collect()
}

/// The first answer `read` gives for the captions, most recent first, then the heading.
fn recent<T>(heading: &str, captions: &[String], read: impl Fn(&str) -> Option<T>) -> Option<T> {
    captions
        .iter()
        .rev()
        .map(String::as_str)
        .chain(std::iter::once(heading))
        .find_map(|c| read(&c.to_ascii_lowercase()))
}

/// `Some(true)` response, `Some(false)` request, by the words of the most recent caption.
fn side(heading: &str, captions: &[String]) -> Option<bool> {
    recent(heading, captions, |c| {
        match (c.rfind("request"), c.rfind("response")) {
            (Some(q), Some(s)) => Some(s > q),
            (None, Some(_)) => Some(true),
            (Some(_), None) => Some(false),
            (None, None) => None,
        }
    })
}

/// The place the most recent caption names (`URI parameters`, `Query`, `Request Headers`, ...).
fn caption_place(heading: &str, captions: &[String]) -> Option<Place> {
    const WORDS: [(&str, Place); 5] = [
        ("uri", Place::Path),
        ("path", Place::Path),
        ("query", Place::Query),
        ("header", Place::Header),
        ("body", Place::Body),
    ];
    recent(heading, captions, |c| {
        WORDS.iter().find(|(w, _)| c.contains(w)).map(|(_, p)| *p)
    })
}

fn table(t: &Table, heading: &str, captions: &[String], d: &mut Derived) {
    let c = Columns::of(&t.header);
    if let Some(s) = c.status {
        statuses(t, s, d);
        return;
    }
    if c.method.is_some() {
        return; // the request line, read already
    }
    let Some(name_col) = c.name else {
        d.notes.push(format!(
            "table at line {} ({}) has no name column; skipped",
            t.line,
            t.header.join(" | ")
        ));
        return;
    };
    let mut response = side(heading, captions) == Some(true);
    let mut caption_at = caption_place(heading, captions);
    // The names of the open nesting levels, and the place of the outermost.
    let mut open: Vec<String> = Vec::new();
    let mut open_place = None;
    for r in &t.rows {
        let cell = |i: Option<usize>| i.and_then(|i| r.cells.get(i)).cloned().unwrap_or_default();
        let raw_name = cell(Some(name_col));
        // A row that only has its first cell is a section label inside the table.
        if r.cells.iter().skip(1).all(String::is_empty) && raw_name.contains(' ') {
            let label = [raw_name.clone()];
            response = side("", &label).unwrap_or(response);
            caption_at = caption_place("", &label).or(caption_at);
            continue;
        }
        let name = clean_name(&raw_name);
        if name.is_empty() {
            continue;
        }
        if r.cells.len() > t.header.len() {
            note_extra_cells(t, r, &name, d);
        }
        let parent = nest(&mut open, &raw_name, &name);
        let type_text = cell(c.ty);
        let description = cell(c.description);
        let (schema, typed_required, note) = row_schema(&type_text, &description);
        if let Some(n) = note {
            d.notes.push(format!("line {}: `{name}`: {n}", r.line));
        }
        let required = typed_required || is_yes(&cell(c.required));
        let place = match open_place {
            Some(p) if !parent.is_empty() => p,
            _ if response => Place::Response,
            _ => request_place(&cell(c.position), &raw_name, &name, caption_at, d),
        };
        if parent.is_empty() {
            open_place = Some(place);
        }
        if place == Place::Header && name.eq_ignore_ascii_case("authorization") {
            d.notes.push(format!(
                "line {}: `{name}` carries credentials: model it in `securitySchemes`, not as a parameter",
                r.line
            ));
            continue;
        }
        let example = Some(cell(c.example)).filter(|e| !e.is_empty());
        d.fields.push(Field {
            name,
            parent,
            place,
            required: required || place == Place::Path,
            type_text,
            schema,
            description,
            example,
            line: r.line,
        });
    }
}

/// The rows of a status table, as `(code, the row's other cells joined)`; rows whose status
/// cell is not a 3-digit code are skipped.
fn statuses(t: &Table, s: usize, d: &mut Derived) {
    for r in &t.rows {
        let code = r.cells.get(s).cloned().unwrap_or_default();
        if code.len() == 3 && code.chars().all(|ch| ch.is_ascii_digit()) {
            let description = r
                .cells
                .iter()
                .enumerate()
                .filter(|(i, text)| *i != s && !text.is_empty())
                .map(|(_, text)| text.as_str())
                .collect::<Vec<_>>()
                .join(": ");
            d.statuses.push(Status { code, description });
        }
    }
}

fn note_extra_cells(t: &Table, r: &Row, name: &str, d: &mut Derived) {
    d.notes.push(format!(
        "line {}: `{name}` has {} cells for {} columns (an unescaped `|`?); read by position",
        r.line,
        r.cells.len(),
        t.header.len()
    ));
}

/// The parent path of the row named `raw_name`, with `open` (the names of the open nesting
/// levels) updated to end at it. `└name` is a field of the row above at one level less; a
/// level with no row above it is read as the deepest one there is.
fn nest(open: &mut Vec<String>, raw_name: &str, name: &str) -> Vec<String> {
    let depth = raw_name
        .chars()
        .filter(|c| *c == '└')
        .count()
        .min(open.len());
    open.truncate(depth);
    let parent = open.clone();
    open.push(name.to_owned());
    parent
}

/// [`schema_of`] the type cell, with an `enum` when a string's description lists its values.
fn row_schema(type_text: &str, description: &str) -> (Value, bool, Option<String>) {
    let (mut schema, typed_required, note) = schema_of(type_text);
    if schema.get("type") == Some(&json!("string"))
        && let (Some(values), Some(obj)) = (valid_values(description), schema.as_object_mut())
    {
        obj.insert("enum".into(), json!(values));
    }
    (schema, typed_required, note)
}

fn request_place(
    position: &str,
    raw_name: &str,
    name: &str,
    caption: Option<Place>,
    d: &Derived,
) -> Place {
    let by_column = match position.to_ascii_lowercase().as_str() {
        "path" | "uri" => Some(Place::Path),
        "query" => Some(Place::Query),
        "header" => Some(Place::Header),
        "cookie" => Some(Place::Cookie),
        "body" | "formdata" | "form" => Some(Place::Body),
        _ => None,
    };
    let in_template = d
        .path
        .as_deref()
        .is_some_and(|p| template_names(p).contains(&name));
    by_column
        .or_else(|| (raw_name.starts_with('{') || raw_name.starts_with('[')).then_some(Place::Path))
        .or(caption)
        .or_else(|| in_template.then_some(Place::Path))
        .unwrap_or(match d.method.as_deref() {
            Some("post" | "put" | "patch") => Place::Body,
            _ => Place::Query,
        })
}

/// `{tenant_id}` -> `tenant_id`; also drops code marks and the `└` of nested rows.
fn clean_name(raw: &str) -> String {
    raw.trim_matches(|c: char| "{}[]`*└ ".contains(c))
        .trim()
        .to_owned()
}

fn is_yes(cell: &str) -> bool {
    matches!(
        cell.trim().to_ascii_lowercase().as_str(),
        "yes" | "y" | "true" | "required" | "mandatory" | "✓"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_ids() {
        assert_eq!(
            normalize_path("https://{domain}/api/account/{site_id}/x?y=1"),
            "/api/account/{site_id}/x"
        );
        assert_eq!(
            normalize_path("/openapi/instances/[InstanceId]/a"),
            "/openapi/instances/{InstanceId}/a"
        );
    }
}

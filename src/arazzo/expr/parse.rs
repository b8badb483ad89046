//! The runtime expression grammar (Arazzo 1.1's ABNF, which 1.0.1's expressions also satisfy):
//! [`parse_expr`] turns `$steps.create.outputs.id#/0` into an [`ExprKind`].

use super::{Expr, ExprError, ExprKind};

/// The roots an expression may start with, for "did you mean" and the help text.
const ROOTS: &[&str] = &[
    "url",
    "method",
    "statusCode",
    "request",
    "response",
    "inputs",
    "outputs",
    "steps",
    "workflows",
    "sourceDescriptions",
    "components",
];

const EXAMPLES: &str = "a runtime expression is one of `$url`, `$method`, `$statusCode`, \
`$request.header.NAME`, `$request.query.NAME`, `$request.path.NAME`, `$request.body#/pointer`, \
`$response.header.NAME`, `$response.body#/pointer`, `$inputs.NAME`, `$outputs.NAME`, \
`$steps.ID.outputs.NAME`, `$workflows.ID.outputs.NAME`, `$sourceDescriptions.NAME.url`, \
`$components.parameters.NAME`";

/// Length in bytes of the character at `at` (1 at the end, so a span always shows something).
fn char_len(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(1, char::len_utf8)
}

/// Parses `text` as one whole expression.
pub(super) fn parse_expr(text: &str) -> Result<Expr, ExprError> {
    let Some(body) = text.strip_prefix('$') else {
        return Err(ExprError::at(
            0,
            char_len(text, 0),
            "a runtime expression starts with `$`",
            format!("for example `$statusCode` or `$response.body#/id`; {EXAMPLES}"),
        ));
    };
    let root_len = body
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(body.len());
    let root = &body[..root_len];
    let after = 1 + root_len;
    let kind = match root {
        "url" => end(text, after, ExprKind::Url)?,
        "method" => end(text, after, ExprKind::Method)?,
        "statusCode" => end(text, after, ExprKind::StatusCode)?,
        "request" | "response" => message_source(text, after, root == "request")?,
        "inputs" | "outputs" => named_value(text, after, root == "inputs")?,
        "steps" => steps(text, after)?,
        "workflows" => workflows(text, after)?,
        "sourceDescriptions" => source_descriptions(text, after)?,
        "components" => components(text, after)?,
        "message" | "self" => {
            return Err(ExprError::at(
                0,
                after,
                format!("conform does not evaluate `${root}`"),
                "`$message` reads AsyncAPI messages and `$self` the document's own URI; \
                 conform runs HTTP steps: use `$response.…` or `$request.…`",
            ));
        }
        _ => {
            let guess = crate::source::did_you_mean(root, ROOTS.iter().copied())
                .map(|g| format!("did you mean `${g}`? "))
                .unwrap_or_default();
            return Err(ExprError::at(
                0,
                after.max(1),
                format!("`${root}` is not a runtime expression"),
                format!("{guess}{EXAMPLES}"),
            ));
        }
    };
    Ok(Expr {
        kind,
        source: text.to_string(),
    })
}

/// Nothing may follow a complete expression such as `$statusCode`.
fn end(text: &str, at: usize, kind: ExprKind) -> Result<ExprKind, ExprError> {
    if at == text.len() {
        return Ok(kind);
    }
    Err(ExprError::at(
        at,
        text.len() - at,
        format!("unexpected `{}` after `{}`", &text[at..], &text[..at]),
        format!("`{}` stands alone; {EXAMPLES}", &text[..at]),
    ))
}

/// Expects `.` at `at`, returning the offset after it.
fn dot(text: &str, at: usize, what: &str, example: &str) -> Result<usize, ExprError> {
    if text[at..].starts_with('.') {
        return Ok(at + 1);
    }
    Err(ExprError::at(
        at,
        char_len(text, at),
        format!("expected `.` and {what} after `{}`", &text[..at]),
        format!("for example `{example}`"),
    ))
}

/// `$request.…` / `$response.…`: `header.TOKEN`, `query.NAME`, `path.NAME`, `body[#pointer]`.
fn message_source(text: &str, at: usize, request: bool) -> Result<ExprKind, ExprError> {
    let root = if request { "$request" } else { "$response" };
    let example = format!("{root}.body#/id");
    let at = dot(text, at, "`header`, `query`, `path` or `body`", &example)?;
    let rest = &text[at..];
    let field_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let field = &rest[..field_len];
    let name_at = at + field_len + 1;
    match field {
        "header" => header(text, at + field_len, request),
        "query" | "path" if request => {
            let name = name_after(
                text,
                at + field_len,
                "a parameter name",
                &format!("$request.{field}.id"),
            )?;
            check_chars(name_at, name)?;
            let name = name.to_string();
            Ok(if field == "query" {
                ExprKind::RequestQuery(name)
            } else {
                ExprKind::RequestPath(name)
            })
        }
        "body" => body(text, at + field_len, request),
        _ => {
            let allowed = if request {
                "`header`, `query`, `path` or `body`"
            } else {
                "`header` or `body`"
            };
            Err(ExprError::at(
                at,
                field_len.max(1),
                format!(
                    "`{root}.{field}` is not a part of the {}",
                    if request { "request" } else { "response" }
                ),
                format!("after `{root}.` comes {allowed}, e.g. `{example}`"),
            ))
        }
    }
}

/// `header.TOKEN` after `$request` / `$response`; `at` is the offset of the `.` before the name.
fn header(text: &str, at: usize, request: bool) -> Result<ExprKind, ExprError> {
    let root = if request { "$request" } else { "$response" };
    let name_at = at + 1;
    let name = name_after(
        text,
        at,
        "a header name",
        &format!("{root}.header.Location"),
    )?;
    if let Some(bad) = name.find(|c: char| !is_tchar(c)) {
        return Err(ExprError::at(
            name_at + bad,
            char_len(text, name_at + bad),
            format!(
                "`{}` cannot be in a header name",
                &name[bad..][..char_len(name, bad)]
            ),
            "a header name is letters, digits and `!#$%&'*+-.^_`|~`, e.g. `X-Request-Id`",
        ));
    }
    let name = name.to_string();
    Ok(if request {
        ExprKind::RequestHeader(name)
    } else {
        ExprKind::ResponseHeader(name)
    })
}

/// `body[#pointer]` after `$request` / `$response`; `at` is the offset just after `body`.
fn body(text: &str, at: usize, request: bool) -> Result<ExprKind, ExprError> {
    let root = if request { "$request" } else { "$response" };
    let pointer_text = match &text[at..] {
        "" => None,
        tail if tail.starts_with('#') => {
            pointer(text, at)?;
            Some(tail.to_string())
        }
        tail => {
            return Err(ExprError::at(
                at,
                tail.len(),
                format!("expected `#/pointer` after `{root}.body`, found `{tail}`"),
                format!(
                    "a part of the body is named by a JSON pointer, e.g. `{root}.body#/items/0/id`"
                ),
            ));
        }
    };
    Ok(if request {
        ExprKind::RequestBody(pointer_text)
    } else {
        ExprKind::ResponseBody(pointer_text)
    })
}

/// The non-empty name after `.` at `at`.
fn name_after<'t>(
    text: &'t str,
    at: usize,
    what: &str,
    example: &str,
) -> Result<&'t str, ExprError> {
    let at = dot(text, at, what, example)?;
    if at == text.len() {
        return Err(ExprError::at(
            at,
            1,
            format!("expected {what} after `{}`", &text[..at]),
            format!("for example `{example}`"),
        ));
    }
    Ok(&text[at..])
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// `name = *CHAR`: anything but braces (which end an embedded expression) and control characters.
fn check_chars(at: usize, name: &str) -> Result<(), ExprError> {
    match name
        .char_indices()
        .find(|(_, c)| matches!(c, '{' | '}') || c.is_control())
    {
        None => Ok(()),
        Some((i, c)) => Err(ExprError::at(
            at + i,
            c.len_utf8(),
            format!("`{}` cannot be in a name here", c.escape_default()),
            "braces delimit embedded expressions (`{$inputs.id}`); write the name without them",
        )),
    }
}

/// Checks the `#…` at `at` is an RFC 6901 JSON pointer (`#`, `#/a/b`, `~0` and `~1` escapes).
fn pointer(text: &str, at: usize) -> Result<(), ExprError> {
    let ptr = &text[at + 1..];
    if !ptr.is_empty() && !ptr.starts_with('/') {
        return Err(ExprError::at(
            at + 1,
            char_len(text, at + 1),
            "a JSON pointer starts with `/`",
            format!("write `#/{ptr}`, e.g. `$response.body#/items/0/id`"),
        ));
    }
    let bytes = ptr.as_bytes();
    for (i, c) in ptr.char_indices() {
        let bad = match c {
            '~' => !matches!(bytes.get(i + 1), Some(b'0' | b'1')),
            '{' | '}' => true,
            _ => false,
        };
        if bad {
            return Err(ExprError::at(
                at + 1 + i,
                if c == '~' {
                    1 + usize::from(i + 1 < ptr.len())
                } else {
                    1
                },
                format!(
                    "`{}` is not allowed in a JSON pointer here",
                    if c == '~' { "~" } else { &ptr[i..i + 1] }
                ),
                "in a JSON pointer `~` is written `~0` and `/` inside a name `~1` (RFC 6901); braces end an embedded expression",
            ));
        }
    }
    Ok(())
}

/// `identifier-strict`: the id of a step, a workflow or a source description.
fn strict_id<'t>(
    text: &'t str,
    at: usize,
    what: &str,
    example: &str,
) -> Result<(&'t str, usize), ExprError> {
    let rest = &text[at..];
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .unwrap_or(rest.len());
    if len == 0 {
        return Err(ExprError::at(
            at,
            char_len(text, at),
            format!("expected {what} after `{}`", &text[..at]),
            format!("{what} is letters, digits, `-` and `_`, e.g. `{example}`"),
        ));
    }
    Ok((&rest[..len], at + len))
}

/// A name (`identifier`, dots allowed) then an optional `#pointer`: returns the split at the first
/// `.` or `#` after the first segment, as (name, rest).
fn name_and_rest(
    text: &str,
    at: usize,
    what: &str,
    example: &str,
) -> Result<(String, Option<String>), ExprError> {
    let rest = &text[at..];
    let hash = rest.find('#').unwrap_or(rest.len());
    let names = &rest[..hash];
    if let Some((i, c)) = names
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(ExprError::at(
            at + i,
            c.len_utf8(),
            format!("`{c}` cannot be in {what}"),
            format!(
                "{what} is letters, digits, `.`, `-` and `_`, then an optional `#/pointer`, e.g. `{example}`"
            ),
        ));
    }
    if names.is_empty() || names.starts_with('.') || names.ends_with('.') || names.contains("..") {
        return Err(ExprError::at(
            at,
            hash.max(1),
            format!("expected {what} after `{}`", &text[..at]),
            format!("for example `{example}`"),
        ));
    }
    if hash < rest.len() {
        pointer(text, at + hash)?;
    }
    let split = names.find('.').unwrap_or(hash);
    let tail = &rest[split..];
    Ok((
        rest[..split].to_string(),
        (!tail.is_empty()).then(|| tail.to_string()),
    ))
}

/// `$inputs.NAME…` / `$outputs.NAME…`.
fn named_value(text: &str, at: usize, inputs: bool) -> Result<ExprKind, ExprError> {
    let (what, example) = if inputs {
        ("an input name", "$inputs.username")
    } else {
        ("an output name", "$outputs.token")
    };
    let at = dot(text, at, what, example)?;
    let (name, rest) = name_and_rest(text, at, what, example)?;
    Ok(if inputs {
        ExprKind::Inputs(name, rest)
    } else {
        ExprKind::Outputs(name, rest)
    })
}

/// `$steps.ID.outputs.NAME[#pointer]`.
fn steps(text: &str, at: usize) -> Result<ExprKind, ExprError> {
    const EXAMPLE: &str = "$steps.createPet.outputs.id";
    let at = dot(text, at, "a step id", EXAMPLE)?;
    let (step, at) = strict_id(text, at, "a step id", EXAMPLE)?;
    let at = dot(text, at, "`outputs`", EXAMPLE)?;
    if !text[at..].starts_with("outputs") {
        let len = text[at..]
            .find(['.', '#'])
            .unwrap_or(text.len() - at)
            .max(1);
        return Err(ExprError::at(
            at,
            len.min(text.len() - at).max(1),
            format!(
                "a step exposes only its `outputs`, not `{}`",
                &text[at..at + len.min(text.len() - at)]
            ),
            format!(
                "declare the value among the step's outputs and write `$steps.{step}.outputs.NAME`"
            ),
        ));
    }
    let name_at = dot(text, at + "outputs".len(), "an output name", EXAMPLE)?;
    name_and_rest(text, name_at, "an output name", EXAMPLE)?;
    Ok(ExprKind::Steps {
        step: step.to_string(),
        rest: text[at..].to_string(),
    })
}

/// `$workflows.ID.inputs|outputs.NAME[#pointer]`.
fn workflows(text: &str, at: usize) -> Result<ExprKind, ExprError> {
    const EXAMPLE: &str = "$workflows.login.outputs.token";
    let at = dot(text, at, "a workflow id", EXAMPLE)?;
    let (workflow, at) = strict_id(text, at, "a workflow id", EXAMPLE)?;
    let at = dot(text, at, "`inputs` or `outputs`", EXAMPLE)?;
    let field_len = text[at..].find(['.', '#']).unwrap_or(text.len() - at);
    let field = &text[at..at + field_len];
    if field != "inputs" && field != "outputs" {
        return Err(ExprError::at(
            at,
            field_len.max(1),
            format!("a workflow has `inputs` and `outputs`, not `{field}`"),
            format!("for example `$workflows.{workflow}.outputs.token`"),
        ));
    }
    let name_at = dot(text, at + field_len, "a name", EXAMPLE)?;
    name_and_rest(text, name_at, "a name", EXAMPLE)?;
    Ok(ExprKind::Workflows {
        workflow: workflow.to_string(),
        rest: text[at..].to_string(),
    })
}

/// `$sourceDescriptions.NAME.REFERENCE`.
fn source_descriptions(text: &str, at: usize) -> Result<ExprKind, ExprError> {
    const EXAMPLE: &str = "$sourceDescriptions.petstore.url";
    let at = dot(text, at, "a source description name", EXAMPLE)?;
    let (name, at) = strict_id(text, at, "a source description name", EXAMPLE)?;
    let rest = name_after(text, at, "a field or operationId", EXAMPLE)?;
    check_chars(at + 1, rest)?;
    Ok(ExprKind::SourceDescriptions {
        name: name.to_string(),
        rest: rest.to_string(),
    })
}

/// `$components.KIND.NAME[.REST]`.
fn components(text: &str, at: usize) -> Result<ExprKind, ExprError> {
    const EXAMPLE: &str = "$components.parameters.page";
    const KINDS: &[&str] = &["inputs", "parameters", "successActions", "failureActions"];
    let at = dot(text, at, "a component kind", EXAMPLE)?;
    let kind_len = text[at..].find('.').unwrap_or(text.len() - at);
    let kind = &text[at..at + kind_len];
    if !KINDS.contains(&kind) {
        let guess = crate::source::did_you_mean(kind, KINDS.iter().copied())
            .map(|g| format!("did you mean `{g}`? "))
            .unwrap_or_default();
        return Err(ExprError::at(
            at,
            kind_len.max(1),
            format!("`{kind}` is not a kind of component"),
            format!(
                "{guess}components are `inputs`, `parameters`, `successActions` or `failureActions`, e.g. `{EXAMPLE}`"
            ),
        ));
    }
    let name_at = dot(text, at + kind_len, "a component name", EXAMPLE)?;
    let (name, rest) = name_and_rest(text, name_at, "a component name", EXAMPLE)?;
    Ok(ExprKind::Components {
        kind: kind.to_string(),
        name,
        rest,
    })
}

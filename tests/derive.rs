//! `conform derive` on documentation fixtures (`tests/fixtures/docs/`): copies of the three seed
//! pages' table structures, whose drafts must only name what the checked-in specs hold, and
//! tricky tables (continuation lines, escapes, merged cells, indentation).

use std::collections::BTreeSet;

use conform::derive::crosscheck::Kind;
use conform::derive::tables::{Field, Place};
use conform::derive::{Derived, Format, derive};
use serde_json::{Value, json};

use crate::util::{conform, root, temp_dir};

fn doc(name: &str) -> Derived {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/docs").join(name)).expect("fixture");
    derive(&text, None)
}

fn spec(api: &str) -> Value {
    let text =
        std::fs::read_to_string(root().join("specs").join(api).join("openapi.yaml")).expect("spec");
    serde_saphyr::from_str(&text).expect("spec YAML")
}

fn follow<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => spec
            .pointer(r.trim_start_matches('#'))
            .map_or(v, |t| follow(spec, t)),
        None => v,
    }
}

/// Every property name a schema can hold, through `$ref`, combinators and array items.
fn property_names(spec: &Value, schema: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    let s = follow(spec, schema);
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().cloned());
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        for sub in s.get(k).and_then(Value::as_array).into_iter().flatten() {
            property_names(spec, sub, out, depth + 1);
        }
    }
    if let Some(items) = s.get("items") {
        property_names(spec, items, out, depth + 1);
    }
}

/// The schemas of a request body or response, lenient and strict.
fn media_schemas<'a>(spec: &'a Value, holder: &'a Value) -> Vec<&'a Value> {
    let holder = follow(spec, holder);
    let mut out = Vec::new();
    for m in holder
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|c| c.values())
    {
        out.extend(m.get("schema"));
        out.extend(m.pointer("/x-conform-strict/schema"));
    }
    out
}

/// Checks that every parameter and field of the draft is in the spec operation with the same
/// method whose path the draft's path ends with. `base_url_params` are path parameters the
/// spec puts in the server URL instead (its NOTES.md says which and why).
fn assert_draft_in_spec(d: &Derived, api: &str, base_url_params: &[&str]) {
    let spec = spec(api);
    let draft_path = d.path.clone().expect("a request line");
    let method = d.method.clone().expect("a method");
    let (template, item) = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(t, item)| draft_path.ends_with(t.as_str()) && item.get(&method).is_some())
        .max_by_key(|(t, _)| t.len())
        .unwrap_or_else(|| panic!("{api}: no `{method} {draft_path}` in the spec"));
    let op = &item[&method];
    let prefix = &draft_path[..draft_path.len() - template.len()];
    let mut params = BTreeSet::new();
    for list in [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for p in list.as_array().expect("a list") {
            let p = follow(&spec, p);
            params.insert((
                p["name"].as_str().unwrap_or("").to_owned(),
                p["in"].as_str().unwrap_or("").to_owned(),
            ));
        }
    }
    let mut body = BTreeSet::new();
    for s in op
        .get("requestBody")
        .map(|rb| media_schemas(&spec, rb))
        .unwrap_or_default()
    {
        property_names(&spec, s, &mut body, 0);
    }
    let mut response = BTreeSet::new();
    for (code, r) in op["responses"].as_object().expect("responses") {
        if code.starts_with('2') {
            for s in media_schemas(&spec, r) {
                property_names(&spec, s, &mut response, 0);
            }
        }
    }
    assert!(!d.fields.is_empty(), "{api}: nothing derived");
    for f in &d.fields {
        let found = match f.place {
            Place::Body => body.contains(&f.name),
            Place::Response => response.contains(&f.name),
            Place::Path if prefix.contains(&format!("{{{}}}", f.name)) => {
                base_url_params.contains(&f.name.as_str())
            }
            place => params.contains(&(f.name.clone(), place.name().to_owned())),
        };
        assert!(
            found,
            "{api}: the draft's {} `{}` (line {}) is not in `{method} {template}` of the spec",
            f.place.name(),
            f.name,
            f.line
        );
    }
}

fn field<'a>(d: &'a Derived, name: &str) -> &'a Field {
    d.fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field `{name}` in {:#?}", d.fields))
}

fn names(d: &Derived, place: Place) -> Vec<&str> {
    d.fields
        .iter()
        .filter(|f| f.place == place)
        .map(|f| f.name.as_str())
        .collect()
}

#[test]
fn alibaba_structure_is_in_the_spec() {
    let d = doc("alibaba-cancel-deletion.md");
    assert_eq!(d.format, Format::Markdown);
    assert_eq!(d.method.as_deref(), Some("post"));
    assert_eq!(
        d.path.as_deref(),
        Some("/openapi/instances/{InstanceId}/actions/cancel-deletion")
    );
    assert_eq!(names(&d, Place::Path), ["InstanceId"]);
    assert_eq!(names(&d, Place::Query), ["clientToken"]);
    assert_eq!(names(&d, Place::Response), ["RequestId", "Result"]);
    assert_eq!(
        field(&d, "InstanceId").example.as_deref(),
        Some("es-cn-z2q1wk6z00007****")
    );
    assert!(
        field(&d, "Result")
            .description
            .ends_with("Valid values: - true - false")
    );
    assert_eq!(field(&d, "Result").schema, json!({"type": "boolean"}));
    assert_eq!(d.statuses.len(), 1);
    assert_eq!(d.statuses[0].code, "400");
    assert!(d.disagreements.is_empty(), "{:#?}", d.disagreements);
    assert_draft_in_spec(&d, "alibaba-elasticsearch", &[]);
}

#[test]
fn openstack_structure_is_in_the_spec() {
    let d = doc("openstack-restore.rst");
    assert_eq!(d.format, Format::Rst);
    assert_eq!(
        d.path.as_deref(),
        Some("/v2.1/{tenant_id}/servers/{server_id}/action")
    );
    let tenant = field(&d, "tenant_id");
    assert_eq!(tenant.place, Place::Path);
    assert_eq!(tenant.schema, json!({"type": "string", "format": "uuid"}));
    assert_eq!(
        tenant.description,
        "The UUID of the tenant in a multi-tenancy cloud."
    );
    let restore = field(&d, "restore");
    assert_eq!((restore.place, restore.required), (Place::Body, true));
    assert_eq!(d.statuses[0].code, "202");
    // The page's own example sends `null` for a field it types xsd:string.
    assert_eq!(d.disagreements.len(), 1, "{:#?}", d.disagreements);
    assert_eq!(d.disagreements[0].kind, Kind::Nullability);
    // NOTES.md: the `/{project_id}` prefix belongs in the target's base URL.
    assert_draft_in_spec(&d, "openstack-compute", &["tenant_id"]);
}

#[test]
fn liveperson_structure_is_in_the_spec_and_its_conflicts_are_reported() {
    let d = doc("liveperson-cancel.md");
    assert_eq!(d.title, "Cancel Deletion Request");
    assert_eq!(names(&d, Place::Path), ["site_id", "request_id"]);
    assert_eq!(
        field(&d, "site_id").schema,
        json!({"type": "string", "pattern": "^[a-zA-Z0-9_]{1,20}$"})
    );
    // Credentials are a security scheme, not a parameter.
    assert!(names(&d, Place::Header).is_empty());
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("`Authorization` carries credentials"))
    );
    assert_eq!(names(&d, Place::Response).len(), 12);
    assert_draft_in_spec(&d, "liveperson-deletion", &[]);

    let said: Vec<String> = d.disagreements.iter().map(ToString::to_string).collect();
    assert_eq!(
        said,
        [
            "disagreement[type] response field `request_id` is `String` in the table (line 38) but integer `7723` in the example (line 56)",
            "disagreement[name-case] response field `siteId` (table, line 39) is spelled `siteid` in the example (line 57)",
            "disagreement[nullability] response field `approved_by` is `string` in the table (line 42) but null in the example (line 60)",
            "disagreement[nullability] response field `approve_timestamp` is `string` in the table (line 45) but null in the example (line 63)",
        ]
    );
}

#[test]
fn tricky_pipe_tables() {
    let d = doc("tricky-pipes.md");
    assert_eq!(
        (d.method.as_deref(), d.path.as_deref()),
        (Some("put"), Some("/v1/gadgets/{gadget_id}"))
    );
    assert_eq!(
        field(&d, "gadget_id").schema,
        json!({"type": "integer", "format": "int64"})
    );
    let colour = field(&d, "colour");
    assert_eq!(colour.place, Place::Query);
    assert_eq!(colour.schema["pattern"], "^(red|green|blue)$");
    assert_eq!(colour.description, "One of `red|green|blue`.");
    let trace = field(&d, "X-Trace");
    assert_eq!(trace.place, Place::Header);
    assert_eq!(trace.description, "A trace id, masked in logs as ****.");
    let label = field(&d, "label");
    assert_eq!((label.place, label.required), (Place::Body, true));
    assert_eq!(
        label.description,
        "The label. It may hold: - letters - digits"
    );
    assert_eq!(field(&d, "weight").schema, json!({"type": "number"}));
    // A one-word `Valid values:` list of a string field is an enum.
    let mode = field(&d, "mode");
    assert_eq!(mode.place, Place::Query);
    assert_eq!(
        mode.schema,
        json!({"type": "string", "enum": ["fast", "safe"]})
    );
    let kinds: Vec<(Kind, &str)> = d
        .disagreements
        .iter()
        .map(|x| (x.kind, x.field.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Kind::Type, "Id"),
            (Kind::NameCase, "Label"),
            (Kind::Undocumented, "Colour"),
            (Kind::NameCase, "Owner.Emails.Primary"),
            (Kind::Type, "Owner.Emails.Primary"),
        ]
    );
    // `└` rows nest: under an object as properties, under an array as its items' properties.
    assert_eq!(field(&d, "Primary").parent, ["Owner", "Emails"]);
    assert_eq!(field(&d, "Version").parent, Vec::<String>::new());
    let doc = d.document();
    let owner = doc
        .pointer("/paths/~1v1~1gadgets~1{gadget_id}/put/responses/200/content/application~1json/schema/properties/Owner")
        .expect("Owner in the draft");
    assert_eq!(owner["properties"]["Name"]["type"], "string");
    assert_eq!(
        owner["properties"]["Emails"]["items"]["properties"]["Primary"]["type"],
        "boolean"
    );
}

#[test]
fn tricky_grid_tables() {
    let d = doc("tricky-grid.rst");
    assert_eq!(d.title, "Show Gizmo");
    assert_eq!(names(&d, Place::Path), ["gizmo_id"]);
    assert_eq!(names(&d, Place::Query), ["limit", "offset"]);
    assert_eq!(
        names(&d, Place::Response),
        ["gizmo_id", "enabled", "created_at"]
    );
    // The description cell spans the two rows.
    assert_eq!(
        field(&d, "offset").description,
        "Page size and offset, both at most 100."
    );
    assert_eq!(field(&d, "limit").schema, json!({"type": "integer"}));
    let created = d
        .fields
        .iter()
        .find(|f| f.name == "created_at")
        .expect("created_at");
    assert_eq!(
        created.schema,
        json!({"type": "string", "format": "date-time"})
    );
    let kinds: Vec<Kind> = d.disagreements.iter().map(|x| x.kind).collect();
    assert_eq!(kinds, [Kind::Type, Kind::Nullability]);
}

/// A draft is a valid OpenAPI 3.1 document as printed: the linter finds nothing in it.
#[test]
fn every_draft_passes_the_linter() {
    let dir = temp_dir();
    for name in [
        "alibaba-cancel-deletion.md",
        "liveperson-cancel.md",
        "openstack-restore.rst",
        "tricky-pipes.md",
        "tricky-grid.rst",
    ] {
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, doc(name).to_yaml()).expect("write");
        let problems = conform::openapi::lint::lint_file(&path);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

#[test]
fn cli_prints_the_draft_and_the_disagreements() {
    let run = conform;
    let out = run(&["derive", "tests/fixtures/docs/liveperson-cancel.md"]);
    assert_eq!(out.status.code(), Some(0));
    let draft: Value =
        serde_saphyr::from_str(&String::from_utf8_lossy(&out.stdout)).expect("YAML on stdout");
    assert_eq!(
        draft.pointer("/paths/~1api~1account~1{site_id}~1personal-data-deletion~1{request_id}~1cancel/post/operationId"),
        Some(&json!("cancelDeletionRequest"))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("4 disagreement(s)"), "{stderr}");
    assert!(
        stderr.contains("`siteId` (table, line 39) is spelled `siteid`"),
        "{stderr}"
    );

    // Read as RST, a Markdown page has no table: an error, not an empty draft.
    let out = run(&[
        "derive",
        "--format",
        "rst",
        "tests/fixtures/docs/liveperson-cancel.md",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("found no parameter, response or status table")
    );
}

//! Every spec under `specs/` loads and compiles in conform's own registry, with the operations
//! the scenarios call.

use conform::openapi::Registry;

use crate::util::temp_dir;

#[test]
fn every_spec_loads_with_its_operations() {
    let registry = Registry::new("specs");
    let names = registry.api_names();
    assert!(!names.is_empty(), "no spec found under specs/");
    let want: &[(&str, &[&str])] = &[
        (
            "alibaba-elasticsearch",
            &[
                "createInstance",
                "DescribeInstance",
                "DeleteInstance",
                "CancelDeletion",
            ],
        ),
        (
            "openstack-compute",
            &[
                "createServer",
                "showServer",
                "deleteServer",
                "restoreServer",
                "forceDeleteServer",
            ],
        ),
        (
            "liveperson-deletion",
            &[
                "createDeletionRequest",
                "listDeletionRequests",
                "getDeletionRequest",
                "cancelDeletionRequest",
            ],
        ),
    ];
    for name in &names {
        let spec = registry.api(name).unwrap_or_else(|d| panic!("{d}"));
        assert!(!spec.operations.is_empty(), "{name} has no operations");
    }
    for (api, ops) in want {
        let spec = registry.api(api).unwrap_or_else(|d| panic!("{d}"));
        for op in *ops {
            assert!(spec.operation(op).is_some(), "{api} lacks {op}");
        }
    }
}

#[test]
fn restore_is_documented_with_an_empty_202() {
    let spec = Registry::new("specs")
        .api("openstack-compute")
        .unwrap_or_else(|d| panic!("{d}"));
    let restore = spec.operation("restoreServer").expect("restoreServer");
    assert_eq!(restore.method, "POST");
    assert_eq!(restore.path, "/servers/{server_id}/action");
    let accepted = restore.response(202).expect("202 documented");
    assert!(
        accepted.content.is_empty(),
        "202 of restore must have no body"
    );
    assert!(restore.response(409).is_some());
}

#[test]
fn the_generated_scenario_schema_is_the_published_one() {
    let generated = conform::scenario_schema();
    let published: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("docs/scenario.schema.json")
            .expect("docs/scenario.schema.json exists"),
    )
    .expect("the published schema is JSON");
    assert_eq!(
        generated, published,
        "run `cargo run -- schema > docs/scenario.schema.json` and commit it"
    );
}

#[test]
fn a_variant_inherits_responses_and_body_it_does_not_state() {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.path().join("v")).expect("api folder");
    std::fs::write(
        dir.path().join("v/openapi.yaml"),
        "openapi: 3.1.0\ninfo: {title: v, version: '1'}\npaths:\n  /things/{id}/action:\n    parameters:\n      - {name: id, in: path, required: true, schema: {type: string}}\n    post:\n      operationId: thingAction\n      requestBody:\n        content:\n          application/json:\n            schema: {type: object}\n      responses:\n        '202': {description: accepted}\n      x-conform-variants:\n        - operationId: poke\n",
    )
    .expect("spec written");
    let spec = Registry::new(dir.path())
        .api("v")
        .unwrap_or_else(|d| panic!("{d}"));
    let poke = spec.operation("poke").expect("the variant is an operation");
    assert!(poke.response(202).is_some(), "responses inherited");
    assert!(poke.request_body.is_some(), "request body inherited");
    assert_eq!(poke.params.len(), 1, "path parameters inherited");
}

#[test]
fn servers_security_and_schemes_are_read() {
    let registry = Registry::new("specs");
    let lp = registry.api("liveperson-deletion").expect("loads");
    assert_eq!(
        lp.servers,
        ["https://va.rtbf.liveperson.net"],
        "variable defaults filled"
    );
    assert_eq!(lp.security_schemes["bearer"]["scheme"], "bearer");
    let op = lp.operations.first().expect("an operation");
    assert_eq!(op.security, ["bearer"], "the document's security applies");
    let fixture = Registry::new("tests/fixtures/specs");
    let widgets = fixture.api("fixture").expect("loads");
    assert!(
        widgets.operations.iter().all(|o| o.security.is_empty()),
        "no security declared, none required"
    );
}

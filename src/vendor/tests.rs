//! The vendors' conventions as a run resolves them: `--target` and targets-file entries of the
//! APIs conform ships, with the vendors' variables in the environment.

use crate::source::Diagnostic;
use crate::targets::Targets;
use crate::targets::sources::testing::{auth_of, resolve as resolve_with};

async fn resolve(
    args: &[&str],
    file: Option<&str>,
    env: &'static [(&'static str, &'static str)],
) -> Result<Targets, Diagnostic> {
    resolve_with(super::VENDORS, args, file, env).await
}

#[tokio::test]
async fn a_target_arg_replaces_the_url_and_keeps_the_rest_of_the_entry() {
    let file = "liveperson-deletion:\n  auth: bearer\n  account: \"123\"\n  mock: true\n";
    let env = &[("LP_BEARER_TOKEN", "t0ken")];
    // With `account:` and no URL the file alone would look the domain up on the public
    // discovery host; the URL given here means no lookup happens (the test has no network).
    let targets = resolve(&["liveperson-deletion=http://127.0.0.1:2"], Some(file), env)
        .await
        .expect("resolves without a lookup");
    let t = targets.get("liveperson-deletion").expect("a target");
    assert_eq!(t.base_url.port(), Some(2));
    assert!(t.is_mock, "`mock: true` is kept");
    assert_eq!(
        auth_of(&targets, "liveperson-deletion").as_deref(),
        Some("Authorization: Bearer token")
    );
}

#[tokio::test]
async fn without_a_file_the_apis_convention_gives_the_credentials() {
    let env = &[
        ("LP_BEARER_TOKEN", "t0ken"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIexample"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s3cret"),
    ];
    let targets = resolve(
        &[
            "liveperson-deletion=http://127.0.0.1:2",
            "alibaba-elasticsearch=http://127.0.0.1:3",
            "fixture=http://127.0.0.1:4",
        ],
        None,
        env,
    )
    .await
    .expect("resolves");
    assert_eq!(
        auth_of(&targets, "liveperson-deletion").as_deref(),
        Some("Authorization: Bearer token")
    );
    let ali = auth_of(&targets, "alibaba-elasticsearch").expect("signed");
    assert!(ali.contains("v3") && ali.contains("LTAI…"), "{ali}");
    assert!(!ali.contains("LTAIexample"), "the key id is cut: {ali}");
    assert_eq!(auth_of(&targets, "fixture"), None, "no convention, no auth");
    assert!(targets.secrets().contains(&"s3cret".to_owned()));
}

#[tokio::test]
async fn a_bare_url_serves_every_api_with_its_own_credentials() {
    let env = &[("OS_TOKEN", "gAAAA-token")];
    let targets = resolve(&["http://127.0.0.1:5"], None, env)
        .await
        .expect("resolves");
    assert_eq!(
        auth_of(&targets, "openstack-compute").as_deref(),
        Some("X-Auth-Token, a fixed Keystone token (OS_TOKEN)")
    );
    assert_eq!(auth_of(&targets, "liveperson-deletion"), None);
    assert_eq!(
        targets.get("anything").map(|t| t.base_url.port()),
        Some(Some(5))
    );
}

#[tokio::test]
async fn half_a_credential_is_an_error_not_silence() {
    let env = &[("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIexample")];
    let e = resolve(&["alibaba-elasticsearch=http://127.0.0.1:3"], None, env)
        .await
        .expect_err("the secret is missing");
    assert!(
        e.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
        "{e}"
    );
    assert!(e.to_string().contains("the given target"), "{e}");
}

#[tokio::test]
async fn no_credentials_in_the_environment_means_none_attached() {
    let targets = resolve(&["liveperson-deletion=http://127.0.0.1:2"], None, &[])
        .await
        .expect("resolves");
    assert_eq!(auth_of(&targets, "liveperson-deletion"), None);
}

#[tokio::test]
async fn bearer_for_another_api_reads_a_variable_named_after_it() {
    let file = "my-api:\n  auth: bearer\n  url: http://127.0.0.1:4\n";
    let e = resolve(&[], Some(file), &[("LP_BEARER_TOKEN", "t0ken")])
        .await
        .expect_err("not LivePerson's variable");
    assert!(e.to_string().contains("CONFORM_MY_API_TOKEN"), "{e}");
    let targets = resolve(&[], Some(file), &[("CONFORM_MY_API_TOKEN", "t0ken")])
        .await
        .expect("resolves");
    assert_eq!(
        auth_of(&targets, "my-api").as_deref(),
        Some("Authorization: Bearer token")
    );
}

use std::sync::Arc;

use reqwest::Url;
use serde_json::json;

use super::*;
use crate::openapi::{ApiSpec, Location, Operation};

fn op(id: &str, security: &[&str]) -> Operation {
    Operation {
        id: id.into(),
        method: "GET".into(),
        path: "/x".into(),
        params: Vec::new(),
        request_body: None,
        responses: Vec::new(),
        security: security.iter().map(|s| (*s).to_owned()).collect(),
        requirements: vec![
            security
                .iter()
                .map(|s| ((*s).to_owned(), Vec::new()))
                .collect(),
        ],
        produces: None,
        accept: Default::default(),
        tags: Vec::new(),
        at: Location {
            file: Arc::from("openapi.yaml"),
            pointer: String::new(),
        },
    }
}

fn spec() -> ApiSpec {
    let schemes = json!({
        "bearer": {"type": "http", "scheme": "bearer"},
        "basic": {"type": "http", "scheme": "basic"},
        "queryKey": {"type": "apiKey", "in": "query", "name": "api_key"},
        "cookieKey": {"type": "apiKey", "in": "cookie", "name": "session"},
        "headerKey": {"type": "apiKey", "in": "header", "name": "X-Key"},
        "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://id.example/"},
        "digest": {"type": "http", "scheme": "digest"},
        "mtls": {"type": "mutualTLS"},
    });
    ApiSpec {
        name: "my-api".into(),
        path: "openapi.yaml".into(),
        operations: vec![
            op("public", &[]),
            op("withBearer", &["bearer"]),
            op("withBasic", &["basic"]),
            op("withQueryKey", &["queryKey"]),
            op("withCookieKey", &["cookieKey"]),
            op("withHeaderKey", &["headerKey"]),
            op("withOidc", &["oidc"]),
            op("withDigest", &["digest"]),
            op("withMtls", &["mtls"]),
        ],
        servers: Vec::new(),
        security_schemes: schemes
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        skipped: Vec::new(),
    }
}

fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

fn base() -> Url {
    Url::parse("http://127.0.0.1:9/").expect("a URL")
}

fn vars() -> Vars {
    Vars::new("my-api", &Named::default())
}

fn request(op: &str) -> Prepared {
    Prepared {
        operation_id: op.into(),
        method: "GET".into(),
        url: Url::parse("http://127.0.0.1:9/x?a=1&api_key=old").expect("a URL"),
        headers: vec![("Cookie".into(), "theme=dark".into())].into(),
        body: Default::default(),
    }
}

async fn applied(auth: &DeclaredAuth, op: &str) -> Result<Prepared, AuthError> {
    let mut req = request(op);
    auth.apply(&mut req, &reqwest::Client::new()).await?;
    Ok(req)
}

/// The declared credentials of `spec` under `env`, which must give some.
fn auth_with(spec: &ApiSpec, env: &(dyn Fn(&str) -> Option<String> + Sync)) -> DeclaredAuth {
    resolve(spec, &base(), &vars(), false, env)
        .expect("resolves")
        .expect("credentials")
}

/// Credentials for every scheme but OAuth2 (tested end to end against a token server).
fn full() -> DeclaredAuth {
    let env = env_of(&[
        ("CONFORM_MY_API_TOKEN", "k&y/1234"),
        ("CONFORM_MY_API_USERNAME", "ann"),
        ("CONFORM_MY_API_PASSWORD", "pw-5678"),
    ]);
    auth_with(&spec(), &env)
}

#[test]
fn default_variables_are_named_after_the_api() {
    assert_eq!(
        default_var("acme-deletion", "TOKEN"),
        "CONFORM_ACME_DELETION_TOKEN"
    );
    assert_eq!(
        default_var("pet.store", "CLIENT_ID"),
        "CONFORM_PET_STORE_CLIENT_ID"
    );
    let named = Named {
        token: Some("MY_TOKEN".into()),
        ..Named::default()
    };
    let v = Vars::new("my-api", &named);
    assert_eq!(v.token, "MY_TOKEN");
    assert_eq!(v.password, "CONFORM_MY_API_PASSWORD");
}

#[test]
fn nothing_set_means_nothing_attached_unless_declared_explicitly() {
    let env = env_of(&[]);
    let got = resolve(&spec(), &base(), &vars(), false, &env).expect("no error");
    assert!(got.is_none());
    let e = resolve(&spec(), &base(), &vars(), true, &env).expect_err("explicit");
    let DeclaredError::NothingSet(names) = &e else {
        panic!("{e}")
    };
    for v in [
        "CONFORM_MY_API_TOKEN",
        "CONFORM_MY_API_USERNAME",
        "CONFORM_MY_API_PASSWORD",
    ] {
        assert!(names.contains(v), "{e}");
    }
}

#[test]
fn a_spec_without_schemes_is_an_error_only_when_declared_explicitly() {
    let mut s = spec();
    s.operations = vec![op("public", &[])];
    let env = env_of(&[("CONFORM_MY_API_TOKEN", "tok-1234")]);
    assert!(
        resolve(&s, &base(), &vars(), false, &env)
            .expect("ok")
            .is_none()
    );
    assert_eq!(
        resolve(&s, &base(), &vars(), true, &env).expect_err("explicit"),
        DeclaredError::NoSchemes
    );
}

#[test]
fn half_a_credential_names_the_missing_variable() {
    let env = env_of(&[("CONFORM_MY_API_USERNAME", "ann")]);
    let e = resolve(&spec(), &base(), &vars(), false, &env).expect_err("partial");
    let text = e.to_string();
    assert!(text.contains("CONFORM_MY_API_PASSWORD"), "{text}");
    assert!(text.contains("`basic`"), "{text}");
}

#[tokio::test]
async fn each_operation_gets_the_scheme_it_requires() {
    let auth = full();

    let r = applied(&auth, "withBearer").await.expect("applied");
    assert_eq!(r.header("Authorization"), Some("Bearer k&y/1234"));
    let r = applied(&auth, "withBasic").await.expect("applied");
    assert_eq!(r.header("Authorization"), Some("Basic YW5uOnB3LTU2Nzg="));
    let r = applied(&auth, "withHeaderKey").await.expect("applied");
    assert_eq!(r.header("X-Key"), Some("k&y/1234"));
    assert_eq!(r.header("Authorization"), None);

    let r = applied(&auth, "withQueryKey").await.expect("applied");
    let pairs: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        [
            ("a".into(), "1".into()),
            ("api_key".into(), "k&y/1234".into())
        ],
        "the step's own value is replaced, the rest kept"
    );
    let r = applied(&auth, "withCookieKey").await.expect("applied");
    assert_eq!(r.header("Cookie"), Some("theme=dark; session=k&y/1234"));

    let r = applied(&auth, "public").await.expect("applied");
    assert_eq!(r.header("Authorization"), None);
    assert_eq!(r.url.query(), Some("a=1&api_key=old"), "untouched");

    let r = applied(&auth, "withOidc").await.expect("a token given");
    assert_eq!(r.header("Authorization"), Some("Bearer k&y/1234"));
    let r = applied(&auth, "withMtls")
        .await
        .expect("the connection carries it");
    assert_eq!(
        (r.header("Authorization"), r.header("Cookie")),
        (None, Some("theme=dark"))
    );
    let e = applied(&auth, "withDigest")
        .await
        .expect_err("unsupported")
        .to_string();
    assert_eq!(
        e,
        "`withDigest` requires scheme `digest` (HTTP `digest` authentication): conform cannot send HTTP `digest` authentication"
    );
}

#[tokio::test]
async fn an_operation_whose_scheme_has_no_variables_names_them() {
    let env = env_of(&[("CONFORM_MY_API_TOKEN", "tok-1234")]);
    let auth = auth_with(&spec(), &env);
    let e = applied(&auth, "withBasic")
        .await
        .expect_err("no basic")
        .to_string();
    assert!(
        e.contains("CONFORM_MY_API_USERNAME") && e.contains("CONFORM_MY_API_PASSWORD"),
        "{e}"
    );
}

#[test]
fn every_form_of_a_secret_is_known_and_none_is_described() {
    let auth = full();
    let secrets = auth.secrets();
    for s in ["k&y/1234", "k%26y%2F1234", "pw-5678", "YW5uOnB3LTU2Nzg="] {
        assert!(secrets.contains(&s.to_owned()), "{s} in {secrets:?}");
    }
    let d = auth.describe();
    assert!(
        d.contains("`bearer`: HTTP bearer (CONFORM_MY_API_TOKEN)"),
        "{d}"
    );
    assert!(d.contains("API key in query parameter `api_key`"), "{d}");
    for s in &secrets {
        assert!(!d.contains(s.as_str()), "{s} in {d}");
    }
    assert!(!format!("{auth:?}").contains("pw-5678"));
}

/// An operation with these alternatives (`[]` in one is `{}`: anonymous access).
fn op_of(id: &str, alternatives: &[&[&str]]) -> Operation {
    let mut o = op(id, alternatives.first().copied().unwrap_or(&[]));
    o.requirements = alternatives
        .iter()
        .map(|alt| alt.iter().map(|s| ((*s).to_owned(), Vec::new())).collect())
        .collect();
    o
}

fn with_alternatives() -> ApiSpec {
    let mut s = spec();
    s.operations = vec![
        op_of("either", &[&["basic"], &["bearer"]]),
        op_of("optional", &[&[], &["headerKey"]]),
        op_of("both", &[&["bearer", "queryKey"]]),
    ];
    s
}

#[tokio::test]
async fn the_first_alternative_with_credentials_is_sent() {
    let env = env_of(&[("CONFORM_MY_API_TOKEN", "tok-1234")]);
    let auth = auth_with(&with_alternatives(), &env);
    let r = applied(&auth, "either")
        .await
        .expect("bearer, basic lacking");
    assert_eq!(r.header("Authorization"), Some("Bearer tok-1234"));
    let r = applied(&auth, "optional")
        .await
        .expect("the key, though optional");
    assert_eq!(r.header("X-Key"), Some("tok-1234"));
    let r = applied(&auth, "both").await.expect("both schemes");
    assert_eq!(r.header("Authorization"), Some("Bearer tok-1234"));
    assert!(
        r.url
            .query()
            .is_some_and(|q| q.contains("api_key=tok-1234"))
    );
}

#[tokio::test]
async fn with_no_alternative_met_each_says_what_it_lacks() {
    // Credentials for basic only, so that the auth exists; `both` and `optional` lack a token.
    let env = env_of(&[
        ("CONFORM_MY_API_USERNAME", "ann"),
        ("CONFORM_MY_API_PASSWORD", "pw-5678"),
    ]);
    let auth = auth_with(&with_alternatives(), &env);
    let r = applied(&auth, "optional").await.expect("anonymous allowed");
    assert_eq!(r.header("X-Key"), None);
    let e = applied(&auth, "both")
        .await
        .expect_err("no token")
        .to_string();
    assert_eq!(
        e,
        "`both` requires scheme `bearer` (HTTP bearer): CONFORM_MY_API_TOKEN is not set, and scheme `queryKey` (API key in query parameter `api_key`): CONFORM_MY_API_TOKEN is not set"
    );
    let mut s = spec();
    s.operations = vec![op_of("either", &[&["digest"], &["bearer"]])];
    let auth = auth_with(&s, &env_of(&[("CONFORM_MY_API_TOKEN", "tok-1234")]));
    let r = applied(&auth, "either")
        .await
        .expect("bearer, as digest cannot be sent");
    assert_eq!(r.header("Authorization"), Some("Bearer tok-1234"));
}

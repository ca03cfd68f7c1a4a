//! `/api/v3/sources/oauth/` (spec §9.2): CRUD by slug, discovery from a local OpenID provider
//! (its well-known document fills the endpoints, its JWKS is stored), validation errors that
//! store nothing, `source_types/`, `used_by` and deletion from providers' `jwks_sources`, the
//! hourly refresh, and blueprints.
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::blueprints::apply;

/// A local OpenID provider: `/.well-known/openid-configuration` and `/jwks` (whose document
/// the test can change), `/missing` answers 404, `/no-issuer` a document without `issuer`.
struct Idp {
    base: String,
    jwks: Arc<Mutex<Value>>,
}

async fn idp() -> Idp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let jwks = Arc::new(Mutex::new(
        json!({"keys": [{"kty": "oct", "kid": "one", "k": "AA"}]}),
    ));
    let b = base.clone();
    let served = jwks.clone();
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let b = b.clone();
                async move {
                    axum::Json(json!({
                        "issuer": b,
                        "authorization_endpoint": format!("{b}/authorize"),
                        "token_endpoint": format!("{b}/token"),
                        "userinfo_endpoint": format!("{b}/userinfo"),
                        "jwks_uri": format!("{b}/jwks"),
                    }))
                }
            }),
        )
        .route(
            "/jwks",
            get(move || {
                let served = served.clone();
                async move { axum::Json(served.lock().unwrap().clone()) }
            }),
        )
        .route(
            "/no-issuer",
            get(|| async { axum::Json(json!({"jwks_uri": "x"})) }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Idp { base, jwks }
}

fn body(slug: &str, extra: Value) -> Value {
    let mut b = json!({"name": format!("Source {slug}"), "slug": slug,
                       "provider_type": "openidconnect", "consumer_key": "client",
                       "consumer_secret": "s3cret"});
    if let (Value::Object(b), Value::Object(e)) = (&mut b, extra) {
        b.extend(e);
    }
    b
}

async fn count(app: &TestApp) -> i64 {
    let r = app.admin("GET", "/api/v3/sources/oauth/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["pagination"]["count"].as_i64().unwrap()
}

db_test!(
    discovery_fills_endpoints_and_stores_the_jwks,
    |app: TestApp| async move {
        let idp = idp().await;
        let well_known = format!("{}/.well-known/openid-configuration", idp.base);
        let r = app
            .admin(
                "POST",
                "/api/v3/sources/oauth/",
                Some(body(
                    "corp",
                    json!({"oidc_well_known_url": well_known,
                           "profile_url": "https://mine.example/me"}),
                )),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let s = &r.json;
        assert_eq!(s["authorization_url"], format!("{}/authorize", idp.base));
        assert_eq!(s["access_token_url"], format!("{}/token", idp.base));
        // What the admin set wins over the discovered value.
        assert_eq!(s["profile_url"], "https://mine.example/me");
        assert_eq!(s["oidc_jwks_url"], format!("{}/jwks", idp.base));
        assert_eq!(s["oidc_jwks"]["keys"][0]["kid"], "one");
        assert!(s.get("consumer_secret").is_none(), "{s}");
        assert_eq!(s["component"], "ak-source-oauth-form");
        assert_eq!(s["meta_model_name"], "authentik_sources_oauth.oauthsource");
        assert_eq!(s["user_path_template"], "goauthentik.io/sources/%(slug)s");
        assert_eq!(s["policy_engine_mode"], "any");
        assert_eq!(s["user_matching_mode"], "identifier");
        assert_eq!(s["enabled"], true);
        assert_eq!(s["type"]["name"], "openidconnect");
        assert_eq!(s["type"]["urls_customizable"], true);
        assert!(
            s["callback_url"]
                .as_str()
                .unwrap()
                .ends_with("/source/oauth/callback/corp/"),
            "{s}"
        );

        // Retrieve by slug; PATCH keeps the secret and refetches the JWKS.
        *idp.jwks.lock().unwrap() = json!({"keys": [{"kty": "oct", "kid": "two", "k": "AQ"}]});
        let r = app
            .admin(
                "PATCH",
                "/api/v3/sources/oauth/corp/",
                Some(json!({"name": "Corporate"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["oidc_jwks"]["keys"][0]["kid"], "two");
        let mut conn = app.store.conn().await.unwrap();
        let stored = castellan_store::objects::list(&mut conn, castellan_core::source_oauth::MODEL)
            .await
            .unwrap();
        drop(conn);
        assert_eq!(stored[0].config["consumer_secret"], "s3cret");
        let r = app.admin("GET", "/api/v3/sources/oauth/corp/", None).await;
        assert_eq!(r.json["name"], "Corporate", "{}", r.text);
        let r = app
            .admin("GET", "/api/v3/sources/oauth/?has_jwks=true", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);

        // The hourly refresh stores a changed JWKS.
        *idp.jwks.lock().unwrap() = json!({"keys": [{"kty": "oct", "kid": "three", "k": "Ag"}]});
        let failures = castellan_web::sources::oauth_discovery::refresh(&app.store)
            .await
            .unwrap();
        assert!(failures.is_empty(), "{failures:?}");
        let r = app.admin("GET", "/api/v3/sources/oauth/corp/", None).await;
        assert_eq!(r.json["oidc_jwks"]["keys"][0]["kid"], "three");
    }
);

db_test!(
    invalid_sources_are_refused_and_nothing_is_stored,
    |app: TestApp| async move {
        let idp = idp().await;
        let cases = [
            (
                json!({"name": "x"}),
                json!({"slug": ["This field is required."],
                       "provider_type": ["This field is required."],
                       "consumer_key": ["This field is required."],
                       "consumer_secret": ["This field is required."]}),
            ),
            (
                body("a", json!({})),
                json!({"non_field_errors": [
                    "authorization_url is required for provider OpenID Connect",
                    "access_token_url is required for provider OpenID Connect",
                    "profile_url is required for provider OpenID Connect"]}),
            ),
            (
                body("a", json!({"provider_type": "myspace"})),
                json!({"provider_type": ["\"myspace\" is not a valid choice."]}),
            ),
            (
                body("not a slug", json!({"provider_type": "discord"})),
                json!({"slug": ["Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."]}),
            ),
            (
                body(&"s".repeat(51), json!({"provider_type": "discord"})),
                json!({"slug": ["Ensure this field has no more than 50 characters."]}),
            ),
            (
                body(
                    "a",
                    json!({"oidc_well_known_url": format!("{}/no-issuer", idp.base)}),
                ),
                json!({"oidc_well_known_url": ["Invalid well-known configuration"]}),
            ),
        ];
        for (request, expected) in cases {
            let r = app
                .admin("POST", "/api/v3/sources/oauth/", Some(request.clone()))
                .await;
            assert_eq!(r.status, 400, "{request}: {}", r.text);
            assert_eq!(r.json, expected, "{request}");
        }
        // Unreachable documents: the field names the URL and the HTTP status.
        let missing = format!("{}/missing", idp.base);
        let r = app
            .admin(
                "POST",
                "/api/v3/sources/oauth/",
                Some(body(
                    "a",
                    json!({"oidc_jwks_url": missing, "provider_type": "discord"}),
                )),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(
            r.json["oidc_jwks_url"][0],
            format!("{missing} answered HTTP 404."),
            "{}",
            r.text
        );
        let r = app
            .admin(
                "POST",
                "/api/v3/sources/oauth/",
                Some(body(
                    "a",
                    json!({"oidc_jwks": "not json", "provider_type": "discord"}),
                )),
            )
            .await;
        assert_eq!(r.status, 201, "a JSON string is JSON: {}", r.text);
        let r = app
            .admin(
                "POST",
                "/api/v3/sources/oauth/",
                Some(body(
                    "a",
                    json!({"name": "Other", "provider_type": "discord"}),
                )),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json,
            json!({"slug": ["source with this slug already exists."]})
        );
        assert_eq!(count(&app).await, 1);
        let r = app
            .admin("POST", "/api/v3/sources/oauth/", Some(json!([1, 2])))
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(count(&app).await, 1);
    }
);

db_test!(source_types_used_by_and_delete, |app: TestApp| async move {
    let r = app
        .admin("GET", "/api/v3/sources/oauth/source_types/", None)
        .await;
    assert_eq!(r.status, 200);
    let names: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 14);
    assert_eq!(names[..2], ["apple", "openidconnect"]);
    let r = app
        .admin(
            "GET",
            "/api/v3/sources/oauth/source_types/?name=google",
            None,
        )
        .await;
    assert_eq!(
        r.json[0]["oidc_jwks_url"],
        "https://www.googleapis.com/oauth2/v3/certs"
    );
    assert_eq!(r.json[0]["urls_customizable"], false);
    let r = app
        .admin("GET", "/api/v3/sources/oauth/source_types/?name=nope", None)
        .await;
    assert_eq!(r.json, json!([]));

    let s = crate::flow_support::create(
        &app,
        "/api/v3/sources/oauth/",
        body(
            "keys",
            json!({"provider_type": "discord",
                                "oidc_jwks": {"keys": []}}),
        ),
    )
    .await;
    crate::flow_support::defaults(&app).await;
    let flow = crate::flow_support::flow(&app, "default-provider-invalidation-flow").await;
    let p = crate::flow_support::create(
        &app,
        "/api/v3/providers/oauth2/",
        json!({"name": "machine", "authorization_flow": flow["pk"],
                   "invalidation_flow": flow["pk"], "redirect_uris": [],
                   "jwks_sources": [s["pk"]]}),
    )
    .await;
    let r = app
        .admin("GET", "/api/v3/sources/oauth/keys/used_by/", None)
        .await;
    assert_eq!(
        r.json,
        json!([{"app": "authentik_providers_oauth2", "model_name": "oauth2provider",
                    "pk": p["pk"].to_string(), "name": "machine", "action": "cascade_many"}]),
        "{}",
        r.text
    );
    let r = app
        .admin("DELETE", "/api/v3/sources/oauth/keys/", None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/providers/oauth2/{}/", p["pk"]),
            None,
        )
        .await;
    assert_eq!(r.json["jwks_sources"], json!([]), "{}", r.text);
    assert_eq!(
        app.admin("GET", "/api/v3/sources/oauth/keys/", None)
            .await
            .status,
        404
    );
});

db_test!(blueprints_create_oauth_sources, |app: TestApp| async move {
    let text = r#"
version: 1
entries:
  - model: authentik_sources_oauth.oauthsource
    identifiers:
      slug: github-actions
    attrs:
      name: GitHub Actions
      provider_type: openidconnect
      consumer_key: unused
      consumer_secret: unused
      authorization_url: https://idp.example/a
      access_token_url: https://idp.example/t
      profile_url: https://idp.example/p
      oidc_jwks:
        keys:
          - kty: EC
            kid: k1
            crv: P-256
            x: f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU
            y: x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0
"#;
    apply(&app, text).await.unwrap();
    // Applying again finds the source by slug and changes nothing.
    apply(&app, text).await.unwrap();
    let r = app
        .admin("GET", "/api/v3/sources/oauth/github-actions/", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["oidc_jwks"]["keys"][0]["kid"], "k1");
    assert_eq!(count(&app).await, 1);
});

//! `/providers/oauth2/`, `/propertymappings/provider/scope/`, the OAuth2 token admin APIs and
//! the default scope mappings (spec §7.1.1, §7.1.6).
use castellan_core::flow::{Flow, FlowDesignation};
use castellan_core::group::Group;
use castellan_core::oauth2::{AuthorizationCode, IssuedToken, TokenGrant, TokenKind};
use castellan_crypto::certificate::{KeyAlgorithm, generate_self_signed};
use castellan_store::{flows, groups, oauth2_tokens, users};
use castellan_testkit::{TestApp, db_test};
use chrono::{Duration, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

const BASE: &str = "/api/v3/providers/oauth2/";
const SCOPES: &str = "/api/v3/propertymappings/provider/scope/";

async fn flow(app: &TestApp, slug: &str) -> String {
    let mut conn = app.store.conn().await.unwrap();
    let f = Flow::new(slug, slug, FlowDesignation::Authorization);
    flows::insert(&mut conn, &f).await.unwrap();
    f.pk.to_string()
}

async fn minimal(app: &TestApp, name: &str) -> Value {
    let authz = flow(app, &format!("{name}-authz")).await;
    let inval = flow(app, &format!("{name}-inval")).await;
    json!({
        "name": name,
        "authorization_flow": authz,
        "invalidation_flow": inval,
        "redirect_uris": [{"matching_mode": "strict", "url": "https://app.example/cb"}],
    })
}

async fn create(app: &TestApp, body: Value) -> Value {
    let r = app.admin("POST", BASE, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
}

async fn keypair(app: &TestApp, name: &str, alg: KeyAlgorithm, with_key: bool) -> String {
    let p = generate_self_signed(name, &[name.to_string()], 30, alg).unwrap();
    let mut body = json!({"name": name, "certificate_data": p.certificate_pem});
    if with_key {
        body["key_data"] = json!(p.private_key_pem);
    }
    let r = app
        .admin("POST", "/api/v3/crypto/certificatekeypairs/", Some(body))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["pk"].as_str().unwrap().to_string()
}

fn errors(r: &castellan_testkit::Response) -> Vec<String> {
    let mut keys: Vec<String> = r.json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

async fn managed_scope(app: &TestApp, scope: &str) -> String {
    let r = app
        .admin("GET", &format!("{SCOPES}?scope_name={scope}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["results"][0]["pk"].as_str().unwrap().to_string()
}

db_test!(default_scope_mappings_exist, |app: TestApp| async move {
    crate::flow_support::defaults(&app).await;
    let r = app
        .admin("GET", &format!("{SCOPES}?managed__isnull=false"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let managed: Vec<&str> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["managed"].as_str().unwrap())
        .collect();
    assert_eq!(managed.len(), 5, "{managed:?}");
    for scope in [
        "openid",
        "email",
        "profile",
        "offline_access",
        "authentik_api",
    ] {
        let id = format!("goauthentik.io/providers/oauth2/scope-{scope}");
        assert!(managed.contains(&id.as_str()), "{id}");
    }
    let profile = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["scope_name"] == "profile")
        .unwrap();
    assert_eq!(profile["description"], "General Profile Information");
    assert_eq!(
        profile["component"],
        "ak-property-mapping-provider-scope-form"
    );
    assert_eq!(profile["verbose_name"], "Scope Mapping");
    let api = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["managed"] == "goauthentik.io/providers/oauth2/scope-authentik_api")
        .unwrap();
    assert_eq!(api["scope_name"], "goauthentik.io/api");
    // Every default expression runs in the engine.
    let mut body = minimal(&app, "all-defaults").await;
    let pks: Vec<Value> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["pk"].clone())
        .collect();
    body["property_mappings"] = Value::Array(pks);
    let p = create(&app, body).await;
    let mut conn = app.store.conn().await.unwrap();
    let provider = castellan_store::oauth2_providers::get(&mut conn, p["pk"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    let names = castellan_web::oauth_claims::claim_names(&app.state, &mut conn, &provider)
        .await
        .unwrap();
    assert_eq!(
        names,
        [
            "email",
            "email_verified",
            "name",
            "given_name",
            "preferred_username",
            "nickname",
            "groups"
        ]
    );
    let scopes: Vec<String> = [
        "openid",
        "email",
        "profile",
        "offline_access",
        "goauthentik.io/api",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let claims = castellan_web::oauth_claims::scope_claims(
        &app.state,
        &mut conn,
        &provider,
        app.admin_pk,
        &scopes,
        json!({}),
    )
    .await
    .unwrap();
    assert_eq!(claims["preferred_username"], "akadmin");
    assert_eq!(claims["groups"], json!(["authentik Admins"]));
    assert_eq!(claims["email"], "akadmin@example.org");
    let r = app
        .admin(
            "GET",
            "/api/v3/events/events/?action=configuration_error",
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 0, "{}", r.text);
});

db_test!(provider_crud, |app: TestApp| async move {
    let body = minimal(&app, "grafana").await;
    let p = create(&app, body.clone()).await;
    assert_eq!(p["name"], "grafana");
    assert_eq!(p["client_id"].as_str().unwrap().len(), 40);
    assert_eq!(p["client_secret"].as_str().unwrap().len(), 128);
    assert_eq!(p["client_type"], "confidential");
    assert_eq!(p["access_code_validity"], "minutes=1");
    assert_eq!(p["access_token_validity"], "hours=1");
    assert_eq!(p["refresh_token_validity"], "days=30");
    assert_eq!(p["include_claims_in_id_token"], true);
    assert_eq!(p["sub_mode"], "hashed_user_id");
    assert_eq!(p["issuer_mode"], "per_provider");
    assert_eq!(p["component"], "ak-provider-oauth2-form");
    assert_eq!(
        p["meta_model_name"],
        "authentik_providers_oauth2.oauth2provider"
    );
    assert_eq!(
        p["redirect_uris"],
        json!([{"matching_mode": "strict", "url": "https://app.example/cb"}])
    );
    let pk = p["pk"].as_i64().unwrap();
    let one = format!("{BASE}{pk}/");
    let r = app.admin("GET", &one, None).await;
    assert_eq!(r.json, p);
    let r = app
        .admin(
            "PATCH",
            &one,
            Some(json!({"client_type": "public", "client_id": "my-client",
                        "redirect_uris": [{"matching_mode": "regex", "url": "https://.*\\.example/cb"}],
                        "sub_mode": "user_email", "access_token_validity": "minutes=5"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["client_type"], "public");
    assert_eq!(r.json["client_id"], "my-client");
    assert_eq!(r.json["name"], "grafana");
    let mut put = body.clone();
    put["name"] = json!("grafana 2");
    let r = app.admin("PUT", &one, Some(put)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["client_id"], "my-client");
    // Also listed with the other providers.
    let r = app
        .admin("GET", &format!("{BASE}?search=grafana"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", &format!("{BASE}?client_id=my-client"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app.admin("GET", "/api/v3/providers/all/", None).await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", "/api/v3/events/events/?action=model_created", None)
        .await;
    assert!(r.text.contains("oauth2provider"), "{}", r.text);
    let r = app.admin("DELETE", &one, None).await;
    assert_eq!(r.status, 204);
    assert_eq!(app.admin("GET", &one, None).await.status, 404);
    assert_eq!(
        app.admin("GET", "/api/v3/providers/all/", None).await.json["pagination"]["count"],
        0
    );
});

db_test!(provider_validation, |app: TestApp| async move {
    let r = app.admin("POST", BASE, Some(json!({}))).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        errors(&r),
        [
            "authorization_flow",
            "invalidation_flow",
            "name",
            "redirect_uris"
        ]
    );
    let mut body = minimal(&app, "p").await;
    body["access_code_validity"] = json!("forever");
    body["redirect_uris"] = json!([{"matching_mode": "regex", "url": "https://(unclosed"}]);
    body["authentication_flow"] = json!(Uuid::new_v4());
    body["client_type"] = json!("secret");
    body["property_mappings"] = json!([Uuid::new_v4()]);
    body["sub_mode"] = json!("nope");
    let r = app.admin("POST", BASE, Some(body)).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        errors(&r),
        [
            "access_code_validity",
            "authentication_flow",
            "client_type",
            "property_mappings",
            "redirect_uris",
            "sub_mode"
        ],
        "{}",
        r.text
    );
    assert!(r.text.contains("Invalid Regex Pattern"), "{}", r.text);
    // Keys: signing needs a private key; encryption an RSA pair with its private key.
    let no_key = keypair(&app, "no-key", KeyAlgorithm::Rsa, false).await;
    let ec = keypair(&app, "ec", KeyAlgorithm::Ecdsa, true).await;
    let rsa = keypair(&app, "rsa", KeyAlgorithm::Rsa, true).await;
    let mut body = minimal(&app, "keys").await;
    body["signing_key"] = json!(no_key);
    body["encryption_key"] = json!(ec);
    let r = app.admin("POST", BASE, Some(body.clone())).await;
    assert_eq!(errors(&r), ["encryption_key", "signing_key"], "{}", r.text);
    body["encryption_key"] = json!(no_key);
    let r = app.admin("POST", BASE, Some(body.clone())).await;
    assert_eq!(errors(&r), ["encryption_key", "signing_key"], "{}", r.text);
    body["signing_key"] = json!(ec);
    body["encryption_key"] = json!(rsa);
    let first = create(&app, body.clone()).await;
    assert_eq!(first["encryption_key"], json!(rsa));
    // Unique name and client id.
    body["client_id"] = first["client_id"].clone();
    let r = app.admin("POST", BASE, Some(body.clone())).await;
    assert_eq!(errors(&r), ["client_id", "name"], "{}", r.text);
    // A mapping of another kind is not a scope mapping.
    let mut conn = app.store.conn().await.unwrap();
    let other = Uuid::new_v4();
    castellan_store::objects::create(
        &mut conn,
        &castellan_store::objects::Object {
            pk: other,
            model: "authentik_providers_saml.samlpropertymapping".into(),
            name: "saml".into(),
            config: Map::new(),
        },
    )
    .await
    .unwrap();
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}{}/", first["pk"]),
            Some(json!({"property_mappings": [other]})),
        )
        .await;
    assert_eq!(errors(&r), ["property_mappings"], "{}", r.text);
});

db_test!(setup_urls_and_preview, |app: TestApp| async move {
    crate::flow_support::defaults(&app).await;
    let mut body = minimal(&app, "wiki").await;
    let profile = managed_scope(&app, "profile").await;
    let email = managed_scope(&app, "email").await;
    body["property_mappings"] = json!([profile, email]);
    body["sub_mode"] = json!("user_username");
    let p = create(&app, body).await;
    let pk = p["pk"].as_i64().unwrap();
    let r = app
        .admin("GET", &format!("{BASE}{pk}/setup_urls/"), None)
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .admin(
            "POST",
            "/api/v3/core/applications/",
            Some(json!({"name": "Wiki", "slug": "wiki", "provider": pk})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let auth = format!("Bearer {}", app.admin_token);
    let r = app
        .send(
            "GET",
            &format!("{BASE}{pk}/setup_urls/"),
            None,
            &[("authorization", &auth), ("host", "id.example.com")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({
            "issuer": "http://id.example.com/application/o/wiki/",
            "authorize": "http://id.example.com/application/o/authorize/",
            "token": "http://id.example.com/application/o/token/",
            "user_info": "http://id.example.com/application/o/userinfo/",
            "provider_info": "http://id.example.com/application/o/wiki/.well-known/openid-configuration",
            "logout": "http://id.example.com/application/o/wiki/end-session/",
            "jwks": "http://id.example.com/application/o/wiki/jwks/",
        })
    );
    // The profile scope lists the direct groups.
    let (alice, _) = app.user_with_token("alice").await;
    let mut conn = app.store.conn().await.unwrap();
    for name in ["editors", "readers"] {
        let g = Group {
            pk: Uuid::new_v4(),
            name: name.into(),
            is_superuser: false,
            parent: None,
            attributes: json!({}),
        };
        groups::create(&mut conn, &g).await.unwrap();
        users::add_to_group(&mut conn, alice, g.pk).await.unwrap();
    }
    drop(conn);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}{pk}/preview_user/?for_user={alice}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let preview = &r.json["preview"];
    assert_eq!(preview["sub"], "alice");
    assert_eq!(preview["preferred_username"], "alice");
    assert_eq!(preview["nickname"], "alice");
    assert_eq!(preview["email"], "alice@example.org");
    assert_eq!(preview["email_verified"], true);
    assert_eq!(preview["groups"], json!(["editors", "readers"]));
    assert_eq!(preview["aud"], p["client_id"]);
    let r = app
        .admin("GET", &format!("{BASE}{pk}/preview_user/?for_user=x"), None)
        .await;
    assert_eq!(errors(&r), ["for_user"]);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}{pk}/preview_user/?for_user=99999"),
            None,
        )
        .await;
    assert_eq!(errors(&r), ["for_user"]);
});

db_test!(failing_mapping_is_skipped, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            SCOPES,
            Some(json!({"name": "broken", "scope_name": "broken",
                        "expression": "return 1 / 0"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let broken = r.json["pk"].clone();
    let r = app
        .admin(
            "POST",
            SCOPES,
            Some(json!({"name": "extra", "scope_name": "extra",
                        "expression": "return {\"extra\": {\"a\": 1}}"})),
        )
        .await;
    let extra = r.json["pk"].clone();
    let mut body = minimal(&app, "svc").await;
    body["property_mappings"] = json!([broken, extra]);
    let p = create(&app, body).await;
    let pk = p["pk"].as_i64().unwrap();
    let r = app
        .admin("GET", &format!("{BASE}{pk}/preview_user/"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["preview"]["extra"], json!({"a": 1}));
    let r = app
        .admin(
            "GET",
            "/api/v3/events/events/?action=configuration_error",
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
    // Discovery's claim names skip the failing mapping.
    let mut conn = app.store.conn().await.unwrap();
    let provider = castellan_store::oauth2_providers::get(&mut conn, pk)
        .await
        .unwrap()
        .unwrap();
    let names = castellan_web::oauth_claims::claim_names(&app.state, &mut conn, &provider)
        .await
        .unwrap();
    assert_eq!(names, ["extra"]);
});

db_test!(scope_mapping_crud, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            SCOPES,
            Some(json!({"name": "m", "scope_name": "s", "expression": "return {"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(errors(&r), ["expression"], "{}", r.text);
    let r = app.admin("POST", SCOPES, Some(json!({}))).await;
    assert_eq!(errors(&r), ["expression", "name", "scope_name"]);
    let r = app
        .admin(
            "POST",
            SCOPES,
            Some(
                json!({"name": "m", "scope_name": "s", "expression": "return {}",
                        "description": "Something"}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["managed"], Value::Null);
    assert_eq!(
        r.json["meta_model_name"],
        "authentik_providers_oauth2.scopemapping"
    );
    let one = format!("{SCOPES}{}/", r.json["pk"].as_str().unwrap());
    let r = app
        .admin("PATCH", &one, Some(json!({"scope_name": "t"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["scope_name"], "t");
    assert_eq!(r.json["description"], "Something");
    let r = app
        .admin(
            "POST",
            SCOPES,
            Some(json!({"name": "m", "scope_name": "s", "expression": "return {}"})),
        )
        .await;
    assert_eq!(errors(&r), ["name"]);
    // A provider offering it loses it when it is deleted.
    let mut body = minimal(&app, "holder").await;
    let pm = app.admin("GET", &one, None).await.json["pk"].clone();
    body["property_mappings"] = json!([pm]);
    let p = create(&app, body).await;
    let r = app.admin("GET", &format!("{one}used_by/"), None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(app.admin("DELETE", &one, None).await.status, 204);
    assert_eq!(app.admin("GET", &one, None).await.status, 404);
    let r = app.admin("GET", &format!("{BASE}{}/", p["pk"]), None).await;
    assert_eq!(r.json["property_mappings"], json!([]));
});

db_test!(token_admin_visibility, |app: TestApp| async move {
    let p = create(&app, minimal(&app, "tokens").await).await;
    let provider = p["pk"].as_i64().unwrap();
    let (bob, bob_token) = app.user_with_token("bob").await;
    let mut conn = app.store.conn().await.unwrap();
    let now = Utc::now();
    let mut ids = Vec::new();
    for (user, n) in [(app.admin_pk, 1), (bob, 2)] {
        let grant = TokenGrant {
            provider,
            user,
            scope: vec!["openid".into()],
            expires: now + Duration::hours(1),
            auth_time: None,
            session: None,
        };
        let code = AuthorizationCode {
            pk: 0,
            code: format!("code-{n}"),
            grant: grant.clone(),
            nonce: None,
            code_challenge: None,
            code_challenge_method: None,
            redirect_uri: "https://app.example/cb".into(),
            used: false,
        };
        let code_pk = oauth2_tokens::create_code(&mut conn, &code).await.unwrap();
        let mut token_pks = Vec::new();
        for kind in [TokenKind::Access, TokenKind::Refresh] {
            let value = format!("{kind:?}-{n}");
            let t = IssuedToken {
                pk: 0,
                kind,
                token: value.clone(),
                grant: grant.clone(),
                revoked: false,
                id_token: json!({"sub": "x"}).as_object().unwrap().clone(),
                from_code: None,
                created: now,
            };
            token_pks.push(
                oauth2_tokens::create_token(&mut conn, &t, &oauth2_tokens::hash(&value))
                    .await
                    .unwrap(),
            );
        }
        ids.push((code_pk, token_pks));
    }
    drop(conn);
    // `used_by` lists the application (cleared on delete) and every code and token (deleted).
    let r = app
        .admin(
            "POST",
            "/api/v3/core/applications/",
            Some(json!({"name": "Tokens app", "slug": "tokens-app", "provider": provider})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/providers/oauth2/{provider}/used_by/"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let used: Vec<(String, String)> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["model_name"].as_str().unwrap().to_string(),
                u["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let count = |m: &str, a: &str| used.iter().filter(|(x, y)| x == m && y == a).count();
    assert_eq!(count("application", "set_null"), 1, "{}", r.text);
    assert_eq!(count("authorizationcode", "cascade"), 2, "{}", r.text);
    assert_eq!(count("accesstoken", "cascade"), 2, "{}", r.text);
    assert_eq!(count("refreshtoken", "cascade"), 2, "{}", r.text);
    assert_eq!(used.len(), 7, "{}", r.text);
    let bob_auth = format!("Bearer {bob_token}");
    let as_bob = |method: &'static str, path: String| {
        let auth = bob_auth.clone();
        let app = &app;
        async move {
            app.send(method, &path, None, &[("authorization", &auth)])
                .await
        }
    };
    for (path, index) in [
        ("authorization_codes", None),
        ("access_tokens", Some(0)),
        ("refresh_tokens", Some(1)),
    ] {
        let base = format!("/api/v3/oauth2/{path}/");
        let r = app.admin("GET", &base, None).await;
        assert_eq!(r.json["pagination"]["count"], 2, "{path}: {}", r.text);
        let r = app.admin("GET", &format!("{base}?user={bob}"), None).await;
        assert_eq!(r.json["pagination"]["count"], 1, "{path}");
        assert_eq!(r.json["results"][0]["user"]["username"], "bob");
        assert_eq!(r.json["results"][0]["provider"]["pk"], provider);
        assert_eq!(r.json["results"][0]["is_expired"], false);
        if index.is_some() {
            assert_eq!(r.json["results"][0]["id_token"], "{\"sub\":\"x\"}");
            assert_eq!(r.json["results"][0]["revoked"], false);
        }
        let r = as_bob("GET", base.clone()).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.json["pagination"]["count"], 1, "{path}");
        assert_eq!(r.json["results"][0]["user"]["pk"], bob);
        let pick = |(code, tokens): &(i64, Vec<i64>)| match index {
            None => *code,
            Some(i) => tokens[i],
        };
        let admins = pick(&ids[0]);
        let bobs = pick(&ids[1]);
        assert_eq!(as_bob("GET", format!("{base}{admins}/")).await.status, 404);
        assert_eq!(
            as_bob("DELETE", format!("{base}{admins}/")).await.status,
            404
        );
        assert_eq!(as_bob("GET", format!("{base}{bobs}/")).await.status, 200);
        assert_eq!(as_bob("DELETE", format!("{base}{bobs}/")).await.status, 204);
        assert_eq!(
            app.admin("GET", &format!("{base}{bobs}/"), None)
                .await
                .status,
            404
        );
        let r = app.admin("GET", &format!("{base}{admins}/"), None).await;
        assert_eq!(r.status, 200);
    }
    let r = as_bob(
        "GET",
        format!("/api/v3/providers/oauth2/{provider}/used_by/"),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
});

db_test!(
    blueprint_creates_and_updates_provider,
    |app: TestApp| async move {
        crate::flow_support::defaults(&app).await;
        keypair(&app, "bp-signing", KeyAlgorithm::Rsa, true).await;
        let text = "\
version: 1
metadata:
  name: oauth2 provider test
entries:
  - model: authentik_providers_oauth2.oauth2provider
    id: provider
    identifiers: {name: Blueprint provider}
    attrs:
      client_id: bp-client
      client_type: public
      authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
      invalidation_flow: !Find [authentik_flows.flow, [slug, default-provider-invalidation-flow]]
      signing_key: !Find [authentik_crypto.certificatekeypair, [name, bp-signing]]
      redirect_uris: |
        https://one.example/cb
        https://two.example/cb
      property_mappings:
        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-openid]]
        - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-profile]]
  - model: authentik_flows.flow
    identifiers: {slug: oauth2-bp-after}
    attrs:
      name: !Format ['after %s', !KeyOf provider]
      title: after
      designation: authorization
";
        let opts = castellan_web::blueprints::options(Map::new(), &Default::default());
        castellan_web::blueprints::apply_text(
            &app.store,
            text,
            &opts,
            &castellan_web::blueprints::BlueprintSet::new(),
        )
        .await
        .expect("blueprint applies");
        let r = app
            .admin("GET", &format!("{BASE}?client_id=bp-client"), None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
        let p = &r.json["results"][0];
        assert_eq!(p["name"], "Blueprint provider");
        assert_eq!(p["client_type"], "public");
        assert!(p["signing_key"].is_string(), "{p}");
        assert_eq!(p["property_mappings"].as_array().unwrap().len(), 2);
        assert_eq!(
            p["redirect_uris"],
            json!([{"matching_mode": "strict", "url": "https://one.example/cb"},
               {"matching_mode": "strict", "url": "https://two.example/cb"}])
        );
        let after = app
            .admin("GET", "/api/v3/flows/instances/oauth2-bp-after/", None)
            .await;
        assert_eq!(after.json["name"], format!("after {}", p["pk"]));
        // Applying again updates in place.
        let again = text.replace("client_type: public", "client_type: confidential");
        castellan_web::blueprints::apply_text(
            &app.store,
            &again,
            &opts,
            &castellan_web::blueprints::BlueprintSet::new(),
        )
        .await
        .expect("blueprint re-applies");
        let r = app.admin("GET", BASE, None).await;
        assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
        assert_eq!(r.json["results"][0]["client_type"], "confidential");
        assert_eq!(r.json["results"][0]["pk"], p["pk"]);
    }
);

db_test!(
    admin_pages_for_oauth2_providers,
    |app: TestApp| async move {
        crate::flow_support::defaults(&app).await;
        crate::flow_support::admin_password(&app, "Admin-pw-1").await;
        let s = crate::page_session::login(&app, "akadmin", "Admin-pw-1").await;
        let r = s.get(&app, "/if/admin/oauth2-providers/new/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("redirect_uris"), "{}", r.text);
        let authz = app
            .admin(
                "GET",
                "/api/v3/flows/instances/default-provider-authorization-implicit-consent/",
                None,
            )
            .await
            .json["pk"]
            .as_str()
            .unwrap()
            .to_string();
        let inval = app
            .admin(
                "GET",
                "/api/v3/flows/instances/default-provider-invalidation-flow/",
                None,
            )
            .await
            .json["pk"]
            .as_str()
            .unwrap()
            .to_string();
        let r = s
            .submit(
                &app,
                "/if/admin/oauth2-providers/new/",
                &[
                    ("name", "From the admin"),
                    ("authorization_flow", &authz),
                    ("invalidation_flow", &inval),
                    ("client_type", "confidential"),
                    ("sub_mode", "hashed_user_id"),
                    ("issuer_mode", "per_provider"),
                    (
                        "redirect_uris",
                        r#"[{"matching_mode": "strict", "url": "https://admin.example/cb"}]"#,
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let list = app.admin("GET", BASE, None).await;
        assert_eq!(list.json["pagination"]["count"], 1, "{}", list.text);
        let pk = list.json["results"][0]["pk"].as_i64().unwrap();
        assert_eq!(
            list.json["results"][0]["client_id"].as_str().unwrap().len(),
            40
        );
        app.admin(
            "POST",
            "/api/v3/core/applications/",
            Some(json!({"name": "Admin app", "slug": "admin-app", "provider": pk})),
        )
        .await;
        let r = s
            .get(&app, &format!("/if/admin/oauth2-providers/{pk}/"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("Setup: Issuer"), "{}", r.text);
        assert!(
            r.text
                .replace("&#x2f;", "/")
                .contains("application/o/admin-app/jwks/"),
            "{}",
            r.text
        );
        let r = s.get(&app, "/if/admin/oauth2-providers/").await;
        assert!(r.text.contains("From the admin"));
        let r = s.get(&app, "/if/admin/scope-mappings/").await;
        assert_eq!(r.status, 200);
        let r = s.get(&app, "/if/admin/scope-mappings/new/").await;
        assert_eq!(r.status, 200);
    }
);

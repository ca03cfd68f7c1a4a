//! `/core/user_consent/`.
use castellan_core::application::{Application, PolicyEngineMode};
use castellan_core::consent::UserConsent;
use castellan_core::provider::{Provider, ProviderType};
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};
use uuid::Uuid;

const BASE: &str = "/api/v3/core/user_consent/";

async fn application(app: &TestApp, slug: &str, provider_type: Option<ProviderType>) -> Uuid {
    let mut conn = app.store.conn().await.unwrap();
    let provider = match provider_type {
        Some(t) => Some(
            castellan_store::providers::create(
                &mut conn,
                &Provider {
                    pk: 0,
                    name: format!("{slug} provider"),
                    provider_type: t,
                    authentication_flow: None,
                    authorization_flow: None,
                    invalidation_flow: None,
                    backchannel_application: None,
                    is_backchannel: false,
                },
            )
            .await
            .unwrap(),
        ),
        None => None,
    };
    let a = Application {
        pk: Uuid::new_v4(),
        name: format!("App {slug}"),
        slug: slug.into(),
        group: "tools".into(),
        provider,
        meta_launch_url: String::new(),
        meta_icon: String::new(),
        meta_description: "desc".into(),
        meta_publisher: "pub".into(),
        open_in_new_tab: true,
        policy_engine_mode: PolicyEngineMode::Any,
    };
    castellan_store::applications::create(&mut conn, &a)
        .await
        .unwrap();
    a.pk
}

async fn consent(app: &TestApp, user: i64, application: Uuid, permissions: &str) -> i64 {
    let mut conn = app.store.conn().await.unwrap();
    castellan_store::consent::create(
        &mut conn,
        &UserConsent {
            pk: 0,
            user,
            application,
            permissions: permissions.into(),
            expires: None,
            expiring: false,
        },
    )
    .await
    .unwrap()
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

db_test!(list_retrieve_json, |app: TestApp| async move {
    let (bob, bob_token) = app.user_with_token("bob").await;
    let wiki = application(&app, "wiki", Some(ProviderType::Saml)).await;
    let chat = application(&app, "chat", None).await;
    let c_admin = consent(&app, app.admin_pk, wiki, "openid email").await;
    let c_bob_wiki = consent(&app, bob, wiki, "openid").await;
    let c_bob_chat = consent(&app, bob, chat, "").await;

    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 3);
    // Default order: application (by name), so "App chat" first.
    assert_eq!(r.json["results"][0]["pk"], c_bob_chat);

    let r = app.admin("GET", &format!("{BASE}{c_admin}/"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.json;
    let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "pk",
            "expires",
            "expiring",
            "user",
            "application",
            "permissions"
        ]
    );
    assert_eq!(c["pk"], c_admin);
    assert_eq!(c["expires"], Value::Null);
    assert_eq!(c["expiring"], false);
    assert_eq!(c["permissions"], "openid email");
    assert_eq!(c["user"]["pk"], app.admin_pk);
    assert_eq!(c["user"]["username"], "akadmin");
    assert_eq!(c["user"]["is_superuser"], true);
    assert_eq!(c["user"]["uid"].as_str().unwrap().len(), 64);
    let a = &c["application"];
    let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "pk",
            "name",
            "slug",
            "provider",
            "provider_obj",
            "backchannel_providers",
            "backchannel_providers_obj",
            "launch_url",
            "open_in_new_tab",
            "meta_launch_url",
            "meta_icon",
            "meta_description",
            "meta_publisher",
            "policy_engine_mode",
            "group"
        ]
    );
    assert_eq!(a["pk"], wiki.to_string());
    assert_eq!(a["slug"], "wiki");
    assert_eq!(a["name"], "App wiki");
    assert!(a["provider"].is_i64());
    assert_eq!(a["provider_obj"]["pk"], a["provider"]);
    assert_eq!(a["provider_obj"]["component"], "ak-provider-saml-form");
    assert_eq!(a["provider_obj"]["assigned_application_slug"], "wiki");
    assert_eq!(a["backchannel_providers"], json!([]));
    assert_eq!(a["backchannel_providers_obj"], json!([]));
    // SAML's launch URL is the IdP-initiated endpoint.
    assert_eq!(a["launch_url"], "/application/saml/wiki/sso/binding/init/");
    assert_eq!(a["open_in_new_tab"], true);
    assert_eq!(a["meta_launch_url"], "");
    assert_eq!(a["meta_icon"], Value::Null);
    assert_eq!(a["meta_description"], "desc");
    assert_eq!(a["meta_publisher"], "pub");
    assert_eq!(a["policy_engine_mode"], "any");
    assert_eq!(a["group"], "tools");

    // The application without a provider.
    let r = app
        .admin("GET", &format!("{BASE}{c_bob_chat}/"), None)
        .await;
    assert_eq!(r.json["application"]["provider"], Value::Null);
    assert_eq!(r.json["application"]["provider_obj"], Value::Null);
    assert_eq!(r.json["application"]["launch_url"], Value::Null);
    assert_eq!(r.json["user"]["username"], "bob");

    // Filters.
    let r = app.admin("GET", &format!("{BASE}?user={bob}"), None).await;
    assert_eq!(r.json["pagination"]["count"], 2);
    let r = app
        .admin("GET", &format!("{BASE}?application={wiki}"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 2);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}?application={wiki}&user={bob}"),
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(r.json["results"][0]["pk"], c_bob_wiki);
    let r = app
        .admin("GET", &format!("{BASE}?ordering=-pk"), None)
        .await;
    assert_eq!(r.json["results"][0]["pk"], c_bob_chat);
    let invalid = "Select a valid choice. That choice is not one of the available choices.";
    let r = app.admin("GET", &format!("{BASE}?user=abc"), None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json, json!({"user": [invalid]}));
    let r = app.admin("GET", &format!("{BASE}?user=999999"), None).await;
    assert_eq!(r.json, json!({"user": [invalid]}));
    let r = app
        .admin(
            "GET",
            &format!("{BASE}?application={}", Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(r.json, json!({"application": [invalid]}));

    // A normal user sees only their own consent.
    let auth = bearer(&bob_token);
    let r = app
        .send("GET", BASE, None, &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 2);
    assert!(
        r.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["user"]["pk"] == bob)
    );
    let r = app
        .send(
            "GET",
            &format!("{BASE}?user={}", app.admin_pk),
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 0);
    for path in [
        format!("{BASE}{c_admin}/"),
        format!("{BASE}{c_admin}/used_by/"),
        format!("{BASE}999999/"),
        format!("{BASE}abc/"),
    ] {
        let r = app
            .send("GET", &path, None, &[("authorization", &auth)])
            .await;
        assert_eq!(r.status, 404, "{path}");
    }
    let r = app
        .send(
            "GET",
            &format!("{BASE}{c_bob_wiki}/used_by/"),
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.json, json!([]));
});

db_test!(delete_own_only, |app: TestApp| async move {
    let (bob, bob_token) = app.user_with_token("bob").await;
    let wiki = application(&app, "wiki", Some(ProviderType::OAuth2)).await;
    let c_admin = consent(&app, app.admin_pk, wiki, "openid").await;
    let c_bob = consent(&app, bob, wiki, "openid").await;
    let auth = bearer(&bob_token);

    let r = app
        .send(
            "DELETE",
            &format!("{BASE}{c_admin}/"),
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .send(
            "DELETE",
            &format!("{BASE}{c_bob}/"),
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app
        .send("GET", BASE, None, &[("authorization", &auth)])
        .await;
    assert_eq!(r.json["pagination"]["count"], 0);
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.json["pagination"]["count"], 1);

    let r = app
        .admin("DELETE", &format!("{BASE}{c_admin}/"), None)
        .await;
    assert_eq!(r.status, 204);
    let r = app.admin("GET", &format!("{BASE}{c_admin}/"), None).await;
    assert_eq!(r.status, 404);

    let r = app
        .admin("GET", "/api/v3/events/events/?action=model_deleted", None)
        .await;
    let names: Vec<&str> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["context"]["model"]["model_name"] == "userconsent")
        .map(|e| e["context"]["model"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"User Consent App wiki by bob"));
    assert!(names.contains(&"User Consent App wiki by akadmin"));
    assert!(
        r.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["user"]["username"] == "bob")
    );
});

db_test!(launch_url_and_backchannel, |app: TestApp| async move {
    let (bob, bob_token) = app.user_with_token("bob").await;
    let chat = application(&app, "chat", Some(ProviderType::OAuth2)).await;
    let mut conn = app.store.conn().await.unwrap();
    let mut a = castellan_store::applications::get(&mut conn, chat)
        .await
        .unwrap()
        .unwrap();
    a.meta_launch_url = "https://chat.example/u/%(username)s".into();
    a.meta_icon = "https://cdn.example/chat.png".into();
    a.policy_engine_mode = PolicyEngineMode::All;
    castellan_store::applications::update(&mut conn, &a)
        .await
        .unwrap();
    let ldap = castellan_store::providers::create(
        &mut conn,
        &Provider {
            pk: 0,
            name: "directory".into(),
            provider_type: ProviderType::Ldap,
            authentication_flow: None,
            authorization_flow: None,
            invalidation_flow: None,
            backchannel_application: None,
            is_backchannel: true,
        },
    )
    .await
    .unwrap();
    castellan_store::providers::set_backchannel_application(&mut conn, chat, &[ldap])
        .await
        .unwrap();
    drop(conn);
    let c = consent(&app, bob, chat, "openid").await;
    // The launch URL is formatted for the requesting user.
    let r = app
        .send(
            "GET",
            &format!("{BASE}{c}/"),
            None,
            &[("authorization", &bearer(&bob_token))],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let a = &r.json["application"];
    assert_eq!(a["launch_url"], "https://chat.example/u/bob");
    assert_eq!(a["meta_launch_url"], "https://chat.example/u/%(username)s");
    assert_eq!(a["meta_icon"], "https://cdn.example/chat.png");
    assert_eq!(a["policy_engine_mode"], "all");
    assert_eq!(a["provider_obj"]["component"], "ak-provider-oauth2-form");
    assert_eq!(a["backchannel_providers"], json!([ldap]));
    assert_eq!(a["backchannel_providers_obj"][0]["pk"], ldap);
    assert_eq!(a["backchannel_providers_obj"][0]["name"], "directory");
    assert_eq!(
        a["backchannel_providers_obj"][0]["assigned_backchannel_application_slug"],
        "chat"
    );
    let r = app.admin("GET", &format!("{BASE}{c}/"), None).await;
    assert_eq!(
        r.json["application"]["launch_url"],
        "https://chat.example/u/akadmin"
    );
});

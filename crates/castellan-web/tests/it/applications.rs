//! `/core/applications/`.
use castellan_core::flow::FlowRef;
use castellan_core::provider::{Provider, ProviderType};
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};
use uuid::Uuid;

const BASE: &str = "/api/v3/core/applications/";

/// Creates a provider directly in the store; returns its pk.
async fn provider(app: &TestApp, name: &str, backchannel: bool) -> i64 {
    let mut conn = app.store.conn().await.unwrap();
    let flow = FlowRef {
        flow_uuid: Uuid::new_v4(),
        slug: format!("{name}-authz"),
        name: name.into(),
        title: String::new(),
        designation: "authorization".into(),
    };
    castellan_store::flows::create(&mut conn, &flow)
        .await
        .unwrap();
    castellan_store::providers::create(
        &mut conn,
        &Provider {
            pk: 0,
            name: name.into(),
            provider_type: if backchannel {
                ProviderType::Scim
            } else {
                ProviderType::OAuth2
            },
            authentication_flow: None,
            authorization_flow: Some(flow.flow_uuid),
            invalidation_flow: Some(flow.flow_uuid),
            backchannel_application: None,
            is_backchannel: backchannel,
        },
    )
    .await
    .unwrap()
}

async fn count(app: &TestApp) -> i64 {
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["pagination"]["count"].as_i64().unwrap()
}

async fn events(app: &TestApp, action: &str) -> Vec<Value> {
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/events/events/?action={action}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["results"].as_array().unwrap().clone()
}

db_test!(crud_round_trip, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "Grafana", "slug": "grafana"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let keys: Vec<&str> = r
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
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
            "group",
        ]
    );
    assert!(Uuid::parse_str(r.json["pk"].as_str().unwrap()).is_ok());
    assert_eq!(r.json["provider"], Value::Null);
    assert_eq!(r.json["provider_obj"], Value::Null);
    assert_eq!(r.json["backchannel_providers"], json!([]));
    assert_eq!(r.json["backchannel_providers_obj"], json!([]));
    assert_eq!(r.json["launch_url"], Value::Null);
    assert_eq!(r.json["meta_icon"], Value::Null);
    assert_eq!(r.json["meta_launch_url"], "");
    assert_eq!(r.json["open_in_new_tab"], false);
    assert_eq!(r.json["policy_engine_mode"], "any");
    assert_eq!(r.json["group"], "");

    let r = app.admin("GET", &format!("{BASE}grafana/"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "Grafana");

    // PATCH keeps the other fields; the launch URL is formatted with the caller's fields.
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}grafana/"),
            Some(json!({
                "meta_launch_url": "https://grafana.example.org/?u=%(username)s",
                "meta_description": "Dashboards",
                "meta_publisher": "Grafana Labs",
                "group": "Monitoring",
                "open_in_new_tab": true,
                "policy_engine_mode": "all",
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "Grafana");
    assert_eq!(
        r.json["launch_url"],
        "https://grafana.example.org/?u=akadmin"
    );
    assert_eq!(
        r.json["meta_launch_url"],
        "https://grafana.example.org/?u=%(username)s"
    );
    assert_eq!(r.json["policy_engine_mode"], "all");
    assert_eq!(r.json["open_in_new_tab"], true);

    // An unknown placeholder leaves the template as it is.
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}grafana/"),
            Some(json!({"meta_launch_url": "https://g.example.org/%(nope)s"})),
        )
        .await;
    assert_eq!(r.json["launch_url"], "https://g.example.org/%(nope)s");

    // PUT requires name and slug; renaming the slug moves the resource.
    let r = app
        .admin(
            "PUT",
            &format!("{BASE}grafana/"),
            Some(json!({"name": "Grafana"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json, json!({"slug": ["This field is required."]}));
    let r = app
        .admin(
            "PUT",
            &format!("{BASE}grafana/"),
            Some(json!({"name": "Grafana 2", "slug": "grafana2"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["slug"], "grafana2");
    assert_eq!(r.json["meta_publisher"], "Grafana Labs");
    let r = app.admin("GET", &format!("{BASE}grafana/"), None).await;
    assert_eq!(r.status, 404);

    let r = app.admin("DELETE", &format!("{BASE}grafana2/"), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.admin("GET", &format!("{BASE}grafana2/"), None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json["detail"], "Not found.");
    let r = app.admin("DELETE", &format!("{BASE}grafana2/"), None).await;
    assert_eq!(r.status, 404);

    for action in ["model_created", "model_updated", "model_deleted"] {
        assert!(
            events(&app, action).await.iter().any(|e| {
                e["context"]["model"]["model_name"] == "application"
                    && e["context"]["model"]["app"] == "authentik_core"
            }),
            "{action}"
        );
    }
});

db_test!(unknown_slug_is_404, |app: TestApp| async move {
    for method in ["GET", "PUT", "PATCH", "DELETE"] {
        let r = app
            .admin(method, &format!("{BASE}nope/"), Some(json!({})))
            .await;
        assert_eq!(r.status, 404, "{method}");
        assert_eq!(r.json["detail"], "Not found.");
    }
    let r = app
        .admin("GET", &format!("{BASE}nope/check_access/"), None)
        .await;
    assert_eq!(r.status, 404);
});

db_test!(field_validation_messages, |app: TestApp| async move {
    let r = app.admin("POST", BASE, Some(json!({}))).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"name": ["This field is required."], "slug": ["This field is required."]})
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({
                "name": "",
                "slug": "not a slug",
                "policy_engine_mode": "most",
                "open_in_new_tab": "perhaps",
                "meta_launch_url": "not a url",
                "provider": "abc",
                "backchannel_providers": 5,
            })),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({
            "name": ["This field may not be blank."],
            "slug": ["Enter a valid \u{201c}slug\u{201d} consisting of letters, numbers, underscores or hyphens."],
            "policy_engine_mode": ["\"most\" is not a valid choice."],
            "open_in_new_tab": ["Must be a valid boolean."],
            "meta_launch_url": ["Enter a valid URL."],
            "provider": ["Incorrect type. Expected pk value, received str."],
            "backchannel_providers": ["Expected a list of items but got type \"int\"."],
        })
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "x", "slug": "a".repeat(51)})),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"slug": ["Ensure this field has no more than 50 characters."]})
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "x", "slug": "x", "meta_launch_url": "h".repeat(65_537)})),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"meta_launch_url": ["Ensure this field has no more than 65536 characters."]})
    );
    // Templated and domain-less launch URLs are valid.
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "x", "slug": "x", "meta_launch_url": "https://%(username)s.example/"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "y", "slug": "y", "meta_launch_url": "http://intranet:8080/x"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(count(&app).await, 2);
});

db_test!(uniqueness_and_references, |app: TestApp| async move {
    let p = provider(&app, "oidc", false).await;
    let bc = provider(&app, "scim", true).await;
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "A", "slug": "a", "provider": p, "backchannel_providers": [bc]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["provider"], p);
    assert_eq!(r.json["provider_obj"]["pk"], p);
    assert_eq!(r.json["provider_obj"]["name"], "oidc");
    assert_eq!(r.json["provider_obj"]["assigned_application_slug"], "a");
    assert_eq!(
        r.json["provider_obj"]["component"],
        "ak-provider-oauth2-form"
    );
    assert_eq!(r.json["backchannel_providers"], json!([bc]));
    assert_eq!(r.json["backchannel_providers_obj"][0]["name"], "scim");
    assert_eq!(
        r.json["backchannel_providers_obj"][0]["assigned_backchannel_application_slug"],
        "a"
    );
    let events_before = events(&app, "model_created").await.len();

    // Duplicate slug, provider already used, missing provider, bad backchannel providers.
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "B", "slug": "a", "provider": p})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"slug": ["This field must be unique."], "provider": ["This field must be unique."]})
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "B", "slug": "b", "provider": 999_999, "backchannel_providers": [888_888]})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({
            "provider": ["Invalid pk \"999999\" - object does not exist."],
            "backchannel_providers": ["Invalid pk \"888888\" - object does not exist."],
        })
    );
    let other = provider(&app, "oidc2", false).await;
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "B", "slug": "b", "backchannel_providers": [other]})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"backchannel_providers": ["Provider \"oidc2\" is not a backchannel provider."]})
    );

    // Nothing was written by the failed requests.
    assert_eq!(count(&app).await, 1);
    assert_eq!(events(&app, "model_created").await.len(), events_before);
    let r = app.admin("GET", &format!("{BASE}b/"), None).await;
    assert_eq!(r.status, 404);

    // Keeping its own slug and provider is not a conflict; the provider can be cleared.
    let r = app
        .admin(
            "PUT",
            &format!("{BASE}a/"),
            Some(json!({"name": "A", "slug": "a", "provider": p})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["backchannel_providers"], json!([bc]));
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}a/"),
            Some(json!({"provider": null, "backchannel_providers": []})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["provider_obj"], Value::Null);
    assert_eq!(r.json["backchannel_providers_obj"], json!([]));
    // The freed provider can serve another application.
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "B", "slug": "b", "provider": p})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A failed update changes nothing.
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}a/"),
            Some(json!({"name": "Renamed", "provider": p})),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = app.admin("GET", &format!("{BASE}a/"), None).await;
    assert_eq!(r.json["name"], "A");
    assert_eq!(r.json["provider"], Value::Null);
});

db_test!(search_filter_ordering, |app: TestApp| async move {
    let p = provider(&app, "prov", false).await;
    for (name, slug, group, publisher, launch) in [
        ("Wiki", "wiki", "Docs", "Acme", ""),
        ("Chat", "chat", "Comms", "Acme", "https://chat.example.org/"),
        ("Mail", "mail", "Comms", "Other", ""),
    ] {
        let r = app
            .admin(
                "POST",
                BASE,
                Some(json!({"name": name, "slug": slug, "group": group, "meta_publisher": publisher, "meta_launch_url": launch})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = app
        .admin(
            "PATCH",
            &format!("{BASE}mail/"),
            Some(json!({"provider": p})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let slugs = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["slug"].as_str().unwrap().to_string())
            .collect()
    };
    // Default ordering is by name.
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(slugs(&r.json), ["chat", "mail", "wiki"]);
    let r = app
        .admin("GET", &format!("{BASE}?ordering=-name"), None)
        .await;
    assert_eq!(slugs(&r.json), ["wiki", "mail", "chat"]);
    let r = app
        .admin("GET", &format!("{BASE}?ordering=-slug"), None)
        .await;
    assert_eq!(slugs(&r.json), ["wiki", "mail", "chat"]);
    let r = app.admin("GET", &format!("{BASE}?search=COMM"), None).await;
    assert_eq!(slugs(&r.json), ["chat", "mail"]);
    let r = app.admin("GET", &format!("{BASE}?group=Docs"), None).await;
    assert_eq!(slugs(&r.json), ["wiki"]);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}?meta_publisher=Acme&slug=chat"),
            None,
        )
        .await;
    assert_eq!(slugs(&r.json), ["chat"]);
    let r = app.admin("GET", &format!("{BASE}?name=Mail"), None).await;
    assert_eq!(slugs(&r.json), ["mail"]);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}?only_with_launch_url=true&superuser_full_list=true"),
            None,
        )
        .await;
    assert_eq!(slugs(&r.json), ["chat", "mail"]);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}?meta_launch_url=https://chat.example.org/"),
            None,
        )
        .await;
    assert_eq!(slugs(&r.json), ["chat"]);
    let r = app
        .admin("GET", &format!("{BASE}?page_size=2&page=2"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 3);
    assert_eq!(slugs(&r.json), ["wiki"]);
});

db_test!(for_user_and_check_access, |app: TestApp| async move {
    let r = app
        .admin("POST", BASE, Some(json!({"name": "A", "slug": "a"})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .admin("GET", &format!("{BASE}?for_user={}", app.admin_pk), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 1);
    let (other, key) = app.user_with_token("someone").await;
    let r = app
        .admin("GET", &format!("{BASE}?for_user={other}"), None)
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"for_user": ["for_user requires RBAC; not supported yet"]})
    );

    let r = app
        .admin("GET", &format!("{BASE}a/check_access/"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"passing": true, "messages": [], "log_messages": []})
    );
    let r = app
        .admin(
            "GET",
            &format!("{BASE}a/check_access/?for_user={other}"),
            None,
        )
        .await;
    assert_eq!(r.json["passing"], true);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}a/check_access/?for_user=999999"),
            None,
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json, json!({"for_user": ["User not found"]}));
    let r = app
        .admin("GET", &format!("{BASE}a/check_access/?for_user=x"), None)
        .await;
    assert_eq!(r.json, json!({"for_user": ["for_user must be numerical"]}));

    // The application's policies decide: a policy that lets only `someone` in.
    let created = app.admin("GET", &format!("{BASE}a/"), None).await;
    let pbm = created.json["pk"].as_str().unwrap().to_string();
    crate::flow_support::bind_expression(
        &app,
        &pbm,
        "only-someone",
        "ak_message('Only someone may use this')\nreturn request.user.username == 'someone'",
        false,
    )
    .await;
    let r = app
        .admin("GET", &format!("{BASE}a/check_access/"), None)
        .await;
    assert_eq!(
        r.json,
        json!({"passing": false, "messages": ["Only someone may use this"], "log_messages": []})
    );
    let r = app
        .admin(
            "GET",
            &format!("{BASE}a/check_access/?for_user={other}"),
            None,
        )
        .await;
    assert_eq!(r.json["passing"], true, "{}", r.text);

    // Not a superuser: denied until RBAC and the policy engine arrive.
    let auth = format!("Bearer {key}");
    let r = app
        .send("GET", BASE, None, &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, 403);
    let r = app.send("GET", BASE, None, &[]).await;
    assert_eq!(r.status, 403);
});

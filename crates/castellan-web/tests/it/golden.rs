//! Answers compared key for key with JSON recorded from authentik 2024.10.5.
use castellan_testkit::{TestApp, db_test};
use serde_json::Value;

fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../../../shared/reference/authentik-2024.10/golden/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// Same keys (recursively through objects and the first element of arrays) and same JSON types.
fn same_shape(path: &str, ours: &Value, theirs: &Value) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let ka: Vec<_> = a.keys().collect();
            let kb: Vec<_> = b.keys().collect();
            assert_eq!(ka, kb, "keys differ at {path}");
            for (k, v) in b {
                same_shape(&format!("{path}.{k}"), &a[k], v);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                same_shape(&format!("{path}[0]"), x, y);
            }
        }
        (_, Value::Null) | (Value::Null, _) => {}
        (a, b) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "type differs at {path}: {a} vs {b}"
        ),
    }
}

db_test!(users_list_matches_golden, |app: TestApp| async move {
    let r = app
        .admin("GET", "/api/v3/core/users/?page_size=2", None)
        .await;
    let g = golden("core-users-list.json");
    same_shape("$", &r.json["results"][0], &g["body"]["results"][1]);
    same_shape(
        "$.pagination",
        &r.json["pagination"],
        &g["body"]["pagination"],
    );
    let r = app
        .admin("GET", "/api/v3/core/users/?username=nobody", None)
        .await;
    assert_eq!(r.json, golden("core-users-empty.json")["body"]);
});

db_test!(me_matches_golden, |app: TestApp| async move {
    let (_, key) = app.user_with_token("golden-user").await;
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("authorization", &format!("Bearer {key}"))],
        )
        .await;
    same_shape("$", &r.json, &golden("core-users-me.json"));
});

db_test!(errors_match_golden, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            "/api/v3/core/users/",
            Some(serde_json::json!({"username": "akadmin"})),
        )
        .await;
    let g = golden("error-duplicate-username.json");
    assert_eq!(r.status, 400);
    assert_eq!(r.json, g["body"]);
    let auth = format!("Bearer {}", app.admin_token);
    let r = app
        .send(
            "POST",
            "/api/v3/core/users/",
            Some("{username: 1}"),
            &[("authorization", &auth)],
        )
        .await;
    let g = golden("error-malformed-json.json");
    let body: Value = serde_json::from_str(g["body"].as_str().unwrap()).unwrap();
    assert_eq!(r.json, body);
});

db_test!(version_matches_golden, |app: TestApp| async move {
    let r = app.admin("GET", "/api/v3/admin/version/", None).await;
    same_shape("$", &r.json, &golden("admin-version.json")["body"]);
    let mut conn = app.store.conn().await.unwrap();
    assert!(
        castellan_store::version_history::record(&mut conn, "2024.10.5", "", app.store.now())
            .await
            .unwrap()
    );
    assert!(
        !castellan_store::version_history::record(&mut conn, "2024.10.5", "", app.store.now())
            .await
            .unwrap()
    );
    drop(conn);
    let r = app
        .admin("GET", "/api/v3/admin/version/history/", None)
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    same_shape("$", &r.json, &golden("admin-version-history.json")["body"]);
});

db_test!(providers_match_golden, |app: TestApp| async move {
    let mut conn = app.store.conn().await.unwrap();
    let f = castellan_core::flow::FlowRef {
        flow_uuid: uuid::Uuid::new_v4(),
        slug: "f".into(),
        name: "f".into(),
        title: "".into(),
        designation: "authorization".into(),
    };
    castellan_store::flows::create(&mut conn, &f).await.unwrap();
    let pk = castellan_store::providers::create(
        &mut conn,
        &castellan_core::provider::Provider {
            pk: 0,
            name: "p".into(),
            provider_type: castellan_core::provider::ProviderType::OAuth2,
            authentication_flow: None,
            authorization_flow: Some(f.flow_uuid),
            invalidation_flow: Some(f.flow_uuid),
            backchannel_application: None,
            is_backchannel: false,
        },
    )
    .await
    .unwrap();
    sqlx_free_assign(&app, pk).await;
    drop(conn);
    let r = app.admin("GET", "/api/v3/providers/all/", None).await;
    same_shape(
        "$",
        &r.json["results"][0],
        &golden("providers-all.json")["body"]["results"][0],
    );
});

async fn sqlx_free_assign(app: &TestApp, provider: i64) {
    let mut conn = app.store.conn().await.unwrap();
    let a = castellan_core::application::Application {
        pk: uuid::Uuid::new_v4(),
        name: "Bench".into(),
        slug: "bench".into(),
        group: String::new(),
        provider: Some(provider),
        meta_launch_url: String::new(),
        meta_icon: String::new(),
        meta_description: String::new(),
        meta_publisher: String::new(),
        open_in_new_tab: false,
        policy_engine_mode: castellan_core::application::PolicyEngineMode::Any,
    };
    castellan_store::applications::create(&mut conn, &a)
        .await
        .unwrap();
}

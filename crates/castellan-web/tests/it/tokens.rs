//! `/core/tokens/`.
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

db_test!(token_create_view_key_and_use, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            "/api/v3/core/tokens/",
            Some(json!({"identifier": "ci-token", "intent": "api", "description": "CI"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["user_obj"]["username"], "akadmin");
    assert!(
        r.json.get("key").is_none(),
        "the key is never in the token JSON"
    );
    let r = app
        .admin("GET", "/api/v3/core/tokens/ci-token/view_key/", None)
        .await;
    assert_eq!(r.status, 200);
    let key = r.json["key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 60);
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("authorization", &format!("Bearer {key}"))],
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .admin("GET", "/api/v3/events/events/?action=secret_view", None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert!(!r.text.contains(&key), "events never carry the secret");
    let r = app
        .admin(
            "POST",
            "/api/v3/core/tokens/",
            Some(json!({"identifier": "rec", "intent": "recovery"})),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = app
        .admin(
            "POST",
            "/api/v3/core/tokens/",
            Some(json!({"identifier": "bad id!"})),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = app
        .admin(
            "POST",
            "/api/v3/core/tokens/ci-token/set_key/",
            Some(json!({"key": "my-own-key"})),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("authorization", "Bearer my-own-key")],
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .admin("DELETE", "/api/v3/core/tokens/ci-token/", None)
        .await;
    assert_eq!(r.status, 204);
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("authorization", "Bearer my-own-key")],
        )
        .await;
    assert_eq!(r.status, 403);
});

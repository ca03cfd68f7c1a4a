//! `/core/users/`.
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

db_test!(
    create_list_retrieve_update_delete,
    |app: TestApp| async move {
        let r = app.admin("POST", "/api/v3/core/users/", Some(json!({"username": "alice", "name": "Alice", "email": "alice@example.org", "attributes": {"a": 1}}))).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let pk = r.json["pk"].as_i64().unwrap();
        assert_eq!(r.json["username"], "alice");
        assert_eq!(r.json["path"], "users");
        assert_eq!(r.json["type"], "internal");
        assert_eq!(r.json["is_superuser"], false);
        assert_eq!(r.json["uid"].as_str().unwrap().len(), 64);

        let r = app
            .admin("GET", "/api/v3/core/users/?search=ALI", None)
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.json["pagination"]["count"], 1);
        assert_eq!(r.json["results"][0]["username"], "alice");

        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/core/users/{pk}/"),
                Some(json!({"name": "Alice B", "path": "people/staff"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["name"], "Alice B");
        assert_eq!(r.json["username"], "alice");

        let r = app
            .admin("GET", "/api/v3/core/users/?path_startswith=people", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1);
        let r = app.admin("GET", "/api/v3/core/users/paths/", None).await;
        assert!(
            r.json["paths"]
                .as_array()
                .unwrap()
                .contains(&json!("people/staff"))
        );

        let r = app
            .admin(
                "PUT",
                &format!("/api/v3/core/users/{pk}/"),
                Some(json!({"username": "alice2"})),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json["name"][0], "This field is required.");

        let r = app
            .admin("DELETE", &format!("/api/v3/core/users/{pk}/"), None)
            .await;
        assert_eq!(r.status, 204);
        let r = app
            .admin("GET", &format!("/api/v3/core/users/{pk}/"), None)
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(r.json["detail"], "Not found.");

        // Every write produced an event.
        let r = app
            .admin("GET", "/api/v3/events/events/?action=model_created", None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.json["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["context"]["model"]["name"] == "alice")
        );
    }
);

db_test!(pagination_envelope, |app: TestApp| async move {
    for i in 0..5 {
        let r = app
            .admin(
                "POST",
                "/api/v3/core/users/",
                Some(json!({"username": format!("u{i}"), "name": ""})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // 6 users in all (akadmin + 5), page 2 of size 4.
    let r = app
        .admin(
            "GET",
            "/api/v3/core/users/?page=2&page_size=4&ordering=username",
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json["pagination"],
        json!({"next": 0, "previous": 1, "count": 6, "current": 2, "total_pages": 2, "start_index": 5, "end_index": 6})
    );
    assert_eq!(r.json["results"][0]["username"], "u3");
    let r = app.admin("GET", "/api/v3/core/users/?page=9", None).await;
    assert_eq!(r.status, 404);
    let r = app
        .admin(
            "GET",
            "/api/v3/core/users/?ordering=-username&page_size=1",
            None,
        )
        .await;
    assert_eq!(r.json["results"][0]["username"], "u4");
});

db_test!(superuser_filter_and_groups, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            "/api/v3/core/groups/",
            Some(json!({"name": "staff"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let staff = r.json["pk"].as_str().unwrap().to_string();
    let r = app
        .admin(
            "POST",
            "/api/v3/core/users/",
            Some(json!({"username": "bob", "name": "Bob", "groups": [staff]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["groups_obj"][0]["name"], "staff");
    let r = app
        .admin("GET", "/api/v3/core/users/?is_superuser=true", None)
        .await;
    let names: Vec<_> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    assert_eq!(names, vec![json!("akadmin")]);
    let r = app
        .admin("GET", "/api/v3/core/users/?is_superuser=false", None)
        .await;
    assert_eq!(r.json["results"][0]["username"], "bob");
    let r = app
        .admin(
            "GET",
            "/api/v3/core/users/?groups_by_name=staff&include_groups=false",
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert!(r.json["results"][0]["groups_obj"].is_null());
    let r = app
        .admin(
            "GET",
            "/api/v3/core/users/?type=internal&type=external",
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 2);
});

db_test!(validation_errors_name_fields, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            "/api/v3/core/users/",
            Some(json!({"username": "akadmin"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"name": ["This field is required."], "username": ["This field must be unique."]})
    );
    let r = app.admin("POST", "/api/v3/core/users/", Some(json!({"username": "x".repeat(151), "name": 5, "is_active": "maybe", "groups": ["nope"], "type": "robot", "path": "/abs"}))).await;
    assert_eq!(r.status, 400);
    assert!(r.json["username"][0].as_str().unwrap().contains("150"));
    assert_eq!(r.json["is_active"][0], "Must be a valid boolean.");
    assert_eq!(r.json["type"][0], "\"robot\" is not a valid choice.");
    assert!(
        r.json["groups"][0]
            .as_str()
            .unwrap()
            .contains("not a valid UUID")
    );
    assert_eq!(r.json["path"][0], "No leading or trailing slashes allowed.");
    let missing = "00000000-0000-4000-8000-000000000000";
    let r = app
        .admin(
            "POST",
            "/api/v3/core/users/",
            Some(json!({"username": "c", "name": "", "groups": [missing]})),
        )
        .await;
    assert_eq!(
        r.json["groups"][0],
        format!("Invalid pk \"{missing}\" - object does not exist.")
    );
    let r = app
        .admin(
            "POST",
            "/api/v3/core/users/",
            Some(json!({"username": "c", "name": "", "type": "internal_service_account"})),
        )
        .await;
    assert_eq!(r.status, 400);
    // Nothing was written by any failed request.
    let r = app.admin("GET", "/api/v3/core/users/", None).await;
    assert_eq!(r.json["pagination"]["count"], 1);
});

db_test!(set_password_and_me, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            "/api/v3/core/users/",
            Some(json!({"username": "carol", "name": "Carol"})),
        )
        .await;
    let pk = r.json["pk"].as_i64().unwrap();
    let r = app
        .admin(
            "POST",
            &format!("/api/v3/core/users/{pk}/set_password/"),
            Some(json!({"password": "correct horse"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let mut conn = app.store.conn().await.unwrap();
    let user = castellan_store::users::get(&mut conn, pk)
        .await
        .unwrap()
        .unwrap();
    assert!(user.password.starts_with("argon2$argon2id$"));
    assert!(castellan_crypto::password::verify_password("correct horse", &user.password).valid);
    assert!(!castellan_crypto::password::verify_password("wrong", &user.password).valid);
    let r = app
        .admin(
            "POST",
            &format!("/api/v3/core/users/{pk}/set_password/"),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.json["password"][0], "This field is required.");

    let r = app.admin("GET", "/api/v3/core/users/me/", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["user"]["username"], "akadmin");
    assert_eq!(r.json["user"]["is_superuser"], true);
    assert_eq!(r.json["user"]["groups"][0]["name"], "authentik Admins");
});

db_test!(
    deactivating_a_user_ends_sessions,
    |app: TestApp| async move {
        let (pk, _) = app.user_with_token("dave").await;
        let mut conn = app.store.conn().await.unwrap();
        let now = app.store.now();
        castellan_store::sessions::save(
            &mut conn,
            &castellan_core::session::Session {
                session_key: "s1".into(),
                user: Some(pk),
                data: json!({}),
                expires: now + chrono::Duration::hours(1),
            },
            now,
        )
        .await
        .unwrap();
        drop(conn);
        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/core/users/{pk}/"),
                Some(json!({"is_active": false})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mut conn = app.store.conn().await.unwrap();
        assert!(
            castellan_store::sessions::get(&mut conn, "s1", now)
                .await
                .unwrap()
                .is_none()
        );
    }
);

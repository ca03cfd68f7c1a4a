//! `/core/groups/`.
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

db_test!(
    group_crud_membership_and_hierarchy,
    |app: TestApp| async move {
        let r = app
            .admin(
                "POST",
                "/api/v3/core/groups/",
                Some(json!({"name": "parent", "attributes": {"settings": {"theme": "dark"}}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let parent = r.json["pk"].as_str().unwrap().to_string();
        assert!(r.json["num_pk"].as_i64().unwrap() > 0);
        let r = app
            .admin(
                "POST",
                "/api/v3/core/groups/",
                Some(json!({"name": "child", "parent": parent, "is_superuser": true})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let child = r.json["pk"].as_str().unwrap().to_string();
        assert_eq!(r.json["parent_name"], "parent");
        let (eve, key) = app.user_with_token("eve").await;
        let r = app
            .admin(
                "POST",
                &format!("/api/v3/core/groups/{parent}/add_user/"),
                Some(json!({"pk": eve})),
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.text);
        // Direct member of `parent` is a member of its superuser child: eve is a superuser now.
        let r = app
            .send(
                "GET",
                "/api/v3/core/users/me/",
                None,
                &[("authorization", &format!("Bearer {key}"))],
            )
            .await;
        assert_eq!(r.json["user"]["is_superuser"], true);
        assert_eq!(r.json["user"]["settings"], json!({"theme": "dark"}));
        let r = app
            .admin("GET", &format!("/api/v3/core/groups/{parent}/"), None)
            .await;
        assert_eq!(r.json["users"], json!([eve]));
        assert_eq!(r.json["users_obj"][0]["username"], "eve");
        let r = app
            .admin(
                "POST",
                &format!("/api/v3/core/groups/{parent}/remove_user/"),
                Some(json!({"pk": eve})),
            )
            .await;
        assert_eq!(r.status, 204);
        let r = app
            .admin(
                "POST",
                "/api/v3/core/groups/",
                Some(json!({"name": "parent"})),
            )
            .await;
        assert_eq!(r.json["name"][0], "This field must be unique.");
        let r = app
            .admin("DELETE", &format!("/api/v3/core/groups/{parent}/"), None)
            .await;
        assert_eq!(r.status, 204);
        let r = app
            .admin("GET", &format!("/api/v3/core/groups/{child}/"), None)
            .await;
        assert!(r.json["parent"].is_null(), "parent is SET NULL on delete");
        let r = app
            .admin("GET", "/api/v3/core/groups/?search=chi", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1);
    }
);

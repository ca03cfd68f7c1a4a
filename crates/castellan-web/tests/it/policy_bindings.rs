//! `/policies/bindings/`: the exactly-one rule, targets, objects and filters.
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use super::flows::create_flow;

const BASE: &str = "/api/v3/policies/bindings/";

db_test!(policy_binding_rules, |app: TestApp| async move {
    let flow = create_flow(&app, "enroll", "enrollment").await;
    let target = flow["policybindingmodel_ptr_id"].clone();
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/expression/",
            Some(json!({"name": "p", "expression": "return True"})),
        )
        .await;
    let policy = r.json["pk"].clone();
    let r = app
        .admin(
            "POST",
            "/api/v3/core/groups/",
            Some(json!({"name": "staff"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let group = r.json["pk"].clone();
    let (user, _) = app.user_with_token("bob").await;

    let r = app
        .admin("POST", BASE, Some(json!({"target": target, "order": 0})))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["non_field_errors"],
        json!(["One of 'policy', 'group' or 'user' must be set."])
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"target": target, "order": 0, "policy": policy, "group": group})),
        )
        .await;
    assert_eq!(
        r.json["non_field_errors"],
        json!(["Only one of 'policy', 'group' or 'user' can be set."])
    );
    let nil = "00000000-0000-4000-8000-000000000000";
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"target": nil, "order": 0, "user": 999_999, "timeout": -1})),
        )
        .await;
    assert_eq!(
        r.json["target"],
        json!([format!("Invalid pk \"{nil}\" - object does not exist.")])
    );
    assert_eq!(
        r.json["user"],
        json!(["Invalid pk \"999999\" - object does not exist."])
    );
    assert_eq!(
        r.json["timeout"],
        json!(["Ensure this value is greater than or equal to 0."])
    );

    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"target": target, "order": 0, "policy": policy})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let keys: Vec<&String> = r.json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "pk",
            "policy",
            "group",
            "user",
            "policy_obj",
            "group_obj",
            "user_obj",
            "target",
            "negate",
            "enabled",
            "order",
            "timeout",
            "failure_result"
        ]
    );
    assert_eq!(r.json["policy_obj"]["name"], "p");
    assert_eq!(r.json["policy_obj"]["bound_to"], 1);
    assert_eq!(r.json["group_obj"], json!(null));
    assert_eq!(r.json["timeout"], 30);
    let first = r.json["pk"].as_str().unwrap().to_string();
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"target": target, "order": 0, "policy": policy})),
        )
        .await;
    assert_eq!(
        r.json["non_field_errors"],
        json!(["The fields policy, target, order must make a unique set."])
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"target": target, "order": 1, "group": group, "negate": true})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["group_obj"]["name"], "staff");
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"target": target, "order": 2, "user": user, "enabled": false})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["user_obj"]["username"], "bob");

    let t = target.as_str().unwrap();
    let count = |q: String| {
        let app = &app;
        async move {
            app.admin("GET", &format!("{BASE}?{q}"), None).await.json["pagination"]["count"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(count(format!("target={t}")).await, 3);
    assert_eq!(count(format!("target_in={t},{nil}")).await, 3);
    assert_eq!(count("policy__isnull=true".into()).await, 2);
    assert_eq!(count("policy__isnull=false".into()).await, 1);
    assert_eq!(count("enabled=false".into()).await, 1);
    assert_eq!(count("order=1".into()).await, 1);
    assert_eq!(
        count(format!("policy={}", policy.as_str().unwrap())).await,
        1
    );

    // PATCH switching the subject keeps the exactly-one rule.
    let one = format!("{BASE}{first}/");
    let r = app
        .admin("PATCH", &one, Some(json!({"group": group})))
        .await;
    assert_eq!(
        r.json["non_field_errors"],
        json!(["Only one of 'policy', 'group' or 'user' can be set."])
    );
    let r = app
        .admin(
            "PATCH",
            &one,
            Some(json!({"group": group, "policy": null, "order": 5})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["policy"], json!(null));
    assert_eq!(r.json["order"], 5);

    // Deleting the flow deletes its policy bindings.
    assert_eq!(
        app.admin("DELETE", "/api/v3/flows/instances/enroll/", None)
            .await
            .status,
        204
    );
    assert_eq!(count(String::new()).await, 0);
});

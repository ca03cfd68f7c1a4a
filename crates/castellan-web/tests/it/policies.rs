//! `/policies/all/` and the per-type policy endpoints.
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

db_test!(policy_types_crud, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/expression/",
            Some(json!({"name": "expr", "expression": "return True", "execution_logging": true})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let keys: Vec<&String> = r.json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "pk",
            "name",
            "execution_logging",
            "component",
            "verbose_name",
            "verbose_name_plural",
            "meta_model_name",
            "bound_to",
            "expression"
        ]
    );
    assert_eq!(r.json["execution_logging"], true);
    assert_eq!(r.json["bound_to"], 0);
    let expr = r.json["pk"].as_str().unwrap().to_string();

    let r = app
        .admin(
            "POST",
            "/api/v3/policies/expression/",
            Some(json!({"name": "expr"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"name": ["policy with this name already exists."], "expression": ["This field is required."]})
    );

    let r = app
        .admin(
            "POST",
            "/api/v3/policies/password/",
            Some(json!({"name": "pw", "length_min": 12})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["password_field"], "password");
    assert_eq!(r.json["zxcvbn_score_threshold"], 2);
    assert_eq!(
        r.json["symbol_charset"],
        "!\\\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ "
    );
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/reputation/",
            Some(json!({"name": "rep"})),
        )
        .await;
    assert_eq!(r.json["threshold"], -5);
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/event_matcher/",
            Some(json!({"name": "ev", "action": "login", "app": "authentik.nope"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["app"],
        json!(["\"authentik.nope\" is not a valid choice."])
    );
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/event_matcher/",
            Some(json!({"name": "ev", "action": "login", "model": "authentik_core.user"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["client_ip"], json!(null));
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/geoip/",
            Some(json!({"name": "geo", "countries": ["DE", "XX"]})),
        )
        .await;
    assert_eq!(
        r.json["countries"],
        json!(["\"XX\" is not a valid choice."])
    );
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/geoip/",
            Some(json!({"name": "geo", "countries": ["DE"], "asns": [64512]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json["countries_obj"],
        json!([{"code": "DE", "name": "Germany"}])
    );
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/password_expiry/",
            Some(json!({"name": "exp", "days": 90})),
        )
        .await;
    assert_eq!(r.json["deny_only"], false);
    let r = app
        .admin(
            "POST",
            "/api/v3/policies/dummy/",
            Some(json!({"name": "dummy"})),
        )
        .await;
    assert_eq!(r.json["wait_max"], 30);

    let one = format!("/api/v3/policies/expression/{expr}/");
    let r = app
        .admin("PATCH", &one, Some(json!({"expression": "return False"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["expression"], "return False");
    assert_eq!(r.json["execution_logging"], true);
    let r = app
        .admin(
            "GET",
            "/api/v3/policies/expression/?execution_logging=true",
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);

    let r = app
        .admin("GET", "/api/v3/policies/all/?ordering=name", None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 7);
    assert_eq!(r.json["results"][0]["name"], "dummy");
    assert!(
        r.json["results"][0].get("result").is_none(),
        "base fields only"
    );
    let r = app
        .admin("GET", "/api/v3/policies/all/?bindings__isnull=false", None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 0);
    let r = app.admin("GET", "/api/v3/policies/all/types/", None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 7);
    assert_eq!(
        app.admin("GET", "/api/v3/policies/all/cache_info/", None)
            .await
            .json,
        json!({"count": 0})
    );
    assert_eq!(
        app.admin("POST", "/api/v3/policies/all/cache_clear/", None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.admin("GET", &format!("/api/v3/policies/password/{expr}/"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin("DELETE", &format!("/api/v3/policies/all/{expr}/"), None)
            .await
            .status,
        204
    );
    assert_eq!(app.admin("GET", &one, None).await.status, 404);
});

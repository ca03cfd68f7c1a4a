//! `/stages/all/`, the per-type stage endpoints and `/stages/prompt/prompts/`.
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

const ALL: &str = "/api/v3/stages/all/";

async fn post(app: &TestApp, path: &str, body: Value) -> Value {
    let r = app.admin("POST", path, Some(body)).await;
    assert_eq!(r.status, 201, "{path}: {}", r.text);
    r.json
}

db_test!(typed_crud_and_validation, |app: TestApp| async move {
    let captcha = post(
        &app,
        "/api/v3/stages/captcha/",
        json!({"name": "cap", "public_key": "pub", "private_key": "secret"}),
    )
    .await;
    assert!(captcha.get("private_key").is_none(), "write-only");
    assert_eq!(
        captcha["js_url"],
        "https://www.recaptcha.net/recaptcha/api.js"
    );
    assert_eq!(captcha["score_min_threshold"], 0.5);
    assert_eq!(captcha["component"], "ak-stage-captcha-form");
    let pk = captcha["pk"].as_str().unwrap().to_string();

    // Every DRF message the spec produces.
    let r = app
        .admin("POST", "/api/v3/stages/identification/", Some(json!({
            "name": "cap", "user_fields": ["email", "phone"], "password_stage": pk,
            "captcha_stage": pk, "case_insensitive_matching": "maybe", "enrollment_flow": "nope", "sources": "x"
        })))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json["name"],
        json!(["stage with this name already exists."])
    );
    assert_eq!(
        r.json["user_fields"],
        json!(["\"phone\" is not a valid choice."])
    );
    assert_eq!(
        r.json["password_stage"],
        json!([format!("Invalid pk \"{pk}\" - object does not exist.")])
    );
    assert!(r.json.get("captcha_stage").is_none(), "{}", r.text);
    assert_eq!(
        r.json["case_insensitive_matching"],
        json!(["Must be a valid boolean."])
    );
    assert_eq!(
        r.json["enrollment_flow"],
        json!(["\u{201c}nope\u{201d} is not a valid UUID."])
    );
    assert_eq!(
        r.json["sources"],
        json!(["Expected a list of items but got type \"str\"."])
    );
    let r = app
        .admin("POST", "/api/v3/stages/password/", Some(json!({})))
        .await;
    assert_eq!(
        r.json,
        json!({"name": ["This field is required."], "backends": ["This field is required."]})
    );
    let r = app
        .admin(
            "POST",
            "/api/v3/stages/consent/",
            Some(json!({"name": "c", "consent_expire_in": "soon"})),
        )
        .await;
    assert_eq!(
        r.json["consent_expire_in"],
        json!(["soon is not in the correct format of 'hours=3;minutes=1'."])
    );
    let r = app
        .admin(
            "POST",
            "/api/v3/stages/authenticator/static/",
            Some(json!({"name": "s", "token_count": -1})),
        )
        .await;
    assert_eq!(
        r.json["token_count"],
        json!(["Ensure this value is greater than or equal to 0."])
    );

    let ident = post(
        &app,
        "/api/v3/stages/identification/",
        json!({"name": "id", "captcha_stage": pk}),
    )
    .await;
    assert_eq!(ident["user_fields"], json!([]));
    assert_eq!(ident["captcha_stage"], pk.as_str());
    let one = format!(
        "/api/v3/stages/identification/{}/",
        ident["pk"].as_str().unwrap()
    );
    let r = app
        .admin("PATCH", &one, Some(json!({"show_matched_user": false})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["show_matched_user"], false);
    assert_eq!(r.json["captcha_stage"], pk.as_str());
    let r = app.admin("PUT", &one, Some(json!({"name": "id2"}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["show_matched_user"], false,
        "PUT keeps omitted fields"
    );
    // The captcha stage is not an identification stage.
    assert_eq!(
        app.admin("GET", &format!("/api/v3/stages/identification/{pk}/"), None)
            .await
            .status,
        404
    );

    // Deleting the captcha stage clears the reference.
    assert_eq!(
        app.admin("DELETE", &format!("/api/v3/stages/captcha/{pk}/"), None)
            .await
            .status,
        204
    );
    let r = app.admin("GET", &one, None).await;
    assert_eq!(r.json["captcha_stage"], Value::Null);

    for (path, body) in [
        ("/api/v3/stages/user_login/", json!({"name": "login"})),
        ("/api/v3/stages/user_logout/", json!({"name": "logout"})),
        (
            "/api/v3/stages/user_write/",
            json!({"name": "write", "user_type": "internal"}),
        ),
        (
            "/api/v3/stages/email/",
            json!({"name": "mail", "password": "x"}),
        ),
        (
            "/api/v3/stages/authenticator/validate/",
            json!({"name": "mfa"}),
        ),
        (
            "/api/v3/stages/authenticator/totp/",
            json!({"name": "totp", "digits": "6"}),
        ),
        ("/api/v3/stages/deny/", json!({"name": "deny"})),
        (
            "/api/v3/stages/invitation/stages/",
            json!({"name": "invite"}),
        ),
    ] {
        post(&app, path, body).await;
    }
    let r = app
        .admin("GET", "/api/v3/stages/authenticator/validate/", None)
        .await;
    assert_eq!(
        r.json["results"][0]["device_classes"],
        json!(["static", "totp", "webauthn", "duo", "sms"])
    );
    assert_eq!(
        r.json["results"][0]["webauthn_allowed_device_types_obj"],
        json!([])
    );
    let r = app.admin("GET", "/api/v3/stages/email/", None).await;
    assert!(r.json["results"][0].get("password").is_none());
    assert_eq!(
        r.json["results"][0]["from_address"],
        "system@authentik.local"
    );
    let r = app
        .admin("GET", "/api/v3/stages/user_write/?user_type=internal", None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", "/api/v3/stages/user_write/?user_type=external", None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 0);

    let r = app
        .admin("GET", &format!("{ALL}?search=LOG&ordering=-name"), None)
        .await;
    let names: Vec<&str> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["logout", "login"]);
    let r = app
        .admin("GET", &format!("{ALL}?page_size=2&page=2"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 9);
    assert_eq!(r.json["pagination"]["current"], 2);
    let keys: Vec<&String> = r.json["results"][0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "pk",
            "name",
            "component",
            "verbose_name",
            "verbose_name_plural",
            "meta_model_name",
            "flow_set"
        ]
    );
    let r = app.admin("GET", &format!("{ALL}types/"), None).await;
    assert_eq!(r.status, 200);
    let types = r.json.as_array().unwrap();
    assert!(
        types
            .iter()
            .any(|t| t["model_name"] == "identificationstage"
                && t["component"] == "ak-stage-identification-form")
    );
    assert_eq!(
        app.admin("GET", &format!("{ALL}user_settings/"), None)
            .await
            .json,
        json!([])
    );
    assert_eq!(
        app.admin("GET", &format!("{ALL}nope/"), None).await.status,
        404
    );
});

db_test!(prompts_and_prompt_stages, |app: TestApp| async move {
    let prompt = post(
        &app,
        "/api/v3/stages/prompt/prompts/",
        json!({"name": "p-user", "field_key": "username", "label": "Username", "type": "username"}),
    )
    .await;
    assert_eq!(prompt["required"], true);
    assert_eq!(prompt["promptstage_set"], json!([]));
    let r = app
        .admin(
            "POST",
            "/api/v3/stages/prompt/prompts/",
            Some(json!({"name": "p-user", "field_key": "", "label": "x", "type": "bogus"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["name"],
        json!(["prompt with this name already exists."])
    );
    assert_eq!(r.json["field_key"], json!(["This field may not be blank."]));
    assert_eq!(r.json["type"], json!(["\"bogus\" is not a valid choice."]));
    let r = app
        .admin(
            "POST",
            "/api/v3/stages/prompt/stages/",
            Some(json!({"name": "ps", "fields": ["00000000-0000-4000-8000-000000000000"]})),
        )
        .await;
    assert_eq!(r.status, 400);
    let stage = post(
        &app,
        "/api/v3/stages/prompt/stages/",
        json!({"name": "ps", "fields": [prompt["pk"]]}),
    )
    .await;
    assert_eq!(stage["validation_policies"], json!([]));
    let one = format!(
        "/api/v3/stages/prompt/prompts/{}/",
        prompt["pk"].as_str().unwrap()
    );
    let r = app.admin("GET", &one, None).await;
    assert_eq!(r.json["promptstage_set"][0]["name"], "ps");
    let r = app
        .admin(
            "GET",
            "/api/v3/stages/prompt/prompts/?field_key=username",
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(app.admin("DELETE", &one, None).await.status, 204);
    let r = app
        .admin(
            "GET",
            &format!(
                "/api/v3/stages/prompt/stages/{}/",
                stage["pk"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(r.json["fields"], json!([]));
});

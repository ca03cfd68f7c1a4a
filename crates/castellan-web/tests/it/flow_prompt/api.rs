//! The prompt preview (`POST /stages/prompt/prompts/preview/`) and the admin's recovery link
//! (`POST /core/users/{id}/recovery/`) resumed with the flow client.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use super::{flow, me, prompt, stage};
use crate::flow_support::{defaults, user};

const PREVIEW: &str = "/api/v3/stages/prompt/prompts/preview/";

async fn preview(app: &TestApp, body: Value) -> (u16, Value) {
    let r = app.admin("POST", PREVIEW, Some(body)).await;
    (r.status, r.json)
}

db_test!(
    prompt_preview_renders_the_challenge,
    |app: TestApp| async move {
        prompt(&app, "saved", json!({"field_key": "saved", "type": "text"})).await;
        let (status, body) = preview(
            &app,
            json!({"name": "saved", "field_key": "nick", "label": "Nick", "type": "text",
               "placeholder": "return 'hi ' + user.username", "placeholder_expression": true,
               "initial_value": "x", "order": 4, "sub_text": "help", "promptstage_set": []}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            json!({"component": "ak-stage-prompt", "fields": [{
            "field_key": "nick", "label": "Nick", "type": "text", "required": true,
            "placeholder": "hi akadmin", "initial_value": "x", "order": 4, "sub_text": "help",
            "choices": null}]})
        );
        let (status, body) = preview(
        &app,
        json!({"name": "c", "field_key": "color", "label": "Color", "type": "radio-button-group",
               "placeholder": "return ['red', 'blue']", "placeholder_expression": true,
               "initial_value": "blue"}),
    )
    .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["fields"][0]["choices"], json!(["red", "blue"]));
        assert_eq!(body["fields"][0]["initial_value"], "blue");
        assert_eq!(body["fields"][0]["placeholder"], "");
        // In a preview a failing expression is an error, not its text.
        let (status, body) = preview(
            &app,
            json!({"name": "b", "field_key": "b", "label": "B", "type": "text",
               "initial_value": "return nope(", "initial_value_expression": true}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body["non_field_errors"][0].is_string(), "{body}");
        let (status, body) = preview(&app, json!({"label": "B", "type": "no-such-type"})).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["field_key"].is_array(), "{body}");
        assert!(body["type"].is_array(), "{body}");
        assert!(
            body.get("name").is_none(),
            "the name is not checked: {body}"
        );
        let (status, body) = preview(
            &app,
            json!({"field_key": "n", "label": "N", "type": "number", "initial_value": "7"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["fields"][0]["initial_value"], "7");
        // Nothing is saved.
        let r = app
            .admin("GET", "/api/v3/stages/prompt/prompts/", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1);
        // Administrators only.
        let r = app.send("POST", PREVIEW, Some("{}"), &[]).await;
        assert_eq!(r.status, 403, "{}", r.text);
    }
);

/// A recovery flow: new password twice, write, log in.
async fn recovery_flow(app: &TestApp) -> Value {
    let fields = vec![
        prompt(
            app,
            "rc-pw",
            json!({"field_key": "password", "type": "password"}),
        )
        .await,
        prompt(
            app,
            "rc-pw2",
            json!({"field_key": "password_repeat", "type": "password", "order": 1}),
        )
        .await,
    ];
    let p = stage(
        app,
        "stages/prompt/stages",
        json!({"name": "rc-prompt", "fields": fields}),
    )
    .await;
    let w = stage(
        app,
        "stages/user_write",
        json!({"name": "rc-write", "user_creation_mode": "never_create"}),
    )
    .await;
    let l = stage(app, "stages/user_login", json!({"name": "rc-login"})).await;
    let extra = json!({"designation": "recovery", "authentication": "require_unauthenticated"});
    flow(app, "test-recovery", extra, &[p, w, l]).await
}

async fn set_brand_recovery(app: &TestApp, flow: &Value) {
    let r = app.admin("GET", "/api/v3/core/brands/", None).await;
    let brand = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["default"] == true)
        .cloned()
        .unwrap_or_else(|| panic!("{}", r.text));
    let id = brand["brand_uuid"].as_str().unwrap();
    let r = app
        .admin(
            "PATCH",
            &format!("/api/v3/core/brands/{id}/"),
            Some(json!({"flow_recovery": flow["pk"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

db_test!(
    recovery_link_resumes_for_the_user,
    |app: TestApp| async move {
        defaults(&app).await;
        let pk = user(&app, "forgetful", "Old-pw-123456").await;
        let url = format!("/api/v3/core/users/{pk}/recovery/");
        let r = app.admin("POST", &url, None).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(
            r.json,
            json!({"non_field_errors": ["No recovery flow set."]})
        );
        let f = recovery_flow(&app).await;
        set_brand_recovery(&app, &f).await;
        let r = app
            .admin("POST", "/api/v3/core/users/999999/recovery/", None)
            .await;
        assert_eq!(r.status, 404, "{}", r.text);
        let r = app.send("POST", &url, None, &[]).await;
        assert_eq!(r.status, 403, "{}", r.text);
        let r = app.admin("POST", &url, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let link = r.json["link"].as_str().unwrap().to_string();
        assert_eq!(r.json.as_object().unwrap().len(), 1);
        let (base, key) = link.split_once("?flow_token=").unwrap();
        assert!(base.starts_with("http"), "{link}");
        assert!(base.ends_with("/if/flow/test-recovery/"), "{link}");
        assert!(key.len() >= 32, "{link}");
        // A second link replaces the first.
        let again = app.admin("POST", &url, None).await.json["link"]
            .as_str()
            .unwrap()
            .to_string();
        let (_, new_key) = again.split_once("?flow_token=").unwrap();
        assert_ne!(key, new_key);
        let mut stale = FlowClient::new(&app, "test-recovery");
        stale.query = format!("flow_token={key}");
        stale.get().await;
        let r = stale
        .post(json!({"component": "ak-stage-prompt", "password": "Stale-pw-123456", "password_repeat": "Stale-pw-123456"}))
        .await;
        assert_ne!(r.json["component"], "xak-flow-redirect", "{}", r.text);

        let mut c = FlowClient::new(&app, "test-recovery");
        c.query = format!("flow_token={new_key}");
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
        let new_pw = "Recovered-Otter-77";
        let r = c
        .post(json!({"component": "ak-stage-prompt", "password": new_pw, "password_repeat": new_pw}))
        .await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        assert_eq!(me(&app, &c).await["user"]["username"], "forgetful");
        let mut login = FlowClient::new(&app, "default-authentication-flow");
        let end = login.login("forgetful", new_pw).await;
        assert_eq!(end["component"], "xak-flow-redirect", "{end}");
        // The link is used once.
        let mut reuse = FlowClient::new(&app, "test-recovery");
        reuse.query = format!("flow_token={new_key}");
        reuse.get().await;
        let r = reuse
        .post(json!({"component": "ak-stage-prompt", "password": "Other-pw-123456", "password_repeat": "Other-pw-123456"}))
        .await;
        assert_ne!(r.json["component"], "xak-flow-redirect", "{}", r.text);
    }
);

//! User write behind a prompt: enrollment with login, a password change by the logged-in user,
//! and the stage's refusals.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use super::{events, flow, logged_in, login_flow, me, prompt, stage};
use crate::flow_support::{bind_expression, create, user};

async fn enrollment(app: &TestApp) -> Value {
    let group = create(app, "/api/v3/core/groups/", json!({"name": "enrolled"})).await;
    let fields = vec![
        prompt(app, "e-user", json!({"field_key": "username", "type": "username"})).await,
        prompt(app, "e-name", json!({"field_key": "name", "type": "text"})).await,
        prompt(app, "e-mail", json!({"field_key": "email", "type": "email"})).await,
        prompt(app, "e-pw", json!({"field_key": "password", "type": "password"})).await,
        prompt(app, "e-pw2", json!({"field_key": "password_repeat", "type": "password"})).await,
        prompt(app, "e-locale", json!({"field_key": "attributes.settings.locale", "type": "ak-locale", "required": false})).await,
        prompt(app, "e-origin", json!({"field_key": "attributes_origin", "type": "hidden", "placeholder": "web"})).await,
        prompt(app, "e-groups", json!({"field_key": "groups", "type": "text", "required": false})).await,
    ];
    let p = stage(
        app,
        "stages/prompt/stages",
        json!({"name": "enroll", "fields": fields}),
    )
    .await;
    let w = stage(
        app,
        "stages/user_write",
        json!({"name": "enroll-write", "user_creation_mode": "always_create",
               "create_users_group": group["pk"], "user_type": "internal",
               "user_path_template": "users/enrolled"}),
    )
    .await;
    let l = stage(app, "stages/user_login", json!({"name": "enroll-login"})).await;
    flow(app, "enroll", json!({}), &[p, w, l]).await;
    group
}

db_test!(enrollment_creates_and_logs_in, |app: TestApp| async move {
    let group = enrollment(&app).await;
    login_flow(&app).await;
    let mut c = FlowClient::new(&app, "enroll");
    assert_eq!(c.get().await.json["component"], "ak-stage-prompt");
    let r = c
        .post(
            json!({"component": "ak-stage-prompt", "username": "newbie", "name": "New Bie",
                     "email": "newbie@example.org", "password": "Enroll-pw-1",
                     "password_repeat": "Enroll-pw-1", "attributes.settings.locale": "de",
                     "attributes_origin": "forged", "groups": "admins"}),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"component": "xak-flow-redirect", "to": "/"}),
        "{}",
        r.text
    );
    let who = me(&app, &c).await;
    assert_eq!(who["user"]["username"], "newbie");
    assert_eq!(who["user"]["name"], "New Bie");
    let r = app
        .admin("GET", "/api/v3/core/users/?username=newbie", None)
        .await;
    let u = &r.json["results"][0];
    assert_eq!(
        u["attributes"],
        json!({"settings": {"locale": "de"}, "origin": "web"})
    );
    assert_eq!(u["path"], "users/enrolled");
    assert_eq!(u["type"], "internal");
    assert_eq!(u["is_active"], true);
    assert_eq!(u["groups"], json!([group["pk"]]), "{u}");
    let writes = events(&app, "user_write").await;
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0]["user"]["username"], "newbie");
    assert_eq!(writes[0]["context"]["created"], true);
    assert_eq!(writes[0]["context"]["password"], "********************");
    assert!(writes[0]["context"].get("component").is_none());
    assert!(events(&app, "password_set").await.is_empty());
    assert_eq!(events(&app, "login").await.len(), 1);
    logged_in(&app, "newbie", "Enroll-pw-1").await;
});

async fn password_change(app: &TestApp) {
    let policy = create(
        app,
        "/api/v3/policies/password/",
        json!({"name": "pw-len", "length_min": 8, "password_field": "password",
               "error_message": "Password needs to be 8 characters or longer."}),
    )
    .await;
    let fields = vec![
        prompt(
            app,
            "c-pw",
            json!({"field_key": "password", "type": "password"}),
        )
        .await,
        prompt(
            app,
            "c-pw2",
            json!({"field_key": "password_repeat", "type": "password", "order": 1}),
        )
        .await,
    ];
    let p = stage(
        app,
        "stages/prompt/stages",
        json!({"name": "change", "fields": fields, "validation_policies": [policy["pk"]]}),
    )
    .await;
    let w = stage(
        app,
        "stages/user_write",
        json!({"name": "change-write", "user_creation_mode": "never_create"}),
    )
    .await;
    let extra =
        json!({"designation": "stage_configuration", "authentication": "require_authenticated"});
    flow(app, "change", extra, &[p, w]).await;
}

db_test!(
    password_change_by_the_logged_in_user,
    |app: TestApp| async move {
        login_flow(&app).await;
        password_change(&app).await;
        user(&app, "pat", "Pat-old-pw-1").await;
        let session = logged_in(&app, "pat", "Pat-old-pw-1").await;
        let mut c = FlowClient::new(&app, "change");
        c.cookies = session.cookies.clone();
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
        let r = c
        .post(json!({"component": "ak-stage-prompt", "password": "short", "password_repeat": "short"}))
        .await;
        assert_eq!(
            r.json["response_errors"]["non_field_errors"][0]["string"],
            "Password needs to be 8 characters or longer."
        );
        let r = c
        .post(json!({"component": "ak-stage-prompt", "password": "Pat-new-pw-2", "password_repeat": "Pat-new-pw-2"}))
        .await;
        assert_eq!(
            r.json,
            json!({"component": "xak-flow-redirect", "to": "/"}),
            "{}",
            r.text
        );
        let set = events(&app, "password_set").await;
        assert_eq!(set.len(), 1);
        assert_eq!(set[0]["user"]["username"], "pat");
        assert_eq!(
            events(&app, "user_write").await[0]["context"]["created"],
            false
        );
        assert_eq!(
            me(&app, &session).await["user"]["username"],
            "pat",
            "the session stays valid"
        );
        logged_in(&app, "pat", "Pat-new-pw-2").await;
        let mut old = FlowClient::new(&app, "test-login");
        assert_eq!(
            old.login("pat", "Pat-old-pw-1").await["component"],
            "ak-stage-identification"
        );
    }
);

db_test!(user_write_refusals, |app: TestApp| async move {
    let w = |name: &str, mode: &str| json!({"name": name, "user_creation_mode": mode});
    let only = stage(
        &app,
        "stages/user_write",
        w("w-only", "create_when_required"),
    )
    .await;
    flow(&app, "w-only", json!({}), &[only]).await;
    let r = FlowClient::new(&app, "w-only").get().await;
    assert_eq!(r.json["component"], "ak-stage-access-denied");
    assert_eq!(r.json["error_message"], "No Pending data.");

    let name = prompt(&app, "r-name", json!({"field_key": "name", "type": "text"})).await;
    let p = stage(
        &app,
        "stages/prompt/stages",
        json!({"name": "r-p", "fields": [name]}),
    )
    .await;
    let never = stage(&app, "stages/user_write", w("w-never", "never_create")).await;
    flow(&app, "w-never", json!({}), &[p.clone(), never]).await;
    let mut c = FlowClient::new(&app, "w-never");
    c.get().await;
    let r = c
        .post(json!({"component": "ak-stage-prompt", "name": "x"}))
        .await;
    assert_eq!(
        r.json["error_message"],
        "No user found and can't create new user."
    );

    let create_one = stage(
        &app,
        "stages/user_write",
        w("w-create", "create_when_required"),
    )
    .await;
    flow(&app, "w-empty", json!({}), &[p, create_one]).await;
    let mut c = FlowClient::new(&app, "w-empty");
    c.get().await;
    let r = c
        .post(json!({"component": "ak-stage-prompt", "name": "x"}))
        .await;
    assert_eq!(
        r.json["component"], "ak-stage-access-denied",
        "an empty username"
    );

    let taken = prompt(
        &app,
        "r-taken",
        json!({"field_key": "username", "type": "hidden", "placeholder": "akadmin"}),
    )
    .await;
    let p = stage(
        &app,
        "stages/prompt/stages",
        json!({"name": "r-t", "fields": [taken]}),
    )
    .await;
    let always = stage(&app, "stages/user_write", w("w-always", "always_create")).await;
    flow(&app, "w-taken", json!({}), &[p, always]).await;
    let mut c = FlowClient::new(&app, "w-taken");
    c.get().await;
    let r = c.post(json!({"component": "ak-stage-prompt"})).await;
    assert_eq!(
        r.json["error_message"],
        "Failed to update user. Please try again later."
    );
    let r = app.admin("GET", "/api/v3/core/users/", None).await;
    assert_eq!(r.json["pagination"]["count"], 1, "nothing was written");
    assert!(events(&app, "user_write").await.is_empty());
});

const SOURCE_DATA: &str = "context['flow_plan'].context['prompt_data'] = {'username': 'octocat', 'name': 'Octo'}\ncontext['flow_plan'].context['goauthentik.io/sources/connection'] = {'source': {'name': 'GitHub'}}\nreturn True";

db_test!(
    source_enrollment_skips_the_prompt,
    |app: TestApp| async move {
        // As the default source enrollment flow: the prompt only runs without a username.
        let name = prompt(
            &app,
            "s-user",
            json!({"field_key": "username", "type": "username"}),
        )
        .await;
        let p = stage(
            &app,
            "stages/prompt/stages",
            json!({"name": "s-p", "fields": [name]}),
        )
        .await;
        let w = stage(
            &app,
            "stages/user_write",
            json!({"name": "s-w", "user_creation_mode": "always_create"}),
        )
        .await;
        let l = stage(&app, "stages/user_login", json!({"name": "s-l"})).await;
        let f = flow(&app, "src-enroll", json!({}), &[w, l]).await;
        let b = create(
            &app,
            "/api/v3/flows/bindings/",
            json!({"target": f["pk"], "stage": p, "order": -1, "re_evaluate_policies": true}),
        )
        .await;
        let flow_pbm = f["policybindingmodel_ptr_id"].as_str().unwrap();
        bind_expression(&app, flow_pbm, "s-data", SOURCE_DATA, false).await;
        let prompt_pbm = b["policybindingmodel_ptr_id"].as_str().unwrap();
        let unless = "return 'username' not in context.get('prompt_data', {})";
        bind_expression(&app, prompt_pbm, "s-if-username", unless, false).await;
        let mut c = FlowClient::new(&app, "src-enroll");
        let r = c.get().await;
        assert_eq!(
            r.json,
            json!({"component": "xak-flow-redirect", "to": "/"}),
            "{}",
            r.text
        );
        let who = me(&app, &c).await;
        assert_eq!(who["user"]["username"], "octocat");
        let r = app
            .admin("GET", "/api/v3/core/users/?username=octocat", None)
            .await;
        let u = &r.json["results"][0];
        assert_eq!(
            u["attributes"],
            json!({"goauthentik.io/user/sources": ["GitHub"]})
        );
        assert_eq!(
            (u["type"].as_str(), u["path"].as_str()),
            (Some("external"), Some("users"))
        );
    }
);

db_test!(
    user_write_inactive_defaults_and_logged_in_updates,
    |app: TestApp| async move {
        login_flow(&app).await;
        let fields = vec![
            prompt(&app, "i-user", json!({"field_key": "username", "type": "username"})).await,
            prompt(&app, "i-attrs", json!({"field_key": "attributes", "type": "hidden", "placeholder": "return {'team': 'blue', 'nested': {'a': 1}}", "placeholder_expression": true, "initial_value": "return {'team': 'blue', 'nested': {'a': 1}}", "initial_value_expression": true})).await,
            prompt(&app, "i-deep", json!({"field_key": "attributes.extra.b", "type": "number", "required": false})).await,
        ];
        let p = stage(
            &app,
            "stages/prompt/stages",
            json!({"name": "i-p", "fields": fields}),
        )
        .await;
        let w = stage(
            &app,
            "stages/user_write",
            json!({"name": "i-w", "create_users_as_inactive": true}),
        )
        .await;
        flow(&app, "inactive", json!({}), &[p, w]).await;
        let mut c = FlowClient::new(&app, "inactive");
        c.get().await;
        let r = c
            .post(json!({"component": "ak-stage-prompt", "username": "sleeper", "attributes": "forged", "attributes.extra.b": "2"}))
            .await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        let r = app
            .admin("GET", "/api/v3/core/users/?username=sleeper", None)
            .await;
        let u = &r.json["results"][0];
        assert_eq!(u["is_active"], false, "{u}");
        assert_eq!(u["path"], "users", "{u}");
        assert_eq!(u["type"], "external", "{u}");
        assert_eq!(
            u["attributes"],
            json!({"team": "blue", "nested": {"a": 1}, "extra": {"b": 2}}),
            "{u}"
        );

        // create_when_required with a logged-in user writes to that user.
        user(&app, "present", "Present-pw-123").await;
        let name = prompt(&app, "u-name", json!({"field_key": "name", "type": "text"})).await;
        let p = stage(
            &app,
            "stages/prompt/stages",
            json!({"name": "u-p", "fields": [name]}),
        )
        .await;
        let w = stage(&app, "stages/user_write", json!({"name": "u-w"})).await;
        flow(
            &app,
            "rename",
            json!({"designation": "stage_configuration"}),
            &[p, w],
        )
        .await;
        let session = logged_in(&app, "present", "Present-pw-123").await;
        let count =
            app.admin("GET", "/api/v3/core/users/", None).await.json["pagination"]["count"].clone();
        let mut c = FlowClient::new(&app, "rename");
        c.cookies = session.cookies.clone();
        c.get().await;
        let r = c
            .post(json!({"component": "ak-stage-prompt", "name": "Still Here"}))
            .await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        assert_eq!(me(&app, &session).await["user"]["name"], "Still Here");
        let r = app.admin("GET", "/api/v3/core/users/", None).await;
        assert_eq!(r.json["pagination"]["count"], count, "no user created");
    }
);

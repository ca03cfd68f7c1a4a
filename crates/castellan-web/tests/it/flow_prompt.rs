//! Prompt and user write stages over the executor: the challenge, per-type validation,
//! validation policies, enrollment with login, password and settings changes, and the
//! out-of-box setup flow (built through the API, and from the default blueprints).
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_support::{create, user};

mod api;
mod defaults;
mod examples;
mod types;
mod writes;

/// Creates a prompt field; returns its pk.
pub async fn prompt(app: &TestApp, name: &str, mut body: Value) -> Value {
    body["name"] = json!(name);
    if body.get("label").is_none() {
        body["label"] = body["field_key"].clone();
    }
    create(app, "/api/v3/stages/prompt/prompts/", body).await["pk"].clone()
}

/// Creates a stage at `api` (e.g. `stages/user_write`); returns its pk.
pub async fn stage(app: &TestApp, api: &str, body: Value) -> Value {
    create(app, &format!("/api/v3/{api}/"), body).await["pk"].clone()
}

/// Creates a flow binding these stages in order; returns the flow JSON.
pub async fn flow(app: &TestApp, slug: &str, extra: Value, stages: &[Value]) -> Value {
    let mut body = json!({"name": slug, "slug": slug, "title": slug, "designation": "enrollment"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let f = create(app, "/api/v3/flows/instances/", body).await;
    for (i, s) in stages.iter().enumerate() {
        create(
            app,
            "/api/v3/flows/bindings/",
            json!({"target": f["pk"], "stage": s, "order": i * 10}),
        )
        .await;
    }
    f
}

/// A login flow (identification with inline password, user login) at `test-login`.
pub async fn login_flow(app: &TestApp) {
    let pw = stage(
        app,
        "stages/password",
        json!({"name": "t-pw", "backends": ["authentik.core.auth.InbuiltBackend"]}),
    )
    .await;
    let ident = stage(
        app,
        "stages/identification",
        json!({"name": "t-ident", "user_fields": ["username"], "password_stage": pw}),
    )
    .await;
    let login = stage(app, "stages/user_login", json!({"name": "t-login"})).await;
    let extra = json!({"designation": "authentication"});
    flow(app, "test-login", extra, &[ident, login]).await;
}

/// Logs `username` in through `test-login`; returns the client holding the session.
pub async fn logged_in<'a>(app: &'a TestApp, username: &str, password: &str) -> FlowClient<'a> {
    let mut c = FlowClient::new(app, "test-login");
    let end = c.login(username, password).await;
    assert_eq!(end["component"], "xak-flow-redirect", "{end}");
    c
}

/// `/core/users/me/` with the client's session.
pub async fn me(app: &TestApp, client: &FlowClient<'_>) -> Value {
    let cookie = format!("authentik_session={}", client.session_cookie().unwrap());
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("cookie", &cookie)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

/// Count of events with `action`.
pub async fn events(app: &TestApp, action: &str) -> Vec<Value> {
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/events/events/?action={action}"),
            None,
        )
        .await;
    r.json["results"].as_array().cloned().unwrap_or_default()
}

db_test!(prompt_challenge_shape, |app: TestApp| async move {
    let fields = vec![
        prompt(&app, "p-text", json!({"field_key": "nick", "label": "Nick", "type": "text", "placeholder": "Your nick", "initial_value": "anon", "order": 3, "sub_text": "help"})).await,
        prompt(&app, "p-static", json!({"field_key": "hdr", "type": "static", "initial_value": "Welcome!", "order": 1})).await,
        prompt(&app, "p-choice", json!({"field_key": "color", "type": "dropdown", "placeholder": "return ['red', 'green', 7]", "placeholder_expression": true, "initial_value": "blue", "order": 4})).await,
        prompt(&app, "p-num", json!({"field_key": "n", "type": "number", "required": false, "initial_value": "return 2 + 3", "initial_value_expression": true, "order": 5})).await,
        prompt(&app, "p-bad", json!({"field_key": "broken", "type": "text", "placeholder": "return nope(", "placeholder_expression": true, "order": 6})).await,
        prompt(&app, "p-flag", json!({"field_key": "tos", "type": "checkbox", "order": 2})).await,
    ];
    let s = stage(
        &app,
        "stages/prompt/stages",
        json!({"name": "shape", "fields": fields}),
    )
    .await;
    flow(&app, "shape", json!({}), &[s]).await;
    let mut c = FlowClient::new(&app, "shape");
    let r = c.get().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["component"], "ak-stage-prompt");
    assert!(r.json.get("pending_user").is_none());
    let got = r.json["fields"].as_array().unwrap();
    let keys: Vec<&str> = got
        .iter()
        .map(|f| f["field_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["hdr", "tos", "nick", "color", "n", "broken"]);
    assert_eq!(
        got[2],
        json!({"field_key": "nick", "label": "Nick", "type": "text", "required": true,
               "placeholder": "Your nick", "initial_value": "anon", "order": 3,
               "sub_text": "help", "choices": null})
    );
    assert_eq!(got[0]["initial_value"], "Welcome!");
    assert_eq!(got[3]["choices"], json!(["red", "green", "7"]));
    assert_eq!(got[3]["placeholder"], "");
    assert_eq!(
        got[3]["initial_value"], "red",
        "an initial value outside the choices"
    );
    assert_eq!(got[4]["initial_value"], "5");
    assert_eq!(
        got[5]["placeholder"], "return nope(",
        "a failing expression shows its text"
    );
    assert_eq!(events(&app, "property_mapping_exception").await.len(), 1);
});

async fn validation_flow(app: &TestApp) {
    let fields = vec![
        prompt(app, "v-user", json!({"field_key": "username", "type": "username"})).await,
        prompt(app, "v-mail", json!({"field_key": "email", "type": "email"})).await,
        prompt(app, "v-pw", json!({"field_key": "password", "type": "password", "order": 1})).await,
        prompt(app, "v-pw2", json!({"field_key": "password_repeat", "type": "password", "order": 2})).await,
        prompt(app, "v-age", json!({"field_key": "age", "type": "number", "required": false})).await,
        prompt(app, "v-day", json!({"field_key": "day", "type": "date", "required": false})).await,
        prompt(app, "v-pick", json!({"field_key": "pick", "type": "radio-button-group", "placeholder": "a", "required": false})).await,
        prompt(app, "v-hidden", json!({"field_key": "src", "type": "hidden", "placeholder": "web"})).await,
    ];
    let policy = create(
        app,
        "/api/v3/policies/expression/",
        json!({"name": "no-root", "expression":
            "if request.context['prompt_data']['username'] == 'root':\n    ak_message('Not root.')\n    ak_message('Really.')\n    return False\nreturn True"}),
    )
    .await;
    let s = stage(
        app,
        "stages/prompt/stages",
        json!({"name": "validate", "fields": fields, "validation_policies": [policy["pk"]]}),
    )
    .await;
    let show = stage(app, "stages/dummy", json!({"name": "after"})).await;
    flow(app, "validate", json!({}), &[s, show]).await;
}

fn body(pairs: Value) -> Value {
    let mut b = json!({"component": "ak-stage-prompt", "username": "newbie", "email": "n@example.org",
                       "password": "Pw-123456", "password_repeat": "Pw-123456"});
    for (k, v) in pairs.as_object().unwrap() {
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v.clone();
        }
    }
    b
}

fn error(r: &Value, field: &str) -> (String, String) {
    let e = &r["response_errors"][field][0];
    (
        e["string"].as_str().unwrap_or_default().to_string(),
        e["code"].as_str().unwrap_or_default().to_string(),
    )
}

db_test!(prompt_validation_errors, |app: TestApp| async move {
    validation_flow(&app).await;
    let mut c = FlowClient::new(&app, "validate");
    c.get().await;
    let cases = [
        (
            json!({"username": null}),
            "username",
            "This field is required.",
            "required",
        ),
        (
            json!({"email": "not-an-email"}),
            "email",
            "Enter a valid email address.",
            "invalid",
        ),
        (
            json!({"email": "  "}),
            "email",
            "This field may not be blank.",
            "blank",
        ),
        (
            json!({"age": "12x"}),
            "age",
            "A valid integer is required.",
            "invalid",
        ),
        (
            json!({"day": "03/02/2024"}),
            "day",
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
            "invalid",
        ),
        (
            json!({"pick": "b"}),
            "pick",
            "\"b\" is not a valid choice.",
            "invalid_choice",
        ),
        (
            json!({"username": "akadmin"}),
            "username",
            "Username is already taken.",
            "invalid",
        ),
        (
            json!({"username": ["x"]}),
            "username",
            "Not a valid string.",
            "invalid",
        ),
        (
            json!({"password": {"a": 1}}),
            "password",
            "Not a valid string.",
            "invalid",
        ),
        (
            json!({"password_repeat": "other"}),
            "non_field_errors",
            "Passwords don't match.",
            "invalid",
        ),
        (
            json!({"username": "root"}),
            "non_field_errors",
            "Not root.",
            "invalid",
        ),
    ];
    for (change, field, message, code) in cases {
        let r = c.post(body(change.clone())).await;
        assert_eq!(r.status, 200, "{change}: {}", r.text);
        assert_eq!(
            r.json["component"], "ak-stage-prompt",
            "{change}: {}",
            r.text
        );
        assert_eq!(
            error(&r.json, field),
            (message.to_string(), code.to_string()),
            "{change}"
        );
    }
    let r = c.post(body(json!({"username": "root"}))).await;
    assert_eq!(
        r.json["response_errors"]["non_field_errors"][1]["string"],
        "Really."
    );
    let r = c.post(body(json!({"username": null, "email": null}))).await;
    let errors = r.json["response_errors"].as_object().unwrap();
    assert_eq!(errors.keys().collect::<Vec<_>>(), ["username", "email"]);
    let r = c
        .post(json!({"component": "ak-stage-prompt", "username": null}))
        .await;
    assert_eq!(error(&r.json, "username").1, "null");
    let long = " ".repeat(100_000);
    for field in [
        "username",
        "email",
        "password",
        "password_repeat",
        "age",
        "day",
        "pick",
    ] {
        for value in [
            json!([]),
            json!({"a": 1}),
            json!(true),
            json!(null),
            json!(long),
            json!("a\u{0}"),
        ] {
            let mut b = body(json!({}));
            b[field] = value;
            let r = c.post(b.clone()).await;
            assert_eq!(r.status, 200, "{b}: {}", r.text);
            assert!(r.json["response_errors"].is_object(), "{b}: {}", r.text);
        }
    }
    let r = c
        .post(body(
            json!({"age": " 7.0 ", "day": "2024-02-03", "pick": "a", "src": "evil"}),
        ))
        .await;
    assert_eq!(r.json["component"], "ak-stage-dummy", "{}", r.text);
});

db_test!(
    username_check_excludes_the_pending_user,
    |app: TestApp| async move {
        login_flow(&app).await;
        user(&app, "uma", "Uma-pw-12345").await;
        user(&app, "other", "Other-pw-12345").await;
        let name = prompt(&app, "s-user", json!({"field_key": "username", "type": "username", "initial_value": "return user.username", "initial_value_expression": true})).await;
        let s = stage(
            &app,
            "stages/prompt/stages",
            json!({"name": "settings", "fields": [name]}),
        )
        .await;
        let w = stage(
            &app,
            "stages/user_write",
            json!({"name": "settings-write", "user_creation_mode": "never_create"}),
        )
        .await;
        flow(&app, "settings", json!({"designation": "stage_configuration", "authentication": "require_authenticated"}), &[s, w]).await;
        let session = logged_in(&app, "uma", "Uma-pw-12345").await;
        let mut c = FlowClient::new(&app, "settings");
        c.cookies = session.cookies.clone();
        let r = c.get().await;
        assert_eq!(r.json["fields"][0]["initial_value"], "uma", "{}", r.text);
        let r = c
            .post(json!({"component": "ak-stage-prompt", "username": "other"}))
            .await;
        assert_eq!(error(&r.json, "username").0, "Username is already taken.");
        let r = c
            .post(json!({"component": "ak-stage-prompt", "username": "uma"}))
            .await;
        assert_eq!(
            r.json,
            json!({"component": "xak-flow-redirect", "to": "/"}),
            "{}",
            r.text
        );
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-prompt");
        let r = c
            .post(json!({"component": "ak-stage-prompt", "username": "uma2"}))
            .await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        assert_eq!(me(&app, &session).await["user"]["username"], "uma2");
        // Anonymous visitors may not run it.
        let mut anon = FlowClient::new(&app, "settings");
        assert_eq!(anon.get().await.json["component"], "ak-stage-access-denied");
    }
);

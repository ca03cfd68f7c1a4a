//! The out-of-box setup flow (`initial-setup`, spec §11.3) built through the API as its
//! blueprint builds it, and the default flows that use prompts once the embedded blueprints
//! are applied: initial setup, password change and user settings.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use super::{events, logged_in, login_flow, me, prompt, stage};
use crate::flow_support::{admin_password, bind_expression, create, defaults, flow};

const HEADER: &str = "Welcome to authentik! Please set a password and email address for the default admin user, akadmin.";
const PREFILL: &str = "akadmin = ak_user_by(username=\"akadmin\")\ncontext[\"flow_plan\"].context[\"pending_user\"] = akadmin\nreturn True\n";
const UNUSABLE: &str =
    "akadmin = ak_user_by(username=\"akadmin\")\nreturn not akadmin.has_usable_password()\n";
const ONE_SHOT: &str = "from authentik.flows.models import Flow, FlowAuthenticationRequirement\nFlow.objects.filter(slug=\"initial-setup\").update(\n    authentication=FlowAuthenticationRequirement.REQUIRE_SUPERUSER,\n)\nreturn True\n";

async fn bind(app: &TestApp, f: &Value, s: Value, order: i64, plan: bool, again: bool) -> String {
    let b = create(
        app,
        "/api/v3/flows/bindings/",
        json!({"target": f["pk"], "stage": s, "order": order, "evaluate_on_plan": plan,
               "re_evaluate_policies": again}),
    )
    .await;
    b["policybindingmodel_ptr_id"].as_str().unwrap().to_string()
}

/// `flow-oobe.yaml`, entry by entry, through the admin API.
async fn oobe(app: &TestApp) {
    let f = create(
        app,
        "/api/v3/flows/instances/",
        json!({"name": "default-oobe-setup", "slug": "initial-setup", "title": "Welcome to authentik!",
               "designation": "stage_configuration", "denied_action": "message_continue"}),
    )
    .await;
    let fields = vec![
        prompt(app, "initial-setup-field-header", json!({"order": 100, "initial_value": HEADER, "type": "static", "field_key": "oobe-header-text"})).await,
        prompt(app, "initial-setup-field-email", json!({"order": 101, "placeholder": "Admin email", "type": "email", "field_key": "email", "label": "Email"})).await,
        prompt(app, "initial-setup-field-password", json!({"order": 300, "placeholder": "Password", "type": "password", "field_key": "password", "label": "Password"})).await,
        prompt(app, "initial-setup-field-password-repeat", json!({"order": 301, "placeholder": "Password (repeat)", "type": "password", "field_key": "password_repeat", "label": "Password (repeat)"})).await,
    ];
    let p = stage(
        app,
        "stages/prompt/stages",
        json!({"name": "stage-default-oobe-password", "fields": fields}),
    )
    .await;
    let login = stage(
        app,
        "stages/user_login",
        json!({"name": "default-authentication-login"}),
    )
    .await;
    let write = stage(
        app,
        "stages/user_write",
        json!({"name": "default-password-change-write", "user_creation_mode": "never_create"}),
    )
    .await;
    bind(app, &f, p, 10, true, false).await;
    let write_binding = bind(app, &f, write, 20, false, true).await;
    let login_binding = bind(app, &f, login, 100, true, false).await;
    let flow_pbm = f["policybindingmodel_ptr_id"].as_str().unwrap();
    bind_expression(
        app,
        flow_pbm,
        "default-oobe-password-usable",
        UNUSABLE,
        false,
    )
    .await;
    bind_expression(
        app,
        &write_binding,
        "default-oobe-prefill-user",
        PREFILL,
        false,
    )
    .await;
    bind_expression(
        app,
        &login_binding,
        "default-oobe-flow-set-authentication",
        ONE_SHOT,
        false,
    )
    .await;
}

/// Runs the setup as a first-time visitor and checks its one-shot behaviour.
async fn run_oobe(app: &TestApp) {
    let mut c = FlowClient::new(app, "initial-setup");
    let r = c.get().await;
    assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
    assert_eq!(r.json["flow_info"]["title"], "Welcome to authentik!");
    let header = &r.json["fields"][0];
    assert_eq!(
        (header["type"].as_str(), header["initial_value"].as_str()),
        (Some("static"), Some(HEADER))
    );
    assert_eq!(r.json["fields"][1]["placeholder"], "Admin email");
    let r = c
        .post(
            json!({"component": "ak-stage-prompt", "email": "admin@example.org",
                     "password": "Setup-pw-1", "password_repeat": "Setup-pw-2"}),
        )
        .await;
    assert_eq!(
        r.json["response_errors"]["non_field_errors"][0]["string"],
        "Passwords don't match."
    );
    let r = c
        .post(
            json!({"component": "ak-stage-prompt", "oobe-header-text": "forged",
                     "email": "admin@example.org", "password": "Setup-pw-1",
                     "password_repeat": "Setup-pw-1"}),
        )
        .await;
    assert_eq!(
        r.json,
        json!({"component": "xak-flow-redirect", "to": "/"}),
        "{}",
        r.text
    );
    let who = me(app, &c).await;
    assert_eq!(who["user"]["username"], "akadmin");
    assert_eq!(who["user"]["email"], "admin@example.org");
    assert_eq!(who["user"]["is_superuser"], true);
    let write = &events(app, "user_write").await[0];
    assert_eq!(write["user"]["username"], "akadmin");
    assert_eq!(write["context"]["oobe-header-text"], HEADER);
    assert_eq!(events(app, "password_set").await.len(), 1);
    let f = flow(app, "initial-setup").await;
    assert_eq!(f["authentication"], "require_superuser");
    let r = FlowClient::new(app, "initial-setup").get().await;
    assert_eq!(
        r.json["component"], "ak-stage-access-denied",
        "a second run is denied"
    );
    let mut again = FlowClient::new(app, "initial-setup");
    again.cookies = c.cookies.clone();
    let r = again.get().await;
    assert_eq!(
        r.json["component"], "ak-stage-access-denied",
        "even for akadmin: {}",
        r.text
    );
}

db_test!(
    initial_setup_built_through_the_api,
    |app: TestApp| async move {
        oobe(&app).await;
        run_oobe(&app).await;
        // The new password works in a login flow.
        login_flow(&app).await;
        logged_in(&app, "akadmin", "Setup-pw-1").await;
    }
);

db_test!(default_initial_setup_flow, |app: TestApp| async move {
    defaults(&app).await;
    run_oobe(&app).await;
    let mut c = FlowClient::new(&app, "default-authentication-flow");
    let end = c.login("akadmin", "Setup-pw-1").await;
    assert_eq!(end["component"], "xak-flow-redirect", "{end}");
});

db_test!(
    default_password_change_and_settings,
    |app: TestApp| async move {
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let mut session = FlowClient::new(&app, "default-authentication-flow");
        session.login("akadmin", "Admin-pw-1").await;
        let mut c = FlowClient::new(&app, "default-password-change");
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
        let strong = "Violet-Harbor-Tangent-91";
        let r = c
        .post(json!({"component": "ak-stage-prompt", "password": strong, "password_repeat": strong}))
        .await;
        assert_eq!(
            r.json,
            json!({"component": "xak-flow-redirect", "to": "/"}),
            "{}",
            r.text
        );
        assert_eq!(events(&app, "password_set").await.len(), 1);
        let mut check = FlowClient::new(&app, "default-authentication-flow");
        assert_eq!(
            check.login("akadmin", strong).await["component"],
            "xak-flow-redirect"
        );

        let mut s = FlowClient::new(&app, "default-user-settings-flow");
        s.cookies = session.cookies.clone();
        let r = s.get().await;
        let initial: Vec<&str> = r.json["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["initial_value"].as_str().unwrap())
            .collect();
        assert_eq!(
            initial,
            [
                "akadmin",
                "authentik Default Admin",
                "akadmin@example.org",
                ""
            ],
            "{}",
            r.text
        );
        let answer = |email: &str| {
            json!({"component": "ak-stage-prompt", "username": "akadmin", "name": "Admin Istrator",
               "email": email, "attributes.settings.locale": "fr"})
        };
        let r = s.post(answer("other@example.org")).await;
        assert_eq!(
            r.json["response_errors"]["non_field_errors"][0]["string"],
            "Not allowed to change email address."
        );
        let r = s.post(answer("akadmin@example.org")).await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        let who = me(&app, &session).await;
        assert_eq!(who["user"]["name"], "Admin Istrator");
        assert_eq!(who["user"]["settings"]["locale"], "fr", "{who}");
    }
);

db_test!(
    default_settings_and_password_change_for_a_user,
    |app: TestApp| async move {
        defaults(&app).await;
        let pk = crate::flow_support::user(&app, "dora", "Dora-old-pw-1").await;
        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/core/users/{pk}/"),
                Some(json!({"attributes": {"goauthentik.io/user/can-change-email": true}})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mut session = FlowClient::new(&app, "default-authentication-flow");
        let end = session.login("dora", "Dora-old-pw-1").await;
        assert_eq!(end["component"], "xak-flow-redirect", "{end}");

        // User settings: new name and email.
        let mut s = FlowClient::new(&app, "default-user-settings-flow");
        s.cookies = session.cookies.clone();
        let r = s.get().await;
        assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
        assert_eq!(r.json["fields"][2]["initial_value"], "dora@example.org");
        let r = s
            .post(
                json!({"component": "ak-stage-prompt", "username": "dora", "name": "Dora Explorer",
                          "email": "not-an-email", "attributes.settings.locale": ""}),
            )
            .await;
        assert_eq!(
            r.json["response_errors"]["email"][0]["string"],
            "Enter a valid email address."
        );
        let r = s
            .post(
                json!({"component": "ak-stage-prompt", "username": "dora", "name": "Dora Explorer",
                          "email": "dora@explorer.example", "attributes.settings.locale": ""}),
            )
            .await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        let who = me(&app, &session).await;
        assert_eq!(who["user"]["name"], "Dora Explorer");
        assert_eq!(who["user"]["email"], "dora@explorer.example");
        assert_eq!(events(&app, "user_write").await.len(), 1);

        // Password change, then log in with the new password only.
        let mut c = FlowClient::new(&app, "default-password-change");
        c.cookies = session.cookies.clone();
        c.get().await;
        let new_pw = "Dora-Compass-Maple-88";
        let r = c
            .post(json!({"component": "ak-stage-prompt", "password": new_pw, "password_repeat": "typo"}))
            .await;
        assert_eq!(
            r.json["response_errors"]["non_field_errors"][0]["string"],
            "Passwords don't match."
        );
        let r = c
            .post(json!({"component": "ak-stage-prompt", "password": new_pw, "password_repeat": new_pw}))
            .await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        assert_eq!(
            me(&app, &session).await["user"]["username"],
            "dora",
            "still logged in"
        );
        let mut old = FlowClient::new(&app, "default-authentication-flow");
        assert_ne!(
            old.login("dora", "Dora-old-pw-1").await["component"],
            "xak-flow-redirect"
        );
        let mut new = FlowClient::new(&app, "default-authentication-flow");
        assert_eq!(
            new.login("dora", new_pw).await["component"],
            "xak-flow-redirect"
        );
    }
);

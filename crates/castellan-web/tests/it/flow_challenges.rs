//! Golden JSON of every challenge the stages of this release send (captcha, dummy, user login
//! with remember-me, access denied, flow error, session end, identification with every link),
//! recorded from Castellan and compared exactly. `CASTELLAN_UPDATE_GOLDEN=1` rewrites them.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_support::{create, defaults, user};

fn check(name: &str, mut ours: Value) {
    if ours.get("request_id").is_some() {
        ours["request_id"] = json!("<request id>");
    }
    let path = format!(
        "{}/tests/golden/challenges/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("CASTELLAN_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&ours).unwrap() + "\n").unwrap();
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let golden: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(ours, golden, "{name}");
}

async fn one_stage_flow(app: &TestApp, slug: &str, stage_path: &str, stage: Value) -> Value {
    let f = create(app, "/api/v3/flows/instances/", json!({"name": slug, "slug": slug, "title": format!("Title of {slug}"), "designation": "authentication"})).await;
    let s = create(app, stage_path, stage).await;
    create(
        app,
        "/api/v3/flows/bindings/",
        json!({"target": f["pk"], "stage": s["pk"], "order": 0}),
    )
    .await;
    s
}

db_test!(challenge_golden_files, |app: TestApp| async move {
    defaults(&app).await;
    let pk = user(&app, "gina", "Gina-pw-1").await;

    one_stage_flow(
        &app,
        "g-captcha",
        "/api/v3/stages/captcha/",
        json!({"name": "g-captcha", "public_key": "site", "private_key": "secret"}),
    )
    .await;
    check(
        "captcha",
        FlowClient::new(&app, "g-captcha").get().await.json,
    );

    one_stage_flow(
        &app,
        "g-dummy",
        "/api/v3/stages/dummy/",
        json!({"name": "g-dummy"}),
    )
    .await;
    check("dummy", FlowClient::new(&app, "g-dummy").get().await.json);

    one_stage_flow(
        &app,
        "g-error",
        "/api/v3/stages/dummy/",
        json!({"name": "g-error", "throw_error": true}),
    )
    .await;
    check(
        "flow-error",
        FlowClient::new(&app, "g-error").get().await.json,
    );

    one_stage_flow(
        &app,
        "g-deny",
        "/api/v3/stages/deny/",
        json!({"name": "g-deny", "deny_message": "Not today."}),
    )
    .await;
    check(
        "access-denied",
        FlowClient::new(&app, "g-deny").get().await.json,
    );

    // Identification with enrollment/recovery links and a password field, then remember-me login.
    let f = create(&app, "/api/v3/flows/instances/", json!({"name": "g-login", "slug": "g-login", "title": "Hello %(user)s", "designation": "authentication"})).await;
    let pw = create(&app, "/api/v3/stages/password/", json!({"name": "g-pw", "backends": ["authentik.core.auth.InbuiltBackend"], "allow_show_password": true})).await;
    let enroll = crate::flow_support::flow(&app, "default-source-enrollment").await;
    let ident = create(&app, "/api/v3/stages/identification/", json!({"name": "g-ident", "user_fields": ["username"],
        "password_stage": pw["pk"], "enrollment_flow": enroll["pk"], "recovery_flow": enroll["pk"], "show_matched_user": false})).await;
    let login = create(
        &app,
        "/api/v3/stages/user_login/",
        json!({"name": "g-remember", "remember_me_offset": "days=30"}),
    )
    .await;
    create(
        &app,
        "/api/v3/flows/bindings/",
        json!({"target": f["pk"], "stage": ident["pk"], "order": 0}),
    )
    .await;
    create(
        &app,
        "/api/v3/flows/bindings/",
        json!({"target": f["pk"], "stage": login["pk"], "order": 1}),
    )
    .await;
    let mut c = FlowClient::new(&app, "g-login");
    c.query = "next=%2Fapp%2F".into();
    check("identification-full", c.get().await.json);
    let r = c.post(json!({"component": "ak-stage-identification", "uid_field": "GINA", "password": "wrong"})).await;
    check("identification-failed", r.json);
    let r = c.post(json!({"component": "ak-stage-identification", "uid_field": "gina", "password": "Gina-pw-1"})).await;
    check("user-login", r.json);
    let r = c
        .post(json!({"component": "ak-stage-user-login", "remember_me": "maybe"}))
        .await;
    check("user-login-invalid", r.json);
    let r = c
        .post(json!({"component": "ak-stage-user-login", "remember_me": true}))
        .await;
    assert_eq!(
        r.json,
        json!({"component": "xak-flow-redirect", "to": "/app/"})
    );
    let _ = pk;
});

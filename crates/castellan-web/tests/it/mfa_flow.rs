//! MFA over the flow executor (spec §5.3–5.5): TOTP with `pyotp` (current code, replay, ±1 step
//! tolerance, drift, throttling), static tokens used once, the setup stages end to end, the
//! validation stage's `not_configured_action`, and per-class `last_used`.
use castellan_store::devices_totp;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::flow_prompt::{events, flow, logged_in, login_flow, stage};
use crate::flow_support::user;
use crate::mfa_support::{
    code, manual_clock, mfa_login_flow, pyotp_codes, pyotp_url, static_device, totp_device,
};

const INVALID: &str =
    "Invalid Token. Please ensure the time on your device is accurate and try again.";

fn done() -> Value {
    json!({"component": "xak-flow-redirect", "to": "/"})
}

/// Starts `mfa-login` as ann; returns the client at the validation challenge.
async fn at_validation(app: &TestApp) -> (FlowClient<'_>, Value) {
    let mut c = FlowClient::new(app, "mfa-login");
    let r = c.login("ann", "Ann-pw-1").await;
    (c, r)
}

fn code_error(r: &Value) -> &str {
    r["response_errors"]["code"][0]["string"]
        .as_str()
        .unwrap_or_default()
}

db_test!(
    totp_codes_replay_tolerance_drift,
    |app: TestApp| async move {
        let mut app = app;
        let clock = manual_clock(&mut app);
        let ann = user(&app, "ann", "Ann-pw-1").await;
        let device = totp_device(&app, ann, "phone").await;
        mfa_login_flow(&app, json!({"device_classes": ["totp", "static"]})).await;
        let now = app.store.now().timestamp();
        let codes = pyotp_codes(&[now, now + 30, now + 60, now + 120]).await;

        // The current code passes.
        let (mut c, r) = at_validation(&app).await;
        assert_eq!(r["component"], "ak-stage-authenticator-validate", "{r}");
        assert_eq!(
            r["device_challenges"],
            json!([{"device_class": "totp", "device_uid": device.to_string(), "challenge": {},
                "last_used": null}])
        );
        assert_eq!(r["configuration_stages"], json!([]));
        let doc = castellan_web::openapi::document();
        assert_fits(&doc, &r, "ChallengeTypes", "validation challenge");
        assert_fits(&doc, &code("1"), "FlowChallengeResponseRequest", "code");
        assert_eq!(c.post(code(&codes[0])).await.json, done());
        let login = events(&app, "login").await;
        let args = &login[0]["context"]["auth_method_args"];
        assert_eq!(args["mfa_devices"][0]["pk"], json!(device), "{}", login[0]);

        // Replaying it fails, with a login_failed event.
        let (mut c, _) = at_validation(&app).await;
        let r = c.post(code(&codes[0])).await.json;
        assert_eq!(code_error(&r), INVALID, "{r}");
        assert_eq!(events(&app, "login_failed").await.len(), 1);

        // The next step's code is within the tolerance and teaches a drift of +1.
        clock.advance(chrono::Duration::seconds(2));
        let r = c.post(code(&codes[1])).await.json;
        assert_eq!(r, done());
        let mut conn = app.store.conn().await.unwrap();
        let stored = devices_totp::get(&mut conn, device).await.unwrap().unwrap();
        assert_eq!(stored.drift, 1);
        assert!(stored.common.last_used.is_some());
        drop(conn);

        // With drift +1 the code two steps ahead passes; four steps ahead does not.
        let (mut c, _) = at_validation(&app).await;
        assert_eq!(code_error(&c.post(code(&codes[3])).await.json), INVALID);
        clock.advance(chrono::Duration::seconds(2));
        assert_eq!(c.post(code(&codes[2])).await.json, done());
    }
);

db_test!(totp_throttling_backs_off, |app: TestApp| async move {
    let mut app = app;
    let clock = manual_clock(&mut app);
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let device = totp_device(&app, ann, "phone").await;
    mfa_login_flow(&app, json!({})).await;
    let now = app.store.now().timestamp();
    let codes = pyotp_codes(&[now]).await;
    let wrong = if codes[0] == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (mut c, _) = at_validation(&app).await;
    assert_eq!(code_error(&c.post(code(wrong)).await.json), INVALID);
    // One failure: the right code is refused for 1 s (and the refusal does not count).
    assert_eq!(code_error(&c.post(code(&codes[0])).await.json), INVALID);
    clock.advance(chrono::Duration::milliseconds(1100));
    assert_eq!(code_error(&c.post(code(wrong)).await.json), INVALID);
    // Two failures: refused for 2 s after the last one.
    clock.advance(chrono::Duration::milliseconds(1500));
    assert_eq!(code_error(&c.post(code(&codes[0])).await.json), INVALID);
    clock.advance(chrono::Duration::milliseconds(600));
    assert_eq!(c.post(code(&codes[0])).await.json, done());
    // Success reset the counter.
    let mut conn = app.store.conn().await.unwrap();
    let stored = devices_totp::get(&mut conn, device).await.unwrap().unwrap();
    assert_eq!(stored.throttle.failure_count, 0);
});

db_test!(static_tokens_are_single_use, |app: TestApp| async move {
    let mut app = app;
    let clock = manual_clock(&mut app);
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let device = static_device(&app, ann, &["aaaabbbbcccc", "ddddeeeeffff"]).await;
    mfa_login_flow(&app, json!({})).await;
    let (mut c, r) = at_validation(&app).await;
    assert_eq!(r["device_challenges"][0]["device_class"], "static");
    assert_eq!(r["device_challenges"][0]["device_uid"], device.to_string());
    // A pure selection notification is an "Empty response".
    let selected = json!({"component": "ak-stage-authenticator-validate",
                          "selected_challenge": r["device_challenges"][0]});
    let e = c.post(selected).await.json;
    assert_eq!(
        e["response_errors"]["non_field_errors"][0]["string"], "Empty response",
        "{e}"
    );
    assert_eq!(c.post(code("aaaabbbbcccc")).await.json, done());
    let (mut c, _) = at_validation(&app).await;
    assert_eq!(
        code_error(&c.post(code("aaaabbbbcccc")).await.json),
        INVALID
    );
    // The failure throttles the device for a second.
    clock.advance(chrono::Duration::seconds(1));
    assert_eq!(c.post(code("ddddeeeeffff")).await.json, done());
});

/// A `stage_configuration` flow with these stages, run by logged-in users.
async fn setup_flow(app: &TestApp, slug: &str, stages: &[Value]) {
    let extra = json!({"designation": "stage_configuration",
                       "authentication": "require_authenticated"});
    flow(app, slug, extra, stages).await;
}

db_test!(
    totp_and_static_setup_end_to_end,
    |app: TestApp| async move {
        let mut app = app;
        let clock = manual_clock(&mut app);
        login_flow(&app).await;
        user(&app, "ann", "Ann-pw-1").await;
        let totp = stage(
            &app,
            "stages/authenticator/totp",
            json!({"name": "totp-setup", "digits": "8"}),
        )
        .await;
        let fixed = stage(
            &app,
            "stages/authenticator/static",
            json!({"name": "static-setup", "token_count": 3, "token_length": 10}),
        )
        .await;
        setup_flow(&app, "setup-totp", &[totp]).await;
        setup_flow(&app, "setup-static", &[fixed]).await;

        let mut c = logged_in(&app, "ann", "Ann-pw-1").await;
        c.slug = "setup-totp".into();
        let r = c.get().await.json;
        assert_eq!(r["component"], "ak-stage-authenticator-totp", "{r}");
        let doc = castellan_web::openapi::document();
        assert_fits(&doc, &r, "ChallengeTypes", "totp challenge");
        let url = r["config_url"].as_str().unwrap().to_string();
        // The device stays the same on a second GET.
        assert_eq!(c.get().await.json["config_url"], json!(url));
        let now = app.store.now().timestamp();
        let peer = pyotp_url(&url, &[now]).await;
        assert_eq!(peer["digits"], 8);
        let name = peer["name"].as_str().unwrap();
        assert!(name.ends_with("ann"), "{peer}");
        assert!(!peer["issuer"].as_str().unwrap().is_empty(), "{peer}");
        let good = peer["codes"][0].as_str().unwrap().to_string();
        let bad = json!({"component": "ak-stage-authenticator-totp", "code": 12345678});
        let e = c.post(bad).await.json;
        assert_eq!(
            e["response_errors"]["code"][0]["string"], "Code does not match",
            "{e}"
        );
        let ok = json!({"component": "ak-stage-authenticator-totp", "code": good.parse::<u64>().unwrap()});
        assert_fits(&doc, &ok, "FlowChallengeResponseRequest", "totp response");
        assert_eq!(c.post(ok).await.json, done());

        c.slug = "setup-static".into();
        let r = c.get().await.json;
        assert_eq!(r["component"], "ak-stage-authenticator-static", "{r}");
        assert_fits(&doc, &r, "ChallengeTypes", "static challenge");
        let codes: Vec<String> = r["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        assert_eq!(codes.len(), 3);
        assert!(codes.iter().all(|c| c.len() == 10));
        let confirm = json!({"component": "ak-stage-authenticator-static"});
        assert_eq!(c.post(confirm).await.json, done());

        // Both devices validate: the setup code cannot be replayed, a static code can be used.
        mfa_login_flow(&app, json!({})).await;
        let (mut v, r) = at_validation(&app).await;
        let classes: Vec<&str> = r["device_challenges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["device_class"].as_str().unwrap())
            .collect();
        assert_eq!(classes, ["static", "totp"]);
        assert_eq!(code_error(&v.post(code(&good)).await.json), INVALID);
        // The failure throttled both devices for a second.
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(v.post(code(&codes[1])).await.json, done());
    }
);

db_test!(
    not_configured_deny_and_configure,
    |app: TestApp| async move {
        user(&app, "ann", "Ann-pw-1").await;
        let totp = stage(
            &app,
            "stages/authenticator/totp",
            json!({"name": "totp-setup", "digits": "6", "friendly_name": "Authenticator app"}),
        )
        .await;
        let fixed = stage(
            &app,
            "stages/authenticator/static",
            json!({"name": "static-setup"}),
        )
        .await;
        mfa_login_flow(&app, json!({"not_configured_action": "deny"})).await;
        let (_, r) = at_validation(&app).await;
        assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
        assert_eq!(
            r["error_message"],
            "No (allowed) MFA authenticator configured."
        );

        // One configuration stage: it runs next.
        let validate = crate::flow_support::stage_pk(&app, "m-validate").await;
        let path = format!("/api/v3/stages/authenticator/validate/{validate}/");
        let patch = json!({"not_configured_action": "configure", "configuration_stages": [totp]});
        let p = app.admin("PATCH", &path, Some(patch)).await;
        assert_eq!(p.status, 200, "{}", p.text);
        let (_, r) = at_validation(&app).await;
        assert_eq!(r["component"], "ak-stage-authenticator-totp", "{r}");

        // Several: the user picks one.
        let patch = json!({"configuration_stages": [totp, fixed]});
        let p = app.admin("PATCH", &path, Some(patch)).await;
        assert_eq!(p.status, 200, "{}", p.text);
        let (mut c, r) = at_validation(&app).await;
        assert_eq!(r["component"], "ak-stage-authenticator-validate", "{r}");
        assert_eq!(r["device_challenges"], json!([]));
        let offered = r["configuration_stages"].as_array().unwrap();
        assert_eq!(offered.len(), 2);
        let doc = castellan_web::openapi::document();
        assert_fits(&doc, &r, "ChallengeTypes", "configuration stages challenge");
        let totp_offer = offered.iter().find(|s| s["pk"] == totp).unwrap();
        assert_eq!(totp_offer["name"], "Authenticator app");
        assert_eq!(totp_offer["verbose_name"], "TOTP Authenticator");
        assert_eq!(
            totp_offer["meta_model_name"],
            "authentik_stages_authenticator_totp.authenticatortotpstage"
        );
        let bad = json!({"component": "ak-stage-authenticator-validate",
                     "selected_stage": "00000000-0000-0000-0000-000000000000"});
        let e = c.post(bad).await.json;
        assert!(e["response_errors"]["selected_stage"].is_array(), "{e}");
        let pick = json!({"component": "ak-stage-authenticator-validate", "selected_stage": fixed});
        let r = c.post(pick).await.json;
        assert_eq!(r["component"], "ak-stage-authenticator-static", "{r}");
    }
);

db_test!(last_used_is_latest_of_class, |app: TestApp| async move {
    let mut app = app;
    let clock = manual_clock(&mut app);
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let first = totp_device(&app, ann, "old phone").await;
    totp_device(&app, ann, "new phone").await;
    let fixed = static_device(&app, ann, &["aaaabbbbcccc"]).await;
    let mut conn = app.store.conn().await.unwrap();
    // The static device was used first; then the *second* TOTP device.
    let t0 = app.store.now();
    let t1 = t0 + chrono::Duration::minutes(5);
    castellan_store::devices::record_success(
        &mut conn,
        castellan_store::devices::STATIC_TABLE,
        fixed,
        t0,
    )
    .await
    .unwrap();
    let second = first + 1;
    castellan_store::devices::record_success(
        &mut conn,
        castellan_store::devices::TOTP_TABLE,
        second,
        t1,
    )
    .await
    .unwrap();
    drop(conn);
    clock.advance(chrono::Duration::minutes(10));
    mfa_login_flow(&app, json!({})).await;
    let (_, r) = at_validation(&app).await;
    let list = r["device_challenges"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{r}");
    let totp = list.iter().find(|d| d["device_class"] == "totp").unwrap();
    // The challenge names the first device but carries the class's latest use.
    assert_eq!(totp["device_uid"], first.to_string());
    let last: chrono::DateTime<chrono::Utc> = totp["last_used"].as_str().unwrap().parse().unwrap();
    assert_eq!(last, t1);
    let fixed_json = list.iter().find(|d| d["device_class"] == "static").unwrap();
    let last: chrono::DateTime<chrono::Utc> =
        fixed_json["last_used"].as_str().unwrap().parse().unwrap();
    assert_eq!(last, t0);
});

db_test!(device_classes_limit_devices, |app: TestApp| async move {
    let ann = user(&app, "ann", "Ann-pw-1").await;
    static_device(&app, ann, &["aaaabbbbcccc"]).await;
    let settings = json!({"device_classes": ["totp"], "not_configured_action": "deny"});
    mfa_login_flow(&app, settings).await;
    // A static device does not count for a TOTP-only stage.
    let (_, r) = at_validation(&app).await;
    assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
    assert_eq!(
        r["error_message"],
        "No (allowed) MFA authenticator configured."
    );
});

// A logged-in user running another flow with a validation stage (step-up, e.g. an application's
// authorization flow) is challenged: the stage falls back to the logged-in user when the plan
// has no pending user, as authentik's `get_pending_user` does.
db_test!(
    logged_in_users_are_challenged_by_later_flows,
    |app: TestApp| async move {
        let ann = user(&app, "ann", "Ann-pw-1").await;
        let device = totp_device(&app, ann, "phone").await;
        mfa_login_flow(&app, json!({"device_classes": ["totp"]})).await;
        let now = app.store.now().timestamp();
        let codes = pyotp_codes(&[now]).await;
        let (mut c, r) = at_validation(&app).await;
        assert_eq!(r["component"], "ak-stage-authenticator-validate", "{r}");
        assert_eq!(c.post(code(&codes[0])).await.json, done());

        let validate = stage(
            &app,
            "stages/authenticator/validate",
            json!({"name": "step-up-validate", "device_classes": ["totp"],
                   "not_configured_action": "deny"}),
        )
        .await;
        let extra =
            json!({"designation": "authorization", "authentication": "require_authenticated"});
        flow(&app, "step-up", extra, &[validate]).await;
        c.slug = "step-up".into();
        let r = c.get().await.json;
        assert_eq!(r["component"], "ak-stage-authenticator-validate", "{r}");
        assert_eq!(
            r["device_challenges"][0]["device_uid"],
            device.to_string(),
            "{r}"
        );
        let r = c.post(code("000000")).await.json;
        assert_eq!(r["response_errors"]["code"][0]["string"], INVALID, "{r}");
        let failed = events(&app, "login_failed").await;
        assert!(
            !failed.is_empty(),
            "a wrong step-up code records login_failed"
        );
    }
);

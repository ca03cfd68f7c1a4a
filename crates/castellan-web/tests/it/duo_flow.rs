//! Duo over the flow executor (spec §5.3, §5.7), against a local Duo Auth API server that
//! checks every signature: enrolment (enroll once per session, `enrollment_status`, waiting /
//! invalid / success, an already registered Duo user refused, bad credentials as a
//! configuration error) and Duo as second factor (allow, deny, API failures, others' devices).
use castellan_store::devices_duo;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::duo_support::{AuthMode, DuoServer, SKEY, duo_device, duo_server, duo_stage_body};
use crate::flow_prompt::{events, flow, logged_in, login_flow, stage};
use crate::flow_support::user;
use crate::mfa_support::mfa_login_flow;

const COMPONENT: &str = "ak-stage-authenticator-duo";

fn done() -> Value {
    json!({"component": "xak-flow-redirect", "to": "/"})
}

fn non_field(r: &Value) -> &str {
    r["response_errors"]["non_field_errors"][0]["string"]
        .as_str()
        .unwrap_or_default()
}

fn duo_error(r: &Value) -> &str {
    r["response_errors"]["duo"][0]["string"]
        .as_str()
        .unwrap_or_default()
}

async fn setup_flow(app: &TestApp, slug: &str, stages: &[Value]) {
    let extra = json!({"designation": "stage_configuration",
                       "authentication": "require_authenticated"});
    flow(app, slug, extra, stages).await;
}

/// `POST …/enrollment_status/` with the client's cookies.
async fn enrollment_status(
    app: &TestApp,
    c: &FlowClient<'_>,
    stage: &str,
) -> castellan_testkit::Response {
    let cookie = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let csrf = c.cookies.get("authentik_csrf").cloned().unwrap_or_default();
    app.send(
        "POST",
        &format!("/api/v3/stages/authenticator/duo/{stage}/enrollment_status/"),
        Some("{}"),
        &[("cookie", &cookie), ("x-authentik-csrf", &csrf)],
    )
    .await
}

db_test!(duo_enrollment_end_to_end, |app: TestApp| async move {
    let duo = duo_server().await;
    login_flow(&app).await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    user(&app, "bob", "Bob-pw-1").await;
    let setup = stage(
        &app,
        "stages/authenticator/duo",
        duo_stage_body("duo-setup", &duo, SKEY),
    )
    .await;
    let setup_pk = setup.as_str().unwrap().to_string();
    setup_flow(&app, "setup-duo", &[setup]).await;

    let mut c = logged_in(&app, "ann", "Ann-pw-1").await;
    c.slug = "setup-duo".into();
    let r = c.get().await.json;
    assert_eq!(r["component"], COMPONENT, "{r}");
    assert_eq!(r["activation_code"], "duo://ann-activation", "{r}");
    assert_eq!(
        r["activation_barcode"],
        "https://api-test.duosecurity.com/frame/qr?value=duo%3A%2F%2Fann"
    );
    assert_eq!(r["stage_uuid"], json!(setup_pk));
    let doc = castellan_web::openapi::document();
    assert_fits(&doc, &r, "ChallengeTypes", "duo challenge");
    let response = json!({"component": COMPONENT});
    assert_fits(
        &doc,
        &response,
        "FlowChallengeResponseRequest",
        "duo response",
    );
    // Enrolled once per session, with the username.
    assert_eq!(
        c.get().await.json["activation_code"],
        "duo://ann-activation"
    );
    let enrolls = duo.seen("/auth/v2/enroll");
    assert_eq!(enrolls.len(), 1);
    assert_eq!(
        enrolls[0].params,
        vec![("username".to_string(), "ann".to_string())]
    );

    // The page polls the status of the session's enrolment; still waiting: refused.
    let s = enrollment_status(&app, &c, &setup_pk).await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(s.json, json!({"duo_response": "waiting"}));
    assert_fits(&doc, &s.json, "DuoDeviceEnrollmentStatus", "status");
    let e = c.post(response.clone()).await.json;
    assert_eq!(non_field(&e), "Invalid enrollment status: waiting.", "{e}");
    assert_eq!(e["activation_code"], "duo://ann-activation");
    let checks = duo.seen("/auth/v2/enroll_status");
    assert_eq!(
        checks[0].params,
        vec![
            (
                "activation_code".to_string(),
                "duo://ann-activation".to_string()
            ),
            ("user_id".to_string(), "DU-ann".to_string()),
        ]
    );

    // Without an enrolment in the session there is nothing to check.
    let anonymous = app
        .send(
            "POST",
            &format!("/api/v3/stages/authenticator/duo/{setup_pk}/enrollment_status/"),
            Some("{}"),
            &[],
        )
        .await;
    assert_eq!(anonymous.status, 400, "{}", anonymous.text);
    let unknown = enrollment_status(&app, &c, "00000000-0000-0000-0000-000000000001").await;
    assert_eq!(unknown.status, 404);

    // Activated: the device is saved.
    duo.set_status("success");
    let s = enrollment_status(&app, &c, &setup_pk).await;
    assert_eq!(s.json, json!({"duo_response": "success"}));
    assert_eq!(c.post(response.clone()).await.json, done());
    let mut conn = app.store.conn().await.unwrap();
    let saved = devices_duo::list(&mut conn, Some(ann), false)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].common.name, "Duo Authenticator");
    assert_eq!(saved[0].duo_user_id, "DU-ann");
    assert_eq!(saved[0].stage.to_string(), setup_pk);
    assert!(saved[0].common.confirmed);

    // Bob's enrolment comes back with Ann's Duo user id: refused, nothing saved.
    duo.state.lock().unwrap().enroll_user_id = Some("DU-ann".into());
    let mut b = logged_in(&app, "bob", "Bob-pw-1").await;
    b.slug = "setup-duo".into();
    assert_eq!(b.get().await.json["component"], COMPONENT);
    let e = b.post(response.clone()).await.json;
    assert_eq!(
        non_field(&e),
        "Device with Credential ID already exists.",
        "{e}"
    );

    // An invalid enrolment is refused.
    duo.state.lock().unwrap().enroll_user_id = None;
    duo.set_status("invalid");
    let mut b = logged_in(&app, "bob", "Bob-pw-1").await;
    b.slug = "setup-duo".into();
    assert_eq!(
        b.get().await.json["activation_code"],
        "duo://bob-activation"
    );
    let e = b.post(response).await.json;
    assert_eq!(non_field(&e), "Invalid enrollment status: invalid.", "{e}");
    let mut conn = app.store.conn().await.unwrap();
    assert_eq!(
        devices_duo::list(&mut conn, None, false)
            .await
            .unwrap()
            .len(),
        1
    );
    drop(conn);

    // Every request carried a valid signature.
    assert!(duo.seen("/auth/v2/enroll").iter().all(|s| s.signed));
    assert!(duo.seen("/auth/v2/enroll_status").iter().all(|s| s.signed));
});

db_test!(
    duo_bad_credentials_are_a_configuration_error,
    |app: TestApp| async move {
        let duo = duo_server().await;
        login_flow(&app).await;
        user(&app, "ann", "Ann-pw-1").await;
        let setup = stage(
            &app,
            "stages/authenticator/duo",
            duo_stage_body("duo-wrong", &duo, "not-the-secret"),
        )
        .await;
        setup_flow(&app, "setup-duo", &[setup]).await;
        let mut c = logged_in(&app, "ann", "Ann-pw-1").await;
        c.slug = "setup-duo".into();
        let r = c.get().await.json;
        assert_eq!(r["component"], "ak-stage-flow-error", "{r}");
        // The server refused the signature with Duo's 401.
        let seen = duo.seen("/auth/v2/enroll");
        assert_eq!(seen.len(), 1);
        assert!(!seen[0].signed);
        let errors = events(&app, "configuration_error").await;
        assert_eq!(errors.len(), 1, "{errors:?}");
        let message = errors[0]["context"]["message"].as_str().unwrap();
        assert!(message.starts_with("Failed to enroll user:"), "{message}");
        assert!(message.contains("40103"), "{message}");
    }
);

fn duo_response(pk: i64) -> Value {
    json!({"component": "ak-stage-authenticator-validate", "duo": pk})
}

async fn at_validation(app: &TestApp) -> (FlowClient<'_>, Value) {
    let mut c = FlowClient::new(app, "mfa-login");
    let r = c.login("ann", "Ann-pw-1").await;
    (c, r)
}

db_test!(duo_as_second_factor, |app: TestApp| async move {
    let duo: DuoServer = duo_server().await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let bob = user(&app, "bob", "Bob-pw-1").await;
    let setup = stage(
        &app,
        "stages/authenticator/duo",
        duo_stage_body("duo-setup", &duo, SKEY),
    )
    .await;
    let setup = setup.as_str().unwrap().to_string();
    let device = duo_device(&app, ann, &setup, "DU-ann").await;
    let bobs = duo_device(&app, bob, &setup, "DU-bob").await;
    mfa_login_flow(&app, json!({"device_classes": ["duo"]})).await;
    let doc = castellan_web::openapi::document();

    // The challenge offers the Duo device; Duo allows the push.
    let (mut c, r) = at_validation(&app).await;
    assert_eq!(r["component"], "ak-stage-authenticator-validate", "{r}");
    assert_eq!(
        r["device_challenges"],
        json!([{"device_class": "duo", "device_uid": device.to_string(), "challenge": {},
                "last_used": null}])
    );
    assert_fits(&doc, &r, "ChallengeTypes", "validation challenge");
    assert_fits(
        &doc,
        &duo_response(device),
        "FlowChallengeResponseRequest",
        "duo",
    );
    assert_eq!(c.post(duo_response(device)).await.json, done());
    let auths = duo.seen("/auth/v2/auth");
    assert_eq!(auths.len(), 1);
    assert!(auths[0].signed);
    let p = |k: &str| {
        auths[0]
            .params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(p("user_id"), "DU-ann");
    assert_eq!(p("factor"), "auto");
    assert_eq!(p("device"), "auto");
    assert_eq!(p("display_username"), "ann");
    assert!(!p("ipaddr").is_empty());
    assert!(p("type").ends_with(" Login request"), "{}", p("type"));
    assert!(p("pushinfo").starts_with("Domain="), "{}", p("pushinfo"));
    let login = events(&app, "login").await;
    let args = &login[0]["context"]["auth_method_args"];
    assert_eq!(
        args["mfa_devices"][0],
        json!({"app": "authentik_stages_authenticator_duo", "model_name": "duodevice",
               "pk": device, "name": "Duo Authenticator"}),
        "{}",
        login[0]
    );
    // The password stage set the method; the validation stage only appends the device.
    assert_eq!(login[0]["context"]["auth_method"], "password");
    let mut conn = app.store.conn().await.unwrap();
    let stored = devices_duo::get(&mut conn, device).await.unwrap().unwrap();
    assert!(stored.common.last_used.is_some());
    assert!(stored.last_t.is_some());
    drop(conn);

    // Duo denies: refused, a failed login.
    duo.set_auth(AuthMode::Deny);
    let (mut c, _) = at_validation(&app).await;
    let r = c.post(duo_response(device)).await.json;
    assert_eq!(duo_error(&r), "Duo denied access", "{r}");
    assert_eq!(events(&app, "login_failed").await.len(), 1);

    // Bob's device is not Ann's: nothing is sent to Duo.
    let before = duo.seen("/auth/v2/auth").len();
    let r = c.post(duo_response(bobs)).await.json;
    assert_eq!(duo_error(&r), "Invalid device", "{r}");
    assert_eq!(duo.seen("/auth/v2/auth").len(), before);

    // API failures (a FAIL answer, an HTTP 500) are configuration errors, shown as a denial.
    duo.set_auth(AuthMode::Fail);
    let r = c.post(duo_response(device)).await.json;
    assert_eq!(duo_error(&r), "Duo denied access", "{r}");
    duo.set_auth(AuthMode::Crash);
    let r = c.post(duo_response(device)).await.json;
    assert_eq!(duo_error(&r), "Duo denied access", "{r}");
    let errors = events(&app, "configuration_error").await;
    assert_eq!(errors.len(), 2, "{errors:?}");
    for e in &errors {
        let message = e["context"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("Failed to DUO authenticate user:"),
            "{message}"
        );
    }
    // Still at the validation stage: Duo allows again, the login completes.
    duo.set_auth(AuthMode::Allow);
    assert_eq!(c.post(duo_response(device)).await.json, done());
    assert!(duo.seen("/auth/v2/auth").iter().all(|s| s.signed));
});

db_test!(
    duo_not_in_device_classes_is_ignored,
    |app: TestApp| async move {
        let duo = duo_server().await;
        let ann = user(&app, "ann", "Ann-pw-1").await;
        let setup = stage(
            &app,
            "stages/authenticator/duo",
            duo_stage_body("duo-setup", &duo, SKEY),
        )
        .await;
        duo_device(&app, ann, setup.as_str().unwrap(), "DU-ann").await;
        mfa_login_flow(
            &app,
            json!({"device_classes": ["totp"], "not_configured_action": "deny"}),
        )
        .await;
        let (_, r) = at_validation(&app).await;
        assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
        assert!(duo.seen("/auth/v2/auth").is_empty());
    }
);

//! SMS authenticators over the flow executor (spec §5.3, §5.8) against a local gateway:
//! enrolment with the generic webhook (bearer and basic auth) and with Twilio's API, verify-only
//! devices storing a hash, duplicate numbers refused, gateway errors surfacing as stage errors
//! and `configuration_error` events, and SMS as a second factor (code sent on selection, wrong,
//! expired and replayed codes refused).
use base64::Engine;
use castellan_store::devices_sms;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::flow_prompt::{events, flow, logged_in, login_flow};
use crate::flow_support::user;
use crate::mfa_support::{code, manual_clock, mfa_login_flow};
use crate::sms_support::{Gateway, form, gateway, sms_device, sms_stage, use_twilio_at};

const INVALID: &str =
    "Invalid Token. Please ensure the time on your device is accurate and try again.";
const COMPONENT: &str = "ak-stage-authenticator-sms";

pub fn done() -> Value {
    json!({"component": "xak-flow-redirect", "to": "/"})
}

pub fn phone(number: &str) -> Value {
    json!({"component": COMPONENT, "phone_number": number})
}

pub fn sms_code(code: &str) -> Value {
    json!({"component": COMPONENT, "code": code})
}

pub fn error(r: &Value, field: &str) -> String {
    r["response_errors"][field][0]["string"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A `stage_configuration` flow `slug` with the SMS stage, run by logged-in users.
pub async fn setup_flow(app: &TestApp, slug: &str, stage: &Value) {
    let extra = json!({"designation": "stage_configuration",
                       "authentication": "require_authenticated"});
    flow(app, slug, extra, std::slice::from_ref(stage)).await;
}

/// Logs `username` in and opens the setup flow `slug`; returns the client and its challenge.
pub async fn enrolling<'a>(
    app: &'a TestApp,
    username: &str,
    pw: &str,
    slug: &str,
) -> (FlowClient<'a>, Value) {
    let mut c = logged_in(app, username, pw).await;
    c.slug = slug.into();
    let r = c.get().await.json;
    (c, r)
}

pub async fn stored(app: &TestApp, user: i64) -> Vec<castellan_core::mfa::SmsDevice> {
    let mut conn = app.store.conn().await.unwrap();
    devices_sms::list(&mut conn, Some(user), false)
        .await
        .unwrap()
}

db_test!(generic_bearer_enrolment, |app: TestApp| async move {
    let gw = gateway().await;
    login_flow(&app).await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    user(&app, "bob", "Bob-pw-1").await;
    let stage = sms_stage(&app, &gw, "sms-setup", json!({})).await;
    setup_flow(&app, "setup-sms", &stage).await;

    let (mut c, r) = enrolling(&app, "ann", "Ann-pw-1", "setup-sms").await;
    assert_eq!(r["component"], COMPONENT, "{r}");
    assert_eq!(r["phone_number_required"], true, "{r}");
    let doc = castellan_web::openapi::document();
    assert_fits(&doc, &r, "ChallengeTypes", "sms challenge");
    assert_fits(&doc, &phone("+1"), "FlowChallengeResponseRequest", "phone");
    assert_eq!(gw.count(), 0);

    // A response without number or code is refused.
    let r = c.post(json!({"component": COMPONENT})).await.json;
    assert_eq!(
        error(&r, "non_field_errors"),
        "phone_number required",
        "{r}"
    );

    // The number gets a code through the webhook.
    let r = c.post(phone("+15550101")).await.json;
    assert_eq!(r["component"], COMPONENT, "{r}");
    assert_eq!(r["phone_number_required"], false, "{r}");
    assert_eq!(gw.count(), 1);
    let seen = gw.last();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/webhook");
    assert_eq!(seen.authorization, "Bearer tok");
    assert!(
        seen.content_type.starts_with("application/json"),
        "{seen:?}"
    );
    let body: Value = serde_json::from_str(&seen.body).unwrap();
    let sent = body["Body"].as_str().unwrap().to_string();
    assert_eq!(sent.len(), 6);
    assert!(sent.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        body,
        json!({"From": "+15550000", "To": "+15550101", "Body": sent,
               "Message": format!("Use this code to authenticate in authentik: {sent}")})
    );

    // A wrong code is refused and nothing is saved.
    let wrong = if sent == "000000" { "111111" } else { "000000" };
    let r = c.post(sms_code(wrong)).await.json;
    assert_eq!(error(&r, "non_field_errors"), "Code does not match", "{r}");
    assert!(stored(&app, ann).await.is_empty());

    // The right code saves the device.
    assert_fits(
        &doc,
        &json!({"component": COMPONENT, "code": 123456}),
        "FlowChallengeResponseRequest",
        "code",
    );
    assert_eq!(c.post(sms_code(&sent)).await.json, done());
    let devices = stored(&app, ann).await;
    assert_eq!(devices.len(), 1);
    let d = &devices[0];
    assert_eq!(d.phone_number, "+15550101");
    assert_eq!(d.common.name, "SMS Device");
    assert!(d.common.confirmed);
    assert_eq!(d.stage.to_string(), stage.as_str().unwrap());
    assert_eq!(d.token, None);

    // The same number cannot be enrolled again on this stage; no SMS is sent.
    let (mut b, _) = enrolling(&app, "bob", "Bob-pw-1", "setup-sms").await;
    let r = b.post(phone("+15550101")).await.json;
    assert_eq!(error(&r, "non_field_errors"), "Invalid phone number", "{r}");
    assert_eq!(r["phone_number_required"], true, "{r}");
    assert_eq!(gw.count(), 1);
});

db_test!(
    verify_only_basic_auth_hashes_the_number,
    |app: TestApp| async move {
        let gw = gateway().await;
        login_flow(&app).await;
        let ann = user(&app, "ann", "Ann-pw-1").await;
        user(&app, "bob", "Bob-pw-1").await;
        let settings = json!({"auth_type": "basic", "auth": "gw-user", "auth_password": "gw-pass",
                          "verify_only": true});
        let stage = sms_stage(&app, &gw, "sms-verify", settings).await;
        setup_flow(&app, "setup-sms", &stage).await;

        let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-sms").await;
        c.post(phone("+15550202")).await;
        let seen = gw.last();
        let basic = base64::engine::general_purpose::STANDARD.encode("gw-user:gw-pass");
        assert_eq!(seen.authorization, format!("Basic {basic}"));
        let sent = gw.last_code();
        assert_eq!(c.post(sms_code(&sent)).await.json, done());
        let devices = stored(&app, ann).await;
        assert_eq!(
            devices[0].phone_number,
            castellan_crypto::side_channel::hash_phone_number("+15550202")
        );
        assert!(devices[0].phone_number.starts_with("hash:"));

        // The hash still blocks the number on this stage.
        let (mut b, _) = enrolling(&app, "bob", "Bob-pw-1", "setup-sms").await;
        let r = b.post(phone("+15550202")).await.json;
        assert_eq!(error(&r, "non_field_errors"), "Invalid phone number", "{r}");

        // A verify-only device is never offered for login: the stage is skipped.
        mfa_login_flow(&app, json!({"device_classes": ["sms"]})).await;
        let mut v = FlowClient::new(&app, "mfa-login");
        assert_eq!(v.login("ann", "Ann-pw-1").await, done());
    }
);

db_test!(
    twilio_enrolment_and_gateway_errors,
    |app: TestApp| async move {
        let mut app = app;
        let gw = gateway().await;
        use_twilio_at(&mut app, &gw.base);
        login_flow(&app).await;
        let ann = user(&app, "ann", "Ann-pw-1").await;
        let settings = json!({"provider": "twilio", "account_sid": "AC0123", "auth": "twilio-token",
                          "auth_type": "basic"});
        let stage = sms_stage(&app, &gw, "sms-twilio", settings).await;
        setup_flow(&app, "setup-twilio", &stage).await;

        // Twilio refuses the number (400): the stage shows its message, an event records the body.
        let refusal = r#"{"code": 21211, "message": "The 'To' number 12 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
        gw.fail_with(Some((400, refusal)));
        let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-twilio").await;
        let r = c.post(phone("12")).await.json;
        assert_eq!(
            error(&r, "non_field_errors"),
            "Unable to create record: The 'To' number 12 is not a valid phone number.",
            "{r}"
        );
        assert_eq!(r["phone_number_required"], true, "{r}");
        let failures = events(&app, "configuration_error").await;
        assert_eq!(failures.len(), 1, "{failures:?}");
        let ctx = &failures[0]["context"];
        assert_eq!(ctx["message"], "Error sending SMS");
        assert_eq!(ctx["status_code"], 400);
        assert_eq!(ctx["body"], refusal);
        assert_eq!(failures[0]["user"]["username"], "ann", "{}", failures[0]);

        // Accepted (201): the form reaches the account's Messages resource with basic auth.
        gw.fail_with(None);
        let r = c.post(phone("+15550303")).await.json;
        assert_eq!(r["phone_number_required"], false, "{r}");
        let seen = gw.last();
        assert_eq!(seen.method, "POST");
        assert_eq!(seen.path, "/2010-04-01/Accounts/AC0123/Messages.json");
        let basic = base64::engine::general_purpose::STANDARD.encode("AC0123:twilio-token");
        assert_eq!(seen.authorization, format!("Basic {basic}"));
        assert!(
            seen.content_type
                .starts_with("application/x-www-form-urlencoded"),
            "{seen:?}"
        );
        let fields = form(&seen.body);
        let get = |k: &str| {
            fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(get("To"), "+15550303");
        assert_eq!(get("From"), "+15550000");
        let sent = gw.last_code();
        assert_eq!(
            get("Body"),
            format!("Use this code to authenticate in authentik: {sent}")
        );
        assert_eq!(c.post(sms_code(&sent)).await.json, done());
        assert_eq!(stored(&app, ann).await[0].phone_number, "+15550303");
    }
);

db_test!(generic_error_surfaces_the_body, |app: TestApp| async move {
    let gw = gateway().await;
    login_flow(&app).await;
    user(&app, "ann", "Ann-pw-1").await;
    let stage = sms_stage(&app, &gw, "sms-setup", json!({})).await;
    setup_flow(&app, "setup-sms", &stage).await;
    gw.fail_with(Some((401, r#"{"error": "bad token"}"#)));
    let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-sms").await;
    let r = c.post(phone("+15550404")).await.json;
    assert_eq!(
        error(&r, "non_field_errors"),
        r#"{"error": "bad token"}"#,
        "{r}"
    );
    let failures = events(&app, "configuration_error").await;
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["context"]["status_code"], 401);

    // A gateway that cannot be reached is a stage error too, not a hanging flow.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/webhook", closed.local_addr().unwrap());
    drop(closed);
    let stage = sms_stage(&app, &gw, "sms-dead", json!({"account_sid": dead})).await;
    setup_flow(&app, "setup-dead", &stage).await;
    let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-dead").await;
    let started = std::time::Instant::now();
    let r = c.post(phone("+15550405")).await.json;
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    let message = error(&r, "non_field_errors");
    assert!(
        message.starts_with("Failed to send SMS: request failed"),
        "{r}"
    );
    let failures = events(&app, "configuration_error").await;
    assert_eq!(failures.len(), 2);
    assert!(
        failures
            .iter()
            .any(|e| e["context"]["status_code"].is_null()),
        "{failures:?}"
    );
});

/// Starts `mfa-login` as ann; returns the client at the validation challenge.
pub async fn at_validation(app: &TestApp) -> (FlowClient<'_>, Value) {
    let mut c = FlowClient::new(app, "mfa-login");
    let r = c.login("ann", "Ann-pw-1").await;
    (c, r)
}

pub fn select(device: i64) -> Value {
    json!({"component": "ak-stage-authenticator-validate",
           "selected_challenge": {"device_class": "sms", "device_uid": device.to_string(),
                                  "challenge": {}, "last_used": null}})
}

fn code_error(r: &Value) -> String {
    error(r, "code")
}

async fn second_factor_gateway(app: &TestApp, gw: &Gateway, ann: i64) -> i64 {
    let stage = sms_stage(app, gw, "sms-setup", json!({})).await;
    // Another user's verify-only device of the same stage changes nothing for ann.
    let bob = user(app, "bob", "Bob-pw-1").await;
    let hashed = castellan_crypto::side_channel::hash_phone_number("+15550999");
    sms_device(app, bob, &stage, &hashed).await;
    sms_device(app, ann, &stage, "+15550505").await
}

db_test!(sms_second_factor, |app: TestApp| async move {
    let mut app = app;
    let clock = manual_clock(&mut app);
    let gw = gateway().await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let device = second_factor_gateway(&app, &gw, ann).await;
    mfa_login_flow(&app, json!({"device_classes": ["sms", "totp"]})).await;

    let (mut c, r) = at_validation(&app).await;
    assert_eq!(
        r["device_challenges"],
        json!([{"device_class": "sms", "device_uid": device.to_string(), "challenge": {},
                "last_used": null}]),
        "{r}"
    );
    let doc = castellan_web::openapi::document();
    assert_fits(
        &doc,
        &select(device),
        "FlowChallengeResponseRequest",
        "selection",
    );
    assert_eq!(gw.count(), 0);

    // Selecting the SMS challenge sends a code (the answer is the usual "Empty response").
    let r = c.post(select(device)).await.json;
    assert_eq!(error(&r, "non_field_errors"), "Empty response", "{r}");
    assert_eq!(gw.count(), 1);
    let seen = gw.last();
    let body: Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(body["To"], "+15550505");
    let sent = gw.last_code();

    // A wrong code fails (login_failed) and throttles the device for a second.
    let wrong = if sent == "000000" { "111111" } else { "000000" };
    assert_eq!(code_error(&c.post(code(wrong)).await.json), INVALID);
    assert_eq!(events(&app, "login_failed").await.len(), 1);
    assert_eq!(code_error(&c.post(code(&sent)).await.json), INVALID);
    clock.advance(chrono::Duration::seconds(2));
    assert_eq!(c.post(code(&sent)).await.json, done());
    let login = events(&app, "login").await;
    let args = &login[0]["context"]["auth_method_args"];
    assert_eq!(
        args["mfa_devices"][0],
        json!({"app": "authentik_stages_authenticator_sms", "model_name": "smsdevice",
               "pk": device, "name": "SMS Device"}),
        "{}",
        login[0]
    );
    let mut conn = app.store.conn().await.unwrap();
    let d = devices_sms::get(&mut conn, device).await.unwrap().unwrap();
    assert_eq!(d.token, None);
    assert!(d.common.last_used.is_some());
    drop(conn);

    // The code is single use.
    let (mut c, _) = at_validation(&app).await;
    assert_eq!(code_error(&c.post(code(&sent)).await.json), INVALID);

    // A fresh code expires after 300 seconds.
    clock.advance(chrono::Duration::seconds(2));
    c.post(select(device)).await;
    assert_eq!(gw.count(), 2);
    let late = gw.last_code();
    clock.advance(chrono::Duration::seconds(301));
    assert_eq!(code_error(&c.post(code(&late)).await.json), INVALID);

    // The next one, used in time, passes.
    clock.advance(chrono::Duration::seconds(2));
    c.post(select(device)).await;
    let fresh = gw.last_code();
    clock.advance(chrono::Duration::seconds(299));
    assert_eq!(c.post(code(&fresh)).await.json, done());
});

db_test!(sms_send_failure_on_selection, |app: TestApp| async move {
    let gw = gateway().await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let device = second_factor_gateway(&app, &gw, ann).await;
    mfa_login_flow(&app, json!({})).await;
    let (mut c, _) = at_validation(&app).await;
    gw.fail_with(Some((503, "gateway down")));
    let r = c.post(select(device)).await.json;
    assert_eq!(error(&r, "selected_challenge"), "gateway down", "{r}");
    assert_eq!(events(&app, "configuration_error").await.len(), 1);
    // A selection naming another device is refused without sending.
    let r = c.post(select(device + 100)).await.json;
    assert_eq!(
        error(&r, "selected_challenge"),
        "invalid challenge selected",
        "{r}"
    );
    assert_eq!(gw.count(), 1);
});

db_test!(
    prompted_phone_gets_the_code_at_once,
    |app: TestApp| async move {
        let gw = gateway().await;
        login_flow(&app).await;
        let ann = user(&app, "ann", "Ann-pw-1").await;
        user(&app, "bob", "Bob-pw-1").await;
        let field = crate::flow_prompt::prompt(
            &app,
            "phone-field",
            json!({"field_key": "phone", "type": "text", "required": true}),
        )
        .await;
        let ask = crate::flow_prompt::stage(
            &app,
            "stages/prompt/stages",
            json!({"name": "ask-phone", "fields": [field]}),
        )
        .await;
        let sms = sms_stage(&app, &gw, "sms-setup", json!({})).await;
        let extra = json!({"designation": "stage_configuration",
                       "authentication": "require_authenticated"});
        flow(&app, "setup-prompted", extra, &[ask, sms]).await;

        // The prompt's number is used at once: no number asked, the code already sent.
        let (mut c, r) = enrolling(&app, "ann", "Ann-pw-1", "setup-prompted").await;
        assert_eq!(r["component"], "ak-stage-prompt", "{r}");
        let r = c
            .post(json!({"component": "ak-stage-prompt", "phone": "+15550901"}))
            .await
            .json;
        assert_eq!(r["component"], COMPONENT, "{r}");
        assert_eq!(r["phone_number_required"], false, "{r}");
        assert_eq!(gw.count(), 1);
        let body: Value = serde_json::from_str(&gw.last().body).unwrap();
        assert_eq!(body["To"], "+15550901");
        // A second GET does not send again.
        assert_eq!(c.get().await.json["phone_number_required"], false);
        assert_eq!(gw.count(), 1);
        assert_eq!(c.post(sms_code(&gw.last_code())).await.json, done());
        assert_eq!(stored(&app, ann).await[0].phone_number, "+15550901");

        // A prompted number that is taken is dropped: the stage asks for one, nothing is sent.
        let (mut b, _) = enrolling(&app, "bob", "Bob-pw-1", "setup-prompted").await;
        let r = b
            .post(json!({"component": "ak-stage-prompt", "phone": "+15550901"}))
            .await
            .json;
        assert_eq!(r["component"], COMPONENT, "{r}");
        assert_eq!(r["phone_number_required"], true, "{r}");
        assert_eq!(gw.count(), 1);
    }
);

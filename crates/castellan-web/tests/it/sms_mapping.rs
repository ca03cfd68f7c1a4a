//! The generic SMS provider's payload built by the stage's NotificationWebhookMapping (spec
//! §5.8): the gateway receives exactly the mapping's dict (enrolment and the validation stage's
//! code), with `user`, `device`, `token` and `stage` as authentik passes them; a mapping that
//! raises or returns something else than a dict sends nothing, shows a stage error and records
//! a `configuration_error` event without the gateway credentials.
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_prompt::{events, login_flow};
use crate::flow_support::user;
use crate::mfa_support::{code, mfa_login_flow};
use crate::propertymappings_notification::webhook_mapping;
use crate::sms_flow::{
    at_validation, done, enrolling, error, phone, select, setup_flow, sms_code, stored,
};
use crate::sms_support::{gateway, sms_stage, use_twilio_at};

const PAYLOAD: &str = r#"return {"to": device.phone_number, "text": "code " + token,
        "user": user.username, "stage": stage.name, "from": stage.from_number,
        "device": device.name, "owner": device.user.username,
        "anonymous": request.http_request is None}"#;

const MAPPING_FAILED: &str = "Failed to send SMS: error in the message payload mapping.";

/// The code inside a mapped payload's `"text": "code <digits>"`.
fn mapped_code(body: &Value) -> String {
    body["text"]
        .as_str()
        .and_then(|t| t.strip_prefix("code "))
        .unwrap_or_else(|| panic!("mapped text: {body}"))
        .to_string()
}

db_test!(sms_mapping_builds_the_payload, |app: TestApp| async move {
    let gw = gateway().await;
    login_flow(&app).await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let m = webhook_mapping(&app, "sms payload", PAYLOAD).await;
    let stage = sms_stage(&app, &gw, "sms-mapped", json!({"mapping": m["pk"]})).await;
    setup_flow(&app, "setup-sms", &stage).await;

    // Enrolment: the gateway receives the mapping's dict and nothing else.
    let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-sms").await;
    let r = c.post(phone("+15550111")).await.json;
    assert_eq!(r["phone_number_required"], false, "{r}");
    assert_eq!(gw.count(), 1);
    let seen = gw.last();
    assert_eq!(seen.path, "/webhook");
    assert_eq!(seen.authorization, "Bearer tok");
    assert!(
        seen.content_type.starts_with("application/json"),
        "{seen:?}"
    );
    let body: Value = serde_json::from_str(&seen.body).unwrap();
    let sent = mapped_code(&body);
    assert_eq!(sent.len(), 6);
    assert_eq!(
        body,
        json!({"to": "+15550111", "text": format!("code {sent}"), "user": "ann",
               "stage": "sms-mapped", "from": "+15550000", "device": "SMS Device",
               "owner": "ann", "anonymous": true})
    );
    assert!(events(&app, "configuration_error").await.is_empty());

    // The mapped code confirms the device.
    assert_eq!(c.post(sms_code(&sent)).await.json, done());
    let devices = stored(&app, ann).await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].phone_number, "+15550111");

    // The validation stage's code goes through the mapping too.
    let device = devices[0].common.pk;
    mfa_login_flow(&app, json!({"device_classes": ["sms"]})).await;
    let (mut v, _) = at_validation(&app).await;
    v.post(select(device)).await;
    assert_eq!(gw.count(), 2);
    let body: Value = serde_json::from_str(&gw.last().body).unwrap();
    let login_code = mapped_code(&body);
    assert_eq!(body["to"], "+15550111", "{body}");
    assert_eq!(body["user"], "ann", "{body}");
    assert_eq!(body["stage"], "sms-mapped", "{body}");
    assert_eq!(v.post(code(&login_code)).await.json, done());
});

db_test!(
    sms_mapping_failures_send_nothing,
    |app: TestApp| async move {
        let mut app = app;
        let gw = gateway().await;
        use_twilio_at(&mut app, &gw.base);
        login_flow(&app).await;
        let ann = user(&app, "ann", "Ann-pw-1").await;
        let secret = "gw-secret-token-4711";
        let raising = webhook_mapping(
            &app,
            "raising",
            "raise ValueError('no payload for ' + device.phone_number)",
        )
        .await;
        let settings = json!({"mapping": raising["pk"], "auth": secret});
        let stage = sms_stage(&app, &gw, "sms-broken", settings).await;
        setup_flow(&app, "setup-sms", &stage).await;

        // A raising mapping: a stage error, nothing sent or stored, an event.
        let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-sms").await;
        let r = c.post(phone("+15550222")).await.json;
        assert_eq!(error(&r, "non_field_errors"), MAPPING_FAILED, "{r}");
        assert_eq!(r["phone_number_required"], true, "{r}");
        assert_eq!(gw.count(), 0);
        assert!(stored(&app, ann).await.is_empty());
        let failures = events(&app, "configuration_error").await;
        assert_eq!(failures.len(), 1, "{failures:?}");
        let ctx = &failures[0]["context"];
        assert_eq!(
            ctx["message"], "Failed to evaluate property-mapping: 'raising'",
            "{ctx}"
        );
        assert_eq!(ctx["mapping"]["model_name"], "notificationwebhookmapping");
        assert_eq!(ctx["mapping"]["pk"], raising["pk"]);
        let detail = ctx["error"].as_str().unwrap();
        assert!(detail.contains("no payload for +15550222"), "{ctx}");
        assert_eq!(failures[0]["user"]["username"], "ann", "{}", failures[0]);
        assert!(!failures[0].to_string().contains(secret), "{}", failures[0]);
        assert!(!r.to_string().contains(secret), "{r}");

        // A mapping that returns something else than a dict fails the same way.
        let text = webhook_mapping(&app, "text", "return 'code ' + token").await;
        let path = format!(
            "/api/v3/stages/authenticator/sms/{}/",
            stage.as_str().unwrap()
        );
        let r = app
            .admin("PATCH", &path, Some(json!({"mapping": text["pk"]})))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        // A new run of the flow plans the changed stage.
        let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-sms").await;
        let r = c.post(phone("+15550222")).await.json;
        assert_eq!(error(&r, "non_field_errors"), MAPPING_FAILED, "{r}");
        assert_eq!(gw.count(), 0);
        let failures = events(&app, "configuration_error").await;
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(
            failures.iter().any(|e| e["context"]["error"]
                .as_str()
                .is_some_and(|m| m.contains("not a dictionary"))),
            "{failures:?}"
        );

        // A mapping that tries to reach the credentials learns nothing about them.
        let peek = webhook_mapping(&app, "peek", "return {'auth': stage.auth}").await;
        app.admin("PATCH", &path, Some(json!({"mapping": peek["pk"]})))
            .await;
        // A new run of the flow plans the changed stage.
        let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-sms").await;
        let r = c.post(phone("+15550222")).await.json;
        assert_eq!(error(&r, "non_field_errors"), MAPPING_FAILED, "{r}");
        assert_eq!(gw.count(), 0);
        let failures = events(&app, "configuration_error").await;
        assert_eq!(failures.len(), 3, "{failures:?}");
        assert!(!format!("{failures:?}").contains(secret));

        // Without the mapping the default payload is sent again.
        let r = app
            .admin("PATCH", &path, Some(json!({"mapping": null})))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        // A new run of the flow plans the changed stage.
        let (mut c, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-sms").await;
        let r = c.post(phone("+15550222")).await.json;
        assert_eq!(r["phone_number_required"], false, "{r}");
        assert_eq!(gw.count(), 1);
        let body: Value = serde_json::from_str(&gw.last().body).unwrap();
        assert_eq!(body["To"], "+15550222", "{body}");
        assert_eq!(gw.last().authorization, format!("Bearer {secret}"));

        // A Twilio stage ignores the mapping (it only shapes the generic payload).
        let settings = json!({"provider": "twilio", "account_sid": "AC0123", "auth": "t",
                          "auth_type": "basic", "mapping": raising["pk"]});
        let twilio = sms_stage(&app, &gw, "sms-twilio", settings).await;
        setup_flow(&app, "setup-twilio", &twilio).await;
        let (mut t, _) = enrolling(&app, "ann", "Ann-pw-1", "setup-twilio").await;
        let r = t.post(phone("+15550333")).await.json;
        assert_eq!(r["phone_number_required"], false, "{r}");
        assert_eq!(gw.count(), 2);
        assert_eq!(gw.last().path, "/2010-04-01/Accounts/AC0123/Messages.json");
    }
);

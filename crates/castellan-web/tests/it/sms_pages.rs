//! The SMS flow pages without JavaScript (spec §5.3, §5.8): the setup page's number form then
//! code form, and the validation page's "send a code" button (a plain `selected_challenge`
//! post) followed by the code field.

use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_support::user;
use crate::form_browser::FormBrowser as Browser;
use crate::mfa_support::mfa_login_flow;
use crate::sms_support::{gateway, sms_device, sms_stage};

/// The value of the hidden `selected_challenge` input, HTML entities decoded.
fn selected_value(html: &str) -> String {
    let start = html.find("name=\"selected_challenge\" value='").unwrap()
        + "name=\"selected_challenge\" value='".len();
    let rest = &html[start..];
    let end = rest.find('\'').unwrap();
    rest[..end].replace("&quot;", "\"").replace("&#x27;", "'")
}

db_test!(sms_pages_without_javascript, |app: TestApp| async move {
    let gw = gateway().await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let stage = sms_stage(&app, &gw, "sms-setup", json!({})).await;
    let device = sms_device(&app, ann, &stage, "+15550801").await;
    mfa_login_flow(&app, json!({"device_classes": ["sms"]})).await;
    let page = "/if/flow/mfa-login/";
    let mut b = Browser::new(&app);
    b.send("GET", page, &[]).await;
    let fields = [
        ("component", "ak-stage-identification"),
        ("uid_field", "ann"),
        ("password", "Ann-pw-1"),
    ];
    let html = b.go("POST", page, &fields).await.text;
    assert!(html.contains("Send a code by SMS"), "{html}");
    assert!(html.contains("Code from the SMS"), "{html}");
    let selected = selected_value(&html);
    let parsed: serde_json::Value = serde_json::from_str(&selected).unwrap();
    assert_eq!(parsed["device_uid"], device.to_string());

    // The button posts the selection: the code is sent, the page says so (no error shown).
    let fields = [
        ("component", "ak-stage-authenticator-validate"),
        ("selected_challenge", selected.as_str()),
    ];
    let res = b.go("POST", page, &fields).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(
        res.text.contains("A code was sent to your phone by SMS."),
        "{}",
        res.text
    );
    assert!(!res.text.contains("Empty response"), "{}", res.text);
    assert_eq!(gw.count(), 1);
    let sent = gw.last_code();
    let fields = [
        ("component", "ak-stage-authenticator-validate"),
        ("code", sent.as_str()),
    ];
    let res = b.send("POST", page, &fields).await;
    assert_eq!(res.status, 302, "{}", res.text);
    let res = b.send("GET", page, &[]).await;
    assert_eq!(res.headers["location"], "/", "{}", res.text);

    // The setup page (logged in now): number form, then code form.
    let extra = json!({"designation": "stage_configuration"});
    crate::flow_prompt::flow(&app, "setup-sms", extra, &[stage]).await;
    let setup = "/if/flow/setup-sms/";
    let html = b.go("GET", setup, &[]).await.text;
    assert!(html.contains("name=\"phone_number\""), "{html}");
    assert!(html.contains("type=\"tel\""), "{html}");
    let fields = [
        ("component", "ak-stage-authenticator-sms"),
        ("phone_number", "+15550802"),
    ];
    let html = b.go("POST", setup, &fields).await.text;
    assert!(
        html.contains("A code was sent to your phone by SMS."),
        "{html}"
    );
    assert!(html.contains("name=\"code\""), "{html}");
    let fields = [
        ("component", "ak-stage-authenticator-sms"),
        ("code", "not-it"),
    ];
    let html = b.go("POST", setup, &fields).await.text;
    assert!(html.contains("A valid integer is required."), "{html}");
    let code = gw.last_code();
    let fields = [
        ("component", "ak-stage-authenticator-sms"),
        ("code", code.as_str()),
    ];
    let res = b.send("POST", setup, &fields).await;
    assert_eq!(res.status, 302, "{}", res.text);
    let mut conn = app.store.conn().await.unwrap();
    let devices = castellan_store::devices_sms::list(&mut conn, Some(ann), true)
        .await
        .unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[1].phone_number, "+15550802");
});

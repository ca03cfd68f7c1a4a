//! The MFA flow pages without JavaScript: TOTP setup (otpauth link, QR code, integer code), static
//! tokens shown, and the validation page's server-side autoselect and code form.

use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_prompt::stage;
use crate::flow_support::user;
use crate::form_browser::FormBrowser as Browser;
use crate::mfa_support::{manual_clock, mfa_login_flow, pyotp_codes, static_device, totp_device};

const PAGE: &str = "/if/flow/mfa-login/";

db_test!(
    validation_page_autoselects_and_accepts_codes,
    |app: TestApp| async move {
        let mut app = app;
        manual_clock(&mut app);
        let ann = user(&app, "ann", "Ann-pw-1").await;
        let fixed = static_device(&app, ann, &["aaaabbbbcccc"]).await;
        let totp = totp_device(&app, ann, "phone").await;
        mfa_login_flow(&app, json!({})).await;
        let mut b = Browser::new(&app);
        // Never used: the picker, nothing preselected.
        let html = b.log_in(PAGE, "ann", "Ann-pw-1").await;
        assert!(html.contains("Select an authentication method."), "{html}");
        assert!(!html.contains(" checked"), "{html}");
        assert!(html.contains("name=\"code\""));
        // A wrong code: the error beside the field.
        let fields = [
            ("component", "ak-stage-authenticator-validate"),
            ("code", "nope"),
        ];
        let res = b.send("POST", PAGE, &fields).await;
        assert_eq!(res.status, 200);
        assert!(res.text.contains("Invalid Token."), "{}", res.text);
        drop(b);
        // Use the static device last: static is never preselected, TOTP is.
        let mut conn = app.store.conn().await.unwrap();
        let later = app.store.now() + chrono::Duration::hours(1);
        castellan_store::devices::record_success(
            &mut conn,
            castellan_store::devices::STATIC_TABLE,
            fixed,
            later,
        )
        .await
        .unwrap();
        drop(conn);
        let mut b = Browser::new(&app);
        let html = b.log_in(PAGE, "ann", "Ann-pw-1").await;
        assert!(html.contains("Select an authentication method."), "{html}");
        assert!(!html.contains(" checked"), "{html}");
        drop(b);
        // Then the TOTP device: it is preselected.
        let mut conn = app.store.conn().await.unwrap();
        let latest = later + chrono::Duration::hours(1);
        castellan_store::devices::record_success(
            &mut conn,
            castellan_store::devices::TOTP_TABLE,
            totp,
            latest,
        )
        .await
        .unwrap();
        drop(conn);
        let mut b = Browser::new(&app);
        let html = b.log_in(PAGE, "ann", "Ann-pw-1").await;
        assert!(html.contains("value=\"totp\" checked"), "{html}");
        assert!(html.contains("Code from your authenticator app"), "{html}");
    }
);

db_test!(setup_pages, |app: TestApp| async move {
    let mut app = app;
    manual_clock(&mut app);
    let ann = user(&app, "ann", "Ann-pw-1").await;
    totp_device(&app, ann, "phone").await;
    mfa_login_flow(&app, json!({})).await;
    let mut b = Browser::new(&app);
    // One device: preselected, the code field asks for the app's code.
    let html = b.log_in(PAGE, "ann", "Ann-pw-1").await;
    assert!(html.contains("Code from your authenticator app"), "{html}");
    let now = app.store.now().timestamp();
    let codes = pyotp_codes(&[now]).await;
    let fields = [
        ("component", "ak-stage-authenticator-validate"),
        ("code", codes[0].as_str()),
    ];
    let res = b.send("POST", PAGE, &fields).await;
    assert_eq!(res.status, 302, "{}", res.text);
    let res = b.send("GET", PAGE, &[]).await;
    assert_eq!(res.headers["location"], "/", "{}", res.text);

    // The TOTP setup page (logged in now) shows the otpauth link and secret.
    let totp = stage(
        &app,
        "stages/authenticator/totp",
        json!({"name": "ts", "digits": "6"}),
    )
    .await;
    let extra = json!({"designation": "stage_configuration"});
    crate::flow_prompt::flow(&app, "setup-totp", extra, &[totp]).await;
    let mut res = b.send("GET", "/if/flow/setup-totp/", &[]).await;
    if res.status == 302 {
        let to = res.headers["location"].to_str().unwrap().to_string();
        res = b.send("GET", &to, &[]).await;
    }
    assert_eq!(res.status, 200, "{} {:?}", res.text, res.headers);
    assert!(res.text.contains("href=\"otpauth:"), "{}", res.text);
    assert!(res.text.contains("id=\"totp-secret\""), "{}", res.text);
    // And the QR code of that link, inline (no script, no image request).
    assert!(
        res.text
            .contains("<figure class=\"ak-qr\"><svg role=\"img\""),
        "{}",
        res.text
    );
    let fields = [
        ("component", "ak-stage-authenticator-totp"),
        ("_number", "code"),
        ("code", "123"),
    ];
    let res = b.send("POST", "/if/flow/setup-totp/", &fields).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.text.contains("Code does not match"), "{}", res.text);
});

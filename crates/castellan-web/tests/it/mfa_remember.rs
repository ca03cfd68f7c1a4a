//! The remember-MFA cookie (spec §5.3 `last_auth_threshold`): after a TOTP login the browser
//! gets `authentik_mfa`; a later login of the same user through the same stage passes it without
//! a challenge until the threshold runs out — not with a tampered cookie, not at another stage,
//! not once the device is gone, and no cookie at all when the threshold is zero.
use castellan_store::{devices, devices_totp};
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_prompt::{flow, stage};
use crate::flow_support::user;
use crate::mfa_support::{code, manual_clock, mfa_login_flow, pyotp_codes, totp_device};

const VALIDATE: &str = "ak-stage-authenticator-validate";

fn done() -> Value {
    json!({"component": "xak-flow-redirect", "to": "/"})
}

/// Logs ann in through `slug` with only the `authentik_mfa` cookie `remembered` (a new browser
/// session otherwise); returns the client and the answer after the password.
async fn login_with<'a>(
    app: &'a TestApp,
    slug: &str,
    remembered: Option<&str>,
) -> (FlowClient<'a>, Value) {
    let mut c = FlowClient::new(app, slug);
    if let Some(v) = remembered {
        c.cookies.insert("authentik_mfa".into(), v.into());
    }
    let r = c.login("ann", "Ann-pw-1").await;
    (c, r)
}

db_test!(remember_mfa_cookie, |app: TestApp| async move {
    let mut app = app;
    let clock = manual_clock(&mut app);
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let device = totp_device(&app, ann, "phone").await;
    mfa_login_flow(
        &app,
        json!({"device_classes": ["totp"], "last_auth_threshold": "hours=1"}),
    )
    .await;
    let now = app.store.now().timestamp();
    let codes = pyotp_codes(&[now, now + 61 * 60]).await;

    // The first login asks for the code and hands out the cookie.
    let (mut c, r) = login_with(&app, "mfa-login", None).await;
    assert_eq!(r["component"], VALIDATE, "{r}");
    assert_eq!(c.post(code(&codes[0])).await.json, done());
    let cookie = c
        .cookies
        .get("authentik_mfa")
        .cloned()
        .expect("authentik_mfa set");

    // Within the hour the stage passes without a challenge.
    clock.advance(chrono::Duration::minutes(59));
    let (_, r) = login_with(&app, "mfa-login", Some(&cookie)).await;
    assert_eq!(r, done());

    // A tampered cookie does not.
    let mut forged = cookie.clone();
    forged.pop();
    forged.push(if cookie.ends_with('A') { 'B' } else { 'A' });
    let (_, r) = login_with(&app, "mfa-login", Some(&forged)).await;
    assert_eq!(r["component"], VALIDATE, "{r}");

    // Another validation stage does not accept this stage's cookie.
    let pw = stage(
        &app,
        "stages/password",
        json!({"name": "o-pw", "backends": ["authentik.core.auth.InbuiltBackend"]}),
    )
    .await;
    let ident = stage(
        &app,
        "stages/identification",
        json!({"name": "o-ident", "user_fields": ["username"], "password_stage": pw}),
    )
    .await;
    let other = stage(
        &app,
        "stages/authenticator/validate",
        json!({"name": "o-validate", "device_classes": ["totp"], "last_auth_threshold": "hours=1"}),
    )
    .await;
    let login = stage(&app, "stages/user_login", json!({"name": "o-login"})).await;
    flow(
        &app,
        "other-login",
        json!({"designation": "authentication"}),
        &[ident, other, login],
    )
    .await;
    let (_, r) = login_with(&app, "other-login", Some(&cookie)).await;
    assert_eq!(r["component"], VALIDATE, "{r}");

    // After the hour the code is asked again.
    clock.advance(chrono::Duration::minutes(2));
    let (mut c, r) = login_with(&app, "mfa-login", Some(&cookie)).await;
    assert_eq!(r["component"], VALIDATE, "{r}");
    assert_eq!(c.post(code(&codes[1])).await.json, done());
    let renewed = c.cookies.get("authentik_mfa").cloned().unwrap();
    assert_ne!(renewed, cookie);

    // Once the device is deleted the cookie no longer counts (and the stage skips: no device).
    let second = totp_device(&app, ann, "spare").await;
    let mut conn = app.store.conn().await.unwrap();
    assert!(
        devices::delete(&mut conn, devices::TOTP_TABLE, device)
            .await
            .unwrap()
    );
    drop(conn);
    let (_, r) = login_with(&app, "mfa-login", Some(&renewed)).await;
    assert_eq!(r["component"], VALIDATE, "{r}");
    let mut conn = app.store.conn().await.unwrap();
    assert!(
        devices_totp::get(&mut conn, second)
            .await
            .unwrap()
            .is_some()
    );
});

db_test!(no_cookie_without_threshold, |app: TestApp| async move {
    let mut app = app;
    manual_clock(&mut app);
    let ann = user(&app, "ann", "Ann-pw-1").await;
    totp_device(&app, ann, "phone").await;
    mfa_login_flow(&app, json!({"device_classes": ["totp"]})).await;
    let now = app.store.now().timestamp();
    let codes = pyotp_codes(&[now]).await;
    let (mut c, r) = login_with(&app, "mfa-login", None).await;
    assert_eq!(r["component"], VALIDATE, "{r}");
    assert_eq!(c.post(code(&codes[0])).await.json, done());
    assert!(!c.cookies.contains_key("authentik_mfa"), "{:?}", c.cookies);
});

//! The Duo flow pages without JavaScript: the setup page (barcode, activation link, continue
//! until Duo reports the activation) and the validation page's "Send a Duo push" form.

use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::duo_support::{SKEY, duo_device, duo_server, duo_stage_body};
use crate::flow_prompt::{flow, stage};
use crate::flow_support::user;
use crate::form_browser::FormBrowser as Browser;
use crate::mfa_support::mfa_login_flow;

db_test!(duo_validation_page, |app: TestApp| async move {
    let duo = duo_server().await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let setup = stage(
        &app,
        "stages/authenticator/duo",
        duo_stage_body("duo-setup", &duo, SKEY),
    )
    .await;
    let device = duo_device(&app, ann, setup.as_str().unwrap(), "DU-ann").await;
    mfa_login_flow(&app, json!({})).await;
    let page = "/if/flow/mfa-login/";
    let mut b = Browser::new(&app);
    let html = b.log_in(page, "ann", "Ann-pw-1").await;
    assert!(html.contains("Send a Duo push"), "{html}");
    assert!(
        html.contains(&format!("name=\"duo\" value=\"{device}\"")),
        "{html}"
    );
    // No code field: Duo is the only device.
    assert!(!html.contains("name=\"code\""), "{html}");
    duo.set_auth(crate::duo_support::AuthMode::Deny);
    let fields = [
        ("component", "ak-stage-authenticator-validate"),
        ("duo", &*device.to_string()),
    ];
    let res = b.send("POST", page, &fields).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res.text.contains("Duo denied access"), "{}", res.text);
    duo.set_auth(crate::duo_support::AuthMode::Allow);
    let res = b.send("POST", page, &fields).await;
    assert_eq!(res.status, 302, "{}", res.text);
    assert_eq!(duo.seen("/auth/v2/auth").len(), 2);
});

db_test!(duo_setup_page, |app: TestApp| async move {
    let duo = duo_server().await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    let setup = stage(
        &app,
        "stages/authenticator/duo",
        duo_stage_body("duo-setup", &duo, SKEY),
    )
    .await;
    // An enrollment-style flow: identification with password, then the Duo setup.
    let pw = stage(
        &app,
        "stages/password",
        json!({"name": "d-pw", "backends": ["authentik.core.auth.InbuiltBackend"]}),
    )
    .await;
    let ident = stage(
        &app,
        "stages/identification",
        json!({"name": "d-ident", "user_fields": ["username"], "password_stage": pw}),
    )
    .await;
    flow(
        &app,
        "duo-enrol",
        json!({"designation": "authentication"}),
        &[ident, setup],
    )
    .await;
    let page = "/if/flow/duo-enrol/";
    let mut b = Browser::new(&app);
    // Attribute values are HTML-escaped (`/` as `&#x2f;`).
    let html = b
        .log_in(page, "ann", "Ann-pw-1")
        .await
        .replace("&#x2f;", "/");
    assert!(
        html.contains("src=\"https://api-test.duosecurity.com/frame/qr?value=duo%3A%2F%2Fann\""),
        "{html}"
    );
    assert!(html.contains("href=\"duo://ann-activation\""), "{html}");
    let fields = [("component", "ak-stage-authenticator-duo")];
    let res = b.send("POST", page, &fields).await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(
        res.text.contains("Invalid enrollment status: waiting."),
        "{}",
        res.text
    );
    duo.set_status("success");
    let res = b.send("POST", page, &fields).await;
    assert_eq!(res.status, 302, "{}", res.text);
    let mut conn = app.store.conn().await.unwrap();
    let saved = castellan_store::devices_duo::list(&mut conn, Some(ann), true)
        .await
        .unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].duo_user_id, "DU-ann");
});

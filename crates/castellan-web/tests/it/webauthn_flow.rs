//! WebAuthn over the flow executor (spec §5.3, §5.6) with python-fido2 as the authenticator:
//! registration through the setup stage, assertions as second factor and passwordless, and
//! every refusal (wrong origin, wrong RP id, bad signature, replayed challenge, missing user
//! verification, a rewound counter, another user's credential, a disallowed model) — each
//! answered with the stage's error and nothing stored or updated.
use castellan_store::devices_webauthn;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::flow_prompt::{events, flow, logged_in, login_flow, stage};
use crate::flow_support::user;
use crate::mfa_support::mfa_login_flow;

const FIDO2: &str = include_str!("../peers/webauthn_fido2.py");
const HOST: &str = "auth.example.test:9000";
const ORIGIN: &str = "http://auth.example.test:9000";
const RP_ID: &str = "auth.example.test";
const WINDOWS_HELLO: &str = "08987058-cadc-4b81-b6e1-30de50dcbe96";
const FAILED: &str = "Assertion failed";

fn done() -> Value {
    json!({"component": "xak-flow-redirect", "to": "/"})
}

/// Runs the soft authenticator with `args` (`op`, `options`, overrides).
async fn fido2(args: Value) -> Value {
    castellan_testkit::python::run(FIDO2, args).await
}

fn with(base: Value, extra: Value) -> Value {
    let mut out = base;
    for (k, v) in extra.as_object().unwrap() {
        out[k] = v.clone();
    }
    out
}

fn host(c: &mut FlowClient<'_>) {
    c.headers.push(("host".into(), HOST.into()));
}

fn error_of(r: &Value, field: &str) -> String {
    r["response_errors"][field][0]["string"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A `stage_configuration` flow `setup-webauthn` with a WebAuthn setup stage of `settings`.
async fn setup_flow(app: &TestApp, settings: Value) {
    let body = with(json!({"name": "webauthn-setup"}), settings);
    let s = stage(app, "stages/authenticator/webauthn", body).await;
    let extra = json!({"designation": "stage_configuration",
                       "authentication": "require_authenticated"});
    flow(app, "setup-webauthn", extra, &[s]).await;
}

/// Registers a credential for the logged-in `username` through `setup-webauthn`; returns the
/// authenticator's key and credential id, and the final response.
async fn register(app: &TestApp, username: &str, password: &str, extra: Value) -> (Value, Value) {
    let mut c = logged_in(app, username, password).await;
    c.slug = "setup-webauthn".into();
    host(&mut c);
    let r = c.get().await.json;
    assert_eq!(r["component"], "ak-stage-authenticator-webauthn", "{r}");
    let made = fido2(with(
        json!({"op": "create", "options": r["registration"], "origin": ORIGIN}),
        extra,
    ))
    .await;
    let body = json!({"component": "ak-stage-authenticator-webauthn",
                      "response": made["credential"]});
    let end = c.post(body).await.json;
    (made, end)
}

async fn devices(app: &TestApp) -> Vec<castellan_core::mfa::WebAuthnDevice> {
    let mut conn = app.store.conn().await.unwrap();
    devices_webauthn::list(&mut conn, None, false)
        .await
        .unwrap()
}

/// Starts `mfa-login` as `username`; returns the client at the validation challenge.
async fn at_validation<'a>(
    app: &'a TestApp,
    username: &str,
    password: &str,
) -> (FlowClient<'a>, Value) {
    let mut c = FlowClient::new(app, "mfa-login");
    host(&mut c);
    let r = c.login(username, password).await;
    (c, r)
}

fn options_of(r: &Value) -> Value {
    r["device_challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_class"] == "webauthn")
        .map(|d| d["challenge"].clone())
        .unwrap_or(Value::Null)
}

/// An assertion of the registered credential for the challenge `r`.
async fn assert_with(made: &Value, r: &Value, extra: Value) -> Value {
    let args = with(
        json!({"op": "get", "options": options_of(r), "origin": ORIGIN, "key": made["key"],
               "credential_id": made["credential_id"]}),
        extra,
    );
    fido2(args).await["credential"].clone()
}

fn webauthn(credential: Value) -> Value {
    json!({"component": "ak-stage-authenticator-validate", "webauthn": credential})
}

db_test!(registration_then_second_factor, |app: TestApp| async move {
    login_flow(&app).await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    setup_flow(&app, json!({"user_verification": "preferred"})).await;

    // The creation options follow the request's host and the stage settings.
    let mut c = logged_in(&app, "ann", "Ann-pw-1").await;
    c.slug = "setup-webauthn".into();
    host(&mut c);
    let r = c.get().await.json;
    let doc = castellan_web::openapi::document();
    assert_fits(&doc, &r, "ChallengeTypes", "webauthn setup challenge");
    let reg = &r["registration"];
    assert_eq!(reg["rp"]["id"], RP_ID, "{r}");
    assert_eq!(reg["user"]["name"], "ann");
    assert_eq!(reg["attestation"], "direct");
    assert_eq!(
        reg["authenticatorSelection"]["userVerification"],
        "preferred"
    );
    assert_eq!(reg["excludeCredentials"], json!([]));
    assert!(reg["challenge"].as_str().unwrap().len() >= 43, "{reg}");

    // A registration from a Windows Hello authenticator is saved under its model's name.
    let made = fido2(json!({"op": "create", "options": reg, "origin": ORIGIN,
                                "aaguid": WINDOWS_HELLO}))
    .await;
    let body = json!({"component": "ak-stage-authenticator-webauthn",
                          "response": made["credential"]});
    assert_fits(
        &doc,
        &body,
        "FlowChallengeResponseRequest",
        "webauthn setup response",
    );
    assert_eq!(c.post(body.clone()).await.json, done());
    let saved = devices(&app).await;
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].common.user, ann);
    assert_eq!(saved[0].common.name, "Windows Hello");
    assert_eq!(saved[0].aaguid, WINDOWS_HELLO);
    assert_eq!(saved[0].rp_id, RP_ID);
    assert_eq!(saved[0].attestation_format, "packed");
    assert_eq!(
        saved[0]
            .device_type
            .as_ref()
            .map(|t| t.description.as_str()),
        Some("Windows Hello")
    );

    // Registering the same credential again is refused; nothing new is stored.
    let (_, end) = register(
        &app,
        "ann",
        "Ann-pw-1",
        json!({"key": made["key"], "credential_id": made["credential_id"]}),
    )
    .await;
    assert_eq!(
        error_of(&end, "response"),
        "Credential ID already exists.",
        "{end}"
    );
    assert_eq!(devices(&app).await.len(), 1);

    // The validation challenge lists the credential; the assertion logs ann in.
    mfa_login_flow(&app, json!({"device_classes": ["webauthn"]})).await;
    let (mut c, r) = at_validation(&app, "ann", "Ann-pw-1").await;
    assert_eq!(r["component"], "ak-stage-authenticator-validate", "{r}");
    assert_fits(&doc, &r, "ChallengeTypes", "webauthn validation challenge");
    let options = options_of(&r);
    assert_eq!(options["rpId"], RP_ID);
    assert_eq!(
        options["allowCredentials"],
        json!([{"type": "public-key", "id": made["credential_id"]}])
    );
    assert_eq!(
        r["device_challenges"][0]["device_uid"],
        saved[0].common.pk.to_string()
    );
    let assertion = assert_with(&made, &r, json!({"counter": 5})).await;
    assert_fits(
        &doc,
        &webauthn(assertion.clone()),
        "FlowChallengeResponseRequest",
        "assertion",
    );
    assert_eq!(c.post(webauthn(assertion.clone())).await.json, done());
    let stored = &devices(&app).await[0];
    assert_eq!(stored.sign_count, 5);
    assert!(stored.common.last_used.is_some());
    let login = events(&app, "login").await;
    let args = &login[0]["context"]["auth_method_args"];
    assert_eq!(
        args["mfa_devices"][0]["pk"],
        json!(stored.common.pk),
        "{}",
        login[0]
    );
    assert_eq!(args["mfa_devices"][0]["model_name"], "webauthndevice");

    // Replaying the same assertion in a new login fails: its challenge was used up.
    let (mut c, r) = at_validation(&app, "ann", "Ann-pw-1").await;
    assert_eq!(r["component"], "ak-stage-authenticator-validate", "{r}");
    let again = c.post(webauthn(assertion)).await.json;
    assert_eq!(error_of(&again, "webauthn"), FAILED, "{again}");
    assert_eq!(devices(&app).await[0].sign_count, 5);
    assert!(!events(&app, "login_failed").await.is_empty());
});

db_test!(
    assertion_refusals_change_nothing,
    |app: TestApp| async move {
        login_flow(&app).await;
        user(&app, "ann", "Ann-pw-1").await;
        user(&app, "bob", "Bob-pw-1").await;
        setup_flow(&app, json!({})).await;
        let (ann_key, end) = register(&app, "ann", "Ann-pw-1", json!({"counter": 10})).await;
        assert_eq!(end, done());
        let (bob_key, end) = register(&app, "bob", "Bob-pw-1", json!({})).await;
        assert_eq!(end, done());
        mfa_login_flow(
            &app,
            json!({"device_classes": ["webauthn"], "webauthn_user_verification": "required"}),
        )
        .await;
        let before = devices(&app).await;
        let logins = events(&app, "login").await.len();

        let cases = [
            ("wrong origin", json!({"origin": "https://evil.example"})),
            ("wrong RP id", json!({"rp_id": "evil.example"})),
            ("bad signature", json!({"tamper": true})),
            (
                "stale challenge",
                json!({"challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}),
            ),
            ("no user verification", json!({"uv": false})),
            ("no user presence", json!({"up": false})),
            ("counter rewound", json!({"counter": 3})),
        ];
        for (what, extra) in cases {
            let (mut c, r) = at_validation(&app, "ann", "Ann-pw-1").await;
            let credential = assert_with(&ann_key, &r, with(json!({"counter": 11}), extra)).await;
            let e = c.post(webauthn(credential)).await.json;
            assert_eq!(
                e["component"], "ak-stage-authenticator-validate",
                "{what}: {e}"
            );
            assert_eq!(error_of(&e, "webauthn"), FAILED, "{what}: {e}");
        }
        // Bob's credential does not log ann in.
        let (mut c, r) = at_validation(&app, "ann", "Ann-pw-1").await;
        let credential = assert_with(&bob_key, &r, json!({"ignore_allow": true})).await;
        let e = c.post(webauthn(credential)).await.json;
        assert_eq!(error_of(&e, "webauthn"), FAILED, "{e}");
        // A malformed credential is refused the same way.
        let e = c
            .post(webauthn(json!({"id": "x", "response": {}})))
            .await
            .json;
        assert_eq!(error_of(&e, "webauthn"), FAILED, "{e}");
        assert_eq!(devices(&app).await, before);
        assert_eq!(events(&app, "login").await.len(), logins);
    }
);

db_test!(
    registration_refusals_store_nothing,
    |app: TestApp| async move {
        login_flow(&app).await;
        user(&app, "ann", "Ann-pw-1").await;
        setup_flow(
            &app,
            json!({"user_verification": "required", "device_type_restrictions": [WINDOWS_HELLO]}),
        )
        .await;
        let cases = [
            (
                "wrong origin",
                json!({"origin": "https://evil.example", "aaguid": WINDOWS_HELLO}),
            ),
            (
                "wrong RP id",
                json!({"rp_id": "evil.example", "aaguid": WINDOWS_HELLO}),
            ),
            (
                "stale challenge",
                json!({"challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                  "aaguid": WINDOWS_HELLO}),
            ),
            (
                "no user verification",
                json!({"uv": false, "aaguid": WINDOWS_HELLO}),
            ),
        ];
        for (what, extra) in cases {
            let (_, end) = register(&app, "ann", "Ann-pw-1", extra).await;
            assert_eq!(
                end["component"], "ak-stage-authenticator-webauthn",
                "{what}: {end}"
            );
            assert!(!error_of(&end, "response").is_empty(), "{what}: {end}");
        }
        // A model outside the restrictions is refused with the brand's message.
        let (_, end) = register(&app, "ann", "Ann-pw-1", json!({})).await;
        let message = error_of(&end, "response");
        assert!(
            message.starts_with("Invalid device type. Contact your "),
            "{end}"
        );
        assert!(devices(&app).await.is_empty());
        // The allowed model registers.
        let (_, end) = register(&app, "ann", "Ann-pw-1", json!({"aaguid": WINDOWS_HELLO})).await;
        assert_eq!(end, done());
    }
);

db_test!(passwordless_login, |app: TestApp| async move {
    login_flow(&app).await;
    let ann = user(&app, "ann", "Ann-pw-1").await;
    setup_flow(&app, json!({"resident_key_requirement": "required"})).await;
    let (made, end) = register(&app, "ann", "Ann-pw-1", json!({})).await;
    assert_eq!(end, done());

    // An authentication flow that starts with the validation stage: no user is known yet.
    let validate = stage(
        &app,
        "stages/authenticator/validate",
        json!({"name": "pwl-validate", "device_classes": ["webauthn"]}),
    )
    .await;
    let login = stage(&app, "stages/user_login", json!({"name": "pwl-login"})).await;
    flow(
        &app,
        "pwl",
        json!({"designation": "authentication"}),
        &[validate.clone(), login],
    )
    .await;
    let mut c = FlowClient::new(&app, "pwl");
    host(&mut c);
    let r = c.get().await.json;
    assert_eq!(r["component"], "ak-stage-authenticator-validate", "{r}");
    assert_eq!(r["device_challenges"][0]["device_uid"], "-1", "{r}");
    assert_eq!(options_of(&r)["allowCredentials"], json!([]));
    let user_handle = castellan_crypto::webauthn::base64url_encode(b"ann");
    let credential = assert_with(&made, &r, json!({"user_handle": user_handle})).await;
    assert_eq!(c.post(webauthn(credential)).await.json, done());
    let login = events(&app, "login").await;
    let newest = &login[0];
    assert_eq!(newest["user"]["pk"], json!(ann), "{newest}");
    assert_eq!(
        newest["context"]["auth_method"], "auth_webauthn_pwl",
        "{newest}"
    );

    // In a flow that is not an authentication flow the stage passes without a challenge.
    flow(
        &app,
        "pwl-enrol",
        json!({"designation": "enrollment"}),
        &[validate],
    )
    .await;
    let mut c = FlowClient::new(&app, "pwl-enrol");
    host(&mut c);
    let r = c.get().await.json;
    assert_ne!(r["component"], "ak-stage-authenticator-validate", "{r}");
});

//! Helpers for MFA tests: a managed clock, devices written straight to the store, a login flow
//! with an authenticator validation stage, and `pyotp` as the authenticator app.
use std::sync::Arc;

use castellan_core::clock::ManualClock;
use castellan_core::mfa::{DeviceCommon, StaticDevice, Throttle, TotpDevice};
use castellan_store::{devices_static, devices_totp};
use castellan_testkit::TestApp;
use serde_json::{Value, json};

use crate::flow_prompt::{flow, stage};

/// A known device key (hex of RFC 6238's test secret).
pub const KEY_HEX: &str = "3132333435363738393031323334353637383930";

/// Puts the app on a manual clock at a step boundary plus 5 s; returns the clock.
pub fn manual_clock(app: &mut TestApp) -> ManualClock {
    let start = chrono::DateTime::from_timestamp(1_800_000_000 / 30 * 30 + 5, 0).unwrap();
    let clock = ManualClock::new(start);
    app.store = app.store.clone().with_clock(Arc::new(clock.clone()));
    app.state.store = app.store.clone();
    app.router = castellan_web::router(app.state.clone());
    clock
}

fn common(app: &TestApp, user: i64, name: &str) -> DeviceCommon {
    let now = app.store.now();
    DeviceCommon {
        pk: 0,
        user,
        name: name.into(),
        confirmed: true,
        created: now,
        last_updated: now,
        last_used: None,
    }
}

/// Stores a confirmed TOTP device with [`KEY_HEX`]; returns its pk.
pub async fn totp_device(app: &TestApp, user: i64, name: &str) -> i64 {
    let d = TotpDevice {
        common: common(app, user, name),
        key: KEY_HEX.into(),
        step: 30,
        t0: 0,
        digits: 6,
        tolerance: 1,
        drift: 0,
        last_t: -1,
        throttle: Throttle::default(),
    };
    let mut conn = app.store.conn().await.unwrap();
    devices_totp::create(&mut conn, &d).await.unwrap()
}

/// Stores a confirmed static device with these tokens; returns its pk.
pub async fn static_device(app: &TestApp, user: i64, tokens: &[&str]) -> i64 {
    let d = StaticDevice {
        common: common(app, user, "Static Token"),
        tokens: vec![],
        throttle: Throttle::default(),
    };
    let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    let mut conn = app.store.conn().await.unwrap();
    devices_static::create(&mut conn, &d, &tokens)
        .await
        .unwrap()
}

/// A login flow `mfa-login`: identification with password, validation with `settings`, login.
pub async fn mfa_login_flow(app: &TestApp, settings: Value) {
    let pw = stage(
        app,
        "stages/password",
        json!({"name": "m-pw", "backends": ["authentik.core.auth.InbuiltBackend"]}),
    )
    .await;
    let ident = stage(
        app,
        "stages/identification",
        json!({"name": "m-ident", "user_fields": ["username"], "password_stage": pw}),
    )
    .await;
    let mut body = json!({"name": "m-validate"});
    for (k, v) in settings.as_object().unwrap() {
        body[k] = v.clone();
    }
    let validate = stage(app, "stages/authenticator/validate", body).await;
    let login = stage(app, "stages/user_login", json!({"name": "m-login"})).await;
    let extra = json!({"designation": "authentication"});
    flow(app, "mfa-login", extra, &[ident, validate, login]).await;
}

const PYOTP: &str = r#"
import json, sys, pyotp
a = json.load(sys.stdin)
t = pyotp.parse_uri(a["url"]) if "url" in a else pyotp.TOTP(a["secret"], digits=a.get("digits", 6))
print(json.dumps({"codes": [t.at(x) for x in a["times"]], "secret": t.secret,
                  "digits": t.digits, "issuer": t.issuer, "name": t.name}))
"#;

/// `pyotp` codes at these unix times for an `otpauth://` URL.
pub async fn pyotp_url(url: &str, times: &[i64]) -> Value {
    castellan_testkit::python::run(PYOTP, json!({"url": url, "times": times})).await
}

/// `pyotp` codes at these unix times for [`KEY_HEX`].
pub async fn pyotp_codes(times: &[i64]) -> Vec<String> {
    let hex: Vec<u8> = (0..KEY_HEX.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&KEY_HEX[i..i + 2], 16).unwrap())
        .collect();
    let secret = castellan_crypto::totp::base32_encode(&hex);
    let out =
        castellan_testkit::python::run(PYOTP, json!({"secret": secret, "times": times})).await;
    out["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// A code response for the validation stage.
pub fn code(code: &str) -> Value {
    json!({"component": "ak-stage-authenticator-validate", "code": code})
}

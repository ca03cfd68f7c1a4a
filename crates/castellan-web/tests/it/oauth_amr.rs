//! `amr` in ID tokens (spec §7.1.5): `["pwd", "mfa"]` after a login through the default
//! authentication flow with a password and a TOTP code (its MFA validation stage), `["pwd"]`
//! without a device (the stage is skipped).
use castellan_testkit::{TestApp, db_test, python};
use serde_json::{Value, json};

use crate::oauth_support::{keypair, peer_args, setup};

const SCRIPT: &str = concat!(
    include_str!("../peers/browserless.py"),
    include_str!("../peers/oidc_amr.py")
);

/// Base32 of `mfa_support::KEY_HEX` ("12345678901234567890").
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

db_test!(amr_reflects_password_and_mfa, |app: TestApp| async move {
    let key = keypair(&app, "amr signing", "rsa").await;
    let c = setup(&app, "amr-app", json!({"signing_key": key})).await;
    let (base, server) = app.serve().await;
    let out = python::run(SCRIPT, peer_args(&base, &c)).await;
    assert_eq!(out["amr"], json!(["pwd"]), "{out}");

    let alice = app
        .admin("GET", "/api/v3/core/users/?username=alice", None)
        .await;
    let alice = alice.json["results"][0]["pk"].as_i64().unwrap();
    crate::mfa_support::totp_device(&app, alice, "phone").await;
    let mut args = peer_args(&base, &c);
    args["totp_secret"] = Value::String(SECRET.into());
    let out = python::run(SCRIPT, args).await;
    server.abort();
    assert_eq!(out["amr"], json!(["pwd", "mfa"]), "{out}");
});

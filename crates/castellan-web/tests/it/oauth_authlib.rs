//! authlib as the relying party (TESTING.md, OIDC): code flow with PKCE S256 and a nonce, the ID
//! token verified with the JWKS, userinfo, refresh rotation and reuse detection, introspection,
//! revocation, authorization-code reuse and client_credentials — with RS256 and ES256 keys.
use castellan_testkit::{TestApp, db_test, python};
use serde_json::{Value, json};

use crate::oauth_support::{keypair, peer_args, setup};

const SCRIPT: &str = concat!(
    include_str!("../peers/browserless.py"),
    include_str!("../peers/oidc_authlib.py")
);

async fn run(app: &TestApp, alg: &str, expected: &str) -> Value {
    let key = keypair(app, &format!("{alg} signing"), alg).await;
    let c = setup(app, "authlib-app", json!({"signing_key": key})).await;
    let (base, server) = app.serve().await;
    let out = python::run(SCRIPT, peer_args(&base, &c)).await;
    server.abort();
    assert_eq!(out["issuer"], format!("{base}/application/o/authlib-app/"));
    assert_eq!(out["alg_values"], json!([expected]), "{out}");
    assert_eq!(out["id_token_header"]["alg"], expected, "{out}");
    assert!(
        out["landing"]
            .as_str()
            .unwrap()
            .starts_with(&c.redirect_uri),
        "{out}"
    );
    let id = &out["id_token"];
    assert_eq!(id["aud"], c.client_id.as_str(), "{out}");
    assert!(id["at_hash"].is_string(), "{out}");
    assert_eq!(id["amr"], json!(["pwd"]), "{out}");
    assert_eq!(id["email"], "alice@example.org", "{out}");
    assert_eq!(id["preferred_username"], "alice", "{out}");
    assert_eq!(out["userinfo"]["sub"], id["sub"], "{out}");
    assert_eq!(out["userinfo"]["email"], "alice@example.org", "{out}");
    assert_eq!(
        out["token_keys"],
        json!([
            "access_token",
            "expires_at",
            "expires_in",
            "id_token",
            "refresh_token",
            "scope",
            "token_type"
        ]),
        "{out}"
    );
    assert_eq!(out["refresh_rotated"], true, "{out}");
    assert_eq!(out["refreshed_id_token"]["sub"], id["sub"], "{out}");
    assert_eq!(out["refresh_reuse"][0], 400, "{out}");
    assert_eq!(out["refresh_reuse"][1]["error"], "invalid_grant", "{out}");
    assert_eq!(
        out["refresh_family_after_reuse"][1]["error"], "invalid_grant",
        "{out}"
    );
    assert_eq!(out["introspect"]["active"], true, "{out}");
    assert_eq!(
        out["introspect"]["client_id"],
        c.client_id.as_str(),
        "{out}"
    );
    assert_eq!(out["introspect"]["sub"], id["sub"], "{out}");
    assert_eq!(out["introspect_refresh"]["active"], true, "{out}");
    assert_eq!(
        out["introspect_after_revoke"],
        json!({"active": false}),
        "{out}"
    );
    assert_eq!(out["code_reuse"][0], 400, "{out}");
    assert_eq!(out["code_reuse"][1]["error"], "invalid_grant", "{out}");
    assert_eq!(out["userinfo_after_code_reuse"][0], 401, "{out}");
    let cc = &out["client_credentials"];
    assert_eq!(
        cc["claims"]["preferred_username"], "ak-authlib-app provider-client_credentials",
        "{out}"
    );
    assert_eq!(cc["scope"], "openid profile", "{out}");
    assert_eq!(cc["refresh"], false, "{out}");
    out
}

db_test!(authlib_code_flow_with_rs256, |app: TestApp| async move {
    run(&app, "rsa", "RS256").await;
});

db_test!(authlib_code_flow_with_es256, |app: TestApp| async move {
    run(&app, "ecdsa", "ES256").await;
});

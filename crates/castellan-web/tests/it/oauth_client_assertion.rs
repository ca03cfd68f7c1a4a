//! JWT client assertions at `client_credentials` (RFC 7523; spec §7.1.4 grant 3a) with authlib's
//! `private_key_jwt` and jwcrypto: an OAuth source holds the client's public key, the provider
//! lists the source in `jwks_sources`, and the assertion's subject becomes a generated service
//! account in the source's user path. Forged, expired and malformed assertions are refused with
//! `invalid_grant`, as is a subject the application's policy denies.
use castellan_crypto::certificate::{KeyAlgorithm, generate_self_signed};
use castellan_crypto::jose::{KeyUse, public_jwk};
use castellan_testkit::{TestApp, db_test, python};
use serde_json::{Value, json};

use crate::flow_support::{bind_expression, create};
use crate::oauth_support::{keypair, setup};

const SCRIPT: &str = concat!(
    include_str!("../peers/browserless.py"),
    include_str!("../peers/oidc_client_assertion.py")
);

async fn run(app: &TestApp, algorithm: KeyAlgorithm, alg: &str) {
    let client_key = generate_self_signed("machine client", &[], 1, algorithm).unwrap();
    let jwk = public_jwk(
        &client_key.certificate_pem,
        &client_key.private_key_pem,
        KeyUse::Sig,
    )
    .unwrap();
    let kid = jwk["kid"].as_str().unwrap().to_string();
    let source = create(
        app,
        "/api/v3/sources/oauth/",
        json!({
            "name": "CI identity", "slug": "ci-identity", "provider_type": "openidconnect",
            "consumer_key": "unused", "consumer_secret": "unused",
            "authorization_url": "https://idp.example/authorize",
            "access_token_url": "https://idp.example/token",
            "profile_url": "https://idp.example/userinfo",
            "oidc_jwks": {"keys": [jwk]},
        }),
    )
    .await;
    let signing = keypair(app, "provider signing", "rsa").await;
    let c = setup(
        app,
        "machine-app",
        json!({"signing_key": signing, "jwks_sources": [source["pk"]]}),
    )
    .await;
    let app_pk = app
        .admin("GET", "/api/v3/core/applications/machine-app/", None)
        .await
        .json["pk"]
        .as_str()
        .unwrap()
        .to_string();
    bind_expression(
        app,
        &app_pk,
        "no blocked teams",
        "return request.context.get('oauth_jwt', {}).get('team') != 'blocked'",
        false,
    )
    .await;

    let (base, server) = app.serve().await;
    let out = python::run(
        SCRIPT,
        json!({"base": base, "slug": c.slug, "client_id": c.client_id, "alg": alg, "kid": kid,
               "private_pem": client_key.private_key_pem}),
    )
    .await;
    server.abort();

    // authlib's private_key_jwt: tokens for the generated account, verified with the JWKS.
    assert_eq!(out["token_type"], "Bearer", "{out}");
    assert_eq!(out["scope"], "openid profile", "{out}");
    assert_eq!(out["refresh"], false, "{out}");
    let username = format!("machine-app provider-{}", c.client_id);
    assert_eq!(out["id_claims"]["preferred_username"], username, "{out}");
    assert_eq!(out["id_claims"]["aud"], c.client_id.as_str(), "{out}");
    assert_eq!(out["userinfo"]["sub"], out["id_claims"]["sub"], "{out}");
    assert_eq!(out["second_sub"], out["id_claims"]["sub"], "{out}");
    assert_eq!(out["jwcrypto_valid"], 200, "{out}");

    for (case, answer) in out["bad"].as_object().unwrap() {
        assert_eq!(answer[0], 400, "{case}: {answer}");
        assert_eq!(answer[1]["error"], "invalid_grant", "{case}: {answer}");
    }

    // The account: a generated service account in the source's path, expiring with the JWT.
    let users = app
        .admin(
            "GET",
            &format!("/api/v3/core/users/?username={}", urlencode(&username)),
            None,
        )
        .await;
    assert_eq!(users.json["pagination"]["count"], 1, "{}", users.text);
    let account = &users.json["results"][0];
    assert_eq!(account["type"], "service_account");
    assert_eq!(account["path"], "goauthentik.io/sources/ci-identity");
    assert_eq!(account["attributes"]["goauthentik.io/user/generated"], true);
    assert!(
        account["attributes"]["goauthentik.io/user/expires"].is_number(),
        "{account}"
    );
    assert!(account["last_login"].is_string(), "{account}");

    // The login event names the method, the source and the key.
    let events = app
        .admin("GET", "/api/v3/events/events/?action=login", None)
        .await;
    let jwt_logins: Vec<&Value> = events.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["context"]["auth_method"] == "jwt")
        .collect();
    assert_eq!(jwt_logins.len(), 3, "{}", events.text);
    let args = &jwt_logins[0]["context"]["auth_method_args"];
    assert_eq!(args["jwk_id"], kid.as_str(), "{args}");
    assert_eq!(args["source"]["pk"], source["pk"], "{args}");
    assert_eq!(args["jwt"]["sub"], c.client_id.as_str(), "{args}");
}

fn urlencode(s: &str) -> String {
    s.replace(' ', "%20")
}

db_test!(private_key_jwt_with_an_rsa_key, |app: TestApp| async move {
    run(&app, KeyAlgorithm::Rsa, "RS256").await;
});

db_test!(private_key_jwt_with_an_ec_key, |app: TestApp| async move {
    run(&app, KeyAlgorithm::Ecdsa, "ES256").await;
});

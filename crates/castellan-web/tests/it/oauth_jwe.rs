//! JWE-encrypted tokens (new in 2024.10) checked by jwcrypto (TESTING.md): with an encryption key
//! the ID and access tokens from the token endpoint and from an implicit response are compact
//! JWEs (`RSA-OAEP-256` + `A256CBC-HS512`, `typ: JWE`, the encryption key's `kid`) wrapping a
//! verifiable JWS; discovery and JWKS advertise the key; without one, tokens are plain JWS.
use castellan_testkit::{TestApp, db_test, python};
use serde_json::{Value, json};

use crate::oauth_support::{keypair, peer_args, setup};

const SCRIPT: &str = concat!(
    include_str!("../peers/browserless.py"),
    include_str!("../peers/oidc_jwcrypto.py")
);

async fn private_key(app: &TestApp, pk: &str) -> String {
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/crypto/certificatekeypairs/{pk}/view_private_key/"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["data"].as_str().unwrap().to_string()
}

db_test!(
    jwcrypto_decrypts_encrypted_tokens,
    |app: TestApp| async move {
        let signing = keypair(&app, "jwe signing", "rsa").await;
        let encryption = keypair(&app, "jwe encryption", "rsa").await;
        let pem = private_key(&app, &encryption).await;
        let kid = castellan_crypto::certificate::kid(&pem);
        let c = setup(
            &app,
            "jwe-app",
            json!({"signing_key": signing, "encryption_key": encryption}),
        )
        .await;
        let (base, server) = app.serve().await;
        let mut args = peer_args(&base, &c);
        args["encryption_key_pem"] = Value::String(pem);
        let out = python::run(SCRIPT, args).await;
        server.abort();
        assert_eq!(out["enc_alg"], json!(["RSA-OAEP-256"]), "{out}");
        assert_eq!(out["enc_enc"], json!(["A256CBC-HS512"]), "{out}");
        assert_eq!(out["jwks_uses"], json!(["enc", "sig"]), "{out}");
        let jwe = json!({"alg": "RSA-OAEP-256", "enc": "A256CBC-HS512", "typ": "JWE", "kid": kid});
        for name in [
            "code_id_token",
            "code_access_token",
            "implicit_id_token",
            "implicit_access_token",
        ] {
            assert_eq!(out[name]["jwe"], jwe, "{name}: {out}");
            assert_eq!(out[name]["jws"]["alg"], "RS256", "{name}: {out}");
        }
        assert_eq!(out["code_id_token"]["email"], "alice@example.org", "{out}");
        assert_eq!(out["implicit_state"], "s2", "{out}");
        assert!(out["implicit_id_token"]["at_hash"].is_string(), "{out}");
        assert!(out["implicit_id_token"]["nonce"].is_string(), "{out}");
    }
);

db_test!(
    tokens_are_plain_jws_without_an_encryption_key,
    |app: TestApp| async move {
        let signing = keypair(&app, "plain signing", "rsa").await;
        let c = setup(&app, "jws-app", json!({"signing_key": signing})).await;
        let (base, server) = app.serve().await;
        let out = python::run(SCRIPT, peer_args(&base, &c)).await;
        server.abort();
        assert_eq!(out["enc_alg"], Value::Null, "{out}");
        assert_eq!(out["jwks_uses"], json!(["sig"]), "{out}");
        for name in [
            "code_id_token",
            "code_access_token",
            "implicit_id_token",
            "implicit_access_token",
        ] {
            assert_eq!(out[name]["jwe"], Value::Null, "{name}: {out}");
            assert_eq!(out[name]["jws"]["alg"], "RS256", "{name}: {out}");
        }
    }
);

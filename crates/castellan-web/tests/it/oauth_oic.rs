//! oic (pyoidc) as the relying party (TESTING.md, OIDC): the discovery issuer check, the code
//! flow with its strict ID-token verification and userinfo, and implicit and hybrid responses
//! with `at_hash` / `c_hash` verified.
use castellan_testkit::{TestApp, db_test, python};
use serde_json::json;

use crate::oauth_support::{keypair, peer_args, setup};

const SCRIPT: &str = concat!(
    include_str!("../peers/browserless.py"),
    include_str!("../peers/oidc_oic.py")
);

db_test!(
    oic_code_implicit_and_hybrid_flows,
    |app: TestApp| async move {
        let key = keypair(&app, "oic signing", "rsa").await;
        let c = setup(&app, "oic-app", json!({"signing_key": key})).await;
        let (base, server) = app.serve().await;
        let out = python::run(SCRIPT, peer_args(&base, &c)).await;
        server.abort();
        assert_eq!(
            out["issuer"],
            format!("{base}/application/o/oic-app/"),
            "{out}"
        );
        assert_eq!(out["code"]["verified"], "IdToken", "{out}");
        assert_eq!(out["code"]["aud"], json!([c.client_id]), "{out}");
        assert_eq!(out["code"]["email"], "alice@example.org", "{out}");
        assert_eq!(out["userinfo"]["sub"], out["code"]["sub"], "{out}");
        assert_eq!(
            out["implicit"],
            json!({"has_at_hash": true, "token_type": "Bearer", "state_ok": true}),
            "{out}"
        );
        assert_eq!(
            out["hybrid"],
            json!({"has_c_hash": true, "has_code": true, "state_ok": true}),
            "{out}"
        );
    }
);

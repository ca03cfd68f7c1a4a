//! The device authorization grant (RFC 8628) end to end — the device polls, a browser approves
//! at `/device` (with `?code=`, and through the brand's device-code flow asking for the code)
//! through the provider's authorization flow, the poll then yields tokens once — and
//! the authorization endpoint's `prompt=none|login` and `max_age` (OIDC Core §3.1.2.1), judged by
//! the ID token's `auth_time`; and the GitHub-compatible endpoints (`/login/oauth/…`, `/user`,
//! `/user/teams`).
use castellan_testkit::{TestApp, db_test, python};
use serde_json::json;

use crate::oauth_support::{brand_device_flow, keypair, peer_args, setup};

const SCRIPT: &str = concat!(
    include_str!("../peers/browserless.py"),
    include_str!("../peers/oidc_device_prompts.py")
);

db_test!(device_grant_and_prompts, |app: TestApp| async move {
    let key = keypair(&app, "device signing", "ecdsa").await;
    let c = setup(&app, "device-app", json!({"signing_key": key})).await;
    let group =
        crate::flow_support::create(&app, "/api/v3/core/groups/", json!({"name": "readers"})).await;
    let alice = app
        .admin("GET", "/api/v3/core/users/?username=alice", None)
        .await;
    let alice = alice.json["results"][0]["pk"].clone();
    let r = app
        .admin(
            "POST",
            &format!(
                "/api/v3/core/groups/{}/add_user/",
                group["pk"].as_str().unwrap()
            ),
            Some(json!({"pk": alice})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    // `/device` needs the brand's device-code flow.
    assert_eq!(app.admin("GET", "/device", None).await.status, 404);
    brand_device_flow(&app, "default-authentication-flow").await;
    let (base, server) = app.serve().await;
    let out = python::run(SCRIPT, peer_args(&base, &c)).await;
    server.abort();
    assert_eq!(
        out["device_start"],
        json!([
            200,
            [
                "device_code",
                "expires_in",
                "interval",
                "user_code",
                "verification_uri",
                "verification_uri_complete"
            ]
        ]),
        "{out}"
    );
    assert_eq!(out["user_code_digits"], true, "{out}");
    assert_eq!(out["poll_pending"][0], 400, "{out}");
    assert_eq!(
        out["poll_pending"][1]["error"], "authorization_pending",
        "{out}"
    );
    assert_eq!(
        out["device_approval"]["challenge"]["component"], "ak-provider-oauth2-device-code-finish",
        "{out}"
    );
    assert_eq!(
        out["poll_granted"],
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
    assert_eq!(
        out["poll_granted_id_token_aud"],
        c.client_id.as_str(),
        "{out}"
    );
    assert_eq!(
        out["poll_granted_scope"], "openid profile offline_access",
        "{out}"
    );
    assert_eq!(out["poll_again"][1]["error"], "invalid_grant", "{out}");
    assert_eq!(
        out["entry_approval"]["challenge"]["component"], "ak-provider-oauth2-device-code-finish",
        "{out}"
    );
    assert_eq!(
        out["entry_errors"],
        json!([{"code": [{"string": "Invalid code", "code": "invalid"}]}]),
        "{out}"
    );
    assert_eq!(
        out["entry_poll"],
        json!([
            200,
            [
                "access_token",
                "expires_in",
                "id_token",
                "scope",
                "token_type"
            ]
        ]),
        "{out}"
    );
    assert_eq!(out["amr"], json!(["pwd"]), "{out}");
    assert_eq!(out["prompt_none_same_login"], true, "{out}");
    assert_eq!(out["prompt_login_new_login"], true, "{out}");
    assert_eq!(out["max_age_new_login"], true, "{out}");
    assert_eq!(out["max_age_recent_same_login"], true, "{out}");
    assert_eq!(
        out["prompt_none_anonymous"]["error"], "login_required",
        "{out}"
    );
    assert_eq!(out["prompt_none_anonymous"]["state"], "st", "{out}");
    assert_eq!(
        out["form_post"],
        json!({"url": c.redirect_uri, "fields": ["code", "state"], "state": "fp"}),
        "{out}"
    );
    assert_eq!(out["form_post_exchange"], 200, "{out}");
    assert_eq!(out["github_scope"], "user:email read:org", "{out}");
    assert_eq!(
        out["github_user"],
        json!([200, "alice", "alice@example.org"]),
        "{out}"
    );
    assert_eq!(out["github_teams"], json!([200, ["readers"]]), "{out}");
    assert_eq!(out["github_user_without_token"], 401, "{out}");
});

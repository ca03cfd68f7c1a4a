//! The authenticator device API (spec §5.2): own devices in `/authenticators/all/` and per
//! class, renames and deletes, another user's devices invisible, and the superuser endpoints.
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::mfa_support::{static_device, totp_device};

/// An API call with a user's bearer token.
pub(crate) async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> castellan_testkit::Response {
    let auth = format!("Bearer {token}");
    let text = body.map(|b| b.to_string());
    app.send(method, path, text.as_deref(), &[("authorization", &auth)])
        .await
}

db_test!(own_devices_and_visibility, |app: TestApp| async move {
    let (ann, ann_token) = app.user_with_token("ann").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let totp = totp_device(&app, ann, "phone").await;
    let fixed = static_device(&app, ann, &["aaaabbbbcccc", "ddddeeeeffff"]).await;
    let bobs = totp_device(&app, bob, "bob phone").await;

    let r = call(&app, &ann_token, "GET", "/api/v3/authenticators/all/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", r.text);
    let t = list
        .iter()
        .find(|d| d["meta_model_name"] == "authentik_stages_authenticator_totp.totpdevice")
        .unwrap();
    assert_eq!(t["pk"], totp.to_string());
    assert_eq!(t["type"], "authentik_stages_authenticator_totp.TOTPDevice");
    assert_eq!(
        t["meta_model_name"],
        "authentik_stages_authenticator_totp.totpdevice"
    );
    assert_eq!(t["verbose_name"], "TOTP Device");
    assert_eq!(t["extra_description"], "");
    assert_eq!(t["confirmed"], true);
    assert_eq!(t["last_used"], Value::Null);
    let doc = castellan_web::openapi::document();
    assert_fits(&doc, t, "Device", "device");
    let s = list
        .iter()
        .find(|d| d["meta_model_name"] == "authentik_stages_authenticator_static.staticdevice")
        .unwrap();
    assert_eq!(
        s["type"],
        "authentik_stages_authenticator_static.StaticDevice"
    );

    let r = call(
        &app,
        &ann_token,
        "GET",
        "/api/v3/authenticators/static/",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["results"],
        json!([{"name": "Static Token", "pk": fixed,
                "token_set": [{"token": "aaaabbbbcccc"}, {"token": "ddddeeeeffff"}]}])
    );
    assert_fits(&doc, &r.json["results"][0], "StaticDevice", "static device");

    // Bob sees only his own and cannot read, rename or delete Ann's.
    let r = call(
        &app,
        &bob_token,
        "GET",
        "/api/v3/authenticators/totp/",
        None,
    )
    .await;
    assert_eq!(
        r.json["results"],
        json!([{"name": "bob phone", "pk": bobs}])
    );
    let path = format!("/api/v3/authenticators/totp/{totp}/");
    assert_eq!(call(&app, &bob_token, "GET", &path, None).await.status, 404);
    let rename = json!({"name": "stolen"});
    assert_eq!(
        call(&app, &bob_token, "PATCH", &path, Some(rename.clone()))
            .await
            .status,
        404
    );
    assert_eq!(
        call(&app, &bob_token, "DELETE", &path, None).await.status,
        404
    );

    // Ann renames and deletes her own.
    let r = call(
        &app,
        &ann_token,
        "PATCH",
        &path,
        Some(json!({"name": "work phone"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json, json!({"name": "work phone", "pk": totp}));
    let r = call(&app, &ann_token, "PUT", &path, Some(json!({"name": ""}))).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        call(&app, &ann_token, "DELETE", &path, None).await.status,
        204
    );
    assert_eq!(call(&app, &ann_token, "GET", &path, None).await.status, 404);
    let r = call(&app, &ann_token, "GET", "/api/v3/authenticators/all/", None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    let r = call(&app, &bob_token, "GET", "/api/v3/authenticators/all/", None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
});

db_test!(admin_endpoints, |app: TestApp| async move {
    let (ann, ann_token) = app.user_with_token("ann").await;
    let (bob, _) = app.user_with_token("bob").await;
    totp_device(&app, ann, "phone").await;
    let bobs = totp_device(&app, bob, "bob phone").await;
    static_device(&app, bob, &["aaaabbbbcccc"]).await;

    let r = app
        .admin("GET", "/api/v3/authenticators/admin/all/", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json.as_array().unwrap().len(), 3);
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/authenticators/admin/all/?user={bob}"),
            None,
        )
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 2);
    let r = app
        .admin("GET", "/api/v3/authenticators/admin/totp/", None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 2, "{}", r.text);
    let path = format!("/api/v3/authenticators/admin/totp/{bobs}/");
    assert_eq!(app.admin("DELETE", &path, None).await.status, 204);
    assert_eq!(app.admin("GET", &path, None).await.status, 404);

    // Regular users without permissions see no device there, and no per-class list.
    let r = call(
        &app,
        &ann_token,
        "GET",
        "/api/v3/authenticators/admin/all/",
        None,
    )
    .await;
    assert_eq!((r.status, r.json.clone()), (200, json!([])), "{}", r.text);
    let r = call(
        &app,
        &ann_token,
        "GET",
        "/api/v3/authenticators/admin/totp/",
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
});

//! WebAuthn devices in the authenticator API (spec §5.2): own list and `/authenticators/all/`
//! with the model as `extra_description`, rename, delete, others' devices invisible, the
//! superuser endpoints, the device type list, and the user interface's MFA page with its enroll
//! links.
use castellan_core::mfa::{DeviceCommon, WebAuthnDevice};
use castellan_store::devices_webauthn;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::flow_support::{defaults, user};
use crate::mfa_api::call;
use crate::page_session::login;

const WINDOWS_HELLO: &str = "08987058-cadc-4b81-b6e1-30de50dcbe96";
const UNKNOWN: &str = "11111111-2222-3333-4444-555555555555";

/// Stores a confirmed WebAuthn device with this AAGUID; returns its pk.
pub(crate) async fn webauthn_device(app: &TestApp, user: i64, name: &str, aaguid: &str) -> i64 {
    let now = app.store.now();
    let d = WebAuthnDevice {
        common: DeviceCommon {
            pk: 0,
            user,
            name: name.into(),
            confirmed: true,
            created: now,
            last_updated: now,
            last_used: None,
        },
        credential_id: format!("cred-{user}-{name}").replace(' ', "-"),
        public_key: "pQECAyYgASFYIA".into(),
        sign_count: 0,
        rp_id: "localhost".into(),
        aaguid: aaguid.into(),
        device_type: None,
        attestation_format: "none".into(),
        attestation_certificate_pem: None,
        attestation_certificate_fingerprint: None,
    };
    let mut conn = app.store.conn().await.unwrap();
    devices_webauthn::create(&mut conn, &d)
        .await
        .unwrap()
        .unwrap()
}

db_test!(own_webauthn_devices, |app: TestApp| async move {
    let (ann, ann_token) = app.user_with_token("ann").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let hello = webauthn_device(&app, ann, "laptop", WINDOWS_HELLO).await;
    let odd = webauthn_device(&app, ann, "odd key", UNKNOWN).await;
    let bobs = webauthn_device(&app, bob, "bob key", WINDOWS_HELLO).await;
    let doc = castellan_web::openapi::document();

    let r = call(&app, &ann_token, "GET", "/api/v3/authenticators/all/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", r.text);
    // `Device.pk` is a string.
    let by_pk = |pk: i64| {
        let pk = pk.to_string();
        list.iter().find(|d| d["pk"] == pk.as_str()).unwrap()
    };
    let h = by_pk(hello);
    assert_eq!(
        h["type"],
        "authentik_stages_authenticator_webauthn.WebAuthnDevice"
    );
    assert_eq!(
        h["meta_model_name"],
        "authentik_stages_authenticator_webauthn.webauthndevice"
    );
    assert_eq!(h["verbose_name"], "WebAuthn Device");
    assert_eq!(h["verbose_name_plural"], "WebAuthn Devices");
    assert_eq!(h["extra_description"], "Windows Hello");
    assert_fits(&doc, h, "Device", "device");
    assert_eq!(
        by_pk(odd)["extra_description"],
        "Extra description not available"
    );

    let r = call(
        &app,
        &ann_token,
        "GET",
        "/api/v3/authenticators/webauthn/",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 2, "{}", r.text);
    let results = r.json["results"].as_array().unwrap();
    let h = results.iter().find(|d| d["pk"] == hello).unwrap();
    assert_eq!(h["name"], "laptop");
    assert_eq!(h["aaguid"], WINDOWS_HELLO);
    assert_eq!(
        h["device_type"],
        json!({"aaguid": WINDOWS_HELLO, "description": "Windows Hello"})
    );
    assert!(h["created_on"].is_string());
    assert_fits(&doc, h, "WebAuthnDevice", "webauthn device");
    let o = results.iter().find(|d| d["pk"] == odd).unwrap();
    assert_eq!(o["device_type"], Value::Null);
    assert_eq!(o["aaguid"], UNKNOWN);
    assert_fits(&doc, o, "WebAuthnDevice", "unknown webauthn device");

    // Bob sees only his own and cannot read, rename or delete Ann's.
    let r = call(
        &app,
        &bob_token,
        "GET",
        "/api/v3/authenticators/webauthn/",
        None,
    )
    .await;
    assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
    assert_eq!(r.json["results"][0]["pk"], bobs);
    let path = format!("/api/v3/authenticators/webauthn/{hello}/");
    assert_eq!(call(&app, &bob_token, "GET", &path, None).await.status, 404);
    let stolen = Some(json!({"name": "stolen"}));
    assert_eq!(
        call(&app, &bob_token, "PATCH", &path, stolen).await.status,
        404
    );
    assert_eq!(
        call(&app, &bob_token, "DELETE", &path, None).await.status,
        404
    );
    let used_by = format!("{path}used_by/");
    assert_eq!(
        call(&app, &bob_token, "GET", &used_by, None).await.status,
        404
    );
    let r = call(&app, &ann_token, "GET", &used_by, None).await;
    assert_eq!((r.status, r.json.clone()), (200, json!([])));

    // Ann renames (up to 200 characters) and deletes her own.
    let r = call(
        &app,
        &ann_token,
        "PATCH",
        &path,
        Some(json!({"name": "work laptop"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "work laptop");
    assert_eq!(r.json["pk"], hello);
    let long = "k".repeat(200);
    let r = call(&app, &ann_token, "PUT", &path, Some(json!({"name": long}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = call(
        &app,
        &ann_token,
        "PUT",
        &path,
        Some(json!({"name": "k".repeat(201)})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
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

db_test!(admin_webauthn_endpoints, |app: TestApp| async move {
    let (ann, ann_token) = app.user_with_token("ann").await;
    let (bob, _) = app.user_with_token("bob").await;
    webauthn_device(&app, ann, "ann key", WINDOWS_HELLO).await;
    let bobs = webauthn_device(&app, bob, "bob key", UNKNOWN).await;

    let r = app
        .admin(
            "GET",
            &format!("/api/v3/authenticators/admin/all/?user={bob}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 1, "{}", r.text);
    assert_eq!(list[0]["pk"], bobs.to_string());
    assert_eq!(
        list[0]["extra_description"],
        "Extra description not available"
    );
    let r = app
        .admin("GET", "/api/v3/authenticators/admin/all/", None)
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 2, "{}", r.text);
    let r = app
        .admin("GET", "/api/v3/authenticators/admin/webauthn/", None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 2, "{}", r.text);
    let path = format!("/api/v3/authenticators/admin/webauthn/{bobs}/");
    let r = app
        .admin("PATCH", &path, Some(json!({"name": "renamed"})))
        .await;
    assert_eq!((r.status, r.json["name"].clone()), (200, json!("renamed")));
    assert_eq!(app.admin("DELETE", &path, None).await.status, 204);
    assert_eq!(app.admin("GET", &path, None).await.status, 404);

    // Not for regular users: they see no device of others, and no list without permissions.
    let r = call(
        &app,
        &ann_token,
        "GET",
        "/api/v3/authenticators/admin/all/",
        None,
    )
    .await;
    assert_eq!((r.status, r.json.clone()), (200, json!([])), "{}", r.text);
    for path in [
        "/api/v3/authenticators/admin/webauthn/",
        "/api/v3/stages/authenticator/webauthn_device_types/",
    ] {
        let r = call(&app, &ann_token, "GET", path, None).await;
        assert_eq!(r.status, 403, "{path}: {}", r.text);
    }
});

db_test!(webauthn_device_types_api, |app: TestApp| async move {
    let doc = castellan_web::openapi::document();
    let base = "/api/v3/stages/authenticator/webauthn_device_types/";
    let r = app.admin("GET", &format!("{base}?page_size=5"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let total = r.json["pagination"]["count"].as_i64().unwrap();
    assert!(total > 300, "{total}");
    let results = r.json["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_fits(&doc, &results[0], "WebAuthnDeviceType", "device type");
    let names: Vec<&str> = results
        .iter()
        .map(|t| t["description"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ordered by description");

    let r = app
        .admin("GET", &format!("{base}?search=yubikey"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let count = r.json["pagination"]["count"].as_i64().unwrap();
    assert!(count >= 3, "{}", r.text);
    assert!(
        r.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["description"].as_str().unwrap().contains("YubiKey")),
        "{}",
        r.text
    );
    let r = app
        .admin("GET", &format!("{base}?description=Windows%20Hello"), None)
        .await;
    // Three Windows Hello AAGUIDs (hardware, software, VBS).
    assert_eq!(r.json["pagination"]["count"], 3, "{}", r.text);
    let r = app
        .admin("GET", &format!("{base}?aaguid={WINDOWS_HELLO}"), None)
        .await;
    assert_eq!(r.json["results"][0]["description"], "Windows Hello");
    let r = app.admin("GET", &format!("{base}?aaguid=nope"), None).await;
    assert_eq!(r.status, 400, "{}", r.text);

    let r = app
        .admin(
            "GET",
            &format!("{base}{}/", WINDOWS_HELLO.to_uppercase()),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"aaguid": WINDOWS_HELLO, "description": "Windows Hello"})
    );
    assert_eq!(
        app.admin("GET", &format!("{base}{UNKNOWN}/"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin("GET", &format!("{base}not-a-uuid/"), None)
            .await
            .status,
        404
    );
});

db_test!(
    user_interface_lists_webauthn_and_enroll_links,
    |app: TestApp| async move {
        defaults(&app).await;
        let pk = user(&app, "wa-user", "Wa-pw-1").await;
        let other = user(&app, "wa-other", "Wa-pw-2").await;
        // Logged in first: the default authentication flow would ask for the new devices.
        let v = login(&app, "wa-user", "Wa-pw-1").await;
        let mine = webauthn_device(&app, pk, "my key", WINDOWS_HELLO).await;
        let odd = webauthn_device(&app, pk, "odd key", UNKNOWN).await;
        let theirs = webauthn_device(&app, other, "their key", WINDOWS_HELLO).await;
        let r = v.get(&app, "/if/user/mfa/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        let page = r.text.replace("&#x2f;", "/");
        assert!(r.text.contains("my key"), "{}", r.text);
        assert!(r.text.contains("Windows Hello"), "{}", r.text);
        assert!(r.text.contains("WebAuthn Device"), "{}", r.text);
        assert!(!r.text.contains("their key"));
        assert!(
            r.text
                .contains(&format!("data-pk=\"{mine}\" data-class=\"webauthn\""))
        );
        for (slug, label) in [
            ("default-authenticator-totp-setup", "TOTP Device"),
            ("default-authenticator-static-setup", "Static tokens"),
            ("default-authenticator-webauthn-setup", "WebAuthn device"),
        ] {
            let link = format!(
                "<a class=\"ak-enroll\" href=\"/if/flow/{slug}/?next=/if/user/mfa/\">{label}</a>"
            );
            assert!(page.contains(&link), "{link} in {page}");
            assert_eq!(page.matches(&format!("/if/flow/{slug}/")).count(), 1);
        }

        let r = v
            .submit(
                &app,
                &format!("/if/user/mfa/webauthn/{theirs}/rename/"),
                &[("name", "x")],
            )
            .await;
        assert_eq!(r.status, 404);
        let r = v
            .submit(
                &app,
                &format!("/if/user/mfa/webauthn/{mine}/rename/"),
                &[("name", "desk key")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let r = v
            .submit(&app, &format!("/if/user/mfa/webauthn/{odd}/delete/"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let mut conn = app.store.conn().await.unwrap();
        let d = devices_webauthn::get(&mut conn, mine)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.common.name, "desk key");
        assert!(
            devices_webauthn::get(&mut conn, odd)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            devices_webauthn::get(&mut conn, theirs)
                .await
                .unwrap()
                .is_some()
        );
    }
);

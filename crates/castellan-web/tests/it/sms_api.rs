//! SMS devices in the authenticator API (spec §5.2): own list with `phone_number`,
//! `/authenticators/all/` entries, rename, delete, `used_by`, others' devices invisible, the
//! superuser endpoints, and the user interface's MFA page.
use castellan_store::devices_sms;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::challenge_schema::assert_fits;
use crate::flow_support::{defaults, user};
use crate::mfa_api::call;
use crate::page_session::login;
use crate::sms_support::{gateway, sms_device, sms_stage};

db_test!(own_and_admin_sms_devices, |app: TestApp| async move {
    let gw = gateway().await;
    let stage = sms_stage(&app, &gw, "sms-setup", json!({})).await;
    let (ann, ann_token) = app.user_with_token("ann").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let mine = sms_device(&app, ann, &stage, "+15550601").await;
    let bobs = sms_device(&app, bob, &stage, "+15550602").await;
    let doc = castellan_web::openapi::document();

    let r = call(&app, &ann_token, "GET", "/api/v3/authenticators/all/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 1, "{}", r.text);
    let d = &list[0];
    assert_eq!(d["pk"], mine.to_string());
    assert_eq!(d["type"], "authentik_stages_authenticator_sms.SMSDevice");
    assert_eq!(
        d["meta_model_name"],
        "authentik_stages_authenticator_sms.smsdevice"
    );
    assert_eq!(d["verbose_name"], "SMS Device");
    assert_eq!(d["verbose_name_plural"], "SMS Devices");
    assert_eq!(d["extra_description"], "");
    assert_fits(&doc, d, "Device", "device");

    let r = call(&app, &ann_token, "GET", "/api/v3/authenticators/sms/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
    let own = &r.json["results"][0];
    assert_eq!(
        own,
        &json!({"name": "SMS Device", "pk": mine, "phone_number": "+15550601"})
    );
    assert_fits(&doc, own, "SMSDevice", "sms device");

    // Bob cannot read, rename or delete Ann's device.
    let path = format!("/api/v3/authenticators/sms/{mine}/");
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

    // Ann renames (at most 64 characters) and reads it back.
    let r = call(
        &app,
        &ann_token,
        "PATCH",
        &path,
        Some(json!({"name": "work phone"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"name": "work phone", "pk": mine, "phone_number": "+15550601"})
    );
    let long = Some(json!({"name": "p".repeat(65)}));
    assert_eq!(call(&app, &ann_token, "PUT", &path, long).await.status, 400);
    let r = call(&app, &ann_token, "GET", &path, None).await;
    assert_eq!(r.json["name"], "work phone");
    let renamed = crate::flow_prompt::events(&app, "model_updated").await;
    assert!(
        renamed
            .iter()
            .any(|e| e["context"].to_string().contains("\"smsdevice\"")),
        "{renamed:?}"
    );

    // Superusers see and manage everyone's.
    let r = app
        .admin("GET", "/api/v3/authenticators/admin/sms/", None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 2, "{}", r.text);
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/authenticators/admin/all/?user={bob}"),
            None,
        )
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1, "{}", r.text);
    let admin_path = format!("/api/v3/authenticators/admin/sms/{bobs}/");
    let r = app
        .admin("PUT", &admin_path, Some(json!({"name": "bob phone"})))
        .await;
    assert_eq!(
        (r.status, r.json["name"].clone()),
        (200, json!("bob phone"))
    );
    assert_eq!(app.admin("DELETE", &admin_path, None).await.status, 204);
    assert_eq!(app.admin("GET", &admin_path, None).await.status, 404);
    let r = call(
        &app,
        &ann_token,
        "GET",
        "/api/v3/authenticators/admin/sms/",
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Ann deletes hers.
    assert_eq!(
        call(&app, &ann_token, "DELETE", &path, None).await.status,
        204
    );
    let mut conn = app.store.conn().await.unwrap();
    assert!(devices_sms::get(&mut conn, mine).await.unwrap().is_none());
    let r = call(&app, &ann_token, "GET", "/api/v3/authenticators/all/", None).await;
    assert_eq!(r.json, json!([]));
});

db_test!(
    user_interface_lists_sms_devices,
    |app: TestApp| async move {
        defaults(&app).await;
        let gw = gateway().await;
        let stage = sms_stage(&app, &gw, "sms-setup", json!({})).await;
        let pk = user(&app, "sms-user", "Sms-pw-1").await;
        let v = login(&app, "sms-user", "Sms-pw-1").await;
        let mine = sms_device(&app, pk, &stage, "+15550701").await;
        let r = v.get(&app, "/if/user/mfa/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("SMS Device"), "{}", r.text);
        assert!(
            r.text
                .contains(&format!("data-pk=\"{mine}\" data-class=\"sms\"")),
            "{}",
            r.text
        );
        let r = v
            .submit(
                &app,
                &format!("/if/user/mfa/sms/{mine}/rename/"),
                &[("name", "my phone")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let r = v
            .submit(&app, &format!("/if/user/mfa/sms/{mine}/delete/"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let mut conn = app.store.conn().await.unwrap();
        assert!(devices_sms::get(&mut conn, mine).await.unwrap().is_none());
    }
);

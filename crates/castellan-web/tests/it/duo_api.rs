//! Duo devices in the authenticator API (spec §5.2, §5.7): own list, `/authenticators/all/`,
//! rename and delete, others' devices invisible, the superuser endpoints, the manual import,
//! and the user interface's MFA page.
use castellan_store::devices_duo;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::duo_support::{SKEY, duo_device, duo_server, duo_stage_body};
use crate::flow_prompt::stage;
use crate::flow_support::{defaults, user};
use crate::mfa_api::call;
use crate::page_session::login;

db_test!(own_duo_devices, |app: TestApp| async move {
    let duo = duo_server().await;
    let setup = stage(
        &app,
        "stages/authenticator/duo",
        duo_stage_body("duo-setup", &duo, SKEY),
    )
    .await;
    let setup = setup.as_str().unwrap().to_string();
    let (ann, ann_token) = app.user_with_token("ann").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let mine = duo_device(&app, ann, &setup, "DU-ann").await;
    let bobs = duo_device(&app, bob, &setup, "DU-bob").await;
    let doc = castellan_web::openapi::document();

    let r = call(&app, &ann_token, "GET", "/api/v3/authenticators/all/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 1, "{}", r.text);
    let d = &list[0];
    assert_eq!(d["pk"], mine.to_string());
    assert_eq!(d["type"], "authentik_stages_authenticator_duo.DuoDevice");
    assert_eq!(
        d["meta_model_name"],
        "authentik_stages_authenticator_duo.duodevice"
    );
    assert_eq!(d["verbose_name"], "Duo Device");
    assert_eq!(d["verbose_name_plural"], "Duo Devices");
    assert_eq!(d["extra_description"], "");
    assert_eq!(d["name"], "Duo Authenticator");
    assert_fits(&doc, d, "Device", "device");

    let r = call(&app, &ann_token, "GET", "/api/v3/authenticators/duo/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(
        r.json["results"][0],
        json!({"pk": mine, "name": "Duo Authenticator"})
    );
    assert_fits(&doc, &r.json["results"][0], "DuoDevice", "duo device");
    let one = format!("/api/v3/authenticators/duo/{mine}/");
    let r = call(&app, &ann_token, "GET", &one, None).await;
    assert_eq!(r.json, json!({"pk": mine, "name": "Duo Authenticator"}));
    let r = call(&app, &ann_token, "GET", &format!("{one}used_by/"), None).await;
    assert_eq!(r.json, json!([]));

    // Renames (PUT and PATCH) with a length check.
    let r = call(
        &app,
        &ann_token,
        "PATCH",
        &one,
        Some(json!({"name": "my phone"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["name"], "my phone");
    let long = "x".repeat(65);
    let r = call(&app, &ann_token, "PUT", &one, Some(json!({"name": long}))).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = call(
        &app,
        &ann_token,
        "PUT",
        &one,
        Some(json!({"name": "work phone"})),
    )
    .await;
    assert_eq!(r.json["name"], "work phone");
    let mut conn = app.store.conn().await.unwrap();
    let stored = devices_duo::get(&mut conn, mine).await.unwrap().unwrap();
    assert_eq!(stored.common.name, "work phone");
    drop(conn);

    // Bob sees only his own, and Ann's are 404 to him.
    let r = call(&app, &bob_token, "GET", "/api/v3/authenticators/duo/", None).await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(r.json["results"][0]["pk"], bobs);
    for method in ["GET", "DELETE"] {
        assert_eq!(call(&app, &bob_token, method, &one, None).await.status, 404);
    }
    let r = call(&app, &bob_token, "PATCH", &one, Some(json!({"name": "x"}))).await;
    assert_eq!(r.status, 404);

    // The superuser sees and manages all of them.
    let r = app
        .admin("GET", "/api/v3/authenticators/admin/duo/", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 2);
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/authenticators/admin/all/?user={bob}"),
            None,
        )
        .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1, "{}", r.text);
    let r = app
        .admin(
            "PATCH",
            &format!("/api/v3/authenticators/admin/duo/{bobs}/"),
            Some(json!({"name": "renamed"})),
        )
        .await;
    assert_eq!(r.json["name"], "renamed", "{}", r.text);
    let r = app
        .admin(
            "DELETE",
            &format!("/api/v3/authenticators/admin/duo/{bobs}/"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);

    // Ann deletes hers, recorded as model_deleted.
    assert_eq!(
        call(&app, &ann_token, "DELETE", &one, None).await.status,
        204
    );
    assert_eq!(call(&app, &ann_token, "GET", &one, None).await.status, 404);
    let r = app
        .admin("GET", "/api/v3/events/events/?action=model_deleted", None)
        .await;
    let deleted: Vec<&Value> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["context"]["model"]["model_name"] == "duodevice")
        .collect();
    assert_eq!(deleted.len(), 2, "{}", r.text);
});

db_test!(duo_manual_import, |app: TestApp| async move {
    let duo = duo_server().await;
    let setup = stage(
        &app,
        "stages/authenticator/duo",
        duo_stage_body("duo-setup", &duo, SKEY),
    )
    .await;
    let setup = setup.as_str().unwrap().to_string();
    let (ann, ann_token) = app.user_with_token("ann").await;
    let path = format!("/api/v3/stages/authenticator/duo/{setup}/import_device_manual/");
    let body = json!({"username": "ann", "duo_user_id": "DU-imported"});

    // Only superusers import.
    let r = call(&app, &ann_token, "POST", &path, Some(body.clone())).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = app.admin("POST", &path, Some(body.clone())).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let mut conn = app.store.conn().await.unwrap();
    let list = devices_duo::list(&mut conn, Some(ann), false)
        .await
        .unwrap();
    drop(conn);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].duo_user_id, "DU-imported");
    assert_eq!(list[0].stage.to_string(), setup);
    assert_eq!(list[0].common.name, "Imported Duo Authenticator");

    // The same Duo user twice, an unknown user, a missing field, an unknown stage: refused.
    let r = app.admin("POST", &path, Some(body)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["error"][0], "Device exists already.", "{}", r.text);
    let r = app
        .admin(
            "POST",
            &path,
            Some(json!({"username": "nobody", "duo_user_id": "DU-x"})),
        )
        .await;
    assert_eq!(r.json["error"][0], "User does not exist.", "{}", r.text);
    let r = app
        .admin("POST", &path, Some(json!({"username": "ann"})))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json["duo_user_id"].is_array(), "{}", r.text);
    let r = app
        .admin(
            "POST",
            "/api/v3/stages/authenticator/duo/00000000-0000-0000-0000-000000000001/import_device_manual/",
            Some(json!({"username": "ann", "duo_user_id": "DU-y"})),
        )
        .await;
    assert_eq!(r.status, 404);
});

db_test!(duo_devices_on_the_mfa_page, |app: TestApp| async move {
    defaults(&app).await;
    let duo = duo_server().await;
    let setup = stage(
        &app,
        "stages/authenticator/duo",
        duo_stage_body("duo-setup", &duo, SKEY),
    )
    .await;
    let pk = user(&app, "mfa-user", "Mfa-pw-1").await;
    let v = login(&app, "mfa-user", "Mfa-pw-1").await;
    let mine = duo_device(&app, pk, setup.as_str().unwrap(), "DU-mfa").await;
    let r = v.get(&app, "/if/user/mfa/").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("Duo Authenticator"), "{}", r.text);
    assert!(r.text.contains("Duo Device"), "{}", r.text);
    let r = v
        .submit(
            &app,
            &format!("/if/user/mfa/duo/{mine}/rename/"),
            &[("name", "duo phone")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = v
        .submit(&app, &format!("/if/user/mfa/duo/{mine}/delete/"), &[])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let mut conn = app.store.conn().await.unwrap();
    assert!(devices_duo::get(&mut conn, mine).await.unwrap().is_none());
});

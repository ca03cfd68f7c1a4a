//! The Duo setup stage's automatic import (spec §5.7, `import_devices_automatic/`): the Duo
//! Admin API's users, read page by page with signed `GET`s, become Duo devices of the users
//! that exist; known Duo user ids are skipped, a second run creates none, and refusals (no
//! admin keys, Duo failing, a wrong admin secret, a non-admin caller) save nothing uncounted.
use castellan_store::devices_duo;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::duo_support::{
    ADMIN_SKEY, DuoServer, SKEY, duo_device, duo_server, duo_stage_body, duo_stage_body_admin,
};
use crate::flow_prompt::stage;
use crate::mfa_api::call;

const USERS: &str = "/admin/v1/users";

fn import_path(stage: &str) -> String {
    format!("/api/v3/stages/authenticator/duo/{stage}/import_devices_automatic/")
}

/// Every Duo device: (username's pk, Duo user id, name, stage).
async fn devices(app: &TestApp) -> Vec<(i64, String, String, String)> {
    let mut conn = app.store.conn().await.unwrap();
    devices_duo::list(&mut conn, None, false)
        .await
        .unwrap()
        .into_iter()
        .map(|d| {
            (
                d.common.user,
                d.duo_user_id,
                d.common.name,
                d.stage.to_string(),
            )
        })
        .collect()
}

/// A Duo setup stage with the Admin API keys (`admin_secret` as secret); its pk.
async fn admin_stage(app: &TestApp, name: &str, duo: &DuoServer, admin_secret: &str) -> String {
    let pk = stage(
        app,
        "stages/authenticator/duo",
        duo_stage_body_admin(name, duo, admin_secret),
    )
    .await;
    pk.as_str().unwrap().to_string()
}

/// The `model_created` events of Duo devices.
async fn created_events(app: &TestApp) -> usize {
    let r = app
        .admin("GET", "/api/v3/events/events/?action=model_created", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["context"]["model"]["model_name"] == "duodevice")
        .count()
}

db_test!(duo_import_automatic, |app: TestApp| async move {
    let duo = duo_server().await;
    // Five Duo users, two a page: ann, bob, carl and dan exist here, "ghost" does not; bob's
    // Duo user id is already a device.
    duo.set_admin_users(
        &[
            ("DU-A", "ann"),
            ("DU-B", "bob"),
            ("DU-G", "ghost"),
            ("DU-C", "carl"),
            ("DU-D", "dan"),
        ],
        2,
    );
    let setup = admin_stage(&app, "duo-import", &duo, ADMIN_SKEY).await;
    let (ann, ann_token) = app.user_with_token("ann").await;
    let (bob, _) = app.user_with_token("bob").await;
    let (carl, _) = app.user_with_token("carl").await;
    let (dan, _) = app.user_with_token("dan").await;
    duo_device(&app, bob, &setup, "DU-B").await;
    let path = import_path(&setup);

    // Only superusers import; Duo is not asked for them.
    let r = call(&app, &ann_token, "POST", &path, None).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(duo.seen(USERS).is_empty());

    let r = app.admin("POST", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json, json!({"count": 3, "error": ""}));
    let doc = castellan_web::openapi::document();
    assert_fits(
        &doc,
        &r.json,
        "AuthenticatorDuoStageDeviceImportResponse",
        "import answer",
    );
    // Three pages, each a signed GET with the admin key, the offsets Duo announced.
    let seen = duo.seen(USERS);
    assert_eq!(seen.len(), 3, "{seen:?}");
    for (s, offset) in seen.iter().zip(["0", "2", "4"]) {
        assert_eq!(s.method, "GET");
        assert!(s.signed, "{s:?}");
        assert!(
            s.params
                .contains(&("offset".to_string(), offset.to_string())),
            "{s:?}"
        );
        assert!(s.params.iter().any(|(k, _)| k == "limit"), "{s:?}");
    }
    let mut all = devices(&app).await;
    all.sort();
    let name = "Imported Duo Authenticator".to_string();
    let mut expected = vec![
        (ann, "DU-A".to_string(), name.clone(), setup.clone()),
        (
            bob,
            "DU-B".to_string(),
            "Duo Authenticator".into(),
            setup.clone(),
        ),
        (carl, "DU-C".to_string(), name.clone(), setup.clone()),
        (dan, "DU-D".to_string(), name.clone(), setup.clone()),
    ];
    expected.sort();
    assert_eq!(all, expected);
    let mut conn = app.store.conn().await.unwrap();
    let anns = devices_duo::list(&mut conn, Some(ann), true).await.unwrap();
    drop(conn);
    assert!(anns[0].common.confirmed);
    assert_eq!(created_events(&app).await, 3);

    // A second run finds every Duo user already imported.
    let r = app.admin("POST", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json, json!({"count": 0, "error": ""}));
    assert_eq!(devices(&app).await.len(), 4);
    assert_eq!(duo.seen(USERS).len(), 6);
    assert_eq!(created_events(&app).await, 3);
});

db_test!(duo_import_automatic_refusals, |app: TestApp| async move {
    let duo = duo_server().await;
    duo.set_admin_users(&[("DU-A", "ann"), ("DU-B", "bob"), ("DU-C", "carl")], 2);
    for name in ["ann", "bob", "carl"] {
        app.user_with_token(name).await;
    }

    // No Admin API keys: refused before asking Duo.
    let plain = stage(
        &app,
        "stages/authenticator/duo",
        duo_stage_body("duo-plain", &duo, SKEY),
    )
    .await;
    let r = app
        .admin("POST", &import_path(plain.as_str().unwrap()), None)
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json["non_field_errors"][0],
        "Stage does not have Admin API configured, which is required for automatic imports.",
        "{}",
        r.text
    );
    assert!(duo.seen(USERS).is_empty());

    // An unknown stage.
    let r = app
        .admin(
            "POST",
            &import_path("00000000-0000-0000-0000-000000000001"),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);

    // A wrong admin secret: Duo refuses the signature, nothing is imported.
    let wrong = admin_stage(&app, "duo-wrong", &duo, "not-the-admin-secret").await;
    let r = app.admin("POST", &import_path(&wrong), None).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.json["count"], 0, "{}", r.text);
    assert_eq!(
        r.json["error"], "Duo error 40103 (HTTP 401): Invalid signature in request credentials",
        "{}",
        r.text
    );
    let seen = duo.seen(USERS);
    assert_eq!(seen.len(), 1);
    assert!(!seen[0].signed);
    assert!(devices(&app).await.is_empty());
    // The secret is in no answer.
    assert!(!r.text.contains("not-the-admin-secret"), "{}", r.text);

    // Duo failing on the second page: the first page's devices stay and are counted.
    let setup = admin_stage(&app, "duo-import", &duo, ADMIN_SKEY).await;
    duo.fail_admin_from(Some(2));
    let path = import_path(&setup);
    let r = app.admin("POST", &path, None).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.json["count"], 2, "{}", r.text);
    let error = r.json["error"].as_str().unwrap();
    assert!(error.contains("Duo is unavailable"), "{error}");
    let imported: Vec<Value> = devices(&app)
        .await
        .into_iter()
        .map(|(_, id, _, _)| json!(id))
        .collect();
    assert_eq!(imported, vec![json!("DU-A"), json!("DU-B")]);
    assert_eq!(created_events(&app).await, 2);

    // Duo back: the rest is imported.
    duo.fail_admin_from(None);
    let r = app.admin("POST", &path, None).await;
    assert_eq!(r.json, json!({"count": 1, "error": ""}), "{}", r.text);
    assert_eq!(devices(&app).await.len(), 3);
});

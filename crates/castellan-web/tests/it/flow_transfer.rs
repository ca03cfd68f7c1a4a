//! Flow export and import: the default authentication flow survives an export, a delete and
//! an import, and still logs users in; a malformed upload reports every error and writes
//! nothing.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{Response, TestApp, db_test};
use serde_json::{Value, json};

const AUTH: &str = "default-authentication-flow";
const IMPORT: &str = "/api/v3/flows/instances/import/";

/// Uploads `text` as the multipart field `file`.
async fn import(app: &TestApp, text: &str) -> Response {
    let boundary = "castellan-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"flow.yaml\"\r\nContent-Type: application/yaml\r\n\r\n{text}\r\n--{boundary}--\r\n"
    );
    let auth = format!("Bearer {}", app.admin_token);
    let ct = format!("multipart/form-data; boundary={boundary}");
    app.send(
        "POST",
        IMPORT,
        Some(&body),
        &[("authorization", &auth), ("content-type", &ct)],
    )
    .await
}

/// `(order, stage name)` of a flow's bindings.
async fn bindings(app: &TestApp, slug: &str) -> Vec<(i64, String)> {
    let flow = app
        .admin("GET", &format!("/api/v3/flows/instances/{slug}/"), None)
        .await;
    assert_eq!(flow.status, 200, "{}", flow.text);
    let pk = flow.json["pk"].as_str().unwrap();
    let r = app
        .admin("GET", &format!("/api/v3/flows/bindings/?target={pk}"), None)
        .await;
    r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["order"].as_i64().unwrap(),
                b["stage_obj"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

db_test!(export_delete_import_round_trip, |app: TestApp| async move {
    castellan_web::blueprints::apply_defaults(&app.store, &Default::default())
        .await
        .unwrap();
    let before = bindings(&app, AUTH).await;
    assert_eq!(before.len(), 4);
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/flows/instances/{AUTH}/export/"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/yaml");
    assert_eq!(
        r.headers["content-disposition"],
        "attachment; filename=\"default-authentication-flow.yaml\""
    );
    let text = r.text.clone();
    assert!(
        text.starts_with(
            "version: 1\nmetadata:\n  name: authentik Export - Welcome to authentik!\n"
        ),
        "{text}"
    );
    assert!(castellan_web::blueprints::check(&text).is_empty(), "{text}");
    assert!(
        text.contains(
            "configure_flow: !Find [authentik_flows.flow, [slug, default-password-change]]"
        ),
        "{text}"
    );
    assert!(
        text.contains("policy: !KeyOf policy-default-authentication-flow-password-stage"),
        "{text}"
    );
    // Delete the flow (its bindings and policy bindings go with it), then import.
    let del = app
        .admin("DELETE", &format!("/api/v3/flows/instances/{AUTH}/"), None)
        .await;
    assert_eq!(del.status, 204);
    let pbs_gone = app.admin("GET", "/api/v3/policies/bindings/", None).await;
    let r = import(&app, &text).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["success"], true, "{}", r.text);
    assert!(!r.json["logs"].as_array().unwrap().is_empty());
    assert_eq!(bindings(&app, AUTH).await, before);
    let pbs = app.admin("GET", "/api/v3/policies/bindings/", None).await;
    assert_eq!(
        pbs.json["pagination"]["count"].as_i64().unwrap(),
        pbs_gone.json["pagination"]["count"].as_i64().unwrap() + 1
    );
    let password_binding = pbs.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["policy_obj"]["name"] == "default-authentication-flow-password-stage")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(password_binding["failure_result"], true, "{}", pbs.text);
    // Importing the same file again changes nothing.
    let again = import(&app, &text).await;
    assert_eq!(again.json["success"], true);
    assert!(
        again.json["logs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| !l["event"].as_str().unwrap().ends_with(": created")),
        "{}",
        again.text
    );
    // The imported flow logs users in.
    let mut conn = app.store.conn().await.unwrap();
    let hash = castellan_crypto::password::hash_password("Admin-pw-1").unwrap();
    castellan_store::users::set_password(&mut conn, app.admin_pk, &hash, app.store.now())
        .await
        .unwrap();
    drop(conn);
    let mut client = FlowClient::new(&app, AUTH);
    let end = client.login("akadmin", "Admin-pw-1").await;
    assert_eq!(end, json!({"component": "xak-flow-redirect", "to": "/"}));
});

db_test!(
    a_malformed_import_reports_every_error_and_writes_nothing,
    |app: TestApp| async move {
        let text = "\
version: 1
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: imported}
    attrs: {name: I, title: I, designation: authentication}
  - model: authentik_stages_nope.nopestage
    identifiers: {name: x}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf nowhere, order: 0}
";
        let r = import(&app, text).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["success"], false);
        let logs = r.json["logs"].as_array().unwrap();
        assert_eq!(logs.len(), 2, "{}", r.text);
        assert_eq!(logs[0]["log_level"], "error");
        assert_eq!(logs[0]["attributes"]["line"], 7);
        assert_eq!(logs[0]["attributes"]["column"], 12);
        assert_eq!(logs[1]["attributes"]["line"], 10);
        let flow = app
            .admin("GET", "/api/v3/flows/instances/imported/", None)
            .await;
        assert_eq!(flow.status, 404);
        // A failing entry: the flow created before it is rolled back.
        let failing = text
            .replace(
                "authentik_stages_nope.nopestage",
                "authentik_stages_dummy.dummystage",
            )
            .replace("!KeyOf nowhere", "00000000-0000-4000-8000-000000000000");
        let r = import(&app, &failing).await;
        assert_eq!(r.json["success"], false, "{}", r.text);
        assert_eq!(r.json["logs"][0]["attributes"]["line"], 10, "{}", r.text);
        let flow = app
            .admin("GET", "/api/v3/flows/instances/imported/", None)
            .await;
        assert_eq!(flow.status, 404);
        // No file at all.
        let r = app.admin("POST", IMPORT, Some(json!({}))).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json, json!({"logs": [], "success": false}));
    }
);

db_test!(
    stages_referring_to_each_other_export_in_order,
    |app: TestApp| async move {
        let text = "\
version: 1
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: pair-login}
    attrs: {name: Pair, title: Pair, designation: authentication}
  - model: authentik_stages_password.passwordstage
    id: password
    identifiers: {name: pair-password}
    attrs: {backends: [authentik.core.auth.InbuiltBackend]}
  - model: authentik_stages_identification.identificationstage
    id: ident
    identifiers: {name: pair-ident}
    attrs: {user_fields: [username], password_stage: !KeyOf password}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf ident, order: 10}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf password, order: 20}
";
        assert_eq!(import(&app, text).await.json["success"], true);
        let r = app
            .admin("GET", "/api/v3/flows/instances/pair-login/export/", None)
            .await;
        let exported = r.text;
        let password_at = exported.find("name: pair-password").unwrap();
        let ident_at = exported.find("name: pair-ident").unwrap();
        assert!(password_at < ident_at, "{exported}");
        assert!(
            exported.contains("password_stage: !KeyOf stage-pair-password"),
            "{exported}"
        );
        // Without the flow and its stages, the export recreates all of them.
        for path in [
            "/api/v3/flows/instances/pair-login/".to_owned(),
            format!("/api/v3/stages/all/{}/", stage(&app, "pair-ident").await),
            format!("/api/v3/stages/all/{}/", stage(&app, "pair-password").await),
        ] {
            assert_eq!(app.admin("DELETE", &path, None).await.status, 204, "{path}");
        }
        let r = import(&app, &exported).await;
        assert_eq!(r.json["success"], true, "{}", r.text);
        assert_eq!(
            bindings(&app, "pair-login").await,
            [
                (10, "pair-ident".to_owned()),
                (20, "pair-password".to_owned())
            ]
        );
        let ident = app
            .admin(
                "GET",
                &format!(
                    "/api/v3/stages/identification/{}/",
                    stage(&app, "pair-ident").await
                ),
                None,
            )
            .await;
        assert_eq!(
            ident.json["password_stage"].as_str(),
            Some(stage(&app, "pair-password").await.as_str())
        );
    }
);

/// The pk of the stage named `name`.
async fn stage(app: &TestApp, name: &str) -> String {
    let r = app
        .admin("GET", &format!("/api/v3/stages/all/?name={name}"), None)
        .await;
    r.json["results"][0]["pk"].as_str().unwrap().to_owned()
}

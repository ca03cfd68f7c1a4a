//! `/api/v3/managed/blueprints/`: instances with inline content, `apply/`, validation, and the
//! blueprints directory (`available/`, discovery, changed files re-applied, orphans).
use std::path::PathBuf;
use std::sync::Arc;

use castellan_testkit::{TestApp, db_test};
use castellan_web::blueprints;
use serde_json::{Value, json};

const BASE: &str = "/api/v3/managed/blueprints/";

const FLOW: &str = "\
version: 1
metadata:
  name: Instance test
  labels: {team: identity}
entries:
  - model: authentik_flows.flow
    identifiers: {slug: instance-flow}
    attrs: {name: Instance flow, title: Instance, designation: authentication}
";

/// A fresh directory removed by the caller.
fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("castellan-bp-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `app` serving with `dir` as its blueprints directory.
fn with_dir(mut app: TestApp, dir: &std::path::Path) -> TestApp {
    let mut settings = (*app.state.settings).clone();
    settings.blueprints_dir = Some(dir.to_path_buf());
    app.state.settings = Arc::new(settings);
    app.router = castellan_web::router(app.state.clone());
    app
}

db_test!(inline_instance_crud_and_apply, |app: TestApp| async move {
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "inline", "content": FLOW})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let pk = r.json["pk"].as_str().unwrap().to_owned();
    assert_eq!(r.json["status"], "unknown");
    assert_eq!(r.json["enabled"], true);
    assert_eq!(r.json["path"], "");
    assert_eq!(r.json["metadata"]["name"], "Instance test");
    assert_eq!(r.json["metadata"]["labels"]["team"], "identity");
    let keys: Vec<&String> = r.json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "pk",
            "name",
            "path",
            "context",
            "last_applied",
            "last_applied_hash",
            "status",
            "enabled",
            "managed_models",
            "metadata",
            "content"
        ]
    );
    // Nothing is applied until asked.
    let flow = app
        .admin("GET", "/api/v3/flows/instances/instance-flow/", None)
        .await;
    assert_eq!(flow.status, 404);
    let applied = app.admin("POST", &format!("{BASE}{pk}/apply/"), None).await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    assert_eq!(applied.json["status"], "successful");
    assert_eq!(
        applied.json["managed_models"],
        json!(["authentik_flows.flow"])
    );
    assert_eq!(
        applied.json["last_applied_hash"],
        json!(castellan_blueprints::content_hash(FLOW))
    );
    let flow = app
        .admin("GET", "/api/v3/flows/instances/instance-flow/", None)
        .await;
    assert_eq!(flow.status, 200);
    // List, filter, patch, used_by, delete.
    let list = app.admin("GET", &format!("{BASE}?name=inline"), None).await;
    assert_eq!(list.json["pagination"]["count"], 1);
    let patched = app
        .admin(
            "PATCH",
            &format!("{BASE}{pk}/"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["enabled"], false);
    let used = app
        .admin("GET", &format!("{BASE}{pk}/used_by/"), None)
        .await;
    assert_eq!(used.json, json!([]));
    let deleted = app.admin("DELETE", &format!("{BASE}{pk}/"), None).await;
    assert_eq!(deleted.status, 204);
    let gone = app.admin("GET", &format!("{BASE}{pk}/"), None).await;
    assert_eq!(gone.status, 404);
});

db_test!(instance_validation, |app: TestApp| async move {
    let r = app
        .admin("POST", BASE, Some(json!({"name": "empty"})))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"non_field_errors": ["Either path or content must be set."]})
    );
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "nofile", "path": "nope.yaml"})),
        )
        .await;
    assert_eq!(r.json, json!({"path": ["Blueprint file does not exist"]}));
    let broken = "version: 1\nentries:\n  - model: authentik_nope.thing\n    identifiers: {name: x}\n  - model: authentik_flows.flow\n    identifiers: {slug: s}\n    attrs: {designation: nonsense}\n";
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "broken", "content": broken})),
        )
        .await;
    assert_eq!(r.status, 400);
    let message = r.json["content"][0].as_str().unwrap();
    assert!(
        message.starts_with("Failed to validate blueprint: line 3, column 12"),
        "{message}"
    );
    let ok = app
        .admin("POST", BASE, Some(json!({"name": "dup", "content": FLOW})))
        .await;
    assert_eq!(ok.status, 201);
    let dup = app
        .admin("POST", BASE, Some(json!({"name": "dup", "content": FLOW})))
        .await;
    assert_eq!(
        dup.json,
        json!({"name": ["blueprint instance with this name already exists."]})
    );
    // An instance whose blueprint fails to apply records the error and writes nothing.
    let failing = "version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: failing}\n    attrs: {name: F, title: F, designation: authentication}\n  - model: authentik_flows.flowstagebinding\n    identifiers: {target: 00000000-0000-4000-8000-000000000000, stage: 00000000-0000-4000-8000-000000000000, order: 0}\n";
    let mut conn = app.store.conn().await.unwrap();
    let mut row = castellan_store::blueprints::BlueprintInstance::new("failing", app.store.now());
    row.content = failing.into();
    castellan_store::blueprints::save(&mut conn, &row, true)
        .await
        .unwrap();
    drop(conn);
    let applied = app
        .admin("POST", &format!("{BASE}{}/apply/", row.pk), None)
        .await;
    assert_eq!(applied.status, 200);
    assert_eq!(applied.json["status"], "error");
    let flow = app
        .admin("GET", "/api/v3/flows/instances/failing/", None)
        .await;
    assert_eq!(flow.status, 404);
});

db_test!(blueprints_directory, |app: TestApp| async move {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.join("custom")).unwrap();
    std::fs::write(dir.join("custom/flow.yaml"), FLOW).unwrap();
    let listed_only = "version: 1\nmetadata:\n  name: Listed only\n  labels:\n    blueprints.goauthentik.io/instantiate: \"false\"\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: listed-only}\n    attrs: {name: L, title: L, designation: authentication}\n";
    std::fs::write(dir.join("listed.yaml"), listed_only).unwrap();
    std::fs::write(dir.join("notes.txt"), "not a blueprint").unwrap();
    let app = with_dir(app, &dir);
    let r = app.admin("GET", &format!("{BASE}available/"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let paths: Vec<&str> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["custom/flow.yaml", "listed.yaml"]);
    assert_eq!(
        r.json[0]["meta"],
        json!({"name": "Instance test", "labels": {"team": "identity"}})
    );
    assert_eq!(
        r.json[0]["hash"],
        json!(castellan_blueprints::content_hash(FLOW))
    );
    // Discovery: one instance (the other file only lists itself), applied.
    let env = Default::default();
    let report = blueprints::discover(&app.store, &dir, &env).await.unwrap();
    assert_eq!(report.created, ["Instance test"]);
    assert_eq!(report.applied, [("Instance test".to_owned(), None)]);
    let flow = app
        .admin("GET", "/api/v3/flows/instances/instance-flow/", None)
        .await;
    assert_eq!(flow.json["title"], "Instance");
    let again = blueprints::discover(&app.store, &dir, &env).await.unwrap();
    assert_eq!(again, blueprints::DiscoveryReport::default());
    // A changed file is applied again.
    std::fs::write(
        dir.join("custom/flow.yaml"),
        FLOW.replace("title: Instance", "title: Changed"),
    )
    .unwrap();
    let changed = blueprints::discover(&app.store, &dir, &env).await.unwrap();
    assert_eq!(changed.applied.len(), 1);
    let flow = app
        .admin("GET", "/api/v3/flows/instances/instance-flow/", None)
        .await;
    assert_eq!(flow.json["title"], "Changed");
    // A path instance created through the API; a removed file makes it orphaned.
    let r = app
        .admin(
            "POST",
            BASE,
            Some(json!({"name": "by path", "path": "listed.yaml"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["metadata"]["name"], "Listed only");
    std::fs::remove_file(dir.join("custom/flow.yaml")).unwrap();
    let gone = blueprints::discover(&app.store, &dir, &env).await.unwrap();
    assert_eq!(gone.orphaned, ["Instance test"]);
    let list = app
        .admin("GET", &format!("{BASE}?name=Instance%20test"), None)
        .await;
    assert_eq!(list.json["results"][0]["status"], "orphaned");
    let by_path: Value = app
        .admin("GET", &format!("{BASE}?path=listed.yaml"), None)
        .await
        .json;
    let pk = by_path["results"][0]["pk"].as_str().unwrap().to_owned();
    let applied = app.admin("POST", &format!("{BASE}{pk}/apply/"), None).await;
    assert_eq!(applied.json["status"], "successful", "{}", applied.text);
    std::fs::remove_dir_all(&dir).unwrap();
});

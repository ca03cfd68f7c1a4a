//! Every blueprint authentik 2024.10 ships must parse, validate and apply unchanged.

use std::collections::BTreeSet;
use std::path::PathBuf;

use castellan_blueprints::{
    Action, ApplyOptions, ModelRegistry, apply, check, parse, plan, validate,
};
use serde_json::{Map, Value, json};

use crate::memory::MemoryRegistry;

/// The reference blueprints directory.
fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/authentik-2024.10/blueprints"
    ))
}

/// `(relative path, text)` of every reference blueprint, in a stable order.
fn files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for sub in ["system", "default", "example"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir().join(sub))
            .expect("reference blueprint directory")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            let name = format!(
                "{sub}/{}",
                p.file_name().and_then(|n| n.to_str()).unwrap_or_default()
            );
            out.push((name, std::fs::read_to_string(&p).expect("read blueprint")));
        }
    }
    out
}

/// The models authentik's blueprint schema allows.
fn schema_models() -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir().join("schema.json")).expect("schema.json");
    let schema: Value = serde_json::from_str(&text).expect("schema json");
    schema["properties"]["entries"]["items"]["oneOf"]
        .as_array()
        .expect("oneOf")
        .iter()
        .filter_map(|e| {
            e["properties"]["model"]["const"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

/// authentik's default context: `goauthentik.io/rbac/models` maps model name → app label.
fn default_context(models: &BTreeSet<String>) -> Map<String, Value> {
    let rbac: Map<String, Value> = models
        .iter()
        .filter_map(|m| m.split_once('.'))
        .map(|(app, name)| (name.to_owned(), Value::String(app.to_owned())))
        .collect();
    Map::from_iter([
        (
            "goauthentik.io/enterprise/licensed".to_owned(),
            json!(false),
        ),
        ("goauthentik.io/rbac/models".to_owned(), Value::Object(rbac)),
    ])
}

fn registry(models: &BTreeSet<String>) -> MemoryRegistry {
    let mut reg = MemoryRegistry::new();
    reg.supported = Some(models.clone());
    reg
}

#[test]
fn there_are_34_reference_blueprints() {
    assert_eq!(files().len(), 34);
}

#[test]
fn every_reference_blueprint_parses_and_validates_cleanly() {
    let models = schema_models();
    assert!(
        models.contains("authentik_flows.flow"),
        "schema models: {}",
        models.len()
    );
    for (name, text) in files() {
        let bp = parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(bp.version, 1, "{name}");
        assert!(bp.metadata.is_some(), "{name} has metadata");
        assert!(!bp.entries.is_empty(), "{name} has entries");
        let errors = validate(&bp, &|m| models.contains(m));
        assert!(errors.is_empty(), "{name}: {errors:?}");
        assert!(check(&text, &|m| models.contains(m)).is_empty(), "{name}");
    }
}

#[tokio::test]
async fn every_reference_blueprint_applies_then_reapplies_without_changes() {
    let models = schema_models();
    let options = ApplyOptions {
        default_context: default_context(&models),
        ..ApplyOptions::default()
    };
    for (name, text) in files() {
        let bp = parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let mut reg = registry(&models);
        let first = apply(&bp, &options, &mut reg)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(first.entries.len(), bp.entries.len(), "{name}");
        assert!(reg.count() > 0, "{name} created objects");
        let before = reg.count();
        let second = apply(&bp, &options, &mut reg)
            .await
            .unwrap_or_else(|e| panic!("{name} (again): {e}"));
        assert_eq!(reg.count(), before, "{name}: re-apply creates nothing");
        for outcome in &second.entries {
            assert!(
                matches!(
                    outcome.action,
                    Action::Unchanged | Action::Skipped | Action::AppliedBlueprint { .. }
                ),
                "{name}: entry {} re-applied as {:?}",
                outcome.index,
                outcome.action
            );
        }
    }
}

#[tokio::test]
async fn all_reference_blueprints_apply_into_one_database_in_order() {
    let models = schema_models();
    let options = ApplyOptions {
        default_context: default_context(&models),
        ..ApplyOptions::default()
    };
    let mut reg = registry(&models);
    reg.meta_options = options.clone();
    for (name, text) in files() {
        let bp = parse(&text).expect("parse");
        let ids = json!({"name": bp.metadata.as_ref().map(|m| m.name.clone()), "path": name});
        reg.blueprints
            .push((ids.as_object().cloned().unwrap_or_default(), Some(text)));
    }
    for (name, text) in files() {
        let bp = parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let writes = reg.writes;
        let planned = plan(&bp, &options, &mut reg)
            .await
            .unwrap_or_else(|e| panic!("plan {name}: {e}"));
        assert_eq!(reg.writes, writes, "plan of {name} wrote nothing");
        let applied = apply(&bp, &options, &mut reg)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(planned.entries.len(), applied.entries.len(), "{name}");
    }
    // Bootstrap: admin group and user; no token without AUTHENTIK_BOOTSTRAP_TOKEN.
    let group = reg
        .get("authentik_core.group", "name", "authentik Admins")
        .expect("admins");
    assert_eq!(group["is_superuser"], json!(true));
    let user = reg
        .get("authentik_core.user", "username", "akadmin")
        .expect("akadmin");
    assert_eq!(user["email"], json!("root@example.com"));
    assert_eq!(user["password"], Value::Null);
    assert_eq!(user["name"], json!("authentik Default Admin"));
    assert!(reg.all("authentik_core.token").is_empty());
    // Default brand: created, pointing at the default flows found with !Find.
    let brand = reg
        .get("authentik_brands.brand", "domain", "authentik-default")
        .expect("brand")
        .clone();
    let auth_flow = reg
        .find_first(
            "authentik_flows.flow",
            &[("slug".into(), json!("default-authentication-flow"))],
        )
        .await
        .expect("find")
        .expect("default-authentication-flow");
    assert_eq!(brand["flow_authentication"], auth_flow.pk);
    // Read-only role: one view permission per model, from !Enumerate over the context.
    let role = reg
        .get("authentik_rbac.role", "name", "authentik Read-only")
        .expect("role");
    let perms = role["permissions"].as_array().expect("permissions");
    assert_eq!(perms.len(), models.len());
    assert!(
        perms.contains(&json!("authentik_flows.view_flow")),
        "{perms:?}"
    );
}

#[tokio::test]
async fn bootstrap_uses_injected_environment() {
    let text = std::fs::read_to_string(dir().join("system/bootstrap.yaml")).expect("bootstrap");
    let bp = parse(&text).expect("parse");
    let options = ApplyOptions {
        env: [
            ("AUTHENTIK_BOOTSTRAP_PASSWORD", "s3cret"),
            ("AUTHENTIK_BOOTSTRAP_TOKEN", "tok-123"),
            ("AUTHENTIK_BOOTSTRAP_EMAIL", "admin@corp.example"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        ..ApplyOptions::default()
    };
    let mut reg = MemoryRegistry::new();
    let report = apply(&bp, &options, &mut reg).await.expect("apply");
    assert!(
        report
            .entries
            .iter()
            .all(|e| matches!(e.action, Action::Created { .. }))
    );
    let user = reg
        .get("authentik_core.user", "username", "akadmin")
        .expect("akadmin");
    assert_eq!(user["password"], json!("s3cret"));
    assert_eq!(user["email"], json!("admin@corp.example"));
    let group_pk = reg.all("authentik_core.group")[0].0.clone();
    assert_eq!(user["groups"], json!([group_pk]));
    let user_pk = reg.all("authentik_core.user")[0].0.clone();
    let token = &reg.all("authentik_core.token")[0].1;
    assert_eq!(token["key"], json!("tok-123"));
    assert_eq!(token["user"], user_pk);
    assert_eq!(token["intent"], json!("api"));
    assert_eq!(token["expiring"], json!(false));
}

//! A database's flows, stages, bindings, policies, prompts and brands with every key replaced
//! by the referenced object's natural key (flow slug, stage/prompt/policy/group name), so two
//! databases filled by different blueprints can be compared.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use castellan_store::list::Page;
use castellan_store::{
    brands, flow_bindings, flows, groups, objects, policies, policy_bindings, stages,
};
use castellan_testkit::TestApp;
use castellan_web::blueprints::{self, BlueprintSet};
use serde_json::{Map, Value, json};

const ALL: Page = Page {
    page: 1,
    page_size: 1_000_000,
};

/// The reference blueprints directory of authentik 2024.10.
pub fn reference_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/authentik-2024.10/blueprints"
    ))
}

/// `(path relative to the reference directory, text)` of the files of `sub`, sorted.
pub fn reference_files(sub: &str) -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(reference_dir().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (
                format!("{sub}/{name}"),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// Applies every file of `files` in order, each in its own transaction, with `set` for meta
/// entries; panics with the file's name on the first failure.
pub async fn apply_all(app: &TestApp, files: &[(String, String)], set: &BlueprintSet) {
    let opts = blueprints::options(Map::new(), &BTreeMap::new());
    for (path, text) in files {
        blueprints::apply_text(&app.store, text, &opts, set)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}

/// The comparable content of a database.
#[derive(Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Flows by slug.
    pub flows: BTreeMap<String, Value>,
    /// Stages by name: kind and settings.
    pub stages: BTreeMap<String, Value>,
    /// Stage bindings.
    pub bindings: BTreeSet<String>,
    /// Policies by name: kind, and settings (expression policies: only that they compile).
    pub policies: BTreeMap<String, Value>,
    /// Policy bindings.
    pub policy_bindings: BTreeSet<String>,
    /// Prompts by name (without initial value texts).
    pub prompts: BTreeMap<String, Value>,
    /// Brands by domain.
    pub brands: BTreeMap<String, Value>,
}

/// Replaces every string naming a known key with that object's natural key.
fn natural(v: &Value, keys: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => keys
            .get(s)
            .map_or_else(|| v.clone(), |k| Value::String(k.clone())),
        Value::Array(items) => Value::Array(items.iter().map(|i| natural(i, keys)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), natural(v, keys)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Reads the snapshot of `app`'s database.
pub async fn snapshot(app: &TestApp) -> Snapshot {
    let mut conn = app.store.conn().await.unwrap();
    let all_flows = flows::list(&mut conn, &flows::FlowFilter::default(), ALL)
        .await
        .unwrap()
        .0;
    let all_stages = stages::all(&mut conn, None).await.unwrap();
    let all_policies = policies::all(&mut conn, None).await.unwrap();
    let all_bindings = flow_bindings::list(&mut conn, &Default::default(), ALL)
        .await
        .unwrap()
        .0;
    let all_pbs = policy_bindings::list(&mut conn, &Default::default(), ALL)
        .await
        .unwrap()
        .0;
    let prompts = objects::list(&mut conn, "authentik_stages_prompt.prompt")
        .await
        .unwrap();
    let rules = objects::list(&mut conn, "authentik_events.notificationrule")
        .await
        .unwrap();
    let mut keys: HashMap<String, String> = HashMap::new();
    for f in &all_flows {
        keys.insert(f.pk.to_string(), format!("flow:{}", f.slug));
        keys.insert(f.pbm_uuid.to_string(), format!("flow:{}", f.slug));
    }
    for s in &all_stages {
        keys.insert(s.pk.to_string(), format!("stage:{}", s.name));
    }
    for p in &all_policies {
        keys.insert(p.pk.to_string(), format!("policy:{}", p.name));
    }
    for p in &prompts {
        keys.insert(p.pk.to_string(), format!("prompt:{}", p.name));
    }
    for r in &rules {
        keys.insert(r.pk.to_string(), format!("rule:{}", r.name));
    }
    for g in groups::all(&mut conn).await.unwrap() {
        keys.insert(g.pk.to_string(), format!("group:{}", g.name));
    }
    for b in &all_bindings {
        let binding = format!(
            "binding:{}/{}/{}",
            keys[&b.target.to_string()],
            keys[&b.stage.to_string()],
            b.order
        );
        keys.insert(b.pbm_uuid.to_string(), binding);
    }
    let mut snap = Snapshot::default();
    for f in &all_flows {
        snap.flows.insert(
            f.slug.clone(),
            json!({
                "name": f.name, "title": f.title, "designation": f.designation.as_str(),
                "authentication": f.authentication.as_str(), "layout": f.layout.as_str(),
                "denied_action": f.denied_action.as_str(),
                "policy_engine_mode": f.policy_engine_mode.as_str(),
                "compatibility_mode": f.compatibility_mode,
            }),
        );
    }
    for s in &all_stages {
        let config = natural(&Value::Object(s.config.clone()), &keys);
        snap.stages
            .insert(s.name.clone(), json!({"kind": s.kind, "config": config}));
    }
    for b in &all_bindings {
        snap.bindings.insert(format!(
            "{} {} order={} evaluate_on_plan={} re_evaluate_policies={} invalid_response_action={}",
            keys[&b.target.to_string()],
            keys[&b.stage.to_string()],
            b.order,
            b.evaluate_on_plan,
            b.re_evaluate_policies,
            b.invalid_response_action.as_str()
        ));
    }
    for p in &all_policies {
        let config = if p.kind == "authentik_policies_expression.expressionpolicy" {
            let source = p.config["expression"].as_str().unwrap();
            castellan_policy::expr::Expression::compile(source)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            json!("(compiles)")
        } else {
            natural(&Value::Object(p.config.clone()), &keys)
        };
        snap.policies
            .insert(p.name.clone(), json!({"kind": p.kind, "config": config}));
    }
    for b in &all_pbs {
        let subject = match b.subject {
            castellan_core::policy::BindingSubject::Policy(p) => keys[&p.to_string()].clone(),
            castellan_core::policy::BindingSubject::Group(g) => keys[&g.to_string()].clone(),
            castellan_core::policy::BindingSubject::User(u) => format!("user:{u}"),
        };
        snap.policy_bindings.insert(format!(
            "{} {} order={} negate={} enabled={} failure_result={} timeout={}",
            keys.get(&b.target.to_string())
                .cloned()
                .unwrap_or_else(|| b.target.to_string()),
            subject,
            b.order,
            b.negate,
            b.enabled,
            b.failure_result,
            b.timeout
        ));
    }
    for p in &prompts {
        let mut config = p.config.clone();
        config.remove("initial_value");
        snap.prompts.insert(p.name.clone(), Value::Object(config));
    }
    for b in brands::all(&mut conn).await.unwrap() {
        let v = serde_json::to_value(castellan_web::api::brands::BrandJson::from(b)).unwrap();
        let mut v = natural(&v, &keys);
        let domain = v["domain"].as_str().unwrap().to_owned();
        v.as_object_mut().unwrap().remove("brand_uuid");
        snap.brands.insert(domain, v);
    }
    snap
}

//! Apply semantics against the memory registry: states, conditions, `!KeyOf` chains, meta
//! entries, permissions and failures.

use castellan_blueprints::{Action, ApplyError, ApplyOptions, FieldChange, Mark, apply, parse};
use serde_json::{Map, Value, json};

use crate::memory::MemoryRegistry;

const FLOW: &str = "authentik_flows.flow";

async fn run(
    text: &str,
    reg: &mut MemoryRegistry,
) -> Result<castellan_blueprints::ApplyReport, ApplyError> {
    let bp = parse(text).unwrap_or_else(|e| panic!("{e:?}"));
    apply(&bp, &ApplyOptions::default(), reg).await
}

fn entry_error(e: ApplyError) -> castellan_blueprints::EntryError {
    match e {
        ApplyError::Entry(e) => *e,
        ApplyError::Invalid(errors) => panic!("expected an entry error, got {errors:?}"),
    }
}

const PRESENT: &str = "\
version: 1
entries:
- model: authentik_flows.flow
  identifiers: {slug: s}
  attrs: {name: One, title: T}
";

#[tokio::test]
async fn present_creates_then_updates_only_changed_fields() {
    let mut reg = MemoryRegistry::new();
    let report = run(PRESENT, &mut reg).await.expect("create");
    let Action::Created { fields } = &report.entries[0].action else {
        panic!("{report:?}");
    };
    assert_eq!(
        Value::Object(fields.clone()),
        json!({"slug": "s", "name": "One", "title": "T"})
    );
    assert_eq!(
        report.entries[0].identifiers,
        Map::from_iter([("slug".to_owned(), json!("s"))])
    );
    let again = run(PRESENT, &mut reg).await.expect("unchanged");
    assert_eq!(again.entries[0].action, Action::Unchanged);
    let changed = run(&PRESENT.replace("One", "Two"), &mut reg)
        .await
        .expect("update");
    assert_eq!(
        changed.entries[0].action,
        Action::Updated {
            changed: vec![FieldChange {
                field: "name".into(),
                old: Some(json!("One")),
                new: json!("Two")
            }]
        }
    );
    assert_eq!(reg.all(FLOW).len(), 1);
    assert_eq!(reg.all(FLOW)[0].1["name"], json!("Two"));
}

#[tokio::test]
async fn identifiers_win_over_attrs_on_create() {
    let mut reg = MemoryRegistry::new();
    let text = "version: 1\nentries:\n- model: a.b\n  identifiers: {slug: s, name: from-identifiers}\n  attrs: {name: from-attrs}\n";
    run(text, &mut reg).await.expect("apply");
    // authentik merges identifiers over attrs when it creates an object.
    assert_eq!(reg.all("a.b")[0].1["name"], json!("from-identifiers"));
}

#[tokio::test]
async fn created_never_updates_and_must_created_fails_when_present() {
    let mut reg = MemoryRegistry::new();
    reg.insert(FLOW, json!({"slug": "s", "name": "Original"}));
    let created = PRESENT.replace("identifiers:", "state: created\n  identifiers:");
    let report = run(&created, &mut reg).await.expect("created");
    assert_eq!(report.entries[0].action, Action::Unchanged);
    assert_eq!(reg.all(FLOW)[0].1["name"], json!("Original"));

    let must =
        format!("{PRESENT}- model: a.b\n  state: must_created\n  identifiers: {{slug: s}}\n");
    let must = must.replace("a.b", FLOW);
    let e = entry_error(run(&must, &mut reg).await.expect_err("must_created"));
    assert_eq!((e.index, e.model.as_str()), (1, FLOW));
    assert_eq!(e.mark, Mark::new(6, 3));
    assert_eq!(
        e.message,
        "State is set to must_created and object exists already"
    );
    assert_eq!(e.completed.entries.len(), 1, "the first entry ran");
    assert_eq!(
        e.to_string(),
        "entry 2 (authentik_flows.flow) at line 6, column 3: State is set to must_created and object exists already"
    );
}

#[tokio::test]
async fn absent_deletes_if_present() {
    let mut reg = MemoryRegistry::new();
    reg.insert(FLOW, json!({"slug": "s"}));
    reg.insert(FLOW, json!({"slug": "keep"}));
    let text = "version: 1\nentries:\n- model: authentik_flows.flow\n  state: absent\n  identifiers: {slug: s}\n  attrs: {name: !KeyOf nowhere-but-ignored}\n";
    // attrs of absent entries are not evaluated, but `!KeyOf` targets are still validated.
    assert!(matches!(
        run(text, &mut reg).await,
        Err(ApplyError::Invalid(_))
    ));
    let text = "version: 1\nentries:\n- model: authentik_flows.flow\n  state: absent\n  identifiers: {slug: s}\n";
    let report = run(text, &mut reg).await.expect("delete");
    assert_eq!(report.entries[0].action, Action::Deleted);
    assert_eq!(reg.all(FLOW).len(), 1);
    let report = run(text, &mut reg).await.expect("already gone");
    assert_eq!(report.entries[0].action, Action::Unchanged);
}

#[tokio::test]
async fn conditions_skip_entries_and_key_of_a_skipped_entry_fails() {
    let mut reg = MemoryRegistry::new();
    let text = "\
version: 1
context: {enabled: false}
entries:
- model: authentik_flows.flow
  id: flow
  conditions: [true, !Context enabled]
  identifiers: {slug: s}
- model: authentik_flows.flowstagebinding
  identifiers: {target: !KeyOf flow, order: 1}
";
    let e = entry_error(run(text, &mut reg).await.expect_err("keyof skipped"));
    assert_eq!(e.index, 1);
    assert_eq!(e.mark, Mark::new(9, 25));
    assert_eq!(
        e.message,
        "KeyOf: failed to find entry with `id` of `flow` and a model instance"
    );
    assert_eq!(e.completed.entries[0].action, Action::Skipped);
    assert_eq!(
        e.completed.logs,
        vec!["entry 1 (authentik_flows.flow): a condition is false, skipped".to_owned()]
    );
    assert_eq!(reg.count(), 0);

    let bp = parse(text).expect("parse");
    let options = ApplyOptions {
        context: Map::from_iter([("enabled".to_owned(), json!(true))]),
        ..ApplyOptions::default()
    };
    let report = apply(&bp, &options, &mut reg)
        .await
        .expect("instance context enables it");
    assert!(
        report
            .entries
            .iter()
            .all(|e| matches!(e.action, Action::Created { .. }))
    );
    let flow_pk = reg.all(FLOW)[0].0.clone();
    assert_eq!(
        reg.all("authentik_flows.flowstagebinding")[0].1["target"],
        flow_pk
    );
}

#[tokio::test]
async fn key_of_chains_and_policy_binding_targets() {
    let mut reg = MemoryRegistry::new();
    reg.pbm_for_flows = true;
    let text = "\
version: 1
entries:
- model: authentik_flows.flow
  id: flow
  identifiers: {slug: s}
- model: authentik_stages_dummy.dummystage
  id: stage
  identifiers: {name: st}
- model: authentik_flows.flowstagebinding
  id: binding
  identifiers: {target: !KeyOf flow, stage: !KeyOf stage, order: 0}
- model: authentik_policies.policybinding
  identifiers: {target: !KeyOf flow, order: 0}
- model: authentik_policies.policybinding
  identifiers: {target: !KeyOf binding, order: 1}
";
    run(text, &mut reg).await.expect("apply");
    let flow = reg.all(FLOW)[0].0.clone();
    let stage = reg.all("authentik_stages_dummy.dummystage")[0].0.clone();
    let binding = &reg.all("authentik_flows.flowstagebinding")[0];
    assert_eq!(binding.1["target"], flow);
    assert_eq!(binding.1["stage"], stage);
    let binding_pk = binding.0.clone();
    let policy_bindings = reg.all("authentik_policies.policybinding");
    assert_eq!(
        policy_bindings[0].1["target"],
        json!(format!("pbm-{}", flow.as_str().unwrap_or_default()))
    );
    assert_eq!(policy_bindings[1].1["target"], binding_pk);
}

#[tokio::test]
async fn enumerate_find_and_default_context() {
    let mut reg = MemoryRegistry::new();
    let group = reg.insert("authentik_core.group", json!({"name": "admins"}));
    let text = "\
version: 1
entries:
- model: authentik_rbac.role
  identifiers: {name: readers}
  attrs:
    group: !Find [authentik_core.group, [name, admins]]
    missing: !Find [authentik_core.group, [name, nobody]]
    permissions: !Enumerate [!Context models, SEQ, !Format ['%s.view_%s', !Value 0, !Index 0]]
";
    let bp = parse(text).expect("parse");
    let options = ApplyOptions {
        default_context: Map::from_iter([(
            "models".to_owned(),
            json!({"flow": "authentik_flows", "user": "authentik_core"}),
        )]),
        ..ApplyOptions::default()
    };
    apply(&bp, &options, &mut reg).await.expect("apply");
    let role = &reg.all("authentik_rbac.role")[0].1;
    assert_eq!(role["group"], group);
    assert_eq!(role["missing"], Value::Null);
    assert_eq!(
        role["permissions"],
        json!(["authentik_flows.view_flow", "authentik_core.view_user"])
    );
}

#[tokio::test]
async fn meta_entries_apply_dependencies() {
    let mut reg = MemoryRegistry::new();
    reg.blueprints.push((
        Map::from_iter([("name".to_owned(), json!("Dep"))]),
        Some(
            "version: 1\nentries:\n- model: authentik_flows.flow\n  identifiers: {slug: dep}\n"
                .to_owned(),
        ),
    ));
    let text = "\
version: 1
entries:
- model: authentik_blueprints.metaapplyblueprint
  attrs: {identifiers: {name: Dep}}
- model: authentik_blueprints.metaapplyblueprint
  attrs: {identifiers: {name: Optional}, required: false}
- model: authentik_brands.brand
  identifiers: {domain: d}
  attrs: {flow: !Find [authentik_flows.flow, [slug, dep]]}
- model: authentik_blueprints.metaapplyblueprint
  attrs:
    identifiers: {path: missing.yaml}
";
    let e = entry_error(run(text, &mut reg).await.expect_err("required missing"));
    assert_eq!(e.index, 3);
    assert_eq!(
        e.mark,
        Mark::new(12, 18),
        "points at the `identifiers` value"
    );
    assert_eq!(
        e.fields,
        Map::from_iter([(
            "identifiers".to_owned(),
            json!(["Required blueprint does not exist"])
        )])
    );
    assert_eq!(
        e.message,
        "invalid fields: identifiers: Required blueprint does not exist"
    );
    let done = &e.completed.entries;
    assert_eq!(done[0].action, Action::AppliedBlueprint { required: true });
    assert_eq!(done[1].action, Action::AppliedBlueprint { required: false });
    assert_eq!(
        done[0].identifiers,
        Map::from_iter([("name".to_owned(), json!("Dep"))])
    );
    let dep_flow = reg.all(FLOW)[0].0.clone();
    assert_eq!(reg.all("authentik_brands.brand")[0].1["flow"], dep_flow);
    assert_eq!(reg.metas.len(), 2);
    assert!(reg.metas[0].2 && !reg.metas[1].2);
}

#[tokio::test]
async fn registry_field_errors_point_at_the_field() {
    let mut reg = MemoryRegistry::new();
    reg.validators.insert(FLOW.to_owned(), |fields| {
        if fields.get("designation").and_then(Value::as_str) == Some("bogus") {
            Err(Map::from_iter([(
                "designation".to_owned(),
                json!(["\"bogus\" is not a valid choice."]),
            )]))
        } else {
            Ok(())
        }
    });
    let text = "\
version: 1
entries:
- model: authentik_flows.flow
  identifiers: {slug: a}
- model: authentik_flows.flow
  identifiers: {slug: b}
  attrs:
    name: B
    designation: bogus
- model: authentik_flows.flow
  identifiers: {slug: c}
";
    let e = entry_error(run(text, &mut reg).await.expect_err("invalid"));
    assert_eq!(e.index, 1);
    assert_eq!(e.mark, Mark::new(9, 18));
    assert_eq!(
        e.message,
        "invalid fields: designation: \"bogus\" is not a valid choice."
    );
    assert_eq!(e.completed.entries.len(), 1);
    assert_eq!(reg.all(FLOW).len(), 1, "the third entry never ran");
    assert_eq!(e.fields.keys().collect::<Vec<_>>(), vec!["designation"]);
}

#[tokio::test]
async fn invalid_blueprints_are_rejected_before_anything_runs() {
    let mut reg = MemoryRegistry::new();
    reg.supported = Some([FLOW.to_owned()].into_iter().collect());
    let text = "\
version: 1
entries:
- model: authentik_flows.flow
  identifiers: {slug: a}
- model: authentik_core.user
  identifiers: {username: u}
- model: authentik_core.group
  identifiers: {}
";
    let Err(ApplyError::Invalid(errors)) = run(text, &mut reg).await else {
        panic!("expected validation errors");
    };
    let got: Vec<(usize, usize)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(got, vec![(5, 10), (7, 10), (8, 16)], "{errors:?}");
    assert_eq!(reg.count(), 0);
}

#[tokio::test]
async fn eval_errors_point_at_the_tag() {
    let mut reg = MemoryRegistry::new();
    let text = "version: 1\nentries:\n- model: a.b\n  identifiers: {k: 1}\n  attrs:\n    x: [1, !Format ['%d', abc]]\n";
    let e = entry_error(run(text, &mut reg).await.expect_err("format"));
    assert_eq!((e.index, e.mark), (0, Mark::new(6, 12)));
    assert_eq!(
        e.message,
        "`!Format`: %d format: a real number is required, not str"
    );
}

#[tokio::test]
async fn permissions_are_granted_on_the_object() {
    let mut reg = MemoryRegistry::new();
    let text = "\
version: 1
entries:
- model: authentik_rbac.role
  id: role
  identifiers: {name: r}
- model: authentik_flows.flow
  identifiers: {slug: s}
  permissions:
  - permission: authentik_flows.view_flow
    role: !KeyOf role
  - permission: !Format ['%s', change_flow]
    user: 7
";
    run(text, &mut reg).await.expect("apply");
    let role = reg.all("authentik_rbac.role")[0].0.clone();
    let flow = reg.all(FLOW)[0].0.clone();
    assert_eq!(reg.grants.len(), 2);
    assert_eq!(reg.grants[0].0, FLOW);
    assert_eq!(reg.grants[0].1, flow);
    assert_eq!(reg.grants[0].2.permission, "authentik_flows.view_flow");
    assert_eq!(reg.grants[0].2.role, Some(role));
    assert_eq!(reg.grants[1].2.permission, "change_flow");
    assert_eq!(reg.grants[1].2.user, Some(json!(7)));
}

#[tokio::test]
async fn apply_and_plan_futures_are_send() {
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let bp = parse(PRESENT).expect("parse");
    let options = ApplyOptions::default();
    let mut reg = MemoryRegistry::new();
    let report = assert_send(apply(&bp, &options, &mut reg))
        .await
        .expect("apply");
    assert_eq!(report.entries.len(), 1);
    let report = assert_send(castellan_blueprints::plan(&bp, &options, &mut reg))
        .await
        .expect("plan");
    assert_eq!(report.entries[0].action, Action::Unchanged);
}

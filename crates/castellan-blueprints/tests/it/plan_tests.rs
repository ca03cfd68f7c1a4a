//! The dry run: reads only, placeholders for new objects, readable rendering.

use castellan_blueprints::{Action, ApplyOptions, FieldChange, apply, parse, plan, render_plan};
use serde_json::json;

use crate::memory::MemoryRegistry;

const TEXT: &str = "\
version: 1
entries:
- model: authentik_flows.flow
  id: flow
  identifiers: {slug: login}
  attrs: {name: Login, title: Welcome}
- model: authentik_stages_dummy.dummystage
  id: stage
  identifiers: {name: dummy}
  attrs: {throw_error: false}
- model: authentik_flows.flowstagebinding
  identifiers: {target: !KeyOf flow, stage: !KeyOf stage, order: 10}
- model: authentik_core.group
  state: absent
  identifiers: {name: old}
- model: authentik_core.token
  conditions: [!Env TOKEN]
  identifiers: {identifier: t}
- model: authentik_blueprints.metaapplyblueprint
  attrs: {identifiers: {name: Other}, required: false}
";

#[tokio::test]
async fn plan_on_an_empty_database_creates_with_placeholders_and_writes_nothing() {
    let bp = parse(TEXT).expect("parse");
    let mut reg = MemoryRegistry::new();
    let report = plan(&bp, &ApplyOptions::default(), &mut reg)
        .await
        .expect("plan");
    assert_eq!(reg.writes, 0);
    assert_eq!(reg.count(), 0);
    let Action::Created { fields } = &report.entries[2].action else {
        panic!("{report:?}");
    };
    assert_eq!(fields["target"], json!("(new: flow)"));
    assert_eq!(fields["stage"], json!("(new: stage)"));
    assert_eq!(report.entries[3].action, Action::Unchanged);
    assert_eq!(report.entries[4].action, Action::Skipped);
    assert_eq!(
        render_plan(&report),
        "\
+ create authentik_flows.flow [slug=login] (id: flow)
    slug: login
    name: Login
    title: Welcome
+ create authentik_stages_dummy.dummystage [name=dummy] (id: stage)
    name: dummy
    throw_error: false
+ create authentik_flows.flowstagebinding [target=(new: flow), stage=(new: stage), order=10]
    target: (new: flow)
    stage: (new: stage)
    order: 10
= unchanged authentik_core.group [name=old]
  skip authentik_core.token (a condition is false)
> apply blueprint [name=Other] (if it exists)
3 to create, 0 to update, 0 to delete, 1 unchanged, 1 skipped
"
    );
}

#[tokio::test]
async fn plan_after_changes_shows_only_the_diff() {
    let bp = parse(TEXT).expect("parse");
    let mut reg = MemoryRegistry::new();
    apply(&bp, &ApplyOptions::default(), &mut reg)
        .await
        .expect("apply");
    reg.insert("authentik_core.group", json!({"name": "old"}));
    let edited = parse(
        &TEXT
            .replace("title: Welcome", "title: Hello")
            .replace("throw_error: false", "throw_error: true, extra: [1]"),
    )
    .expect("parse edited");
    let writes = reg.writes;
    let report = plan(&edited, &ApplyOptions::default(), &mut reg)
        .await
        .expect("plan");
    assert_eq!(reg.writes, writes);
    assert_eq!(
        report.entries[0].action,
        Action::Updated {
            changed: vec![FieldChange {
                field: "title".into(),
                old: Some(json!("Welcome")),
                new: json!("Hello")
            }]
        }
    );
    assert_eq!(report.entries[3].action, Action::Deleted);
    let text = render_plan(&report);
    assert_eq!(
        text,
        "\
~ update authentik_flows.flow [slug=login] (id: flow)
    title: Welcome -> Hello
~ update authentik_stages_dummy.dummystage [name=dummy] (id: stage)
    throw_error: false -> true
    extra: (not shown) -> [1]
= unchanged authentik_flows.flowstagebinding [target=pk-1, stage=pk-2, order=10]
- delete authentik_core.group [name=old]
  skip authentik_core.token (a condition is false)
> apply blueprint [name=Other] (if it exists)
0 to create, 2 to update, 1 to delete, 1 unchanged, 1 skipped
"
    );
    assert!(report.changes_anything());
}

#[tokio::test]
async fn a_number_equals_its_text_in_diffs() {
    let mut reg = MemoryRegistry::new();
    reg.insert(
        "authentik_stages_authenticator_totp.authenticatortotpstage",
        json!({"name": "totp", "digits": "6"}),
    );
    let text = "\
version: 1
entries:
- model: authentik_stages_authenticator_totp.authenticatortotpstage
  identifiers: {name: totp}
  attrs: {digits: 6}
";
    let options = ApplyOptions::default();
    let report = plan(&parse(text).expect("parse"), &options, &mut reg)
        .await
        .expect("plan");
    assert_eq!(report.entries[0].action, Action::Unchanged);
    let changed = text.replace("digits: 6", "digits: 8");
    let report = plan(&parse(&changed).expect("parse"), &options, &mut reg)
        .await
        .expect("plan");
    assert!(matches!(report.entries[0].action, Action::Updated { .. }));
}

//! Flows, stages, stage bindings, policies and policy bindings, on both engines.
use castellan_core::flow::{Flow, FlowDesignation, FlowStageBinding};
use castellan_core::group::Group;
use castellan_core::policy::{BindingSubject, Policy, PolicyBinding};
use castellan_core::stage::Stage;
use castellan_store::{
    AnyConnection, flow_bindings, flows, groups, policies, policy_bindings, stages,
};
use castellan_testkit::{TestApp, db_test};
use serde_json::{Map, Value, json};
use uuid::Uuid;

pub fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

pub async fn stage(conn: &mut AnyConnection, name: &str, kind: &str, config: Value) -> Stage {
    let s = Stage {
        pk: Uuid::new_v4(),
        name: name.into(),
        kind: kind.into(),
        config: obj(config),
    };
    stages::create(conn, &s).await.unwrap();
    s
}

pub async fn policy(conn: &mut AnyConnection, name: &str) -> Policy {
    let now = chrono::Utc::now();
    let p = Policy {
        pk: Uuid::new_v4(),
        name: name.into(),
        kind: "authentik_policies_expression.expressionpolicy".into(),
        execution_logging: false,
        created: now,
        last_updated: now,
        config: obj(json!({"expression": "return True"})),
    };
    policies::create(conn, &p).await.unwrap();
    p
}

pub fn binding(target: Uuid, subject: BindingSubject, order: i64) -> PolicyBinding {
    PolicyBinding {
        pk: Uuid::new_v4(),
        target,
        subject,
        negate: false,
        enabled: true,
        order,
        timeout: 30,
        failure_result: false,
    }
}

db_test!(flow_round_trip_and_bindings, |app: TestApp| async move {
    // Capture the whole app (its database lives as long as the test).
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    let mut flow = Flow::new("login", "Login", FlowDesignation::Authentication);
    flows::insert(&mut conn, &flow).await.unwrap();
    assert_eq!(
        flows::get_by_slug(&mut conn, "login").await.unwrap(),
        Some(flow.clone())
    );
    assert_eq!(
        flows::first_by_designation(&mut conn, "authentication")
            .await
            .unwrap()
            .map(|f| f.pk),
        Some(flow.pk)
    );
    flow.title = "Welcome".into();
    flow.compatibility_mode = true;
    flows::update(&mut conn, &flow).await.unwrap();
    assert_eq!(
        flows::get(&mut conn, flow.pk).await.unwrap(),
        Some(flow.clone())
    );

    let password = stage(
        &mut conn,
        "pw",
        "authentik_stages_password.passwordstage",
        json!({"backends": []}),
    )
    .await;
    let ident = stage(
        &mut conn,
        "id",
        "authentik_stages_identification.identificationstage",
        json!({"password_stage": password.pk.to_string(), "user_fields": ["username"]}),
    )
    .await;
    let b2 = FlowStageBinding::new(flow.pk, password.pk, 20);
    let b1 = FlowStageBinding::new(flow.pk, ident.pk, 10);
    flow_bindings::create(&mut conn, &b2).await.unwrap();
    flow_bindings::create(&mut conn, &b1).await.unwrap();
    let joined = flow_bindings::for_flow(&mut conn, flow.pk).await.unwrap();
    let names: Vec<&str> = joined.iter().map(|(_, s)| s.name.as_str()).collect();
    assert_eq!(names, ["id", "pw"]);
    assert_eq!(joined[0].0, b1);
    assert!(
        flow_bindings::duplicate(&mut conn, &b1, None)
            .await
            .unwrap()
    );
    let of = flow_bindings::flows_of_stages(&mut conn, &[ident.pk])
        .await
        .unwrap();
    assert_eq!(of, vec![(ident.pk, flow.clone())]);

    // Deleting the password stage drops its binding and nulls the identification reference.
    assert!(stages::delete(&mut conn, password.pk).await.unwrap());
    let ident = stages::get(&mut conn, ident.pk).await.unwrap().unwrap();
    assert_eq!(ident.config["password_stage"], Value::Null);
    assert_eq!(
        flow_bindings::for_flow(&mut conn, flow.pk)
            .await
            .unwrap()
            .len(),
        1
    );

    // Policy bindings on the flow and on its binding go with the flow.
    let p = policy(&mut conn, "allow").await;
    policy_bindings::create(
        &mut conn,
        &binding(flow.pbm_uuid, BindingSubject::Policy(p.pk), 0),
    )
    .await
    .unwrap();
    policy_bindings::create(
        &mut conn,
        &binding(b1.pbm_uuid, BindingSubject::Policy(p.pk), 0),
    )
    .await
    .unwrap();
    assert!(
        policy_bindings::target_exists(&mut conn, b1.pbm_uuid)
            .await
            .unwrap()
    );
    assert_eq!(
        policies::binding_counts(&mut conn, &[p.pk]).await.unwrap()[&p.pk],
        2
    );
    assert!(flows::delete(&mut conn, &flow).await.unwrap());
    assert_eq!(
        policies::binding_counts(&mut conn, &[p.pk])
            .await
            .unwrap()
            .get(&p.pk),
        None
    );
    assert!(flows::get(&mut conn, flow.pk).await.unwrap().is_none());
});

db_test!(policy_bindings_for_targets, |app: TestApp| async move {
    // Capture the whole app (its database lives as long as the test).
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    let target = Uuid::new_v4();
    let other = Uuid::new_v4();
    let p = policy(&mut conn, "p1").await;
    let g = Group {
        pk: Uuid::new_v4(),
        name: "staff".into(),
        is_superuser: false,
        parent: None,
        attributes: json!({}),
    };
    groups::create(&mut conn, &g).await.unwrap();
    let (user, _) = app.user_with_token("bob").await;
    let mut disabled = binding(target, BindingSubject::User(user), 5);
    disabled.enabled = false;
    for b in [
        binding(target, BindingSubject::Group(g.pk), 10),
        binding(target, BindingSubject::Policy(p.pk), 1),
        disabled,
        binding(other, BindingSubject::User(user), 0),
    ] {
        policy_bindings::create(&mut conn, &b).await.unwrap();
    }
    let found = policy_bindings::bindings_for_target(&mut conn, target)
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0.subject, BindingSubject::Policy(p.pk));
    assert_eq!(found[0].1.as_ref().map(|p| p.name.as_str()), Some("p1"));
    assert_eq!(found[1].0.subject, BindingSubject::Group(g.pk));
    assert!(found[1].1.is_none());
    let both = policy_bindings::bindings_for_targets(&mut conn, &[target, other])
        .await
        .unwrap();
    assert_eq!(both.len(), 3);
    assert_eq!(
        policy_bindings::policies_of_target(&mut conn, target)
            .await
            .unwrap(),
        vec![p.pk]
    );
    // Deleting the group or the policy removes their bindings.
    groups::delete(&mut conn, g.pk).await.unwrap();
    policies::delete(&mut conn, p.pk).await.unwrap();
    assert!(
        policy_bindings::bindings_for_target(&mut conn, target)
            .await
            .unwrap()
            .is_empty()
    );
});

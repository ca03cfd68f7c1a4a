//! Flow tokens, reputation scores and generic objects, on both engines.
use castellan_core::flow::{Flow, FlowDesignation};
use castellan_store::flowtokens::{self, FlowToken};
use castellan_store::objects::{self, Object};
use castellan_store::{flows, refs, reputation};
use castellan_testkit::{TestApp, db_test};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::flows::{obj, stage};

db_test!(flow_tokens_are_taken_once, |app: TestApp| async move {
    // Capture the whole app (its database lives as long as the test).
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    let flow = Flow::new("recovery", "Recovery", FlowDesignation::Recovery);
    flows::insert(&mut conn, &flow).await.unwrap();
    let now = Utc::now();
    let token = FlowToken {
        key: "k1".into(),
        identifier: "ak-email-stage-x".into(),
        flow: flow.pk,
        plan: json!({"bindings": []}),
        user: None,
        expires: now + Duration::minutes(30),
    };
    flowtokens::create(&mut conn, &token).await.unwrap();
    let mut expired = token.clone();
    expired.key = "k2".into();
    expired.expires = now - Duration::minutes(1);
    flowtokens::create(&mut conn, &expired).await.unwrap();
    let taken = flowtokens::take(&mut conn, "k1", now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.plan, token.plan);
    assert!(
        flowtokens::take(&mut conn, "k1", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        flowtokens::take(&mut conn, "k2", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        flowtokens::take(&mut conn, "nope", now)
            .await
            .unwrap()
            .is_none()
    );
});

db_test!(reputation_scores_add_up, |app: TestApp| async move {
    // Capture the whole app (its database lives as long as the test).
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    let now = Utc::now();
    let empty = json!({});
    let none = reputation::IpData {
        geo: &empty,
        asn: &empty,
    };
    reputation::update_score(&mut conn, "alice", "10.0.0.1", none, -1, now)
        .await
        .unwrap();
    let geo = json!({"continent": "EU", "country": "DE", "lat": 52.5, "long": 13.4, "city": ""});
    let asn = json!({"asn": 64500, "as_org": "Example", "network": "10.0.0.0/8"});
    let known = reputation::IpData {
        geo: &geo,
        asn: &asn,
    };
    reputation::update_score(&mut conn, "alice", "10.0.0.1", known, -1, now)
        .await
        .unwrap();
    reputation::update_score(&mut conn, "bob", "10.0.0.1", none, 1, now)
        .await
        .unwrap();
    reputation::update_score(&mut conn, "alice", "10.0.0.2", none, -3, now)
        .await
        .unwrap();
    let filter = reputation::ReputationFilter {
        identifier: Some("alice".into()),
        ip: Some("10.0.0.1".into()),
        ..Default::default()
    };
    let page = castellan_store::Page {
        page: 1,
        page_size: 10,
    };
    let (rows, _) = reputation::list(&mut conn, &filter, page).await.unwrap();
    assert_eq!(rows[0].ip_geo_data, geo);
    assert_eq!(rows[0].ip_asn_data, asn);
    assert_eq!(rows[0].score, -2);
    assert_eq!(
        reputation::score(&mut conn, Some("10.0.0.1"), None)
            .await
            .unwrap(),
        -1
    );
    assert_eq!(
        reputation::score(&mut conn, None, Some("alice"))
            .await
            .unwrap(),
        -5
    );
    assert_eq!(
        reputation::score(&mut conn, Some("10.0.0.1"), Some("alice"))
            .await
            .unwrap(),
        -4
    );
    assert_eq!(
        reputation::score(&mut conn, Some("10.9.9.9"), Some("carol"))
            .await
            .unwrap(),
        0
    );
});

db_test!(objects_and_references, |app: TestApp| async move {
    // Capture the whole app (its database lives as long as the test).
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    let model = "authentik_stages_prompt.prompt";
    let prompt = Object {
        pk: Uuid::new_v4(),
        model: model.into(),
        name: "username".into(),
        config: obj(json!({"field_key": "username", "type": "username"})),
    };
    objects::create(&mut conn, &prompt).await.unwrap();
    assert!(
        objects::name_taken(&mut conn, model, "username", None)
            .await
            .unwrap()
    );
    assert!(
        !objects::name_taken(&mut conn, model, "username", Some(prompt.pk))
            .await
            .unwrap()
    );
    assert_eq!(
        objects::list(&mut conn, model).await.unwrap(),
        vec![prompt.clone()]
    );
    let ps = stage(
        &mut conn,
        "prompt",
        "authentik_stages_prompt.promptstage",
        json!({"fields": [prompt.pk.to_string()], "validation_policies": []}),
    )
    .await;
    let missing = refs::missing(
        &mut conn,
        model,
        &[
            Value::from(prompt.pk.to_string()),
            Value::from(Uuid::new_v4().to_string()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(missing.len(), 1);
    let stage_missing = refs::missing(
        &mut conn,
        "authentik_stages_password.passwordstage",
        &[Value::from(ps.pk.to_string())],
    )
    .await
    .unwrap();
    assert_eq!(
        stage_missing.len(),
        1,
        "a prompt stage is not a password stage"
    );
    assert!(
        refs::missing(&mut conn, "authentik_core.user", &[json!(999_999)])
            .await
            .unwrap()
            .len()
            == 1
    );
    objects::delete(&mut conn, prompt.pk).await.unwrap();
    let ps = castellan_store::stages::get(&mut conn, ps.pk)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ps.config["fields"], json!([]));
});

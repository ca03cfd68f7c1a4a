//! Blueprint instances, on both engines.
use castellan_store::Page;
use castellan_store::blueprints::{self, BlueprintInstance, InstanceFilter};
use castellan_testkit::{TestApp, db_test};
use chrono::SubsecRound as _;
use serde_json::json;

db_test!(instance_round_trip, |app: TestApp| async move {
    // Keep the whole app (and its database) alive for the test.
    let app = app;
    let mut conn = app.store.conn().await.unwrap();
    // Stored timestamps keep microseconds.
    let now = app.store.now().trunc_subsecs(6);
    let mut b = BlueprintInstance::new("one", now);
    b.path = "custom/one.yaml".into();
    b.metadata = json!({"name": "One", "labels": {"a": "b"}});
    b.context = json!({"k": 1});
    blueprints::save(&mut conn, &b, true).await.unwrap();
    assert_eq!(
        blueprints::get(&mut conn, b.pk).await.unwrap(),
        Some(b.clone())
    );
    b.status = "successful".into();
    b.managed_models = vec!["authentik_flows.flow".into()];
    b.enabled = false;
    blueprints::save(&mut conn, &b, false).await.unwrap();
    assert_eq!(
        blueprints::get_by_name(&mut conn, "one").await.unwrap(),
        Some(b.clone())
    );
    assert!(
        blueprints::name_taken(&mut conn, "one", None)
            .await
            .unwrap()
    );
    assert!(
        !blueprints::name_taken(&mut conn, "one", Some(b.pk))
            .await
            .unwrap()
    );
    let other = BlueprintInstance::new("two", now);
    blueprints::save(&mut conn, &other, true).await.unwrap();
    let f = InstanceFilter {
        path: Some("custom/one.yaml".into()),
        ..Default::default()
    };
    let (rows, count) = blueprints::list(&mut conn, &f, Page::default())
        .await
        .unwrap();
    assert_eq!((rows.len(), count), (1, 1));
    let f = InstanceFilter {
        search: Some("TW".into()),
        order_by: blueprints::ordering("-name").map(str::to_owned),
        ..Default::default()
    };
    let (rows, _) = blueprints::list(&mut conn, &f, Page::default())
        .await
        .unwrap();
    assert_eq!(rows[0].name, "two");
    assert_eq!(blueprints::all(&mut conn).await.unwrap().len(), 2);
    assert!(blueprints::delete(&mut conn, b.pk).await.unwrap());
    assert_eq!(blueprints::get(&mut conn, b.pk).await.unwrap(), None);
});

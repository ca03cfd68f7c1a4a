//! The configuration version moves with every write to a cached table (brands, flows, stages,
//! flow bindings, policies, policy bindings, cascades included) and with nothing else.
use castellan_core::flow::{Flow, FlowDesignation, FlowStageBinding};
use castellan_core::policy::BindingSubject;
use castellan_store::{
    AnyConnection, brands, config_version, flow_bindings, flows, policies, policy_bindings, stages,
    users,
};
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flows::{binding, policy, stage};

async fn version(conn: &mut AnyConnection) -> i64 {
    config_version::current(conn).await.unwrap()
}

db_test!(
    config_version_follows_cached_tables,
    |app: TestApp| async move {
        let app = app;
        let mut conn = app.store.conn().await.unwrap();
        let mut last = version(&mut conn).await;
        let mut moved = async |conn: &mut AnyConnection, what: &str| {
            let now = version(conn).await;
            assert!(now > last, "{what} did not bump the configuration version");
            last = now;
        };

        let mut flow = Flow::new("cached", "Cached", FlowDesignation::Authentication);
        flows::insert(&mut conn, &flow).await.unwrap();
        moved(&mut conn, "flow insert").await;
        flow.title = "Changed".into();
        flows::update(&mut conn, &flow).await.unwrap();
        moved(&mut conn, "flow update").await;
        let s = stage(
            &mut conn,
            "s",
            "authentik_stages_dummy.dummystage",
            json!({}),
        )
        .await;
        moved(&mut conn, "stage insert").await;
        let b = FlowStageBinding::new(flow.pk, s.pk, 10);
        flow_bindings::create(&mut conn, &b).await.unwrap();
        moved(&mut conn, "flow binding insert").await;
        let p = policy(&mut conn, "p").await;
        moved(&mut conn, "policy insert").await;
        let pb = binding(flow.pbm_uuid, BindingSubject::Policy(p.pk), 0);
        policy_bindings::create(&mut conn, &pb).await.unwrap();
        moved(&mut conn, "policy binding insert").await;
        let mut changed = p.clone();
        changed.name = "p2".into();
        policies::update(&mut conn, &changed).await.unwrap();
        moved(&mut conn, "policy update").await;
        let mut brand = castellan_core::brand::Brand {
            brand_uuid: uuid::Uuid::new_v4(),
            domain: "cached.example".into(),
            ..castellan_core::brand::Brand::fallback()
        };
        brands::save(&mut conn, &brand, true).await.unwrap();
        moved(&mut conn, "brand insert").await;
        brand.branding_title = "Cached".into();
        brands::save(&mut conn, &brand, false).await.unwrap();
        moved(&mut conn, "brand update").await;

        // Rows of other tables leave it alone.
        let before = version(&mut conn).await;
        users::touch_last_login(&mut conn, app.admin_pk, chrono::Utc::now())
            .await
            .unwrap();
        assert_eq!(version(&mut conn).await, before);

        // Deleting the stage cascades to its binding: one more bump at least.
        assert!(stages::delete(&mut conn, s.pk).await.unwrap());
        moved(&mut conn, "stage delete").await;
        assert!(flows::delete(&mut conn, &flow).await.unwrap());
        moved(&mut conn, "flow delete").await;
    }
);

//! The executor's configuration cache: used across requests, and never stale — a change made
//! through the API or straight in the database (as another process would) is seen by the next
//! executor request; `cache_info`/`cache_clear` report and empty it.
use castellan_store::{flows, policies, policy_bindings};
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_support::{bind_expression, defaults, flow};

const SLUG: &str = "default-authentication-flow";

async fn title(app: &TestApp) -> serde_json::Value {
    let r = FlowClient::new(app, SLUG).get().await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["flow_info"]["title"].clone()
}

async fn cached(app: &TestApp) -> i64 {
    let r = app
        .admin("GET", "/api/v3/flows/instances/cache_info/", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["count"].as_i64().unwrap()
}

db_test!(
    cache_is_used_and_follows_api_writes,
    |app: TestApp| async move {
        defaults(&app).await;
        assert_eq!(cached(&app).await, 0);
        assert_eq!(title(&app).await, "Welcome to authentik!");
        assert!(cached(&app).await >= 1, "the flow was not cached");

        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/flows/instances/{SLUG}/"),
                Some(json!({"title": "Changed through the API"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(title(&app).await, "Changed through the API");

        // A policy bound through the API denies at once.
        let pbm = flow(&app, SLUG).await["policybindingmodel_ptr_id"]
            .as_str()
            .unwrap()
            .to_string();
        bind_expression(&app, &pbm, "no-entry", "return False", false).await;
        let r = FlowClient::new(&app, SLUG).get().await;
        assert_eq!(r.json["component"], "ak-stage-access-denied", "{}", r.text);

        let r = app
            .admin("POST", "/api/v3/flows/instances/cache_clear/", None)
            .await;
        assert_eq!(r.status, 204, "{}", r.text);
        assert_eq!(cached(&app).await, 0);
    }
);

db_test!(
    cache_follows_writes_of_other_processes,
    |app: TestApp| async move {
        defaults(&app).await;
        assert_eq!(title(&app).await, "Welcome to authentik!");

        // Written on a connection of its own, bypassing everything this process knows about.
        let other = app.db.store().await;
        let mut conn = other.conn().await.unwrap();
        let mut f = flows::get_by_slug(&mut conn, SLUG).await.unwrap().unwrap();
        f.title = "Changed elsewhere".into();
        flows::update(&mut conn, &f).await.unwrap();
        assert_eq!(title(&app).await, "Changed elsewhere");

        let now = chrono::Utc::now();
        let deny = castellan_core::policy::Policy {
            pk: uuid::Uuid::new_v4(),
            name: "deny-elsewhere".into(),
            kind: "authentik_policies_expression.expressionpolicy".into(),
            execution_logging: false,
            created: now,
            last_updated: now,
            config: json!({"expression": "ak_message('Closed elsewhere')\nreturn False"})
                .as_object()
                .unwrap()
                .clone(),
        };
        policies::create(&mut conn, &deny).await.unwrap();
        let binding = castellan_core::policy::PolicyBinding {
            pk: uuid::Uuid::new_v4(),
            target: f.pbm_uuid,
            subject: castellan_core::policy::BindingSubject::Policy(deny.pk),
            negate: false,
            enabled: true,
            order: 0,
            timeout: 30,
            failure_result: false,
        };
        policy_bindings::create(&mut conn, &binding).await.unwrap();
        let r = FlowClient::new(&app, SLUG).get().await;
        assert_eq!(r.json["component"], "ak-stage-access-denied", "{}", r.text);
        assert_eq!(r.json["error_message"], "Closed elsewhere", "{}", r.text);

        policy_bindings::delete(&mut conn, binding.pk)
            .await
            .unwrap();
        let r = FlowClient::new(&app, SLUG).get().await;
        assert_eq!(r.json["component"], "ak-stage-identification", "{}", r.text);
    }
);

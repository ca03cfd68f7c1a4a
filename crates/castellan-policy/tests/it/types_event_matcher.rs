//! Event matcher policy: 2024.10 AND semantics over action, client IP, app and model.
use castellan_policy::result::PolicyResult;
use castellan_policy::types::event_matcher;
use serde_json::{Value, json};

use crate::types_host::{FakeHost, request_with};

fn event() -> Value {
    json!({
        "action": "model_created",
        "app": "authentik.core",
        "client_ip": "192.0.2.4",
        "context": { "model": { "app": "authentik_core", "model_name": "user", "pk": 5 } }
    })
}

async fn run(config: Value, event: Option<Value>) -> PolicyResult {
    let mut host = FakeHost::default();
    let context = match event {
        Some(e) => json!({ "event": e }),
        None => json!({}),
    };
    let config = config.as_object().cloned().unwrap_or_default();
    event_matcher::evaluate(&config, &request_with(context), &mut host)
        .await
        .expect("event matcher ran")
}

#[tokio::test]
async fn without_an_event_it_fails_and_without_criteria_it_matches_all() {
    assert!(!run(json!({ "action": "login" }), None).await.passing);
    assert!(!run(json!({}), None).await.passing);
    let all = run(json!({ "action": null, "app": null }), Some(event())).await;
    assert!(all.passing);
    assert!(all.messages.is_empty());
}

#[tokio::test]
async fn every_set_criterion_must_match() {
    let both = json!({ "action": "model_created", "app": "authentik.core" });
    let result = run(both, Some(event())).await;
    assert!(result.passing);
    assert_eq!(result.messages, vec!["Action matched.", "App matched."]);

    // Before 2024.10 one matching criterion sufficed (OR); now the wrong app fails.
    let wrong_app = json!({ "action": "model_created", "app": "authentik.flows" });
    let result = run(wrong_app, Some(event())).await;
    assert!(!result.passing);
    assert_eq!(result.messages, vec!["Action matched."]);

    assert!(
        !run(json!({ "action": "login" }), Some(event()))
            .await
            .passing
    );
    assert!(
        run(json!({ "client_ip": "192.0.2.4" }), Some(event()))
            .await
            .passing
    );
    assert!(
        !run(json!({ "client_ip": "192.0.2.40" }), Some(event()))
            .await
            .passing
    );
    let mut no_ip = event();
    no_ip["client_ip"] = Value::Null;
    assert!(
        !run(json!({ "client_ip": "192.0.2.4" }), Some(no_ip))
            .await
            .passing
    );
}

#[tokio::test]
async fn model_matches_app_label_dot_model_name() {
    let result = run(json!({ "model": "authentik_core.user" }), Some(event())).await;
    assert!(result.passing);
    assert_eq!(result.messages, vec!["Model matched."]);
    assert!(
        !run(json!({ "model": "authentik_core.group" }), Some(event()))
            .await
            .passing
    );
    // The Django app name is not the label.
    assert!(
        !run(json!({ "model": "authentik.core.user" }), Some(event()))
            .await
            .passing
    );
    let mut bare = event();
    bare["context"] = json!({});
    assert!(
        !run(
            json!({ "model": "authentik_core.user" }),
            Some(bare.clone())
        )
        .await
        .passing
    );
    // authentik formats a missing model as "None.None".
    assert!(
        run(json!({ "model": "None.None" }), Some(bare))
            .await
            .passing
    );
    let all_four = json!({
        "action": "model_created", "client_ip": "192.0.2.4",
        "app": "authentik.core", "model": "authentik_core.user"
    });
    assert_eq!(run(all_four, Some(event())).await.messages.len(), 4);
}

#[tokio::test]
async fn wrongly_typed_settings_are_errors() {
    let mut host = FakeHost::default();
    let config = json!({ "action": 5 })
        .as_object()
        .cloned()
        .unwrap_or_default();
    let request = request_with(json!({ "event": event() }));
    assert!(
        event_matcher::evaluate(&config, &request, &mut host)
            .await
            .is_err()
    );
}

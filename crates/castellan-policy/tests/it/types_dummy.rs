//! Dummy policy: sleeps through the host within `[wait_min, wait_max)` and returns `result`.
use std::time::Duration;

use castellan_policy::result::PolicyResult;
use castellan_policy::types::dummy;
use serde_json::{Value, json};

use crate::types_host::{FakeHost, request_with};

async fn run(config: Value, host: &mut FakeHost) -> PolicyResult {
    let config = config.as_object().cloned().unwrap_or_default();
    dummy::evaluate(&config, &request_with(json!({})), host)
        .await
        .expect("dummy ran")
}

#[tokio::test]
async fn returns_result_after_a_random_wait_in_range() {
    let mut host = FakeHost::default();
    for _ in 0..20 {
        let result = run(
            json!({ "result": true, "wait_min": 1, "wait_max": 3 }),
            &mut host,
        )
        .await;
        assert!(result.passing);
        assert_eq!(result.messages, vec!["dummy"]);
    }
    assert_eq!(host.sleeps.len(), 20);
    assert!(
        host.sleeps
            .iter()
            .all(|d| *d == Duration::from_secs(1) || *d == Duration::from_secs(2))
    );
}

#[tokio::test]
async fn defaults_fail_after_five_to_thirty_seconds() {
    let mut host = FakeHost::default();
    let result = run(json!({}), &mut host).await;
    assert!(!result.passing);
    let slept = host.sleeps.first().copied().unwrap_or_default();
    assert!(
        slept >= Duration::from_secs(5) && slept < Duration::from_secs(30),
        "{slept:?}"
    );
}

#[tokio::test]
async fn an_empty_range_waits_the_minimum() {
    let mut host = FakeHost::default();
    run(
        json!({ "result": true, "wait_min": 2, "wait_max": 2 }),
        &mut host,
    )
    .await;
    run(json!({ "wait_min": -4, "wait_max": -9 }), &mut host).await;
    assert_eq!(host.sleeps, vec![Duration::from_secs(2), Duration::ZERO]);
}

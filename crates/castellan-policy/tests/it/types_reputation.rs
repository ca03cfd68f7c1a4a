//! Reputation policy: passes at or below the threshold; which criteria are asked.
use castellan_policy::request::{HttpFacts, PolicyRequest};
use castellan_policy::types::PolicyError;
use castellan_policy::types::reputation;
use serde_json::{Value, json};

use crate::types_host::{FakeHost, request_with};

fn with_ip(ip: &str) -> PolicyRequest {
    let mut request = request_with(json!({}));
    request.http = Some(HttpFacts {
        client_ip: ip.to_owned(),
        ..HttpFacts::default()
    });
    request
}

async fn run(
    config: Value,
    request: &PolicyRequest,
    host: &mut FakeHost,
) -> Result<bool, PolicyError> {
    let config = config.as_object().cloned().unwrap_or_default();
    reputation::evaluate(&config, request, host)
        .await
        .map(|r| r.passing)
}

#[tokio::test]
async fn default_threshold_is_minus_five_inclusive() {
    let mut host = FakeHost {
        reputation: vec![
            ("jdoe".to_owned(), "198.51.100.1".to_owned(), -3),
            ("other".to_owned(), "192.0.2.9".to_owned(), -1),
            ("unrelated".to_owned(), "203.0.113.1".to_owned(), -50),
        ],
        ..FakeHost::default()
    };
    // jdoe (-3) + IP 192.0.2.9 (-1) = -4 > -5 → fail.
    assert_eq!(
        run(json!({}), &with_ip("192.0.2.9"), &mut host).await,
        Ok(false)
    );
    host.reputation
        .push(("jdoe".to_owned(), "192.0.2.9".to_owned(), -1));
    // -3 + -1 + -1 = -5 → pass.
    assert_eq!(
        run(json!({}), &with_ip("192.0.2.9"), &mut host).await,
        Ok(true)
    );
    assert_eq!(
        host.reputation_queries.last(),
        Some(&(Some("192.0.2.9".to_owned()), Some("jdoe".to_owned())))
    );
    assert_eq!(
        run(json!({ "threshold": -6 }), &with_ip("192.0.2.9"), &mut host).await,
        Ok(false)
    );
}

#[tokio::test]
async fn criteria_can_be_switched_off() {
    let mut host = FakeHost {
        reputation: vec![("x".to_owned(), "192.0.2.9".to_owned(), -10)],
        ..FakeHost::default()
    };
    let ip_only = json!({ "check_username": false });
    assert_eq!(
        run(ip_only, &with_ip("192.0.2.9"), &mut host).await,
        Ok(true)
    );
    assert_eq!(
        host.reputation_queries.last(),
        Some(&(Some("192.0.2.9".to_owned()), None))
    );
    let user_only = json!({ "check_ip": false });
    assert_eq!(
        run(user_only, &with_ip("192.0.2.9"), &mut host).await,
        Ok(false)
    );
    assert_eq!(
        host.reputation_queries.last(),
        Some(&(None, Some("jdoe".to_owned())))
    );

    // Neither: score 0, no query.
    let queries = host.reputation_queries.len();
    let none = json!({ "check_ip": false, "check_username": false });
    assert_eq!(
        run(none.clone(), &with_ip("192.0.2.9"), &mut host).await,
        Ok(false)
    );
    let none_zero = json!({ "check_ip": false, "check_username": false, "threshold": 0 });
    assert_eq!(
        run(none_zero, &with_ip("192.0.2.9"), &mut host).await,
        Ok(true)
    );
    assert_eq!(host.reputation_queries.len(), queries);
}

#[tokio::test]
async fn without_http_the_default_ip_is_used_and_host_errors_propagate() {
    let mut host = FakeHost::default();
    assert_eq!(
        run(
            json!({ "threshold": 0 }),
            &request_with(json!({})),
            &mut host
        )
        .await,
        Ok(true)
    );
    assert_eq!(
        host.reputation_queries.last(),
        Some(&(Some("255.255.255.255".to_owned()), Some("jdoe".to_owned())))
    );
    host.reputation_error = Some("database is locked".to_owned());
    assert_eq!(
        run(json!({}), &request_with(json!({})), &mut host).await,
        Err(PolicyError::Failed("database is locked".to_owned()))
    );
}

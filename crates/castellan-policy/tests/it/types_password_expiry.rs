//! Password expiry policy: the day boundary, `deny_only` both ways, making the password
//! unusable.
use castellan_policy::request::PolicyRequest;
use castellan_policy::result::PolicyResult;
use castellan_policy::types::{PolicyError, password_expiry};
use chrono::Duration;
use serde_json::{Value, json};

use crate::types_host::{FakeHost, request_with};

fn changed_ago(host: &FakeHost, ago: Duration) -> PolicyRequest {
    let mut request = request_with(json!({}));
    request.user.password_change_date = Some(host.now - ago);
    request
}

async fn run(
    config: Value,
    request: &PolicyRequest,
    host: &mut FakeHost,
) -> Result<PolicyResult, PolicyError> {
    let config = config.as_object().cloned().unwrap_or_default();
    password_expiry::evaluate(&config, request, host).await
}

#[tokio::test]
async fn expired_password_is_made_unusable_with_a_message() {
    let mut host = FakeHost::default();
    let request = changed_ago(&host, Duration::days(33) + Duration::hours(5));
    let result = run(json!({ "days": 30 }), &request, &mut host)
        .await
        .expect("ran");
    assert!(!result.passing);
    assert_eq!(
        result.messages,
        vec!["Password expired 3 days ago. Please update your password."]
    );
    assert_eq!(host.unusable, vec![7]);
}

#[tokio::test]
async fn deny_only_fails_without_touching_the_password() {
    let mut host = FakeHost::default();
    let request = changed_ago(&host, Duration::days(90));
    let result = run(
        json!({ "days": 30, "deny_only": true }),
        &request,
        &mut host,
    )
    .await
    .expect("ran");
    assert!(!result.passing);
    assert_eq!(result.messages, vec!["Password has expired."]);
    assert!(host.unusable.is_empty());
}

#[tokio::test]
async fn the_boundary_is_whole_days_inclusive() {
    let mut host = FakeHost::default();
    for deny_only in [false, true] {
        let config = json!({ "days": 30, "deny_only": deny_only });
        let fresh = changed_ago(&host, Duration::days(30) - Duration::seconds(1));
        let result = run(config.clone(), &fresh, &mut host).await.expect("ran");
        assert!(result.passing);
        assert!(result.messages.is_empty());
        let due = changed_ago(&host, Duration::days(30));
        let result = run(config, &due, &mut host).await.expect("ran");
        assert!(!result.passing);
        if !deny_only {
            assert_eq!(
                result.messages,
                vec!["Password expired 0 days ago. Please update your password."]
            );
        }
    }
    assert_eq!(host.unusable, vec![7]);
}

#[tokio::test]
async fn missing_days_or_change_date_are_errors() {
    let mut host = FakeHost::default();
    let request = changed_ago(&host, Duration::days(1));
    assert!(matches!(
        run(json!({}), &request, &mut host).await,
        Err(PolicyError::Config { key, .. }) if key == "days"
    ));
    let no_date = request_with(json!({}));
    assert_eq!(
        run(json!({ "days": 1 }), &no_date, &mut host).await,
        Err(PolicyError::Failed(
            "User has no password change date.".to_owned()
        ))
    );
}

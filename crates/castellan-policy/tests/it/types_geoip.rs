//! GeoIP policy: ASN and country checks (any passes), data from the context or the host,
//! missing data as an error (→ failure result in the engine).
use castellan_core::application::PolicyEngineMode;
use castellan_policy::engine;
use castellan_policy::request::{HttpFacts, PolicyRequest};
use castellan_policy::result::PolicyResult;
use castellan_policy::types::geoip::{ASN_NOT_FOUND, CITY_NOT_FOUND};
use castellan_policy::types::{KIND_GEOIP, PolicyError, geoip};
use serde_json::{Value, json};

use crate::types_host::{FakeHost, bound, policy, request_with};

const IP: &str = "192.0.2.7";

fn host_with_data() -> FakeHost {
    let mut host = FakeHost::default();
    host.asn.insert(
        IP.to_owned(),
        json!({ "asn": 64500, "as_org": "Example", "network": "192.0.2.0/24" }),
    );
    host.geoip.insert(
        IP.to_owned(),
        json!({ "country": "DE", "continent": "EU", "city": "Berlin" }),
    );
    host
}

fn from_ip() -> PolicyRequest {
    let mut request = request_with(json!({}));
    request.http = Some(HttpFacts {
        client_ip: IP.to_owned(),
        ..HttpFacts::default()
    });
    request
}

async fn run(
    config: Value,
    request: &PolicyRequest,
    host: &mut FakeHost,
) -> Result<PolicyResult, PolicyError> {
    let config = config.as_object().cloned().unwrap_or_default();
    geoip::evaluate(&config, request, host).await
}

#[tokio::test]
async fn no_checks_pass_even_without_data() {
    let mut host = FakeHost::default();
    let result = run(
        json!({ "asns": [], "countries": [] }),
        &from_ip(),
        &mut host,
    )
    .await;
    assert_eq!(result, Ok(PolicyResult::new(true)));
}

#[tokio::test]
async fn asn_and_country_checks() {
    let mut host = host_with_data();
    let request = from_ip();
    assert!(
        run(json!({ "asns": [1, 64500] }), &request, &mut host)
            .await
            .expect("ran")
            .passing
    );
    let denied = run(json!({ "asns": [1] }), &request, &mut host)
        .await
        .expect("ran");
    assert!(!denied.passing);
    assert_eq!(
        denied.messages,
        vec!["Client IP is not part of an allowed autonomous system."]
    );
    assert!(
        run(json!({ "countries": ["FR", "DE"] }), &request, &mut host)
            .await
            .expect("ran")
            .passing
    );
    let denied = run(json!({ "countries": ["FR"] }), &request, &mut host)
        .await
        .expect("ran");
    assert_eq!(
        denied.messages,
        vec!["Client IP is not in an allowed country."]
    );
    assert!(!denied.passing);
}

#[tokio::test]
async fn any_configured_check_suffices() {
    let mut host = host_with_data();
    let request = from_ip();
    let result = run(
        json!({ "asns": [1], "countries": ["DE"] }),
        &request,
        &mut host,
    )
    .await
    .expect("ran");
    assert!(result.passing);
    assert_eq!(
        result.messages,
        vec!["Client IP is not part of an allowed autonomous system."]
    );
    let result = run(
        json!({ "asns": [1], "countries": ["FR"] }),
        &request,
        &mut host,
    )
    .await
    .expect("ran");
    assert!(!result.passing);
    assert_eq!(result.messages.len(), 2);
}

#[tokio::test]
async fn missing_data_is_an_error() {
    let mut host = FakeHost::default();
    let request = from_ip();
    assert_eq!(
        run(json!({ "asns": [64500] }), &request, &mut host).await,
        Err(PolicyError::Failed(ASN_NOT_FOUND.to_owned()))
    );
    assert_eq!(
        run(json!({ "countries": ["DE"] }), &request, &mut host).await,
        Err(PolicyError::Failed(CITY_NOT_FOUND.to_owned()))
    );
    // Context values win over the host: an explicit null means "not found".
    let mut host = host_with_data();
    let mut nulls = from_ip();
    nulls.context.insert("geoip".to_owned(), Value::Null);
    assert_eq!(
        run(json!({ "countries": ["DE"] }), &nulls, &mut host).await,
        Err(PolicyError::Failed(CITY_NOT_FOUND.to_owned()))
    );
    let mut given = from_ip();
    given.context.insert("asn".to_owned(), json!({ "asn": 1 }));
    assert!(
        run(json!({ "asns": [1] }), &given, &mut host)
            .await
            .expect("ran")
            .passing
    );
}

#[tokio::test]
async fn in_the_engine_missing_data_yields_failure_result_and_an_event() {
    let mut host = FakeHost::default();
    let mut b = bound(policy("geo", KIND_GEOIP, json!({ "countries": ["DE"] })), 0);
    b.0.failure_result = true;
    let result = engine::evaluate(&[b], PolicyEngineMode::All, &from_ip(), &mut host).await;
    assert!(result.passing);
    assert_eq!(result.messages, vec![CITY_NOT_FOUND]);
    assert_eq!(
        host.exceptions,
        vec![("geo".to_owned(), CITY_NOT_FOUND.to_owned())]
    );

    let mut host = host_with_data();
    let b = bound(policy("geo", KIND_GEOIP, json!({ "countries": ["DE"] })), 0);
    let result = engine::evaluate(&[b], PolicyEngineMode::All, &from_ip(), &mut host).await;
    assert!(result.passing);
    assert!(host.exceptions.is_empty());
}

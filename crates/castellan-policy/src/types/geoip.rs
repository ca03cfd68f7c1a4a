//! GeoIP policy (spec §6.3.4): passes if the client IP's autonomous system is in `asns` or its
//! country is in `countries` (any configured check suffices; none configured → pass). Missing
//! GeoIP/ASN data for a configured check is an error (→ the binding's `failure_result`).
//!
//! The data comes from `context["asn"]` / `context["geoip"]` (filled by the engine for requests
//! with HTTP facts), falling back to [`PolicyHost::asn`] / [`PolicyHost::geoip`].
use serde_json::Value;

use super::PolicyError;
use super::config::{Config, list};
use crate::host::PolicyHost;
use crate::request::PolicyRequest;
use crate::result::PolicyResult;

/// Error text when the ASN database has no entry for the client.
pub const ASN_NOT_FOUND: &str = "GeoIP: client IP not found in ASN database.";
/// Error text when the City database has no entry for the client.
pub const CITY_NOT_FOUND: &str = "GeoIP: client IP address not found in City database.";

/// `context[key]` when the key is present (even `null`), else the host's lookup.
fn lookup(
    request: &PolicyRequest,
    key: &str,
    from_host: impl FnOnce(&str) -> Option<Value>,
) -> Option<Value> {
    match request.context.get(key) {
        Some(value) => Some(value.clone()),
        None => from_host(request.client_ip()),
    }
}

fn invalid(key: &str, what: &str) -> PolicyError {
    PolicyError::Config {
        key: key.to_owned(),
        message: format!("expected a list of {what}"),
    }
}

fn check_asn(
    asns: &[i64],
    request: &PolicyRequest,
    host: &dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let data = lookup(request, "asn", |ip| host.asn(ip));
    let asn = data
        .as_ref()
        .and_then(|d| d.get("asn"))
        .and_then(Value::as_i64)
        .filter(|n| *n != 0)
        .ok_or_else(|| PolicyError::Failed(ASN_NOT_FOUND.to_owned()))?;
    if asns.contains(&asn) {
        Ok(PolicyResult::new(true))
    } else {
        Ok(PolicyResult::with_message(
            false,
            "Client IP is not part of an allowed autonomous system.",
        ))
    }
}

fn check_country(
    countries: &[&str],
    request: &PolicyRequest,
    host: &dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let data = lookup(request, "geoip", |ip| host.geoip(ip));
    let country = data
        .as_ref()
        .and_then(|d| d.get("country"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| PolicyError::Failed(CITY_NOT_FOUND.to_owned()))?;
    if countries.contains(&country) {
        Ok(PolicyResult::new(true))
    } else {
        Ok(PolicyResult::with_message(
            false,
            "Client IP is not in an allowed country.",
        ))
    }
}

/// Runs the GeoIP policy.
pub async fn evaluate(
    config: &Config,
    request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let asns = list(config, "asns")?
        .iter()
        .map(|v| v.as_i64().ok_or_else(|| invalid("asns", "integers")))
        .collect::<Result<Vec<_>, _>>()?;
    let countries = list(config, "countries")?
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| invalid("countries", "country codes"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut results = Vec::new();
    if !asns.is_empty() {
        results.push(check_asn(&asns, request, host)?);
    }
    if !countries.is_empty() {
        results.push(check_country(&countries, request, host)?);
    }
    if results.is_empty() {
        return Ok(PolicyResult::new(true));
    }
    let mut combined = PolicyResult::new(results.iter().any(|r| r.passing));
    for result in results {
        combined.messages.extend(result.messages);
    }
    Ok(combined)
}

//! Event matcher policy (spec §6.3.5): matches `context["event"]` (notification rules) against
//! `action`, `client_ip`, `app` and `model`. 2024.10 semantics: every criterion that is set must
//! match (AND); with none set every event matches; without an event in the context it fails.
//!
//! Difference from authentik 2024.10: authentik adds "Action matched." etc. for every criterion
//! that is set, matched or not; Castellan adds the message only for criteria that matched.
use serde_json::Value;

use super::PolicyError;
use super::config::{Config, str_opt};
use crate::host::PolicyHost;
use crate::request::PolicyRequest;
use crate::result::PolicyResult;

/// A JSON value as Python's `str()` would print a string field (`None` for missing/null).
fn py_str(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// `event.context.model.app + "." + event.context.model.model_name`, as authentik formats it.
fn event_model(event: &Value) -> String {
    let model = event.get("context").and_then(|c| c.get("model"));
    format!(
        "{}.{}",
        py_str(model.and_then(|m| m.get("app"))),
        py_str(model.and_then(|m| m.get("model_name")))
    )
}

/// Runs the event matcher policy.
pub async fn evaluate(
    config: &Config,
    request: &PolicyRequest,
    _host: &mut dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let Some(event) = request.context.get("event") else {
        return Ok(PolicyResult::new(false));
    };
    let field = |name: &str| event.get(name).and_then(Value::as_str);
    let mut checks: Vec<(bool, &str)> = Vec::new();
    if let Some(action) = str_opt(config, "action")? {
        checks.push((field("action") == Some(action.as_str()), "Action matched."));
    }
    if let Some(client_ip) = str_opt(config, "client_ip")? {
        checks.push((
            field("client_ip") == Some(client_ip.as_str()),
            "Client IP matched.",
        ));
    }
    if let Some(app) = str_opt(config, "app")? {
        checks.push((field("app") == Some(app.as_str()), "App matched."));
    }
    if let Some(model) = str_opt(config, "model")? {
        checks.push((event_model(event) == model, "Model matched."));
    }
    let mut result = PolicyResult::new(checks.iter().all(|(ok, _)| *ok));
    for (ok, message) in checks {
        result.push_log(format!("Event matcher check result ({message} {ok})"));
        if ok {
            result.push_message(message);
        }
    }
    Ok(result)
}

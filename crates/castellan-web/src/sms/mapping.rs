//! The generic SMS provider's payload from the stage's NotificationWebhookMapping (spec §5.8,
//! §1.11): the mapping's expression runs with authentik's variables — `user` (the device's
//! user), `request` (a policy request for that user, no HTTP request), `device`
//! (`phone_number`, `name`, `user`, `confirmed`), `token` (the code) and `stage` (`name`,
//! `provider`, `from_number`, `account_sid`, `auth_type`; the credentials are left out) — and
//! its result, which must be a dict, is the JSON body POSTed instead of the default one.
use castellan_flows::env::SmsMessage;
use castellan_policy::expr::{Budget, ExprInputs};
use castellan_store::webhook_mappings;
use serde_json::{Map, Value, json};

use crate::flow::env::StoreFlowEnv;
use crate::flow::expression::FlowExprHost;
use crate::flow::user_json;

/// Why the mapping produced no payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingFailure {
    /// The mapping's event reference (`app`, `model_name`, `pk`, `name`).
    pub mapping: Value,
    /// The mapping's name.
    pub name: String,
    /// What went wrong (the stage's credentials masked).
    pub error: String,
}

/// The payload of `sms` built by its stage's mapping: `Ok(None)` when the default payload
/// applies (not the generic provider, no mapping, or the mapping is gone).
pub async fn payload(
    env: &mut StoreFlowEnv,
    sms: &SmsMessage,
) -> Result<Option<Map<String, Value>>, MappingFailure> {
    let Some(pk) = sms.mapping.filter(|_| sms.provider == "generic") else {
        return Ok(None);
    };
    let found = webhook_mappings::get(&mut env.conn, pk).await;
    let mapping = match found {
        Ok(Some(m)) => m,
        Ok(None) => return Ok(None),
        Err(e) => {
            return Err(MappingFailure {
                mapping: crate::audit::model_ref(
                    "authentik_events",
                    "notificationwebhookmapping",
                    pk,
                    "",
                ),
                name: String::new(),
                error: e.to_string(),
            });
        }
    };
    let fail = |error: String| MappingFailure {
        mapping: crate::audit::model_ref(
            "authentik_events",
            "notificationwebhookmapping",
            mapping.pk,
            &mapping.name,
        ),
        name: mapping.name.clone(),
        error: mask(&error, sms),
    };
    let inputs = inputs(env, sms).await;
    let expression = env
        .state
        .flows
        .expressions
        .get(&mapping.expression)
        .map_err(|e| fail(e.to_string()))?;
    let mut host = FlowExprHost { env };
    let outcome = expression
        .evaluate(inputs, &mut host, &Budget::default())
        .await
        .map_err(|e| fail(e.to_string()))?;
    match untag(outcome.value) {
        Value::Object(map) => Ok(Some(map)),
        other => Err(fail(format!(
            "the mapping returned {}, not a dictionary",
            castellan_core::model_spec::type_name(&other)
        ))),
    }
}

/// The expression's variables.
async fn inputs(env: &mut StoreFlowEnv, sms: &SmsMessage) -> ExprInputs {
    let pk = sms.user.as_ref().and_then(user_json::pk);
    let loaded = match pk {
        Some(pk) => user_json::load(&env.state, &mut env.conn, pk)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let user = loaded.or_else(|| sms.user.clone()).unwrap_or(Value::Null);
    let request = json!({"$type": "policy_request", "user": user, "http_request": null,
                         "obj": null, "context": {}});
    let device = json!({"$type": "sms_device", "name": sms.device_name,
                        "phone_number": sms.to, "user": user, "confirmed": true});
    let stage = json!({"$type": "authenticator_sms_stage", "name": sms.stage_name,
                       "provider": sms.provider, "from_number": sms.from,
                       "account_sid": sms.account_sid, "auth_type": sms.auth_type});
    ExprInputs::new()
        .with("user", user)
        .with("request", request)
        .with("device", device)
        .with("token", json!(sms.code))
        .with("stage", stage)
}

/// `text` with the stage's credentials replaced by `********`.
fn mask(text: &str, sms: &SmsMessage) -> String {
    let mut out = text.to_string();
    for secret in [&sms.auth, &sms.auth_password] {
        if !secret.is_empty() {
            out = out.replace(secret.as_str(), "********");
        }
    }
    out
}

/// A result without the engine's `$type` tags (objects returned as values become dicts).
fn untag(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "$type")
                .map(|(k, v)| (k, untag(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(untag).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    //! Masking and untagging.

    use super::*;

    #[test]
    fn credentials_are_masked() {
        let sms = SmsMessage {
            auth: "s3cret-token".into(),
            auth_password: "pw-123".into(),
            ..SmsMessage::default()
        };
        assert_eq!(
            mask("bad s3cret-token and pw-123", &sms),
            "bad ******** and ********"
        );
        assert_eq!(mask("nothing", &SmsMessage::default()), "nothing");
    }

    #[test]
    fn tags_are_dropped() {
        let v = json!({"$type": "user", "a": [{"$type": "group", "name": "g"}], "b": 1});
        assert_eq!(untag(v), json!({"a": [{"name": "g"}], "b": 1}));
    }
}

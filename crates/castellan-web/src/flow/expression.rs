//! Expression policies inside flows (ARCHITECTURE §5): builds the variables authentik's
//! expressions see (`request`, `context`, `ak_is_sso_flow`, `ak_client_ip`, `http_request`),
//! runs the compiled expression under its budget and answers host calls from the store.
use async_trait::async_trait;
use castellan_core::flow::FlowAuthentication;
use castellan_core::policy::Policy;
use castellan_policy::expr::{Budget, ExprHost, ExprInputs, truthy};
use castellan_policy::request::PolicyRequest;
use castellan_policy::result::PolicyResult;
use castellan_store::{flows, identify, users};
use serde_json::{Map, Value, json};

use crate::audit;
use crate::flow::env::StoreFlowEnv;
use crate::flow::user_json;

/// The tenant defaults expressions read through `request.http_request.tenant`.
fn tenant() -> Value {
    json!({"default_user_change_name": true, "default_user_change_email": false,
           "default_user_change_username": false})
}

/// The variables of a policy expression.
pub fn inputs(request: &PolicyRequest) -> ExprInputs {
    let http = request.http.as_ref().map(|h| {
        json!({"$type": "http_request", "client_ip": h.client_ip, "path": h.path,
               "method": h.method, "user_agent": h.user_agent, "tenant": tenant()})
    });
    let http = http.unwrap_or(Value::Null);
    let context = Value::Object(request.context.clone());
    let mut vars = Map::new();
    vars.insert(
        "request".into(),
        json!({"$type": "policy_request", "user": request.user.tagged, "http_request": http,
               "obj": request.obj, "context": context}),
    );
    vars.insert("context".into(), context);
    vars.insert("http_request".into(), http);
    vars.insert(
        "ak_is_sso_flow".into(),
        Value::Bool(
            request
                .context
                .get("is_sso")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
    );
    vars.insert(
        "ak_client_ip".into(),
        Value::String(request.client_ip().to_string()),
    );
    ExprInputs { vars }
}

/// Runs an expression policy; errors come back as their text (the engine applies
/// `failure_result` and records `policy_exception`).
pub async fn evaluate_policy(
    env: &mut StoreFlowEnv,
    policy: &Policy,
    request: &PolicyRequest,
) -> Result<PolicyResult, String> {
    let source = policy
        .config
        .get("expression")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let expression = env
        .state
        .flows
        .expressions
        .get(source)
        .map_err(|e| e.to_string())?;
    let mut host = FlowExprHost { env };
    let outcome = expression
        .evaluate(inputs(request), &mut host, &Budget::default())
        .await
        .map_err(|e| e.to_string())?;
    Ok(PolicyResult {
        passing: truthy(&outcome.value),
        messages: outcome.messages,
        log_messages: outcome.log,
        context_updates: outcome
            .vars
            .get("context")
            .and_then(Value::as_object)
            .cloned(),
    })
}

/// Host functions backed by the store.
pub struct FlowExprHost<'a> {
    /// The flow environment.
    pub env: &'a mut StoreFlowEnv,
}

impl FlowExprHost<'_> {
    async fn user_by(&mut self, filters: &Map<String, Value>) -> Result<Value, String> {
        let conn = &mut self.env.conn;
        let mut found = None;
        for (key, value) in filters {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Ok(Value::Null),
            };
            let (field, ci) = match key.strip_suffix("__iexact") {
                Some(f) => (f, true),
                None => (key.as_str(), false),
            };
            let user = match field {
                "pk" | "id" => match text.parse::<i64>() {
                    Ok(pk) => users::get(conn, pk).await.map_err(|e| e.to_string())?,
                    Err(_) => return Ok(Value::Null),
                },
                "username" if !ci => users::get_by_username(conn, &text)
                    .await
                    .map_err(|e| e.to_string())?,
                "username" | "email" => identify::find_user(conn, &[field.to_string()], &text, ci)
                    .await
                    .map_err(|e| e.to_string())?,
                _ => return Ok(Value::Null),
            };
            match (user, &found) {
                (None, _) => return Ok(Value::Null),
                (Some(u), None) => found = Some(u.pk),
                (Some(u), Some(pk)) if u.pk != *pk => return Ok(Value::Null),
                _ => {}
            }
        }
        match found {
            Some(pk) => Ok(user_json::load(&self.env.state, conn, pk)
                .await
                .map_err(|e| e.to_string())?
                .unwrap_or(Value::Null)),
            None => Ok(Value::Null),
        }
    }

    async fn model_update(&mut self, args: &[Value]) -> Result<Value, String> {
        let (Some(model), Some(filters), Some(values)) = (args.first(), args.get(1), args.get(2))
        else {
            return Err("model_update needs a model, filters and values".into());
        };
        let slug = filters.get("slug").and_then(Value::as_str);
        if model != "authentik_flows.flow"
            || slug.is_none()
            || filters.as_object().is_some_and(|f| f.len() != 1)
        {
            return Err(format!(
                "updating {model} from an expression is not supported"
            ));
        }
        let conn = &mut self.env.conn;
        let Some(mut flow) = flows::get_by_slug(conn, slug.unwrap_or_default())
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(json!(0));
        };
        for (field, value) in values.as_object().into_iter().flatten() {
            match (field.as_str(), value.as_str()) {
                ("authentication", Some(v)) => {
                    flow.authentication = FlowAuthentication::parse(v)
                        .ok_or_else(|| format!("invalid authentication {v}"))?;
                }
                ("title", Some(v)) => flow.title = v.to_string(),
                ("name", Some(v)) => flow.name = v.to_string(),
                _ => {
                    return Err(format!(
                        "updating flow field {field} from an expression is not supported"
                    ));
                }
            }
        }
        flows::update(conn, &flow)
            .await
            .map_err(|e| e.to_string())?;
        Ok(json!(1))
    }
}

#[async_trait]
impl ExprHost for FlowExprHost<'_> {
    async fn call(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        match name {
            "ak_user_by" => self.user_by(&kwargs).await,
            "ak_user_has_authenticator" => Ok(Value::Bool(false)),
            "model_update" => self.model_update(&args).await,
            "ak_send_email" => {
                crate::flow::expression_email::ak_send_email(self.env, &args, &kwargs).await
            }
            "ak_create_event" => {
                let action = args.first().and_then(Value::as_str).unwrap_or("event");
                let now = self.env.state.store.now();
                audit::record(
                    &mut self.env.conn,
                    now,
                    &self.env.ctx,
                    None,
                    &format!("custom_{action}"),
                    "authentik.policies.expression",
                    Value::Object(kwargs),
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(Value::Null)
            }
            "resolve_dns" => {
                let host = args.first().and_then(Value::as_str).unwrap_or_default();
                let addrs = tokio::net::lookup_host((host, 0))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Value::Array(
                    addrs.map(|a| Value::String(a.ip().to_string())).collect(),
                ))
            }
            other => Err(format!(
                "{other} is not available in this Castellan version"
            )),
        }
    }
}

//! Policy evaluation inside flows: loads the bindings of a target, runs the policy engine for
//! the planning/pending user with the plan context (plus `flow_plan`), and hands back the plan
//! context as expressions left it.
use std::time::Duration;

use async_trait::async_trait;
use castellan_core::application::PolicyEngineMode;
use castellan_core::policy::{Policy, PolicyBinding};
use castellan_flows::{EnvError, FlowRequest, PolicyVerdict};
use castellan_policy::engine;
use castellan_policy::host::PolicyHost;
use castellan_policy::request::{GroupFacts, HttpFacts, PolicyRequest, UserFacts};
use castellan_policy::result::PolicyResult;
use castellan_store::{reputation, users};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::audit;
use crate::flow::env::StoreFlowEnv;
use crate::flow::expression;

/// The facts the policy engine needs, read from a tagged user (`None`: anonymous).
pub fn user_facts(user: Option<&Value>) -> UserFacts {
    let Some(u) = user.filter(|u| u.is_object()) else {
        return UserFacts::anonymous();
    };
    let s = |k: &str| {
        u.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let groups = u
        .get("groups")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|g| {
                    Some(GroupFacts {
                        pk: Uuid::parse_str(g.get("pk")?.as_str()?).ok()?,
                        name: g.get("name")?.as_str()?.to_string(),
                        attributes: g.get("attributes").cloned().unwrap_or(json!({})),
                        is_superuser: g
                            .get("is_superuser")
                            .and_then(Value::as_bool)
                            .unwrap_or(false),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    UserFacts {
        pk: u.get("pk").and_then(Value::as_i64),
        username: s("username"),
        email: s("email"),
        name: s("name"),
        is_active: u.get("is_active").and_then(Value::as_bool).unwrap_or(false),
        attributes: u.get("attributes").cloned().unwrap_or(json!({})),
        password_change_date: u
            .get("password_change_date")
            .and_then(Value::as_str)
            .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.with_timezone(&Utc)),
        has_usable_password: u
            .get("has_usable_password")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        groups,
        tagged: u.clone(),
    }
}

/// Whether `bindings` decide anything: with no enabled binding, every request passes (the policy
/// engine's rule, also applied by callers that find the bindings cached).
pub fn any_enabled(bindings: &[(PolicyBinding, Option<Policy>)]) -> bool {
    bindings.iter().any(|(b, _)| b.enabled)
}

/// Evaluates the bindings of `target` inside a flow.
pub async fn evaluate(
    env: &mut StoreFlowEnv,
    target: Uuid,
    mode: PolicyEngineMode,
    user: Option<&Value>,
    context: &Map<String, Value>,
    request: &FlowRequest,
) -> Result<PolicyVerdict, EnvError> {
    let at = env.config_at().await.map_err(|e| EnvError(e.to_string()))?;
    let bindings = env
        .state
        .flows
        .config
        .policy_bindings(&mut env.conn, at, target)
        .await
        .map_err(|e| EnvError(e.to_string()))?;
    if !any_enabled(&bindings) {
        return Ok(PolicyVerdict {
            passing: true,
            messages: vec![],
            context: None,
        });
    }
    let mut ctx = context.clone();
    ctx.insert(
        "flow_plan".into(),
        json!({"$type": "flow_plan", "context": context}),
    );
    let policy_request = PolicyRequest {
        user: user_facts(user),
        http: Some(HttpFacts {
            client_ip: request.client_ip.clone(),
            path: env.ctx.path.clone(),
            method: env.ctx.method.clone(),
            user_agent: request.user_agent.clone(),
            headers: vec![],
        }),
        obj: Value::Null,
        context: ctx,
        debug: false,
    };
    let mut host = FlowPolicyHost { env };
    let result = engine::evaluate(&bindings, mode, &policy_request, &mut host).await;
    let context = result
        .context_updates
        .as_ref()
        .and_then(|c| c.get("flow_plan"))
        .and_then(|p| p.get("context"))
        .and_then(Value::as_object)
        .cloned();
    Ok(PolicyVerdict {
        passing: result.passing,
        messages: result.messages,
        context,
    })
}

/// The policy host of a flow request.
pub struct FlowPolicyHost<'a> {
    /// The flow environment (connection, state, request facts).
    pub env: &'a mut StoreFlowEnv,
}

fn policy_ref(policy: &Policy) -> Value {
    json!({"pk": policy.pk.to_string(), "name": policy.name, "app": "authentik_policies",
           "model_name": policy.kind.split('.').nth(1).unwrap_or_default()})
}

#[async_trait]
impl PolicyHost for FlowPolicyHost<'_> {
    async fn reputation_score(
        &mut self,
        ip: Option<&str>,
        identifier: Option<&str>,
    ) -> Result<i64, String> {
        reputation::score(&mut self.env.conn, ip, identifier)
            .await
            .map_err(|e| e.to_string())
    }

    async fn http_get(&mut self, url: &str) -> Result<(u16, String), String> {
        // Password policies ask authentik's fixed HIBP URL; `policies.hibp_url` may point elsewhere.
        let default = castellan_policy::types::password::DEFAULT_HIBP_BASE_URL;
        let url = match url.strip_prefix(default) {
            Some(rest) => format!("{}{rest}", self.env.state.settings.hibp_url),
            None => url.to_string(),
        };
        self.env.state.flows.outbound.get(&url).await
    }

    async fn set_password_unusable(&mut self, user_pk: i64) -> Result<(), String> {
        let now = self.env.state.store.now();
        let unusable = castellan_crypto::password::make_unusable_password();
        users::set_password(&mut self.env.conn, user_pk, &unusable, now)
            .await
            .map_err(|e| e.to_string())
    }

    fn geoip(&self, ip: &str) -> Option<Value> {
        self.env.state.geoip.city_dict(ip)
    }

    fn asn(&self, ip: &str) -> Option<Value> {
        self.env.state.geoip.asn_dict(ip)
    }

    async fn sleep(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    fn now(&self) -> DateTime<Utc> {
        self.env.state.store.now()
    }

    async fn policy_exception(&mut self, policy: &Policy, error: &str) {
        let now = self.env.state.store.now();
        let context = json!({"message": error, "policy": policy_ref(policy)});
        let _ = audit::record(
            &mut self.env.conn,
            now,
            &self.env.ctx,
            None,
            "policy_exception",
            "authentik.policies",
            context,
        )
        .await;
    }

    async fn policy_execution(&mut self, policy: &Policy, result: &PolicyResult) {
        let now = self.env.state.store.now();
        let context = json!({"policy": policy_ref(policy),
                             "result": {"passing": result.passing, "messages": result.messages}});
        let _ = audit::record(
            &mut self.env.conn,
            now,
            &self.env.ctx,
            None,
            "policy_execution",
            "authentik.policies",
            context,
        )
        .await;
    }

    async fn evaluate_expression(
        &mut self,
        policy: &Policy,
        request: &PolicyRequest,
    ) -> Result<PolicyResult, String> {
        expression::evaluate_policy(self.env, policy, request).await
    }
}

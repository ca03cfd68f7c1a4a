//! A scripted `PolicyHost` and builders shared by the engine and policy-type tests.
use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use castellan_core::policy::{BindingSubject, Policy, PolicyBinding};
use castellan_policy::host::PolicyHost;
use castellan_policy::request::{PolicyRequest, UserFacts};
use castellan_policy::result::PolicyResult;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Records every call; answers from its tables.
///
/// Expression policies run a tiny script from `config["expression"]`, `;`-separated:
/// `pass`, `fail`, `msg:<text>`, `error:<text>`, `set:<key>=<json>` (writes the context),
/// `has:<key>` (fails unless the context has the key).
pub struct FakeHost {
    pub now: DateTime<Utc>,
    /// (identifier, ip, score)
    pub reputation: Vec<(String, String, i64)>,
    pub reputation_queries: Vec<(Option<String>, Option<String>)>,
    pub reputation_error: Option<String>,
    pub http: HashMap<String, Result<(u16, String), String>>,
    pub http_calls: Vec<String>,
    pub unusable: Vec<i64>,
    pub geoip: HashMap<String, Value>,
    pub asn: HashMap<String, Value>,
    pub sleeps: Vec<Duration>,
    /// (policy name, error)
    pub exceptions: Vec<(String, String)>,
    /// (policy name, passing)
    pub executions: Vec<(String, bool)>,
    /// Policy names in the order the expressions ran.
    pub expression_runs: Vec<String>,
}

impl Default for FakeHost {
    fn default() -> Self {
        Self {
            now: Utc
                .with_ymd_and_hms(2024, 11, 1, 12, 0, 0)
                .single()
                .unwrap_or_default(),
            reputation: Vec::new(),
            reputation_queries: Vec::new(),
            reputation_error: None,
            http: HashMap::new(),
            http_calls: Vec::new(),
            unusable: Vec::new(),
            geoip: HashMap::new(),
            asn: HashMap::new(),
            sleeps: Vec::new(),
            exceptions: Vec::new(),
            executions: Vec::new(),
            expression_runs: Vec::new(),
        }
    }
}

#[async_trait]
impl PolicyHost for FakeHost {
    async fn reputation_score(
        &mut self,
        ip: Option<&str>,
        identifier: Option<&str>,
    ) -> Result<i64, String> {
        self.reputation_queries
            .push((ip.map(str::to_owned), identifier.map(str::to_owned)));
        if let Some(error) = &self.reputation_error {
            return Err(error.clone());
        }
        Ok(self
            .reputation
            .iter()
            .filter(|(id, row_ip, _)| {
                Some(row_ip.as_str()) == ip || Some(id.as_str()) == identifier
            })
            .map(|(_, _, score)| score)
            .sum())
    }

    async fn http_get(&mut self, url: &str) -> Result<(u16, String), String> {
        self.http_calls.push(url.to_owned());
        self.http
            .get(url)
            .cloned()
            .unwrap_or_else(|| Ok((404, String::new())))
    }

    async fn set_password_unusable(&mut self, user_pk: i64) -> Result<(), String> {
        self.unusable.push(user_pk);
        Ok(())
    }

    fn geoip(&self, ip: &str) -> Option<Value> {
        self.geoip.get(ip).cloned()
    }

    fn asn(&self, ip: &str) -> Option<Value> {
        self.asn.get(ip).cloned()
    }

    async fn sleep(&mut self, duration: Duration) {
        self.sleeps.push(duration);
    }

    fn now(&self) -> DateTime<Utc> {
        self.now
    }

    async fn policy_exception(&mut self, policy: &Policy, error: &str) {
        self.exceptions
            .push((policy.name.clone(), error.to_owned()));
    }

    async fn policy_execution(&mut self, policy: &Policy, result: &PolicyResult) {
        self.executions.push((policy.name.clone(), result.passing));
    }

    async fn evaluate_expression(
        &mut self,
        policy: &Policy,
        request: &PolicyRequest,
    ) -> Result<PolicyResult, String> {
        self.expression_runs.push(policy.name.clone());
        let script = policy
            .config
            .get("expression")
            .and_then(Value::as_str)
            .unwrap_or("fail");
        let mut context = request.context.clone();
        let mut result = PolicyResult::new(false);
        let mut wrote = false;
        for step in script.split(';').map(str::trim) {
            let (op, arg) = step.split_once(':').unwrap_or((step, ""));
            match op {
                "pass" => result.passing = true,
                "fail" => result.passing = false,
                "msg" => result.push_message(arg),
                "error" => return Err(arg.to_owned()),
                "set" => {
                    let (key, value) = arg.split_once('=').unwrap_or((arg, "null"));
                    let value = serde_json::from_str(value).unwrap_or(Value::Null);
                    context.insert(key.to_owned(), value);
                    wrote = true;
                }
                "has" => {
                    if !context.contains_key(arg) {
                        result.passing = false;
                        return Ok(result);
                    }
                }
                other => return Err(format!("bad script step {other}")),
            }
        }
        if wrote {
            result.context_updates = Some(context);
        }
        Ok(result)
    }
}

/// A policy of `kind` named `name` with `config` (a JSON object).
pub fn policy(name: &str, kind: &str, config: Value) -> Policy {
    let config = match config {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Policy {
        pk: Uuid::new_v4(),
        name: name.to_owned(),
        kind: kind.to_owned(),
        execution_logging: false,
        created: Utc::now(),
        last_updated: Utc::now(),
        config,
    }
}

/// An expression policy running the fake script.
pub fn expr(name: &str, script: &str) -> Policy {
    policy(
        name,
        castellan_policy::types::KIND_EXPRESSION,
        serde_json::json!({ "expression": script }),
    )
}

/// An enabled binding of `subject` at `order`.
pub fn binding(subject: BindingSubject, order: i64) -> PolicyBinding {
    PolicyBinding {
        pk: Uuid::new_v4(),
        target: Uuid::nil(),
        subject,
        negate: false,
        enabled: true,
        order,
        timeout: 30,
        failure_result: false,
    }
}

/// A binding of `policy` at `order`, paired with the policy.
pub fn bound(policy: Policy, order: i64) -> (PolicyBinding, Option<Policy>) {
    (
        binding(BindingSubject::Policy(policy.pk), order),
        Some(policy),
    )
}

/// A saved user.
pub fn user(pk: i64, username: &str) -> UserFacts {
    UserFacts {
        pk: Some(pk),
        username: username.to_owned(),
        email: format!("{username}@example.org"),
        name: String::new(),
        is_active: true,
        attributes: Value::Object(Map::new()),
        has_usable_password: true,
        ..UserFacts::default()
    }
    .with_tagged()
}

/// A request for a saved user with `context`.
pub fn request_with(context: Value) -> PolicyRequest {
    let mut request = PolicyRequest::new(user(7, "jdoe"));
    if let Value::Object(map) = context {
        request.context = map;
    }
    request
}

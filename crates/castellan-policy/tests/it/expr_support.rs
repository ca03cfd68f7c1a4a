//! Shared fixtures for the expression-engine tests: a recording host and tagged objects.
use castellan_policy::expr::{Budget, ExprError, ExprHost, ExprInputs, ExprOutcome, Expression};
use serde_json::{Map, Value, json};

/// A host that records calls and answers from a small fixed world.
#[derive(Debug, Default)]
pub struct TestHost {
    /// `(name, args, kwargs)` of every call, in order.
    pub calls: Vec<(String, Vec<Value>, Map<String, Value>)>,
    /// What `ak_user_by` returns.
    pub user_by: Value,
}

#[async_trait::async_trait]
impl ExprHost for TestHost {
    async fn call(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        self.calls
            .push((name.to_owned(), args.clone(), kwargs.clone()));
        match name {
            "ak_user_by" => Ok(self.user_by.clone()),
            "ak_user_has_authenticator" => Ok(json!(true)),
            "ak_call_policy" => Ok(json!({"passing": false, "messages": ["nope"]})),
            "ak_create_event" | "ak_send_email" => Ok(Value::Null),
            "model_update" => Ok(json!(1)),
            "model_query" => {
                Ok(json!([{"$type": "group", "pk": "g1", "name": "admins", "attributes": {}}]))
            }
            "resolve_dns" => Ok(json!(["10.0.0.1"])),
            "reverse_dns" => Ok(json!("host.example")),
            other => Err(format!("unknown host function {other}")),
        }
    }
}

/// A group.
pub fn group(name: &str, attributes: Value) -> Value {
    json!({"$type": "group", "pk": format!("pk-{name}"), "name": name, "attributes": attributes, "is_superuser": false})
}

/// A user in `groups`.
pub fn user(username: &str, groups: Vec<Value>) -> Value {
    json!({
        "$type": "user", "pk": 7, "uid": "uid-7", "username": username, "name": "Alice Example",
        "email": "alice@example.com", "is_active": true, "is_superuser": false,
        "attributes": {"settings": {"locale": "de"}}, "path": "users", "type": "internal",
        "groups": groups, "has_usable_password": true,
        "avatar": "https://example.com/a.png", "password": "pbkdf2_sha256$x"
    })
}

/// A policy request for `user` with `context`.
pub fn request(user: Value, context: Value) -> Value {
    json!({
        "$type": "policy_request", "user": user,
        "http_request": {"$type": "http_request", "client_ip": "10.1.2.3", "path": "/if/flow/x/", "method": "GET",
            "headers": {}, "tenant": {"default_user_change_email": true, "default_user_change_name": true,
            "default_user_change_username": false}},
        "obj": null, "context": context
    })
}

/// Compiles and evaluates `source` with `vars`.
pub async fn run(source: &str, vars: Value) -> Result<ExprOutcome, ExprError> {
    let mut host = TestHost::default();
    run_with(source, vars, &mut host).await
}

/// Compiles and evaluates `source` with `vars` against `host`.
pub async fn run_with(
    source: &str,
    vars: Value,
    host: &mut TestHost,
) -> Result<ExprOutcome, ExprError> {
    let expr = Expression::compile(source)?;
    let vars = match vars {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    expr.evaluate(ExprInputs { vars }, host, &Budget::default())
        .await
}

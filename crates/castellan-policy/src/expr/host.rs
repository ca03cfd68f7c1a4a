//! The boundary to the caller: inputs, outcome and the host-function trait.
use serde_json::{Map, Value};

/// Names of the functions the engine forwards to [`ExprHost::call`].
///
/// `ak_is_group_member` is answered by the engine from the tagged user's `groups` list (the
/// user's recursive groups) and only forwarded when the user object carries no `groups`.
///
/// `model_update` is called for `Model.objects.filter(**filters).update(**values)` with args
/// `["<app_label>.<model>", {filters}, {values}]` and should return the number of rows
/// changed; `model_query` for reads (`.get()`, `.first()`, `.exists()`, `.count()`, `.all()`
/// on a model queryset) with args `["<app_label>.<model>", {filters}]` and should return a
/// list of tagged objects. Methods of tagged objects the engine does not implement itself are
/// forwarded as `"<$type>.<method>"` with the object's tagged JSON as the first argument.
pub const HOST_FUNCTIONS: &[&str] = &[
    "ak_is_group_member",
    "ak_user_by",
    "ak_user_has_authenticator",
    "ak_call_policy",
    "ak_create_event",
    "ak_send_email",
    "resolve_dns",
    "reverse_dns",
    "model_update",
    "model_query",
];

/// Variables visible to the expression, as JSON. Objects with a `"$type"` key are tagged
/// objects (`user`, `group`, `policy_request`, `http_request`, `flow_plan`, or any other type
/// name) and appear in Python as objects with attributes; see the module documentation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExprInputs {
    /// Variable name → value.
    pub vars: Map<String, Value>,
}

impl ExprInputs {
    /// Empty inputs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one variable (builder style).
    pub fn with(mut self, name: impl Into<String>, value: Value) -> Self {
        self.vars.insert(name.into(), value);
        self
    }
}

/// What one evaluation produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExprOutcome {
    /// The return value converted back to JSON (tagged objects stay tagged; a `yield` body
    /// returns a list; no `return` gives `null`).
    pub value: Value,
    /// `ak_message(...)` texts, in call order.
    pub messages: Vec<String>,
    /// The variables after the call: mutations of dicts and tagged objects (`context`,
    /// `request.context`, `context["flow_plan"].context`, `user.attributes`, …) are visible
    /// here. `context` and `request.context` are kept identical, as in authentik.
    pub vars: Map<String, Value>,
    /// `ak_logger.<level>(...)` and `print(...)` output, one entry per call
    /// (`"<level>: <message> key=value …"`).
    pub log: Vec<String>,
}

/// Functions the engine cannot compute itself (database lookups, events, e-mail, DNS).
#[async_trait::async_trait]
pub trait ExprHost: Send {
    /// Runs host function `name` (one of [`HOST_FUNCTIONS`] or `"<$type>.<method>"`). Args,
    /// kwargs and the result are JSON; tagged objects are allowed both ways. An `Err` text
    /// becomes a Python exception in the expression (catchable with `try/except`); when
    /// uncaught the evaluation fails with [`ExprError::Runtime`](crate::expr::ExprError).
    async fn call(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String>;
}

/// A host that knows no functions: every call fails. Handy for expressions that need none.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHost;

#[async_trait::async_trait]
impl ExprHost for NoHost {
    async fn call(
        &mut self,
        name: &str,
        _args: Vec<Value>,
        _kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        Err(format!("{name} is not available here"))
    }
}

/// Python truthiness of a result value: `null`, `false`, `0`, `0.0`, `""`, `[]` and `{}` are
/// false; everything else (including every tagged object) is true.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

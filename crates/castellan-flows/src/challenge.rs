//! The challenge envelope (spec §3.6): what the executor answers, keyed by `component`.
use serde_json::{Map, Value, json};

/// Default avatar shown for users without one.
pub const DEFAULT_AVATAR: &str = "/static/dist/assets/images/user_default.png";
/// The cancel URL every flow shows.
pub const CANCEL_URL: &str = "/flows/-/cancel/";

/// One error for a response field, as DRF renders it: `{"string": …, "code": …}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDetail {
    /// Human-readable message.
    pub string: String,
    /// Machine code (`invalid`, `required`, …).
    pub code: String,
}

/// `response_errors`: field (or `non_field_errors`) → errors, in insertion order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseErrors(pub Vec<(String, Vec<ErrorDetail>)>);

impl ResponseErrors {
    /// Errors with one message on one field.
    pub fn field(field: &str, message: &str, code: &str) -> Self {
        let mut e = Self::default();
        e.add(field, message, code);
        e
    }
    /// Adds a message to a field.
    pub fn add(&mut self, field: &str, message: &str, code: &str) {
        let detail = ErrorDetail {
            string: message.to_string(),
            code: code.to_string(),
        };
        match self.0.iter_mut().find(|(f, _)| f == field) {
            Some((_, list)) => list.push(detail),
            None => self.0.push((field.to_string(), vec![detail])),
        }
    }
    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The JSON form.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (field, list) in &self.0 {
            let items = list
                .iter()
                .map(|d| json!({"string": d.string, "code": d.code}))
                .collect();
            m.insert(field.clone(), Value::Array(items));
        }
        Value::Object(m)
    }
}

/// A challenge before the executor adds the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    /// The discriminator.
    pub component: String,
    /// Whether `pending_user` / `pending_user_avatar` are added.
    pub with_user: bool,
    /// Whether `flow_info` is added (every challenge but redirects).
    pub with_flow_info: bool,
    /// The component's own fields, in order.
    pub fields: Map<String, Value>,
}

impl Challenge {
    /// A challenge with flow info and no user info.
    pub fn new(component: &str) -> Self {
        Self {
            component: component.to_string(),
            with_user: false,
            with_flow_info: true,
            fields: Map::new(),
        }
    }
    /// A challenge that also shows the pending user.
    pub fn with_user(component: &str) -> Self {
        Self {
            with_user: true,
            ..Self::new(component)
        }
    }
    /// Adds a field.
    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.fields.insert(name.to_string(), value.into());
        self
    }
    /// Adds a field only when it has a value.
    pub fn opt_field(self, name: &str, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.field(name, v),
            None => self,
        }
    }
    /// `xak-flow-redirect`: the client navigates to `to`.
    pub fn redirect(to: &str) -> Self {
        Self {
            with_flow_info: false,
            ..Self::new("xak-flow-redirect")
        }
        .field("to", to)
    }
    /// `ak-stage-access-denied` with an optional message.
    pub fn access_denied(message: Option<&str>) -> Self {
        Self::with_user("ak-stage-access-denied").opt_field("error_message", message)
    }
}

/// The filled `flow_info`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowInfo {
    /// Title with placeholders resolved.
    pub title: String,
    /// Background URL.
    pub background: String,
    /// Layout name.
    pub layout: String,
}

/// Who the challenge is for (`pending_user`, `pending_user_avatar`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserInfo {
    /// Username or the typed identifier ("" when unknown).
    pub pending_user: String,
    /// Avatar URL.
    pub avatar: String,
}

/// Renders the wire JSON of a challenge.
pub fn render(
    challenge: &Challenge,
    info: &FlowInfo,
    user: &UserInfo,
    errors: Option<&ResponseErrors>,
) -> Value {
    let mut m = Map::new();
    if challenge.with_flow_info {
        m.insert(
            "flow_info".into(),
            json!({"title": info.title, "background": info.background,
                   "cancel_url": CANCEL_URL, "layout": info.layout}),
        );
    }
    m.insert(
        "component".into(),
        Value::String(challenge.component.clone()),
    );
    if let Some(errors) = errors.filter(|e| !e.is_empty()) {
        m.insert("response_errors".into(), errors.to_json());
    }
    if challenge.with_user {
        m.insert(
            "pending_user".into(),
            Value::String(user.pending_user.clone()),
        );
        let avatar = if user.avatar.is_empty() {
            DEFAULT_AVATAR
        } else {
            &user.avatar
        };
        m.insert("pending_user_avatar".into(), Value::String(avatar.into()));
    }
    for (k, v) in &challenge.fields {
        m.insert(k.clone(), v.clone());
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_order_and_optional_parts() {
        let info = FlowInfo {
            title: "T".into(),
            background: "/b".into(),
            layout: "stacked".into(),
        };
        let user = UserInfo {
            pending_user: "ann".into(),
            avatar: String::new(),
        };
        let ch = Challenge::with_user("ak-stage-password").field("allow_show_password", false);
        let errors = ResponseErrors::field("password", "Invalid password", "invalid");
        let v = render(&ch, &info, &user, Some(&errors));
        let keys: Vec<_> = v
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "flow_info",
                "component",
                "response_errors",
                "pending_user",
                "pending_user_avatar",
                "allow_show_password"
            ]
        );
        assert_eq!(v["pending_user_avatar"], DEFAULT_AVATAR);
        let redirect = render(&Challenge::redirect("/x"), &info, &user, None);
        assert_eq!(
            redirect,
            json!({"component": "xak-flow-redirect", "to": "/x"})
        );
    }
}

//! The policy request (spec §6.2): the user the engine runs for, the HTTP request facts, the
//! bound object and the context dictionary, as plain data loaded by the caller.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The client IP authentik uses when no HTTP request is attached (`ClientIPMiddleware.default_ip`).
pub const DEFAULT_CLIENT_IP: &str = "255.255.255.255";

/// What the policies may read about one (recursive) group of the request user.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GroupFacts {
    /// `group_uuid`.
    pub pk: Uuid,
    /// Group name.
    pub name: String,
    /// The group's own attributes.
    pub attributes: Value,
    /// Members are superusers.
    pub is_superuser: bool,
}

/// What the policies may read about the request user.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserFacts {
    /// The user's pk; `None` for the anonymous user or a user not saved yet.
    pub pk: Option<i64>,
    /// Username.
    pub username: String,
    /// Email address (may be empty).
    pub email: String,
    /// Display name (may be empty).
    pub name: String,
    /// Active flag.
    pub is_active: bool,
    /// The user's own attributes.
    pub attributes: Value,
    /// When the password was last changed.
    pub password_change_date: Option<DateTime<Utc>>,
    /// The user has a usable password.
    pub has_usable_password: bool,
    /// The user's groups, recursively (parents of direct groups included).
    pub groups: Vec<GroupFacts>,
    /// The user as the expression engine's tagged JSON (`{"$type": "user", …}`); see
    /// [`UserFacts::to_tagged`].
    pub tagged: Value,
}

impl UserFacts {
    /// The anonymous user (authentik's `AnonymousUser`): no pk, no groups, no password.
    pub fn anonymous() -> Self {
        let mut user = Self {
            username: "AnonymousUser".to_owned(),
            attributes: Value::Object(Map::new()),
            ..Self::default()
        };
        user.tagged = user.to_tagged();
        user
    }

    /// True for a saved user (authentik's `is_authenticated` on the request user).
    pub fn is_authenticated(&self) -> bool {
        self.pk.is_some()
    }

    /// True when one of the user's recursive groups has this pk.
    pub fn in_group(&self, group: Uuid) -> bool {
        self.groups.iter().any(|g| g.pk == group)
    }

    /// Builds the tagged JSON the expression engine sees as `request.user`:
    /// `{"$type": "user", pk, username, email, name, is_active, is_authenticated, attributes,
    /// password_change_date, has_usable_password, groups: [{"$type": "group", pk, name,
    /// attributes, is_superuser}]}`.
    pub fn to_tagged(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                json!({
                    "$type": "group",
                    "pk": g.pk.to_string(),
                    "name": g.name,
                    "attributes": object_or_empty(&g.attributes),
                    "is_superuser": g.is_superuser,
                })
            })
            .collect();
        json!({
            "$type": "user",
            "pk": self.pk,
            "username": self.username,
            "email": self.email,
            "name": self.name,
            "is_active": self.is_active,
            "is_authenticated": self.is_authenticated(),
            "attributes": object_or_empty(&self.attributes),
            "password_change_date": self.password_change_date.map(|d| d.to_rfc3339()),
            "has_usable_password": self.has_usable_password,
            "groups": groups,
        })
    }

    /// Sets [`UserFacts::tagged`] from the other fields.
    pub fn with_tagged(mut self) -> Self {
        self.tagged = self.to_tagged();
        self
    }
}

fn object_or_empty(value: &Value) -> Value {
    match value {
        Value::Object(_) => value.clone(),
        _ => Value::Object(Map::new()),
    }
}

/// What the policies may read about the HTTP request that triggered the evaluation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HttpFacts {
    /// Client IP as resolved by the web layer (trusted proxy headers applied).
    pub client_ip: String,
    /// Request path.
    pub path: String,
    /// HTTP method.
    pub method: String,
    /// `User-Agent` header (empty when absent).
    pub user_agent: String,
    /// Request headers (lower-case names), in arrival order.
    pub headers: Vec<(String, String)>,
}

/// `PolicyRequest`: everything one policy evaluation may look at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PolicyRequest {
    /// The user the engine runs for (in flows usually the request user, not `pending_user`).
    pub user: UserFacts,
    /// The HTTP request, when there is one.
    pub http: Option<HttpFacts>,
    /// The bound object (the policy-binding model), as JSON.
    pub obj: Value,
    /// The context dictionary (flow plan context, `event`, `oauth_*`, `geoip`, `asn`, …).
    pub context: Map<String, Value>,
    /// Debug mode (policy test endpoint): no events, log messages collected.
    pub debug: bool,
}

impl PolicyRequest {
    /// A request for `user` with no HTTP request, a null object and an empty context.
    pub fn new(user: UserFacts) -> Self {
        Self {
            user,
            ..Self::default()
        }
    }

    /// The client IP, or [`DEFAULT_CLIENT_IP`] without an HTTP request.
    pub fn client_ip(&self) -> &str {
        match &self.http {
            Some(http) if !http.client_ip.is_empty() => &http.client_ip,
            _ => DEFAULT_CLIENT_IP,
        }
    }
}

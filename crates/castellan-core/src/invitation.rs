//! Invitations (spec §1.13): a link token (`invite_uuid`) that lets someone run an enrollment
//! flow with fixed prompt data. Stored as settings JSON; this module converts both ways.
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// `meta_model_name` of invitations.
pub const MODEL: &str = "authentik_stages_invitation.invitation";

/// An invitation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Invitation {
    /// `invite_uuid`: the token in `?itoken=`.
    pub pk: Uuid,
    /// Name (a slug; not unique, as in authentik).
    pub name: String,
    /// Expiry (`None`: never).
    pub expires: Option<DateTime<Utc>>,
    /// Data merged into the plan's `prompt_data`.
    pub fixed_data: Map<String, Value>,
    /// The user who created it.
    pub created_by: Option<i64>,
    /// Deleted once used.
    pub single_use: bool,
    /// The only flow that may use it (`None`: any flow with an invitation stage).
    pub flow: Option<Uuid>,
}

impl Invitation {
    /// Whether it expired at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }

    /// The stored settings (every field but `pk`).
    pub fn to_config(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("expires".into(), json!(self.expires));
        m.insert("fixed_data".into(), Value::Object(self.fixed_data.clone()));
        m.insert("created_by".into(), json!(self.created_by));
        m.insert("single_use".into(), json!(self.single_use));
        m.insert("flow".into(), json!(self.flow));
        m
    }

    /// Reads stored settings (missing or malformed values take their defaults).
    pub fn from_config(pk: Uuid, config: &Map<String, Value>) -> Self {
        let text = |k: &str| config.get(k).and_then(Value::as_str);
        Self {
            pk,
            name: text("name").unwrap_or_default().to_string(),
            expires: text("expires")
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|d| d.with_timezone(&Utc)),
            fixed_data: config
                .get("fixed_data")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            created_by: config.get("created_by").and_then(Value::as_i64),
            single_use: config
                .get("single_use")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            flow: text("flow").and_then(|s| Uuid::parse_str(s).ok()),
        }
    }

    /// The invitation as the plan context and expressions see it (`{"$type": "invitation", …}`).
    pub fn to_context(&self) -> Value {
        let mut m = self.to_config();
        m.insert("$type".into(), json!("invitation"));
        m.insert("pk".into(), json!(self.pk));
        m.insert("invite_uuid".into(), json!(self.pk));
        Value::Object(m)
    }
}

/// Deep-merges `from` into `into` as authentik's `always_merger`: objects merge key by key,
/// lists are appended, anything else is replaced.
pub fn deep_merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => deep_merge(a, b),
            (Some(Value::Array(a)), Value::Array(b)) => a.extend(b.iter().cloned()),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trip_and_expiry() {
        let now = Utc::now();
        let i = Invitation {
            pk: Uuid::new_v4(),
            name: "team-a".into(),
            expires: Some(now),
            fixed_data: json!({"email": "a@example.org"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            created_by: Some(7),
            single_use: true,
            flow: Some(Uuid::new_v4()),
        };
        assert_eq!(Invitation::from_config(i.pk, &i.to_config()), i);
        assert!(i.expired(now));
        assert!(!i.expired(now - chrono::Duration::seconds(1)));
    }

    #[test]
    fn deep_merge_as_always_merger() {
        let mut a = json!({"x": 1, "d": {"a": 1, "l": [1]}, "s": "keep"});
        let b = json!({"x": 2, "d": {"b": 2, "l": [2]}, "n": null});
        if let (Value::Object(a), Value::Object(b)) = (&mut a, &b) {
            deep_merge(a, b);
        }
        assert_eq!(
            a,
            json!({"x": 2, "d": {"a": 1, "l": [1, 2], "b": 2}, "s": "keep", "n": null})
        );
    }
}

//! Serialisation and component schemas of `/policies/bindings/` (`PolicyBinding` with its
//! `policy_obj`, `group_obj` and `user_obj`, and its request bodies).
use castellan_core::group::num_pk;
use castellan_core::policy::{BindingSubject, PolicyBinding};
use castellan_store::{AnyConnection, groups, policies, users};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::groups::GroupJson;
use super::user_json::{GroupIndex, user_json};
use crate::error::ApiResult;
use crate::state::AppState;

/// Component schemas of this resource.
pub fn schemas() -> Vec<(String, Value)> {
    let r = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
    let n_uuid = json!({"type": ["string", "null"], "format": "uuid"});
    let int32 = json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX});
    let subject = json!({"policy": n_uuid, "group": n_uuid, "user": {"type": ["integer", "null"]}});
    let rest = json!({
        "target": {"type": "string", "format": "uuid"}, "negate": {"type": "boolean"}, "enabled": {"type": "boolean"},
        "order": int32, "timeout": {"type": "integer", "minimum": 0, "maximum": i32::MAX}, "failure_result": {"type": "boolean"},
    });
    let mut request = subject.as_object().cloned().unwrap_or_default();
    request.extend(rest.as_object().cloned().unwrap_or_default());
    let mut full = Map::new();
    full.insert(
        "pk".into(),
        json!({"type": "string", "format": "uuid", "readOnly": true}),
    );
    full.extend(subject.as_object().cloned().unwrap_or_default());
    full.insert(
        "policy_obj".into(),
        json!({"allOf": [r("Policy")], "readOnly": true}),
    );
    full.insert(
        "group_obj".into(),
        json!({"allOf": [r("Group")], "readOnly": true}),
    );
    full.insert(
        "user_obj".into(),
        json!({"allOf": [r("User")], "readOnly": true}),
    );
    full.extend(rest.as_object().cloned().unwrap_or_default());
    vec![
        (
            "PolicyBinding".into(),
            json!({"type": "object", "properties": full, "required": ["group_obj", "order", "pk", "policy_obj", "target", "user_obj"]}),
        ),
        (
            "PolicyBindingRequest".into(),
            json!({"type": "object", "properties": request, "required": ["order", "target"]}),
        ),
        (
            "PatchedPolicyBindingRequest".into(),
            json!({"type": "object", "properties": request}),
        ),
    ]
}

async fn load_group_obj(
    conn: &mut AnyConnection,
    pk: Uuid,
    index: &GroupIndex,
) -> ApiResult<Value> {
    let Some(g) = groups::get(conn, pk).await? else {
        return Ok(Value::Null);
    };
    let members = groups::member_ids(conn, g.pk).await?;
    let json = GroupJson {
        pk: g.pk,
        num_pk: num_pk(&g.pk),
        parent_name: g.parent.and_then(|p| index.get(&p)).map(|p| p.name.clone()),
        name: g.name,
        is_superuser: g.is_superuser,
        parent: g.parent,
        users: members,
        users_obj: None,
        attributes: g.attributes,
        roles: Vec::new(),
        roles_obj: Vec::new(),
    };
    Ok(serde_json::to_value(json).unwrap_or(Value::Null))
}

/// Serialises one binding with its `policy_obj`, `group_obj` and `user_obj`.
pub async fn binding_json(
    conn: &mut AnyConnection,
    state: &AppState,
    b: PolicyBinding,
    index: &GroupIndex,
) -> ApiResult<Value> {
    let (mut policy, mut group, mut user) = (Value::Null, Value::Null, Value::Null);
    let (mut policy_obj, mut group_obj, mut user_obj) = (Value::Null, Value::Null, Value::Null);
    match b.subject {
        BindingSubject::Policy(p) => {
            policy = json!(p);
            if let Some(found) = policies::get(conn, p).await? {
                let mut list = super::policies::policies_json(conn, vec![found], false).await?;
                policy_obj = list.pop().map(Value::Object).unwrap_or(Value::Null);
            }
        }
        BindingSubject::Group(g) => {
            group = json!(g);
            group_obj = load_group_obj(conn, g, index).await?;
        }
        BindingSubject::User(u) => {
            user = json!(u);
            if let Some(found) = users::get(conn, u).await? {
                user_obj = serde_json::to_value(user_json(conn, found, &state.install_id).await?)
                    .unwrap_or(Value::Null);
            }
        }
    }
    Ok(json!({
        "pk": b.pk, "policy": policy, "group": group, "user": user,
        "policy_obj": policy_obj, "group_obj": group_obj, "user_obj": user_obj,
        "target": b.target, "negate": b.negate, "enabled": b.enabled, "order": b.order,
        "timeout": b.timeout, "failure_result": b.failure_result,
    }))
}

//! Claims from an OAuth2 provider's scope mappings (spec §7.1.6): each mapping of the provider
//! whose `scope_name` was granted is evaluated with `user` / `request.user` (the token's user,
//! with `ak_groups` its direct groups), `provider` and `token`; dict results are deep-merged in
//! scope-name order, anything else is ignored, and a failing mapping is recorded as a
//! `configuration_error` event and skipped. [`claim_names`] lists the keys the mappings return
//! for an anonymous user (discovery's `claims_supported`).
use async_trait::async_trait;
use castellan_core::event::{Event, cleanse};
use castellan_core::group::Group;
use castellan_core::oauth2::{OAuth2Provider, ScopeMapping};
use castellan_core::user::User;
use castellan_oauth::claims::deep_merge;
use castellan_policy::expr::{Budget, ExprHost, ExprInputs};
use castellan_store::{AnyConnection, LazyConn, events, scope_mappings, users};
use chrono::Duration;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::audit::{RETENTION_DAYS, user_snapshot};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The provider as mappings see it (`provider.name`, `provider.client_id`, …; no secret).
fn provider_json(p: &OAuth2Provider) -> Value {
    json!({
        "$type": "provider",
        "pk": p.base.pk,
        "name": p.base.name,
        "client_id": p.client_id,
        "client_type": p.client_type.as_str(),
        "sub_mode": p.sub_mode.as_str(),
        "issuer_mode": p.issuer_mode.as_str(),
        "include_claims_in_id_token": p.include_claims_in_id_token,
        "authorization_flow": p.base.authorization_flow.map(|u| u.to_string()),
    })
}

/// The tagged user of `pk` with `ak_groups` set to the direct groups (`None` when missing).
async fn tagged_user(
    state: &AppState,
    conn: &mut AnyConnection,
    pk: i64,
) -> ApiResult<Option<Value>> {
    let (found, version) = users::get_with_config_version(&mut *conn, pk).await?;
    let Some((user, direct)) = found else {
        return Ok(None);
    };
    let all = state.flows.groups.at(conn, version).await?;
    Ok(Some(claims_user(&user, &all, &direct, &state.install_id)))
}

/// The user as mappings see it, from groups already read: the tagged user with `ak_groups` set
/// to the direct groups.
pub fn claims_user(user: &User, all: &[Group], direct: &[Uuid], install_id: &Uuid) -> Value {
    let mut tagged = crate::flow::user_json::tagged(user, all, direct, install_id);
    let ak_groups: Vec<Value> = all
        .iter()
        .filter(|g| direct.contains(&g.pk))
        .map(|g| {
            json!({"$type": "group", "pk": g.pk.to_string(), "name": g.name,
                   "attributes": g.attributes, "is_superuser": g.is_superuser})
        })
        .collect();
    if let Value::Object(map) = &mut tagged {
        map.insert("ak_groups".into(), Value::Array(ak_groups));
    }
    tagged
}

/// Django's `AnonymousUser` as mappings see it.
fn anonymous_user() -> Value {
    json!({"$type": "user", "pk": null, "username": "AnonymousUser", "name": "", "email": "",
           "is_active": false, "is_superuser": false, "attributes": {}, "groups": [],
           "ak_groups": [], "path": "", "type": "internal", "uid": ""})
}

/// Host functions a mapping may call: `ak_user_by(username=…|pk=…)`; the rest are refused.
struct MappingHost<'a, 'c> {
    conn: &'a mut LazyConn<'c>,
    state: &'a AppState,
}

#[async_trait]
impl ExprHost for MappingHost<'_, '_> {
    async fn call(
        &mut self,
        name: &str,
        _args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, String> {
        if name != "ak_user_by" {
            return Err(format!("{name} is not available in scope mappings"));
        }
        let err = |e: castellan_store::StoreError| e.to_string();
        let conn = self.conn.get().await.map_err(err)?;
        let user = if let Some(pk) = kwargs.get("pk").and_then(Value::as_i64) {
            users::get(conn, pk).await.map_err(err)?
        } else if let Some(username) = kwargs.get("username").and_then(Value::as_str) {
            users::get_by_username(conn, username).await.map_err(err)?
        } else {
            None
        };
        match user {
            Some(u) => crate::flow::user_json::of(self.state, conn, &u)
                .await
                .map_err(err),
            None => Ok(Value::Null),
        }
    }
}

/// Evaluates one mapping; `Ok(None)` for a non-dict result.
async fn evaluate(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    mapping: &ScopeMapping,
    user: &Value,
    provider: &Value,
    token: &Value,
) -> Result<Option<Map<String, Value>>, String> {
    let expression = state
        .flows
        .expressions
        .get(&mapping.expression)
        .map_err(|e| e.to_string())?;
    let request = json!({"$type": "policy_request", "user": user, "http_request": null,
                         "obj": null, "context": {}});
    let inputs = ExprInputs::new()
        .with("user", user.clone())
        .with("request", request)
        .with("provider", provider.clone())
        .with("token", token.clone());
    let mut host = MappingHost { conn, state };
    let outcome = expression
        .evaluate(inputs, &mut host, &Budget::default())
        .await
        .map_err(|e| e.to_string())?;
    Ok(match outcome.value {
        Value::Object(map) => Some(map),
        _ => None,
    })
}

/// Records the failure of `mapping` as a `configuration_error` event.
async fn record_failure(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    mapping: &ScopeMapping,
    user: &Value,
    message: &str,
) -> ApiResult<()> {
    let now = state.store.now();
    let mut context = json!({
        "message": format!("Failed to evaluate property-mapping: '{}'", mapping.name),
        "error": message,
        "mapping": {"app": "authentik_providers_oauth2", "model_name": "scopemapping",
                    "pk": mapping.pk.to_string(), "name": mapping.name},
    });
    cleanse(&mut context);
    let snapshot = match user.get("pk").and_then(Value::as_i64) {
        Some(pk) => json!({"pk": pk, "username": user.get("username"), "email": user.get("email")}),
        None => user_snapshot(None),
    };
    let event = Event {
        event_uuid: Uuid::new_v4(),
        user: snapshot,
        action: "configuration_error".into(),
        app: "authentik.providers.oauth2".into(),
        context,
        client_ip: None,
        created: now,
        expires: now + Duration::days(RETENTION_DAYS),
        brand: json!({}),
    };
    events::create(conn.get().await?, &event).await?;
    Ok(())
}

/// The provider's scope mappings for `scopes`, ordered by scope name (then name).
async fn mappings_for(
    conn: &mut AnyConnection,
    provider: &OAuth2Provider,
    scopes: Option<&[String]>,
) -> ApiResult<Vec<ScopeMapping>> {
    let all = scope_mappings::get_many(conn, &provider.property_mappings).await?;
    Ok(select(&all, scopes))
}

/// Of a provider's mappings, those for `scopes` (all with `None`), ordered by scope name (then
/// name).
pub fn select(all: &[ScopeMapping], scopes: Option<&[String]>) -> Vec<ScopeMapping> {
    let mut list: Vec<ScopeMapping> = all
        .iter()
        .filter(|m| scopes.is_none_or(|s| s.contains(&m.scope_name)))
        .cloned()
        .collect();
    list.sort_by(|a, b| (&a.scope_name, &a.name).cmp(&(&b.scope_name, &b.name)));
    list
}

/// The claims of `user_pk` for `scopes` from `provider`'s scope mappings, deep-merged in
/// scope-name order. `token_context` is the mapping's `token` variable. A missing user is a 404.
pub async fn scope_claims(
    state: &AppState,
    conn: &mut AnyConnection,
    provider: &OAuth2Provider,
    user_pk: i64,
    scopes: &[String],
    token_context: Value,
) -> ApiResult<Map<String, Value>> {
    let user = tagged_user(state, conn, user_pk)
        .await?
        .ok_or(ApiError::NotFound)?;
    let all = scope_mappings::get_many(conn, &provider.property_mappings).await?;
    let mappings = select(&all, Some(scopes));
    claims_of(
        state,
        &mut LazyConn::from(conn),
        provider,
        &user,
        &mappings,
        &token_context,
    )
    .await
}

/// The claims of a user already read (see [`claims_user`]) from mappings already selected
/// (see [`select`]): what [`scope_claims`] does without reading the database, unless a mapping
/// fails (its `configuration_error` event is written) or calls `ak_user_by`: only then is a
/// connection taken from `conn`.
pub async fn claims_of(
    state: &AppState,
    conn: &mut LazyConn<'_>,
    provider: &OAuth2Provider,
    user: &Value,
    mappings: &[ScopeMapping],
    token_context: &Value,
) -> ApiResult<Map<String, Value>> {
    let provider_value = provider_json(provider);
    let mut claims = Map::new();
    for mapping in mappings {
        match evaluate(state, conn, mapping, user, &provider_value, token_context).await {
            Ok(Some(map)) => deep_merge(&mut claims, map),
            Ok(None) => {}
            Err(message) => {
                tracing::warn!(mapping = %mapping.name, error = %message, "scope mapping failed");
                record_failure(state, conn, mapping, user, &message).await?;
            }
        }
    }
    Ok(claims)
}

/// The claim names `provider`'s scope mappings return for an anonymous user (failures and
/// non-dict results are ignored), in first-seen order without duplicates.
pub async fn claim_names(
    state: &AppState,
    conn: &mut AnyConnection,
    provider: &OAuth2Provider,
) -> ApiResult<Vec<String>> {
    let user = anonymous_user();
    let provider_value = provider_json(provider);
    let mut names: Vec<String> = Vec::new();
    let mappings = mappings_for(conn, provider, None).await?;
    let mut conn = LazyConn::from(conn);
    for mapping in mappings {
        if let Ok(Some(map)) = evaluate(
            state,
            &mut conn,
            &mapping,
            &user,
            &provider_value,
            &Value::Null,
        )
        .await
        {
            for key in map.keys() {
                if !names.contains(key) {
                    names.push(key.clone());
                }
            }
        }
    }
    Ok(names)
}

//! [`DbRegistry`]: the blueprint engine's [`ModelRegistry`] over one open database transaction,
//! so a whole blueprint applies all-or-nothing (the caller commits or rolls back).
//!
//! Objects are found by their identifiers (`pk`, or every other identifier ANDed, compared with
//! the object as the REST API serializes it); attribute values go through the REST API's own
//! validation functions. `!KeyOf` of a flow or stage binding from a policy binding yields its
//! `pbm_uuid`, as authentik's does.
use std::collections::BTreeSet;

use castellan_blueprints::{
    ApplyOptions, Found, ModelRegistry, PermissionGrant, RegistryError, apply, parse,
};
use castellan_store::AnyConnection;
use castellan_store::objects;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::kinds::{Kind, POLICY_BINDING, kind, supported};
use super::models_core as core;
use super::models_flows::{self as flows, Candidate, uuid_of};
use super::models_oauth2 as oauth2;
use super::models_objects::{self as objs, ROLE};
use super::models_typed::{self as typed, pk_uuid};
use super::set::BlueprintSet;
use crate::error::{ApiError, ApiResult};

/// The engine's view of the database, inside one transaction.
pub struct DbRegistry<'a> {
    conn: &'a mut AnyConnection,
    set: &'a BlueprintSet,
    options: ApplyOptions,
    applied: BTreeSet<(String, String)>,
    now: DateTime<Utc>,
}

impl<'a> DbRegistry<'a> {
    /// A registry writing through `conn` (an open transaction). Meta entries apply blueprints
    /// of `set` with `options`' environment and default context, each at most once.
    pub fn new(
        conn: &'a mut AnyConnection,
        set: &'a BlueprintSet,
        options: ApplyOptions,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            conn,
            set,
            options,
            applied: BTreeSet::new(),
            now,
        }
    }

    async fn candidates(
        &mut self,
        k: Kind,
        hint: &Map<String, Value>,
    ) -> ApiResult<Vec<Candidate>> {
        let conn = &mut *self.conn;
        match k {
            Kind::Flow => flows::flow_candidates(conn, hint).await,
            Kind::FlowStageBinding => flows::fsb_candidates(conn, hint).await,
            Kind::PolicyBinding => flows::pb_candidates(conn, hint).await,
            Kind::Stage(spec) => typed::stage_candidates(conn, spec).await,
            Kind::Policy(spec) => typed::policy_candidates(conn, spec).await,
            Kind::Prompt => typed::prompt_candidates(conn).await,
            Kind::Group => core::group_candidates(conn, hint).await,
            Kind::User => core::user_candidates(conn, hint).await,
            Kind::Token => core::token_candidates(conn, hint).await,
            Kind::Brand => core::brand_candidates(conn).await,
            Kind::Object(om) => objs::candidates(conn, om).await,
            Kind::OAuth2Provider => oauth2::provider_candidates(conn).await,
            Kind::KeyPair => oauth2::keypair_candidates(conn).await,
            Kind::OAuthSource => typed::oauth_source_candidates(conn).await,
        }
    }

    async fn create_object(&mut self, k: Kind, attrs: &Map<String, Value>) -> ApiResult<Value> {
        let (conn, now) = (&mut *self.conn, self.now);
        match k {
            Kind::Flow => flows::flow_create(conn, attrs).await,
            Kind::FlowStageBinding => flows::fsb_create(conn, attrs).await,
            Kind::PolicyBinding => flows::pb_create(conn, attrs).await,
            Kind::Stage(spec) => typed::stage_create(conn, spec, attrs).await,
            Kind::Policy(spec) => typed::policy_create(conn, spec, attrs, now).await,
            Kind::Prompt => typed::prompt_create(conn, attrs).await,
            Kind::Group => core::group_write(conn, None, attrs).await,
            Kind::User => core::user_write(conn, None, attrs, now).await,
            Kind::Token => core::token_write(conn, None, attrs, now).await,
            Kind::Brand => core::brand_write(conn, None, attrs).await,
            Kind::Object(om) => objs::create(conn, om, attrs).await,
            Kind::OAuth2Provider => oauth2::provider_write(conn, None, attrs).await,
            Kind::KeyPair => Err(oauth2::keypair_refused()),
            Kind::OAuthSource => typed::oauth_source_create(conn, attrs).await,
        }
    }

    async fn update_object(
        &mut self,
        k: Kind,
        pk: &Value,
        attrs: &Map<String, Value>,
    ) -> ApiResult<()> {
        let (conn, now) = (&mut *self.conn, self.now);
        if let Kind::User = k {
            let id = pk.as_i64().ok_or(ApiError::NotFound)?;
            return core::user_write(conn, Some(id), attrs, now).await.map(drop);
        }
        if let Kind::OAuth2Provider = k {
            let id = pk.as_i64().ok_or(ApiError::NotFound)?;
            return oauth2::provider_write(conn, Some(id), attrs)
                .await
                .map(drop);
        }
        let id = pk_uuid(pk)?;
        match k {
            Kind::Flow => flows::flow_update(conn, id, attrs).await,
            Kind::FlowStageBinding => flows::fsb_update(conn, id, attrs).await,
            Kind::PolicyBinding => flows::pb_update(conn, id, attrs).await,
            Kind::Stage(spec) => typed::stage_update(conn, spec, id, attrs).await,
            Kind::Policy(spec) => typed::policy_update(conn, spec, id, attrs, now).await,
            Kind::Prompt => typed::prompt_update(conn, id, attrs).await,
            Kind::Group => core::group_write(conn, Some(id), attrs).await.map(drop),
            Kind::Token => core::token_write(conn, Some(id), attrs, now)
                .await
                .map(drop),
            Kind::Brand => core::brand_write(conn, Some(id), attrs).await.map(drop),
            Kind::Object(om) => objs::update(conn, om, id, attrs).await,
            Kind::OAuthSource => typed::oauth_source_update(conn, id, attrs).await,
            Kind::KeyPair => Err(oauth2::keypair_refused()),
            Kind::User | Kind::OAuth2Provider => Ok(()),
        }
    }

    async fn delete_object(&mut self, k: Kind, pk: &Value) -> ApiResult<()> {
        let conn = &mut *self.conn;
        if let Kind::User = k {
            let id = pk.as_i64().ok_or(ApiError::NotFound)?;
            castellan_store::users::delete(conn, id).await?;
            return Ok(());
        }
        if let Kind::OAuth2Provider = k {
            let id = pk.as_i64().ok_or(ApiError::NotFound)?;
            return oauth2::provider_delete(conn, id).await;
        }
        let id = pk_uuid(pk)?;
        match k {
            Kind::Flow => flows::flow_delete(conn, id).await,
            Kind::FlowStageBinding => flows::fsb_delete(conn, id).await,
            Kind::PolicyBinding => flows::pb_delete(conn, id).await,
            Kind::Stage(_) => typed::stage_delete(conn, id).await,
            Kind::Policy(_) => typed::policy_delete(conn, id).await,
            Kind::Group => {
                castellan_store::groups::delete(conn, id).await?;
                Ok(())
            }
            Kind::Token => {
                let found = core::token_candidates(conn, &Map::new()).await?;
                if let Some((_, t)) = found.iter().find(|(p, _)| uuid_of(Some(p)) == Some(id))
                    && let Some(identifier) = t.get("identifier").and_then(Value::as_str)
                {
                    castellan_store::tokens::delete(conn, identifier).await?;
                }
                Ok(())
            }
            Kind::Brand => {
                castellan_store::brands::delete(conn, id).await?;
                Ok(())
            }
            Kind::Prompt | Kind::Object(_) => objs::delete(conn, id).await,
            Kind::OAuthSource => {
                castellan_store::oauth2_providers::remove_jwks_source(conn, id).await?;
                objs::delete(conn, id).await
            }
            Kind::KeyPair => Err(oauth2::keypair_refused()),
            Kind::User | Kind::OAuth2Provider => Ok(()),
        }
    }

    /// The kind of `model`, or the registry's "not supported" error.
    fn kind_of(model: &str) -> Result<Kind, RegistryError> {
        kind(model).ok_or_else(|| RegistryError::NotSupported(model.to_owned()))
    }
}

/// The registry's error for an API error.
pub fn registry_error(e: ApiError) -> RegistryError {
    match e {
        ApiError::Validation(map) => {
            RegistryError::Fields(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
        }
        ApiError::NotFound => RegistryError::Message("the object does not exist".into()),
        ApiError::Conflict => {
            RegistryError::Message("a concurrent write changed the same object".into())
        }
        ApiError::Unavailable => RegistryError::Message("the database is unavailable".into()),
        ApiError::BadRequest(m) | ApiError::Forbidden(m) | ApiError::Internal(m) => {
            RegistryError::Message(m)
        }
        ApiError::MethodNotAllowed | ApiError::PayloadTooLarge => {
            RegistryError::Message("the operation is not allowed".into())
        }
    }
}

/// Equality of an identifier and a stored value: numbers by value, UUIDs case-insensitively,
/// a number and its decimal text alike.
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            n.to_string() == *s
        }
        (Value::String(x), Value::String(y)) => {
            x == y || (x.len() == 36 && x.eq_ignore_ascii_case(y))
        }
        _ => a == b,
    }
}

/// Django's `__contains` on JSON: every wanted key has the wanted value.
fn contains(stored: Option<&Value>, wanted: &Map<String, Value>) -> bool {
    match stored {
        Some(Value::Object(stored)) => wanted
            .iter()
            .all(|(k, v)| stored.get(k).is_some_and(|s| loose_eq(s, v))),
        _ => wanted.is_empty(),
    }
}

/// authentik's identifier match: the pk, or every other identifier.
fn matches(pk: &Value, attrs: &Map<String, Value>, identifiers: &Map<String, Value>) -> bool {
    if identifiers.get("pk").is_some_and(|want| loose_eq(pk, want)) {
        return true;
    }
    let mut others = identifiers.iter().filter(|(k, _)| *k != "pk").peekable();
    others.peek().is_some()
        && others.all(|(k, v)| match v {
            Value::Object(want) => contains(attrs.get(k), want),
            v => attrs.get(k).is_some_and(|a| loose_eq(a, v)),
        })
}

/// The identifiers usable to narrow the candidates (none when `pk` is mixed with others, since
/// either may match).
fn hint(identifiers: &Map<String, Value>) -> Map<String, Value> {
    if identifiers.contains_key("pk") && identifiers.len() > 1 {
        Map::new()
    } else {
        identifiers.clone()
    }
}

#[async_trait::async_trait]
impl ModelRegistry for DbRegistry<'_> {
    fn supports(&self, model: &str) -> bool {
        supported(model)
    }

    async fn find(
        &mut self,
        model: &str,
        identifiers: &Map<String, Value>,
    ) -> Result<Option<Found>, RegistryError> {
        let k = Self::kind_of(model)?;
        let all = self
            .candidates(k, &hint(identifiers))
            .await
            .map_err(registry_error)?;
        Ok(all
            .into_iter()
            .find(|(pk, attrs)| matches(pk, attrs, identifiers))
            .map(|(pk, attrs)| Found { pk, attrs }))
    }

    async fn create(
        &mut self,
        model: &str,
        attrs: Map<String, Value>,
    ) -> Result<Value, RegistryError> {
        let k = Self::kind_of(model)?;
        self.create_object(k, &attrs).await.map_err(registry_error)
    }

    async fn update(
        &mut self,
        model: &str,
        pk: &Value,
        attrs: Map<String, Value>,
    ) -> Result<(), RegistryError> {
        let k = Self::kind_of(model)?;
        self.update_object(k, pk, &attrs)
            .await
            .map_err(registry_error)
    }

    async fn delete(&mut self, model: &str, pk: &Value) -> Result<(), RegistryError> {
        let k = Self::kind_of(model)?;
        self.delete_object(k, pk).await.map_err(registry_error)
    }

    async fn apply_meta(
        &mut self,
        identifiers: &Map<String, Value>,
        required: bool,
    ) -> Result<(), RegistryError> {
        let set = self.set;
        let Some(entry) = set.find(identifiers) else {
            if required {
                return Err(RegistryError::Fields(Map::from_iter([(
                    "identifiers".to_owned(),
                    json!(["Required blueprint does not exist"]),
                )])));
            }
            return Ok(());
        };
        if !self
            .applied
            .insert((entry.name.clone(), entry.path.clone()))
        {
            return Ok(());
        }
        let label = if entry.name.is_empty() {
            &entry.path
        } else {
            &entry.name
        };
        let bp = parse(&entry.text).map_err(|errors| {
            let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
            RegistryError::Message(format!("blueprint `{label}`: {}", shown.join("; ")))
        })?;
        let options = ApplyOptions {
            context: entry.context.clone(),
            ..self.options.clone()
        };
        apply(&bp, &options, self)
            .await
            .map(drop)
            .map_err(|e| RegistryError::Message(format!("blueprint `{label}`: {e}")))
    }

    async fn find_first(
        &mut self,
        model: &str,
        filters: &[(String, Value)],
    ) -> Result<Option<Found>, RegistryError> {
        let k = Self::kind_of(model)?;
        let wanted: Map<String, Value> = filters.iter().cloned().collect();
        let all = self
            .candidates(k, &hint(&wanted))
            .await
            .map_err(registry_error)?;
        Ok(all
            .into_iter()
            .find(|(pk, attrs)| {
                filters.iter().all(|(f, v)| {
                    if f == "pk" {
                        loose_eq(pk, v)
                    } else {
                        attrs.get(f).is_some_and(|a| loose_eq(a, v))
                    }
                })
            })
            .map(|(pk, attrs)| Found { pk, attrs }))
    }

    async fn key_of(
        &mut self,
        model: &str,
        pk: &Value,
        referring_model: &str,
    ) -> Result<Value, RegistryError> {
        if referring_model != POLICY_BINDING {
            return Ok(pk.clone());
        }
        let conn = &mut *self.conn;
        let pbm = match kind(model) {
            Some(Kind::Flow) => flows::flow_pbm(conn, pk_uuid(pk).map_err(registry_error)?).await,
            Some(Kind::FlowStageBinding) => {
                flows::fsb_pbm(conn, pk_uuid(pk).map_err(registry_error)?).await
            }
            _ => return Ok(pk.clone()),
        };
        pbm.map(|u| json!(u)).map_err(registry_error)
    }

    async fn grant_permission(
        &mut self,
        model: &str,
        pk: &Value,
        grant: &PermissionGrant,
    ) -> Result<(), RegistryError> {
        let object_pk = match pk {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let Some(role) = grant.role.as_ref().and_then(|r| uuid_of(Some(r))) else {
            let Some(user) = grant.user.as_ref().and_then(Value::as_i64) else {
                return Err(RegistryError::Message(
                    "permission needs the pk of a user or of a role".into(),
                ));
            };
            let codename = castellan_core::rbac::codename(&grant.permission);
            castellan_store::rbac::grant_user(self.conn, user, codename, model, &object_pk)
                .await
                .map_err(|e| registry_error(e.into()))?;
            return Ok(());
        };
        let mut o = objects::get(self.conn, ROLE, role)
            .await
            .map_err(|e| registry_error(e.into()))?
            .ok_or_else(|| RegistryError::Message(format!("role {role} does not exist")))?;
        let granted = json!({"permission": grant.permission, "model": model, "object_pk": pk});
        let list = o
            .config
            .entry("object_permissions")
            .or_insert_with(|| json!([]));
        if let Value::Array(items) = list
            && !items.contains(&granted)
        {
            items.push(granted);
        }
        objects::update(self.conn, &o)
            .await
            .map_err(|e| registry_error(e.into()))
    }
}

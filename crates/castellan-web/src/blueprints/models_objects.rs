//! Models Castellan has no behaviour for yet but whose objects blueprints must be able to
//! store (notification transports and rules, RBAC roles, every property-mapping type): kept in
//! the generic object table by model, `name` unique per model, every other attribute in the
//! object's settings. Mapping expressions must compile; references must exist.
use std::collections::BTreeMap;

use castellan_store::objects::{self, Object};
use castellan_store::{AnyConnection, policy_bindings, refs};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::model_api;
use crate::error::{ApiError, ApiResult};

/// Field errors collected while checking settings.
type Errors = BTreeMap<String, Vec<String>>;

/// A model kept in the generic object table.
#[derive(Debug)]
pub struct ObjectModel {
    /// `app_label.model_name`.
    pub model: &'static str,
    /// Completes and checks the settings (everything but `name`).
    pub check: fn(&mut Map<String, Value>, &mut Errors),
    /// `(field, referenced model, list?)` references that must exist.
    pub refs: &'static [(&'static str, &'static str, bool)],
}

/// `authentik_rbac.role`.
pub const ROLE: &str = "authentik_rbac.role";
/// `authentik_events.notificationtransport`.
pub const TRANSPORT: &str = "authentik_events.notificationtransport";

const fn mapping(model: &'static str) -> ObjectModel {
    ObjectModel {
        model,
        check: check_mapping,
        refs: &[],
    }
}

/// Every model of the generic object table blueprints can apply.
pub static OBJECT_MODELS: &[ObjectModel] = &[
    ObjectModel {
        model: TRANSPORT,
        check: check_transport,
        refs: &[(
            "webhook_mapping",
            "authentik_events.notificationwebhookmapping",
            false,
        )],
    },
    ObjectModel {
        model: "authentik_events.notificationrule",
        check: check_rule,
        refs: &[
            ("group", "authentik_core.group", false),
            ("transports", TRANSPORT, true),
        ],
    },
    ObjectModel {
        model: ROLE,
        check: check_role,
        refs: &[],
    },
    mapping("authentik_events.notificationwebhookmapping"),
    mapping("authentik_providers_oauth2.scopemapping"),
    mapping("authentik_providers_radius.radiusproviderpropertymapping"),
    mapping("authentik_providers_saml.samlpropertymapping"),
    mapping("authentik_providers_scim.scimmapping"),
    mapping("authentik_providers_rac.racpropertymapping"),
    mapping("authentik_providers_google_workspace.googleworkspaceprovidermapping"),
    mapping("authentik_providers_microsoft_entra.microsoftentraprovidermapping"),
    mapping("authentik_sources_kerberos.kerberossourcepropertymapping"),
    mapping("authentik_sources_ldap.ldapsourcepropertymapping"),
    mapping("authentik_sources_oauth.oauthsourcepropertymapping"),
    mapping("authentik_sources_plex.plexsourcepropertymapping"),
    mapping("authentik_sources_saml.samlsourcepropertymapping"),
    mapping("authentik_sources_scim.scimsourcepropertymapping"),
];

fn push(errors: &mut Errors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

/// A string field with a default; other types are an error.
fn string(config: &mut Map<String, Value>, field: &str, default: &str, errors: &mut Errors) {
    match config.get(field) {
        None => {
            config.insert(field.to_owned(), json!(default));
        }
        Some(Value::String(_)) => {}
        Some(_) => push(errors, field, "Not a valid string."),
    }
}

/// A choice field with a default.
fn choice(config: &mut Map<String, Value>, field: &str, values: &[&str], errors: &mut Errors) {
    let default = values.first().copied().unwrap_or_default();
    string(config, field, default, errors);
    if let Some(v) = config.get(field).and_then(Value::as_str)
        && !values.contains(&v)
    {
        push(errors, field, format!("\"{v}\" is not a valid choice."));
    }
}

/// A list field with a `[]` default.
fn list(config: &mut Map<String, Value>, field: &str, errors: &mut Errors) {
    match config.get(field) {
        None => {
            config.insert(field.to_owned(), json!([]));
        }
        Some(Value::Array(_)) => {}
        Some(v) => push(
            errors,
            field,
            format!(
                "Expected a list of items but got type \"{}\".",
                castellan_core::model_spec::type_name(v)
            ),
        ),
    }
}

/// Property mappings: `expression` (compiled when given), `managed` (nullable).
fn check_mapping(config: &mut Map<String, Value>, errors: &mut Errors) {
    string(config, "expression", "", errors);
    config.entry("managed").or_insert(Value::Null);
    if !matches!(config.get("managed"), Some(Value::Null | Value::String(_))) {
        push(errors, "managed", "Not a valid string.");
    }
    model_api::check_expression(config, errors);
}

/// Notification transports: `mode`, webhook settings, `send_once`.
fn check_transport(config: &mut Map<String, Value>, errors: &mut Errors) {
    choice(
        config,
        "mode",
        &["local", "webhook", "webhook_slack", "email"],
        errors,
    );
    string(config, "webhook_url", "", errors);
    config.entry("webhook_mapping").or_insert(Value::Null);
    config.entry("send_once").or_insert(json!(false));
}

/// Notification rules: `severity`, `group`, `transports`.
fn check_rule(config: &mut Map<String, Value>, errors: &mut Errors) {
    choice(config, "severity", &["notice", "warning", "alert"], errors);
    config.entry("group").or_insert(Value::Null);
    list(config, "transports", errors);
}

/// Roles: `permissions` (a list of `app_label.codename`).
fn check_role(config: &mut Map<String, Value>, errors: &mut Errors) {
    list(config, "permissions", errors);
    if let Some(Value::Array(items)) = config.get("permissions")
        && items.iter().any(|p| !p.is_string())
    {
        push(errors, "permissions", "Not a valid string.");
    }
}

/// The serialized fields of an object: `pk`, `name`, then its settings.
pub fn serialize(o: &Object) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pk".into(), json!(o.pk));
    m.insert("name".into(), json!(o.name));
    for (k, v) in &o.config {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    m
}

/// Every object of `om`, serialized.
pub async fn candidates(
    conn: &mut AnyConnection,
    om: &ObjectModel,
) -> ApiResult<Vec<(Value, Map<String, Value>)>> {
    Ok(objects::list(conn, om.model)
        .await?
        .iter()
        .map(|o| (json!(o.pk), serialize(o)))
        .collect())
}

/// Validates `body` over `o` (a partial update when `existing`).
async fn validate(
    conn: &mut AnyConnection,
    om: &ObjectModel,
    body: &Map<String, Value>,
    mut o: Object,
    existing: bool,
) -> ApiResult<Object> {
    let mut errors = Errors::new();
    if let Some(name) = model_api::name_field(body, existing, &mut errors) {
        if objects::name_taken(conn, om.model, &name, existing.then_some(o.pk)).await? {
            push(&mut errors, "name", "This field must be unique.");
        }
        o.name = name;
    }
    for (k, v) in body {
        if k != "name" && k != "pk" {
            o.config.insert(k.clone(), v.clone());
        }
    }
    (om.check)(&mut o.config, &mut errors);
    for (field, model, many) in om.refs {
        let values: Vec<Value> = match o.config.get(*field) {
            Some(Value::Array(items)) if *many => items.clone(),
            Some(v @ Value::String(_)) if !*many => vec![v.clone()],
            Some(Value::Null) | None => Vec::new(),
            Some(_) => {
                push(&mut errors, field, "Incorrect type. Expected pk value.");
                continue;
            }
        };
        if let Some(v) = refs::missing(conn, model, &values).await?.first() {
            let shown = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            push(
                &mut errors,
                field,
                format!("Invalid pk \"{shown}\" - object does not exist."),
            );
        }
    }
    model_api::finish(errors)?;
    Ok(o)
}

/// Creates an object of `om` from `attrs`.
pub async fn create(
    conn: &mut AnyConnection,
    om: &ObjectModel,
    attrs: &Map<String, Value>,
) -> ApiResult<Value> {
    let blank = Object {
        pk: Uuid::new_v4(),
        model: om.model.to_owned(),
        name: String::new(),
        config: Map::new(),
    };
    let o = validate(conn, om, attrs, blank, false).await?;
    objects::create(conn, &o).await?;
    Ok(json!(o.pk))
}

/// Loads an object of `om` by its key.
pub async fn load(conn: &mut AnyConnection, om: &ObjectModel, pk: Uuid) -> ApiResult<Object> {
    objects::get(conn, om.model, pk)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Updates an object of `om` with `attrs`.
pub async fn update(
    conn: &mut AnyConnection,
    om: &ObjectModel,
    pk: Uuid,
    attrs: &Map<String, Value>,
) -> ApiResult<()> {
    let before = load(conn, om, pk).await?;
    let o = validate(conn, om, attrs, before, true).await?;
    objects::update(conn, &o).await?;
    Ok(())
}

/// Deletes an object (and the policy bindings of a notification rule).
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> ApiResult<()> {
    policy_bindings::delete_for_targets(conn, &[pk]).await?;
    objects::delete(conn, pk).await?;
    Ok(())
}

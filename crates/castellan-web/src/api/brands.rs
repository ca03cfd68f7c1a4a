//! `/api/v3/core/brands/` (lookup by `brand_uuid`): CRUD and the anonymous `current/`
//! (spec §1.5).
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use castellan_core::brand::{Brand, match_brand};
use castellan_store::brands::{self, BrandFilter};
use castellan_store::{AnyConnection, applications, certificates, flows};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use crate::audit;
use crate::auth::Admin;
use crate::body::JsonBody;
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Fields, TEXT_MAX};
use crate::openapi::{Operation, RequestBody};
use crate::query::{Paginated, Params};
use crate::state::AppState;
use crate::write::Write;

/// The flow foreign keys of a brand, in authentik's field order.
const FLOW_FIELDS: [&str; 6] = [
    "flow_authentication",
    "flow_invalidation",
    "flow_recovery",
    "flow_unenrollment",
    "flow_user_settings",
    "flow_device_code",
];

/// `Brand`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Brand)]
pub struct BrandJson {
    /// Brand UUID.
    pub brand_uuid: Uuid,
    /// Domain that activates this brand (a suffix of the request host).
    pub domain: String,
    /// The default brand.
    #[schema(required = false)]
    pub default: bool,
    /// Title.
    #[schema(required = false)]
    pub branding_title: String,
    /// Logo URL.
    #[schema(required = false)]
    pub branding_logo: String,
    /// Favicon URL.
    #[schema(required = false)]
    pub branding_favicon: String,
    /// Authentication flow.
    pub flow_authentication: Option<Uuid>,
    /// Invalidation flow.
    pub flow_invalidation: Option<Uuid>,
    /// Recovery flow.
    pub flow_recovery: Option<Uuid>,
    /// Unenrollment flow.
    pub flow_unenrollment: Option<Uuid>,
    /// User settings flow.
    pub flow_user_settings: Option<Uuid>,
    /// Device code flow.
    pub flow_device_code: Option<Uuid>,
    /// When set, external users are redirected to this application after authenticating.
    pub default_application: Option<Uuid>,
    /// Web certificate used by the core webserver.
    pub web_certificate: Option<Uuid>,
    /// Attributes.
    #[schema(value_type = Value, required = false)]
    pub attributes: Value,
}

impl From<Brand> for BrandJson {
    fn from(b: Brand) -> Self {
        Self {
            brand_uuid: b.brand_uuid,
            domain: b.domain,
            default: b.default,
            branding_title: b.branding_title,
            branding_logo: b.branding_logo,
            branding_favicon: b.branding_favicon,
            flow_authentication: b.flow_authentication,
            flow_invalidation: b.flow_invalidation,
            flow_recovery: b.flow_recovery,
            flow_unenrollment: b.flow_unenrollment,
            flow_user_settings: b.flow_user_settings,
            flow_device_code: b.flow_device_code,
            default_application: b.default_application,
            web_certificate: b.web_certificate,
            attributes: b.attributes,
        }
    }
}

/// `BrandRequest` (POST and PUT; documents the body validated by [`validate`]).
#[derive(Debug, Serialize, ToSchema)]
pub struct BrandRequest {
    /// Domain that activates this brand (unique).
    pub domain: String,
    /// The default brand (at most one).
    #[schema(required = false)]
    pub default: bool,
    /// Title.
    #[schema(required = false)]
    pub branding_title: String,
    /// Logo URL.
    #[schema(required = false)]
    pub branding_logo: String,
    /// Favicon URL.
    #[schema(required = false)]
    pub branding_favicon: String,
    /// Authentication flow.
    pub flow_authentication: Option<Uuid>,
    /// Invalidation flow.
    pub flow_invalidation: Option<Uuid>,
    /// Recovery flow.
    pub flow_recovery: Option<Uuid>,
    /// Unenrollment flow.
    pub flow_unenrollment: Option<Uuid>,
    /// User settings flow.
    pub flow_user_settings: Option<Uuid>,
    /// Device code flow.
    pub flow_device_code: Option<Uuid>,
    /// When set, external users are redirected to this application after authenticating.
    pub default_application: Option<Uuid>,
    /// Web certificate used by the core webserver.
    pub web_certificate: Option<Uuid>,
    /// Attributes (any JSON).
    #[schema(value_type = Value, required = false)]
    pub attributes: Value,
}

/// `PatchedBrandRequest` (PATCH: every field optional).
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchedBrandRequest {
    /// Domain that activates this brand (unique).
    #[schema(required = false)]
    pub domain: String,
    /// The default brand (at most one).
    #[schema(required = false)]
    pub default: bool,
    /// Title.
    #[schema(required = false)]
    pub branding_title: String,
    /// Logo URL.
    #[schema(required = false)]
    pub branding_logo: String,
    /// Favicon URL.
    #[schema(required = false)]
    pub branding_favicon: String,
    /// Authentication flow.
    pub flow_authentication: Option<Uuid>,
    /// Invalidation flow.
    pub flow_invalidation: Option<Uuid>,
    /// Recovery flow.
    pub flow_recovery: Option<Uuid>,
    /// Unenrollment flow.
    pub flow_unenrollment: Option<Uuid>,
    /// User settings flow.
    pub flow_user_settings: Option<Uuid>,
    /// Device code flow.
    pub flow_device_code: Option<Uuid>,
    /// When set, external users are redirected to this application after authenticating.
    pub default_application: Option<Uuid>,
    /// Web certificate used by the core webserver.
    pub web_certificate: Option<Uuid>,
    /// Attributes (any JSON).
    #[schema(value_type = Value, required = false)]
    pub attributes: Value,
}

/// `UiThemeEnum`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UiThemeEnum {
    /// Follow the browser.
    Automatic,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// `FooterLink`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FooterLink {
    /// Target URL.
    #[schema(required = true)]
    pub href: Option<String>,
    /// Label.
    pub name: String,
}

/// `CurrentBrand`: partial brand information for styling. Unset flows are omitted.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentBrand {
    /// Domain of the matched brand (`fallback` for the built-in brand).
    pub matched_domain: String,
    /// Title.
    pub branding_title: String,
    /// Logo URL.
    pub branding_logo: String,
    /// Favicon URL.
    pub branding_favicon: String,
    /// Footer links (none configured).
    pub ui_footer_links: Vec<FooterLink>,
    /// `attributes.settings.theme.base`, default `automatic`.
    #[schema(value_type = UiThemeEnum)]
    pub ui_theme: String,
    /// Authentication flow slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub flow_authentication: Option<String>,
    /// Invalidation flow slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub flow_invalidation: Option<String>,
    /// Recovery flow slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub flow_recovery: Option<String>,
    /// Unenrollment flow slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub flow_unenrollment: Option<String>,
    /// User settings flow slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub flow_user_settings: Option<String>,
    /// Device code flow slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub flow_device_code: Option<String>,
    /// `attributes.settings.locale`, default empty.
    pub default_locale: String,
}

/// authentik's `str(brand)`.
fn display_name(b: &Brand) -> String {
    if b.default {
        "Default brand".into()
    } else {
        format!("Brand {}", b.domain)
    }
}

fn model_ref(b: &Brand) -> Value {
    audit::model_ref("authentik_brands", "brand", b.brand_uuid, &display_name(b))
}

fn flow_ids(b: &Brand) -> [Option<Uuid>; 6] {
    [
        b.flow_authentication,
        b.flow_invalidation,
        b.flow_recovery,
        b.flow_unenrollment,
        b.flow_user_settings,
        b.flow_device_code,
    ]
}

fn flow_slot<'a>(b: &'a mut Brand, field: &str) -> Option<&'a mut Option<Uuid>> {
    Some(match field {
        "flow_authentication" => &mut b.flow_authentication,
        "flow_invalidation" => &mut b.flow_invalidation,
        "flow_recovery" => &mut b.flow_recovery,
        "flow_unenrollment" => &mut b.flow_unenrollment,
        "flow_user_settings" => &mut b.flow_user_settings,
        "flow_device_code" => &mut b.flow_device_code,
        "default_application" => &mut b.default_application,
        "web_certificate" => &mut b.web_certificate,
        _ => return None,
    })
}

/// `GET /core/brands/`.
pub async fn list(
    State(state): State<AppState>,
    _a: Admin,
    params: Params,
) -> ApiResult<Json<Paginated<BrandJson>>> {
    let page = params.page()?;
    let mut exact = Vec::new();
    if let Some(u) = params.uuid("brand_uuid")? {
        exact.push(("brand_uuid", u.to_string()));
    }
    for key in ["branding_logo", "branding_favicon"] {
        if let Some(v) = params.text(key) {
            exact.push((key, v));
        }
    }
    for key in FLOW_FIELDS.into_iter().chain(["web_certificate"]) {
        if let Some(v) = params.text(key) {
            let u = Uuid::parse_str(&v).map_err(|_| {
                ApiError::field(
                    key,
                    "Select a valid choice. That choice is not one of the available choices.",
                )
            })?;
            exact.push((key, u.to_string()));
        }
    }
    let f = BrandFilter {
        domain: params.text("domain"),
        default: params.boolean("default")?,
        branding_title: params.text("branding_title"),
        search: params.search(),
        order_by: params.ordering(brands::ordering_all),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = brands::list_exact(&mut conn, &f, &exact, page).await?;
    let out = rows.into_iter().map(BrandJson::from).collect();
    Ok(Json(Paginated::new(out, count, page)?))
}

async fn load(conn: &mut AnyConnection, id: &str) -> ApiResult<Brand> {
    let id = Uuid::parse_str(id).map_err(|_| ApiError::NotFound)?;
    brands::get(conn, id).await?.ok_or(ApiError::NotFound)
}

/// `GET /core/brands/{brand_uuid}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<BrandJson>> {
    let mut conn = state.store.conn().await?;
    Ok(Json(load(&mut conn, &id).await?.into()))
}

/// A nullable foreign key by UUID with DRF's `PrimaryKeyRelatedField` messages.
fn nullable_fk(f: &mut Fields<'_>, body: &Map<String, Value>, field: &str) -> Option<Option<Uuid>> {
    match body.get(field)? {
        Value::Null => Some(None),
        Value::String(s) => match Uuid::parse_str(s) {
            Ok(u) => Some(Some(u)),
            Err(_) => {
                let shown: String = s.chars().take(100).collect();
                f.error(
                    field,
                    format!("\u{201c}{shown}\u{201d} is not a valid UUID."),
                );
                None
            }
        },
        other => {
            f.error(
                field,
                format!(
                    "Incorrect type. Expected pk value, received {}.",
                    crate::fields::type_name(other)
                ),
            );
            None
        }
    }
}

fn missing(f: &mut Fields<'_>, field: &str, id: Uuid) {
    f.error(
        field,
        format!("Invalid pk \"{id}\" - object does not exist."),
    );
}

/// Validates a body into a brand (domain unique, one default, references exist); shared with
/// blueprints.
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut b: Brand,
) -> ApiResult<Brand> {
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("domain", true, false, TEXT_MAX) {
        b.domain = v;
    }
    let default = f.boolean("default");
    if let Some(v) = default {
        b.default = v;
    }
    for (field, slot) in [
        ("branding_title", &mut b.branding_title),
        ("branding_logo", &mut b.branding_logo),
        ("branding_favicon", &mut b.branding_favicon),
    ] {
        if let Some(v) = f.string(field, false, false, TEXT_MAX) {
            *slot = v;
        }
    }
    let mut fks = Vec::new();
    for field in FLOW_FIELDS
        .into_iter()
        .chain(["default_application", "web_certificate"])
    {
        if let Some(v) = nullable_fk(&mut f, body, field) {
            if let Some(slot) = flow_slot(&mut b, field) {
                *slot = v;
            }
            if let Some(id) = v {
                fks.push((field, id));
            }
        }
    }
    if let Some(v) = f.any("attributes") {
        if v.is_null() {
            f.error("attributes", "This field may not be null.");
        } else {
            b.attributes = v;
        }
    }
    if !f.has_error("domain") && brands::domain_taken(conn, &b.domain, b.brand_uuid).await? {
        f.error("domain", "This field must be unique.");
    }
    if default == Some(true) && brands::other_default_exists(conn, b.brand_uuid).await? {
        f.error("default", "Only a single brand can be set as default.");
    }
    let flow_refs: Vec<Uuid> = fks
        .iter()
        .filter(|(field, _)| field.starts_with("flow_"))
        .map(|(_, id)| *id)
        .collect();
    let found = flows::existing(conn, &flow_refs).await?;
    for (field, id) in fks {
        let exists = match field {
            "default_application" => applications::get(conn, id).await?.is_some(),
            "web_certificate" => certificates::get(conn, id).await?.is_some(),
            _ => found.contains(&id),
        };
        if !exists {
            missing(&mut f, field, id);
        }
    }
    f.finish()?;
    Ok(b)
}

/// `POST /core/brands/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let blank = Brand {
        brand_uuid: Uuid::new_v4(),
        domain: String::new(),
        ..Brand::fallback()
    };
    let mut tx = Write::begin(&state.store).await?;
    let b = validate(&mut tx, &body, false, blank).await?;
    brands::save(&mut tx, &b, true).await?;
    tx.event(&ctx, &admin.user, "model_created", model_ref(&b))
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(BrandJson::from(b))).into_response())
}

async fn write(
    state: &AppState,
    admin: &Admin,
    ctx: &RequestContext,
    id: &str,
    body: &Map<String, Value>,
    partial: bool,
) -> ApiResult<Json<BrandJson>> {
    let mut tx = Write::begin(&state.store).await?;
    let before = load(&mut tx, id).await?;
    let b = validate(&mut tx, body, partial, before).await?;
    brands::save(&mut tx, &b, false).await?;
    tx.event(ctx, &admin.0.user, "model_updated", model_ref(&b))
        .await?;
    tx.commit().await?;
    Ok(Json(b.into()))
}

/// `PUT /core/brands/{brand_uuid}/`.
pub async fn update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<BrandJson>> {
    write(&state, &admin, &ctx, &id, &body, false).await
}

/// `PATCH /core/brands/{brand_uuid}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    admin: Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<BrandJson>> {
    write(&state, &admin, &ctx, &id, &body, true).await
}

/// `DELETE /core/brands/{brand_uuid}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let b = load(&mut tx, &id).await?;
    brands::delete(&mut tx, b.brand_uuid).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&b))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A string at `path` inside `attributes`, if any.
fn attribute_str(attributes: &Value, path: &[&str]) -> Option<String> {
    path.iter()
        .try_fold(attributes, |v, key| v.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// `GET /core/brands/current/` (anonymous): the brand matched from the `Host` header (suffix
/// match, then the default brand, then the built-in fallback), with flows as slugs.
pub async fn current(
    State(state): State<AppState>,
    ctx: RequestContext,
) -> ApiResult<Json<CurrentBrand>> {
    let mut conn = state.store.conn().await?;
    let all = brands::all(&mut conn).await?;
    let b = match_brand(&all, &ctx.host);
    let ids: Vec<Uuid> = flow_ids(&b).into_iter().flatten().collect();
    let slugs: HashMap<Uuid, String> = flows::get_many(&mut conn, &ids)
        .await?
        .into_iter()
        .map(|f| (f.flow_uuid, f.slug))
        .collect();
    let [auth, inval, recovery, unenroll, settings, device] =
        flow_ids(&b).map(|id| id.and_then(|id| slugs.get(&id).cloned()));
    Ok(Json(CurrentBrand {
        ui_theme: attribute_str(&b.attributes, &["settings", "theme", "base"])
            .unwrap_or_else(|| "automatic".into()),
        default_locale: attribute_str(&b.attributes, &["settings", "locale"]).unwrap_or_default(),
        matched_domain: b.domain,
        branding_title: b.branding_title,
        branding_logo: b.branding_logo,
        branding_favicon: b.branding_favicon,
        ui_footer_links: Vec::new(),
        flow_authentication: auth,
        flow_invalidation: inval,
        flow_recovery: recovery,
        flow_unenrollment: unenroll,
        flow_user_settings: settings,
        flow_device_code: device,
    }))
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/core/brands/", get(list).post(create))
        .route("/core/brands/current/", get(current))
        .route(
            "/core/brands/{brand_uuid}/",
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/core/brands/",
        "core_brands_list",
        "core",
        Some("PaginatedBrandList"),
        200,
    ),
    (
        "post",
        "/core/brands/",
        "core_brands_create",
        "core",
        Some("Brand"),
        201,
    ),
    (
        "get",
        "/core/brands/current/",
        "core_brands_current_retrieve",
        "core",
        Some("CurrentBrand"),
        200,
    ),
    (
        "get",
        "/core/brands/{brand_uuid}/",
        "core_brands_retrieve",
        "core",
        Some("Brand"),
        200,
    ),
    (
        "put",
        "/core/brands/{brand_uuid}/",
        "core_brands_update",
        "core",
        Some("Brand"),
        200,
    ),
    (
        "patch",
        "/core/brands/{brand_uuid}/",
        "core_brands_partial_update",
        "core",
        Some("Brand"),
        200,
    ),
    (
        "delete",
        "/core/brands/{brand_uuid}/",
        "core_brands_destroy",
        "core",
        None,
        204,
    ),
];

/// Request bodies of this resource (method, path, schema, required).
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", "/core/brands/", "BrandRequest", true),
    ("put", "/core/brands/{brand_uuid}/", "BrandRequest", true),
    (
        "patch",
        "/core/brands/{brand_uuid}/",
        "PatchedBrandRequest",
        false,
    ),
];

/// Component schemas of this resource.
#[derive(OpenApi)]
#[openapi(components(schemas(
    BrandJson,
    BrandRequest,
    PatchedBrandRequest,
    CurrentBrand,
    FooterLink,
    UiThemeEnum
)))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_paths() {
        let a = json!({"settings": {"theme": {"base": "dark"}, "locale": "de"}});
        assert_eq!(
            attribute_str(&a, &["settings", "theme", "base"]).as_deref(),
            Some("dark")
        );
        assert_eq!(
            attribute_str(&a, &["settings", "locale"]).as_deref(),
            Some("de")
        );
        assert_eq!(attribute_str(&json!([]), &["settings"]), None);
    }
}

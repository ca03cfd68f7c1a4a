//! `/api/v3/crypto/certificatekeypairs/` (lookup `kp_uuid`): CRUD, `generate`,
//! `view_certificate`, `view_private_key` and `used_by` (spec §1.10).
//!
//! `certificate_data` and `key_data` are write-only. Every write re-derives the cached details
//! (fingerprints, expiry, subject, key type) from the stored PEM. The internal managed JWT pair
//! (`goauthentik.io/crypto/jwt-managed`) is invisible here, as in authentik.
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use castellan_core::certificate::{CertificateKeyPair, JWT_MANAGED};
use castellan_core::event::{Event, cleanse};
use castellan_core::user::User;
use castellan_crypto::CryptoError;
use castellan_crypto::certificate::{
    KeyAlgorithm, generate_self_signed, key_matches_certificate, parse_certificate,
    private_key_type,
};
use castellan_store::certificates::{self, CertificateFilter};
use castellan_store::{AnyConnection, StoreError, events};
use chrono::{DateTime, Duration, Utc};

use serde_json::{Map, Value, json};
use utoipa::OpenApi;
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

pub use super::certificate_json::{
    AlgEnum, CertificateData, CertificateGenerationRequest, CertificateKeyPairJson,
    CertificateKeyPairRequest, PatchedCertificateKeyPairRequest,
};
pub use super::used_by::{UsedBy, UsedByActionEnum};

/// Largest accepted PEM text (a certificate chain or key), in characters.
pub const PEM_MAX: usize = 1_000_000;
/// Largest accepted `validity_days` for `generate/` (keeps `notAfter` well inside year 9999).
pub const MAX_VALIDITY_DAYS: i64 = 2_500_000;
/// Event `app` of the `secret_view` events (authentik's calling module, `authentik.crypto.api`).
const SECRET_VIEW_APP: &str = "authentik.crypto.api";
const BASE: &str = "/api/v3/crypto/certificatekeypairs";

fn model_ref(kp: &CertificateKeyPair) -> Value {
    audit::model_ref(
        "authentik_crypto",
        "certificatekeypair",
        kp.kp_uuid,
        &kp.name,
    )
}

/// authentik's `include_details`: anything but a case-insensitive `true` hides the details.
fn include_details(params: &Params) -> bool {
    params
        .get("include_details")
        .is_none_or(|v| v.eq_ignore_ascii_case("true"))
}

/// What authentik feeds to its key loader: every line stripped.
fn normalize_key(pem: &str) -> String {
    pem.split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Re-derives the cached details from the PEM data.
fn refresh_cache(kp: &mut CertificateKeyPair) {
    match parse_certificate(&kp.certificate_data) {
        Ok(info) => {
            kp.fingerprint_sha256 = Some(info.fingerprint_sha256);
            kp.fingerprint_sha1 = Some(info.fingerprint_sha1);
            kp.cert_expiry = Some(info.expiry);
            kp.cert_subject = Some(info.subject);
        }
        Err(_) => {
            kp.fingerprint_sha256 = None;
            kp.fingerprint_sha1 = None;
            kp.cert_expiry = None;
            kp.cert_subject = None;
        }
    }
    kp.private_key_type = if kp.key_data.is_empty() {
        None
    } else {
        private_key_type(&normalize_key(&kp.key_data)).ok()
    };
}

/// The API shape of a pair; rows whose cache was never filled are derived on the fly.
pub fn to_json(kp: &CertificateKeyPair, details: bool) -> CertificateKeyPairJson {
    let mut kp = kp.clone();
    if details && kp.fingerprint_sha256.is_none() {
        refresh_cache(&mut kp);
    }
    let shown = |v: Option<String>| if details { v } else { None };
    CertificateKeyPairJson {
        pk: kp.kp_uuid,
        private_key_available: !kp.key_data.is_empty(),
        certificate_download_url: format!("{BASE}/{}/view_certificate/?download", kp.kp_uuid),
        private_key_download_url: format!("{BASE}/{}/view_private_key/?download", kp.kp_uuid),
        name: kp.name,
        fingerprint_sha256: shown(kp.fingerprint_sha256),
        fingerprint_sha1: shown(kp.fingerprint_sha1),
        cert_expiry: if details { kp.cert_expiry } else { None },
        cert_subject: shown(kp.cert_subject),
        private_key_type: shown(kp.private_key_type),
        managed: kp.managed,
    }
}

/// `GET /crypto/certificatekeypairs/`.
pub async fn list(
    State(state): State<AppState>,
    _a: Admin,
    params: Params,
) -> ApiResult<Json<Paginated<CertificateKeyPairJson>>> {
    let page = params.page()?;
    let f = CertificateFilter {
        name: params.text("name"),
        // authentik's `has_key` filter only ever narrows: `false` means "no filter".
        has_key: params.boolean("has_key")?.filter(|v| *v),
        managed: params.text("managed"),
        hide_managed: vec![JWT_MANAGED.to_string()],
        search: params.search(),
        order_by: params.ordering(certificates::ordering),
    };
    let mut conn = state.store.conn().await?;
    let (rows, count) = certificates::list(&mut conn, &f, page).await?;
    let details = include_details(&params);
    let out = rows.iter().map(|kp| to_json(kp, details)).collect();
    Ok(Json(Paginated::new(out, count, page)?))
}

/// Parses a `kp_uuid` path segment; anything else is a 404, like authentik's lookup.
fn parse_pk(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::NotFound)
}

async fn load(conn: &mut AnyConnection, raw: &str) -> ApiResult<CertificateKeyPair> {
    let pk = parse_pk(raw)?;
    certificates::get(conn, pk)
        .await?
        .filter(|kp| kp.managed.as_deref() != Some(JWT_MANAGED))
        .ok_or(ApiError::NotFound)
}

/// `GET /crypto/certificatekeypairs/{kp_uuid}/`.
pub async fn retrieve(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Json<CertificateKeyPairJson>> {
    let mut conn = state.store.conn().await?;
    let kp = load(&mut conn, &id).await?;
    Ok(Json(to_json(&kp, include_details(&params))))
}

/// Validates a create/update body into `kp` (cache refreshed), with authentik's messages.
async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut kp: CertificateKeyPair,
    existing: bool,
) -> ApiResult<CertificateKeyPair> {
    let mut f = Fields::new(body, partial);
    // DRF's CharField trims surrounding whitespace before validating and storing.
    if let Some(v) = f.string("name", true, false, TEXT_MAX) {
        kp.name = v.trim().to_string();
    }
    if let Some(v) = f.string("certificate_data", true, false, PEM_MAX) {
        let v = v.trim().to_string();
        if parse_certificate(&v).is_err() {
            f.error("certificate_data", "Unable to load certificate.");
        }
        kp.certificate_data = v;
    }
    if let Some(v) = f.string("key_data", false, true, PEM_MAX) {
        let v = v.trim().to_string();
        // A valid key of a type Castellan cannot inspect further (DSA, X25519…) is accepted,
        // as authentik's loader accepts it.
        if !v.is_empty()
            && !matches!(
                private_key_type(&normalize_key(&v)),
                Ok(_) | Err(CryptoError::UnsupportedKeyType)
            )
        {
            f.error(
                "key_data",
                "Unable to load private key (possibly encrypted?).",
            );
        }
        kp.key_data = v;
    }
    // Castellan's addition: a key that belongs to another certificate is refused (checked when
    // either side changes and both loaded).
    let changed = f.present("certificate_data") || f.present("key_data");
    if changed
        && !kp.key_data.is_empty()
        && !f.has_error("certificate_data")
        && !f.has_error("key_data")
        && matches!(
            key_matches_certificate(&kp.certificate_data, &normalize_key(&kp.key_data)),
            Ok(false)
        )
    {
        f.error("key_data", "Private key does not match certificate.");
    }
    if !f.has_error("name")
        && !kp.name.is_empty()
        && certificates::name_taken(conn, &kp.name, existing.then_some(kp.kp_uuid)).await?
    {
        f.error("name", "This field must be unique.");
    }
    f.finish()?;
    refresh_cache(&mut kp);
    Ok(kp)
}

fn blank() -> CertificateKeyPair {
    CertificateKeyPair {
        kp_uuid: Uuid::new_v4(),
        name: String::new(),
        certificate_data: String::new(),
        key_data: String::new(),
        managed: None,
        fingerprint_sha256: None,
        fingerprint_sha1: None,
        cert_expiry: None,
        cert_subject: None,
        private_key_type: None,
    }
}

async fn insert(
    state: &AppState,
    admin: &User,
    ctx: &RequestContext,
    kp: CertificateKeyPair,
    validate_body: Option<&Map<String, Value>>,
) -> ApiResult<CertificateKeyPair> {
    let mut tx = Write::begin(&state.store).await?;
    let now = tx.now();
    let kp = match validate_body {
        Some(body) => validate(&mut tx, body, false, kp, false).await?,
        None => kp,
    };
    certificates::save(&mut tx, &kp, true, now).await?;
    tx.event(ctx, admin, "model_created", model_ref(&kp))
        .await?;
    tx.commit().await?;
    Ok(kp)
}

/// `POST /crypto/certificatekeypairs/`.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    let kp = insert(&state, &admin.user, &ctx, blank(), Some(&body)).await?;
    Ok((
        StatusCode::CREATED,
        Json(to_json(&kp, include_details(&params))),
    )
        .into_response())
}

async fn write(
    state: &AppState,
    admin: &User,
    ctx: &RequestContext,
    id: &str,
    body: &Map<String, Value>,
    partial: bool,
    details: bool,
) -> ApiResult<Json<CertificateKeyPairJson>> {
    let mut tx = Write::begin(&state.store).await?;
    let now = tx.now();
    let before = load(&mut tx, id).await?;
    let kp = validate(&mut tx, body, partial, before, true).await?;
    certificates::save(&mut tx, &kp, false, now).await?;
    tx.event(ctx, admin, "model_updated", model_ref(&kp))
        .await?;
    tx.commit().await?;
    Ok(Json(to_json(&kp, details)))
}

/// `PUT /crypto/certificatekeypairs/{kp_uuid}/`.
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<CertificateKeyPairJson>> {
    let details = include_details(&params);
    write(&state, &admin.user, &ctx, &id, &body, false, details).await
}

/// `PATCH /crypto/certificatekeypairs/{kp_uuid}/`.
pub async fn partial_update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<CertificateKeyPairJson>> {
    let details = include_details(&params);
    write(&state, &admin.user, &ctx, &id, &body, true, details).await
}

/// `DELETE /crypto/certificatekeypairs/{kp_uuid}/`.
pub async fn destroy(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let mut tx = Write::begin(&state.store).await?;
    let kp = load(&mut tx, &id).await?;
    certificates::delete(&mut tx, kp.kp_uuid).await?;
    tx.event(&ctx, &admin.user, "model_deleted", model_ref(&kp))
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /crypto/certificatekeypairs/generate/` (`CertificateGenerationRequest`): a new
/// self-signed pair named after the common name; 200 like authentik.
pub async fn generate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    params: Params,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<CertificateKeyPairJson>> {
    let mut f = Fields::new(&body, false);
    let common_name = f
        .string("common_name", true, false, TEXT_MAX)
        .map(|v| v.trim().to_string());
    let raw_san = f
        .string("subject_alt_name", false, true, TEXT_MAX)
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let validity_days = f.integer("validity_days", true);
    if let Some(days) = validity_days {
        if days < 1 {
            f.error(
                "validity_days",
                "Ensure this value is greater than or equal to 1.",
            );
        } else if days > MAX_VALIDITY_DAYS {
            f.error(
                "validity_days",
                format!("Ensure this value is less than or equal to {MAX_VALIDITY_DAYS}."),
            );
        }
    }
    let alg = f
        .choice(
            "alg",
            &[KeyAlgorithm::Rsa.as_str(), KeyAlgorithm::Ecdsa.as_str()],
        )
        .and_then(|a| a.parse::<KeyAlgorithm>().ok())
        .unwrap_or(KeyAlgorithm::Rsa);
    let sans: Vec<String> = if raw_san.is_empty() {
        Vec::new()
    } else {
        raw_san.split(',').map(|s| s.trim().to_string()).collect()
    };
    if sans
        .iter()
        .any(|s| !s.is_ascii() || s.chars().any(|c| c.is_ascii_control() || c == ' '))
    {
        f.error(
            "subject_alt_name",
            "Subject alternative names must be DNS names or IP addresses.",
        );
    }
    f.finish()?;
    let common_name = common_name.unwrap_or_default();
    let days = u32::try_from(validity_days.unwrap_or(1)).unwrap_or(1);
    {
        let mut conn = state.store.conn().await?;
        if certificates::name_taken(&mut conn, &common_name, None).await? {
            return Err(ApiError::field("common_name", "This field must be unique."));
        }
    }
    let cn = common_name.clone();
    let generated =
        tokio::task::spawn_blocking(move || generate_self_signed(&cn, &sans, days, alg))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| match e {
                CryptoError::InvalidCertificateParameters(msg) => {
                    ApiError::field("non_field_errors", msg)
                }
                other => ApiError::Internal(other.to_string()),
            })?;
    let mut kp = blank();
    kp.name = common_name;
    kp.certificate_data = generated.certificate_pem;
    kp.key_data = generated.private_key_pem;
    refresh_cache(&mut kp);
    let kp = insert(&state, &admin.user, &ctx, kp, None).await?;
    Ok(Json(to_json(&kp, include_details(&params))))
}

/// Records `secret_view` with a reference to the pair (never its data). The reference is added
/// after cleansing: authentik's cleanser recurses into the `secret` object (whose keys are not
/// sensitive) rather than masking it whole.
async fn secret_view(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    ctx: &RequestContext,
    user: &User,
    kp: &CertificateKeyPair,
    kind: &str,
) -> Result<(), StoreError> {
    let mut context = json!({"type": kind});
    audit::add_request_facts(&mut context, ctx);
    cleanse(&mut context);
    context["secret"] = model_ref(kp);
    let event = Event {
        event_uuid: Uuid::new_v4(),
        user: audit::user_snapshot(Some(user)),
        action: "secret_view".into(),
        app: SECRET_VIEW_APP.into(),
        context,
        client_ip: Some(ctx.client_ip.clone()),
        created: now,
        expires: now + Duration::days(audit::RETENTION_DAYS),
        brand: json!({}),
    };
    events::create(conn, &event).await
}

/// `attachment; filename="…"`; names that are not plain ASCII get an ASCII fallback plus an
/// RFC 5987 `filename*`.
fn attachment(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut value = format!("attachment; filename=\"{ascii}\"");
    if ascii != filename {
        let encoded: String = filename
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        value.push_str(&format!("; filename*=UTF-8''{encoded}"));
    }
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

async fn view(
    state: &AppState,
    admin: &User,
    ctx: &RequestContext,
    id: &str,
    params: &Params,
    private_key: bool,
) -> ApiResult<Response> {
    let mut tx = Write::begin(&state.store).await?;
    let now = tx.now();
    let kp = load(&mut tx, id).await?;
    let kind = if private_key {
        "private_key"
    } else {
        "certificate"
    };
    secret_view(&mut tx, now, ctx, admin, &kp, kind).await?;
    tx.commit().await?;
    let data = if private_key {
        kp.key_data
    } else {
        kp.certificate_data
    };
    // authentik checks for the parameter's presence only (`?download`, even `?download=false`).
    if params.get("download").is_some() {
        let filename = format!("{}_{kind}.pem", kp.name);
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-pem-file"),
                ),
                (header::CONTENT_DISPOSITION, attachment(&filename)),
            ],
            data,
        )
            .into_response());
    }
    Ok(Json(CertificateData { data }).into_response())
}

/// `GET /crypto/certificatekeypairs/{kp_uuid}/view_certificate/` (logs `secret_view`).
pub async fn view_certificate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    view(&state, &admin.user, &ctx, &id, &params, false).await
}

/// `GET /crypto/certificatekeypairs/{kp_uuid}/view_private_key/` (logs `secret_view`).
pub async fn view_private_key(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ctx: RequestContext,
    Path(id): Path<String>,
    params: Params,
) -> ApiResult<Response> {
    view(&state, &admin.user, &ctx, &id, &params, true).await
}

/// `GET /crypto/certificatekeypairs/{kp_uuid}/used_by/`: the brands serving the pair as their
/// web certificate (the only model referencing pairs so far). authentik's `web_certificate` is
/// `on_delete=SET_DEFAULT` (default null) and a brand's name is `str(brand)`.
pub async fn used_by(
    State(state): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<UsedBy>>> {
    let mut conn = state.store.conn().await?;
    let kp = load(&mut conn, &id).await?;
    let brands = certificates::used_by_brands(&mut conn, kp.kp_uuid).await?;
    Ok(Json(
        brands
            .into_iter()
            .map(|b| UsedBy {
                app: "authentik_brands".into(),
                model_name: "brand".into(),
                pk: b.brand_uuid.to_string(),
                name: if b.default {
                    "Default brand".into()
                } else {
                    format!("Brand {}", b.domain)
                },
                action: UsedByActionEnum::SetDefault,
            })
            .collect(),
    ))
}

/// Routes of this resource, relative to `/api/v3`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/crypto/certificatekeypairs/", get(list).post(create))
        .route("/crypto/certificatekeypairs/generate/", post(generate))
        .route(
            "/crypto/certificatekeypairs/{kp_uuid}/",
            get(retrieve)
                .put(update)
                .patch(partial_update)
                .delete(destroy),
        )
        .route(
            "/crypto/certificatekeypairs/{kp_uuid}/view_certificate/",
            get(view_certificate),
        )
        .route(
            "/crypto/certificatekeypairs/{kp_uuid}/view_private_key/",
            get(view_private_key),
        )
        .route(
            "/crypto/certificatekeypairs/{kp_uuid}/used_by/",
            get(used_by),
        )
}

/// Documented operations of this resource.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        "/crypto/certificatekeypairs/",
        "crypto_certificatekeypairs_list",
        "crypto",
        Some("PaginatedCertificateKeyPairList"),
        200,
    ),
    (
        "post",
        "/crypto/certificatekeypairs/",
        "crypto_certificatekeypairs_create",
        "crypto",
        Some("CertificateKeyPair"),
        201,
    ),
    (
        "post",
        "/crypto/certificatekeypairs/generate/",
        "crypto_certificatekeypairs_generate_create",
        "crypto",
        Some("CertificateKeyPair"),
        200,
    ),
    (
        "get",
        "/crypto/certificatekeypairs/{kp_uuid}/",
        "crypto_certificatekeypairs_retrieve",
        "crypto",
        Some("CertificateKeyPair"),
        200,
    ),
    (
        "put",
        "/crypto/certificatekeypairs/{kp_uuid}/",
        "crypto_certificatekeypairs_update",
        "crypto",
        Some("CertificateKeyPair"),
        200,
    ),
    (
        "patch",
        "/crypto/certificatekeypairs/{kp_uuid}/",
        "crypto_certificatekeypairs_partial_update",
        "crypto",
        Some("CertificateKeyPair"),
        200,
    ),
    (
        "delete",
        "/crypto/certificatekeypairs/{kp_uuid}/",
        "crypto_certificatekeypairs_destroy",
        "crypto",
        None,
        204,
    ),
    (
        "get",
        "/crypto/certificatekeypairs/{kp_uuid}/used_by/",
        "crypto_certificatekeypairs_used_by_list",
        "crypto",
        Some("[UsedBy]"),
        200,
    ),
    (
        "get",
        "/crypto/certificatekeypairs/{kp_uuid}/view_certificate/",
        "crypto_certificatekeypairs_view_certificate_retrieve",
        "crypto",
        Some("CertificateData"),
        200,
    ),
    (
        "get",
        "/crypto/certificatekeypairs/{kp_uuid}/view_private_key/",
        "crypto_certificatekeypairs_view_private_key_retrieve",
        "crypto",
        Some("CertificateData"),
        200,
    ),
];

/// Request bodies of this resource (method, path, schema, required).
pub const REQUEST_BODIES: &[RequestBody] = &[
    (
        "post",
        "/crypto/certificatekeypairs/",
        "CertificateKeyPairRequest",
        true,
    ),
    (
        "post",
        "/crypto/certificatekeypairs/generate/",
        "CertificateGenerationRequest",
        true,
    ),
    (
        "put",
        "/crypto/certificatekeypairs/{kp_uuid}/",
        "CertificateKeyPairRequest",
        true,
    ),
    (
        "patch",
        "/crypto/certificatekeypairs/{kp_uuid}/",
        "PatchedCertificateKeyPairRequest",
        false,
    ),
];

/// Component schemas of this resource.
#[derive(OpenApi)]
#[openapi(components(schemas(
    CertificateKeyPairJson,
    CertificateData,
    CertificateKeyPairRequest,
    PatchedCertificateKeyPairRequest,
    CertificateGenerationRequest,
    AlgEnum,
    UsedBy,
    UsedByActionEnum
)))]
pub struct Doc;

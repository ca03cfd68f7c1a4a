//! `GET /if/user/mfa/` lists the user's MFA devices (Duo, SMS, TOTP, static tokens and WebAuthn,
//! spec §5.2) and links to the setup stages' configure flows;
//! `POST /if/user/mfa/{class}/{id}/rename/` and `…/delete/` rename or delete one through the
//! same functions as `/api/v3/authenticators/{class}/{id}/` (records `model_updated` /
//! `model_deleted`; others' devices are 404).
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use castellan_store::{AnyConnection, flows, stages};
use http::request::Parts;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::render;
use super::{Refusal, field, poster, refused, section_page, see_other, visitor};
use crate::api::authenticators::{Target, delete as delete_device, rename as rename_device};
use crate::api::authenticators_json::{AnyDevice, DeviceKind, load};
use crate::context::RequestContext;
use crate::error::ApiError;
use crate::state::AppState;

const PAGE: &str = "/if/user/mfa/";

/// The setup stages whose configure flows the page links to.
const SETUP_STAGES: [&str; 5] = [
    "authentik_stages_authenticator_duo.authenticatorduostage",
    "authentik_stages_authenticator_sms.authenticatorsmsstage",
    "authentik_stages_authenticator_totp.authenticatortotpstage",
    "authentik_stages_authenticator_static.authenticatorstaticstage",
    "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage",
];

fn kind(class: &str) -> Result<DeviceKind, Refusal> {
    match class {
        "duo" => Ok(DeviceKind::Duo),
        "totp" => Ok(DeviceKind::Totp),
        "static" => Ok(DeviceKind::Static),
        "sms" => Ok(DeviceKind::Sms),
        "webauthn" => Ok(DeviceKind::WebAuthn),
        _ => Err(ApiError::NotFound.into()),
    }
}

fn class(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Duo => "duo",
        DeviceKind::Totp => "totp",
        DeviceKind::Static => "static",
        DeviceKind::Sms => "sms",
        DeviceKind::WebAuthn => "webauthn",
    }
}

/// The type column: a WebAuthn device's model when known, else the class's verbose name.
fn type_label(d: &AnyDevice) -> &str {
    match d {
        AnyDevice::WebAuthn(w) => w
            .device_type
            .as_ref()
            .map_or("WebAuthn Device", |t| t.description.as_str()),
        _ => d.kind().verbose().0,
    }
}

/// `{name, url}` of every setup stage's configure flow, deduplicated by URL.
async fn enroll_links(conn: &mut AnyConnection) -> Result<Vec<Value>, Refusal> {
    let mut out: Vec<Value> = Vec::new();
    for kind in SETUP_STAGES {
        for stage in stages::all(conn, Some(kind)).await? {
            let Some(flow) = stage
                .config
                .get("configure_flow")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
            else {
                continue;
            };
            let Some(flow) = flows::get(conn, flow).await? else {
                continue;
            };
            let url = format!("/if/flow/{}/?next={PAGE}", flow.slug);
            if out.iter().any(|l| l["url"] == url) {
                continue;
            }
            let name = stage
                .config
                .get("friendly_name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or(&stage.name);
            out.push(json!({"name": name, "url": url}));
        }
    }
    Ok(out)
}

/// Shows the MFA devices page.
pub async fn page(State(state): State<AppState>, parts: Parts) -> Response {
    let run = async {
        let v = visitor(&state, &parts).await?;
        let mut conn = state.store.conn().await?;
        let brand = render::brand(&mut conn, &parts).await?;
        let devices = load(&mut conn, None, Some(v.principal.user.pk), true).await?;
        let list: Vec<Value> = devices
            .iter()
            .map(|d| {
                let c = d.common();
                json!({"pk": c.pk, "class": class(d.kind()), "name": c.name,
                       "type": type_label(d),
                       "created": c.created.format("%Y-%m-%d %H:%M UTC").to_string(),
                       "last_used": c.last_used.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())})
            })
            .collect();
        let enroll = enroll_links(&mut conn).await?;
        Ok::<_, Refusal>(section_page(
            StatusCode::OK,
            v,
            &brand,
            ("mfa", "MFA devices", "mfa.html"),
            render::value(json!({"devices": list, "enroll": enroll})),
        ))
    };
    run.await.unwrap_or_else(refused)
}

/// Renames one of the user's devices (form field `name`).
pub async fn rename(
    State(state): State<AppState>,
    Path((class, id)): Path<(String, String)>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let kind = kind(&class)?;
        let (v, fields) = poster(&state, &mut parts, &body).await?;
        let ctx = RequestContext::of(&parts, &state);
        let mut body = Map::new();
        body.insert("name".into(), json!(field(&fields, "name")));
        let target = Target {
            kind,
            id: &id,
            owner: Some(v.principal.user.pk),
            action: None,
        };
        let _renamed = rename_device(&state, &v.own(), &ctx, target, &body, false).await?;
        Ok::<_, Refusal>(see_other(PAGE))
    };
    run.await.unwrap_or_else(refused)
}

/// Deletes one of the user's devices.
pub async fn delete(
    State(state): State<AppState>,
    Path((class, id)): Path<(String, String)>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let kind = kind(&class)?;
        let (v, _) = poster(&state, &mut parts, &body).await?;
        let ctx = RequestContext::of(&parts, &state);
        let target = Target {
            kind,
            id: &id,
            owner: Some(v.principal.user.pk),
            action: None,
        };
        delete_device(&state, &v.own(), &ctx, target).await?;
        Ok::<_, Refusal>(see_other(PAGE))
    };
    run.await.unwrap_or_else(refused)
}

//! `GET /if/user/mfa/` lists the user's MFA devices (TOTP and static tokens, spec §5.2);
//! `POST /if/user/mfa/{class}/{id}/rename/` and `…/delete/` rename or delete one through the
//! same functions as `/api/v3/authenticators/{class}/{id}/` (records `model_updated` /
//! `model_deleted`; others' devices are 404).
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use http::request::Parts;
use serde_json::{Map, Value, json};

use super::render;
use super::{Refusal, field, poster, refused, section_page, see_other, visitor};
use crate::api::authenticators::{Target, delete as delete_device, rename as rename_device};
use crate::api::authenticators_json::{DeviceKind, load};
use crate::context::RequestContext;
use crate::error::ApiError;
use crate::state::AppState;

const PAGE: &str = "/if/user/mfa/";

fn kind(class: &str) -> Result<DeviceKind, Refusal> {
    match class {
        "totp" => Ok(DeviceKind::Totp),
        "static" => Ok(DeviceKind::Static),
        _ => Err(ApiError::NotFound.into()),
    }
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
                let class = match d.kind() {
                    DeviceKind::Totp => "totp",
                    DeviceKind::Static => "static",
                };
                json!({"pk": c.pk, "class": class, "name": c.name,
                       "type": d.kind().verbose().0,
                       "created": c.created.format("%Y-%m-%d %H:%M UTC").to_string(),
                       "last_used": c.last_used.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())})
            })
            .collect();
        Ok::<_, Refusal>(section_page(
            StatusCode::OK,
            v,
            &brand,
            ("mfa", "MFA devices", "mfa.html"),
            render::value(json!({"devices": list})),
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
        };
        delete_device(&state, &v.own(), &ctx, target).await?;
        Ok::<_, Refusal>(see_other(PAGE))
    };
    run.await.unwrap_or_else(refused)
}

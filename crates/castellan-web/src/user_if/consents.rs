//! `GET /if/user/consents/` lists the user's consent records (paged, `?page=N`); `POST /if/user/consents/{id}/revoke/`
//! deletes one through the same function as `DELETE /api/v3/core/user_consent/{id}/` (records
//! `model_deleted`; others' records are 404).
use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use castellan_store::applications;
use castellan_store::consent::{self, ConsentFilter};
use http::request::Parts;
use serde_json::json;

use super::{Refusal, poster, refused, section_page, see_other, visitor};
use super::{paging, render};
use crate::context::RequestContext;
use crate::state::AppState;

/// Shows the consents page.
pub async fn page(State(state): State<AppState>, parts: Parts) -> Response {
    match show(&state, &parts).await {
        Ok(r) => r,
        Err(r) => refused(r),
    }
}

async fn show(state: &AppState, parts: &Parts) -> Result<Response, Refusal> {
    let v = visitor(state, parts).await?;
    let mut conn = state.store.conn().await?;
    let brand = render::brand(&mut conn, parts).await?;
    let f = ConsentFilter {
        owner: Some(v.principal.user.pk),
        ..Default::default()
    };
    let mut number = paging::requested(parts);
    let (mut rows, count) = consent::list_filtered(&mut conn, &f, paging::page(number)).await?;
    if number > paging::pages(count) {
        number = paging::clamp(number, count);
        rows = consent::list_filtered(&mut conn, &f, paging::page(number))
            .await?
            .0;
    }
    let mut app_ids: Vec<_> = rows.iter().map(|c| c.application).collect();
    app_ids.sort_unstable();
    app_ids.dedup();
    let names: HashMap<_, _> = applications::get_many(&mut conn, &app_ids)
        .await?
        .into_iter()
        .map(|a| (a.pk, a.name))
        .collect();
    let list: Vec<_> = rows
        .into_iter()
        .map(|c| {
            json!({
                "pk": c.pk,
                "application": names.get(&c.application).cloned().unwrap_or_default(),
                "permissions": c.permissions, "expiring": c.expiring,
                "expires": c.expires.map(|e| e.format("%Y-%m-%d %H:%M UTC").to_string()),
            })
        })
        .collect();
    Ok(section_page(
        StatusCode::OK,
        v,
        &brand,
        ("consents", "Consents", "consents.html"),
        render::value(json!({
            "consents": list,
            "pager": paging::pager("/if/user/consents/", number, count),
        })),
    ))
}

/// Revokes one of the user's consents.
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (v, _) = poster(&state, &mut parts, &body).await?;
        let ctx = RequestContext::of(&parts, &state);
        crate::api::consent::destroy(State(state.clone()), v.own(), ctx, Path(id)).await?;
        Ok::<_, Refusal>(see_other("/if/user/consents/"))
    };
    run.await.unwrap_or_else(refused)
}

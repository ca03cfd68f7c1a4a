//! `GET /if/user/sessions/` lists the user's authenticated sessions (user agent, last IP, last
//! used), paged (`?page=N`); `POST /if/user/sessions/{uuid}/revoke/` ends one through the same function as
//! `DELETE /api/v3/core/authenticated_sessions/{uuid}/` (owner-scoped: others' are 404).
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use castellan_store::sessions::{self, AuthenticatedSessionFilter};
use http::request::Parts;
use serde_json::json;

use super::{Refusal, poster, refused, section_page, see_other, visitor};
use super::{paging, render};
use crate::auth::AuthMethod;
use crate::state::AppState;

/// Shows the sessions page.
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
    let f = AuthenticatedSessionFilter {
        owner: Some(v.principal.user.pk),
        order_by: Some("s.last_used DESC, s.uuid ASC".into()),
        ..Default::default()
    };
    let mut number = paging::requested(parts);
    let (mut rows, count) =
        sessions::list_authenticated_filtered(&mut conn, &f, paging::page(number)).await?;
    if number > paging::pages(count) {
        number = paging::clamp(number, count);
        rows = sessions::list_authenticated_filtered(&mut conn, &f, paging::page(number))
            .await?
            .0;
    }
    let current = match &v.principal.method {
        AuthMethod::Session(key) => Some(key.as_str()),
        AuthMethod::Token => None,
    };
    let list: Vec<_> = rows
        .into_iter()
        .map(|s| {
            json!({
                "uuid": s.uuid, "current": current == Some(s.session_key.as_str()),
                "last_user_agent": s.last_user_agent, "last_ip": s.last_ip,
                "last_used": s.last_used.format("%Y-%m-%d %H:%M UTC").to_string(),
                "expires": s.expires.map(|e| e.format("%Y-%m-%d %H:%M UTC").to_string()),
            })
        })
        .collect();
    Ok(section_page(
        StatusCode::OK,
        v,
        &brand,
        ("sessions", "Sessions", "sessions.html"),
        render::value(json!({
            "sessions": list,
            "pager": paging::pager("/if/user/sessions/", number, count),
        })),
    ))
}

/// Revokes one of the user's sessions.
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (v, _) = poster(&state, &mut parts, &body).await?;
        crate::api::sessions::destroy(State(state.clone()), v.own(), Path(id)).await?;
        Ok::<_, Refusal>(see_other("/if/user/sessions/"))
    };
    run.await.unwrap_or_else(refused)
}

//! `GET /if/user/settings/`: the profile and links that start the brand's user-settings flow and
//! the password stages' configure flows (`/if/flow/<slug>/`).
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use castellan_store::{flows, stages};
use http::request::Parts;
use serde_json::{Value, json};
use uuid::Uuid;

use super::render;
use super::{Refusal, refused, section_page, visitor};
use crate::state::AppState;

/// The `meta_model_name` of password stages.
const PASSWORD_STAGE: &str = "authentik_stages_password.passwordstage";

/// Shows the settings page.
pub async fn page(State(state): State<AppState>, parts: Parts) -> Response {
    match show(&state, &parts).await {
        Ok(r) => r,
        Err(r) => refused(r),
    }
}

async fn flow_url(
    conn: &mut castellan_store::AnyConnection,
    pk: Option<Uuid>,
) -> Result<Option<String>, Refusal> {
    let Some(pk) = pk else { return Ok(None) };
    Ok(flows::get(conn, pk)
        .await?
        .map(|f| format!("/if/flow/{}/", f.slug)))
}

async fn show(state: &AppState, parts: &Parts) -> Result<Response, Refusal> {
    let v = visitor(state, parts).await?;
    let mut conn = state.store.conn().await?;
    let brand = render::brand(&mut conn, parts).await?;
    let settings_url = flow_url(&mut conn, brand.flow_user_settings).await?;
    let mut password_urls = Vec::new();
    for stage in stages::all(&mut conn, Some(PASSWORD_STAGE)).await? {
        let configure = stage
            .config
            .get("configure_flow")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok());
        if let Some(url) = flow_url(&mut conn, configure).await?
            && !password_urls.iter().any(|p: &Value| p["url"] == url)
        {
            password_urls.push(json!({"name": stage.name, "url": url}));
        }
    }
    let user = &v.principal.user;
    let data = render::value(json!({
        "name": user.name, "username": user.username, "email": user.email,
        "settings_url": settings_url, "password_urls": password_urls,
    }));
    Ok(section_page(
        StatusCode::OK,
        v,
        &brand,
        ("settings", "Settings", "settings.html"),
        data,
    ))
}

//! `GET /if/user/`: "My applications", the applications the user may access (their policy
//! bindings evaluated for the user, as authentik's library does), grouped, with icons, launch
//! URLs and a `?search=` box.
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use castellan_flows::FlowRequest;
use castellan_store::Page;
use castellan_store::applications::{self, ApplicationFilter};
use http::request::Parts;
use serde::Serialize;
use serde_json::Map;

use super::render;
use super::{Refusal, refused, section_page, visitor};
use crate::api::applications::{ApplicationJson, applications_json};
use crate::context::RequestContext;
use crate::flow::env::StoreFlowEnv;
use crate::flow::{policies, user_json};
use crate::state::AppState;

/// The most applications the library reads (before policy filtering).
const LIMIT: i64 = 1000;

#[derive(Serialize)]
struct Group {
    name: String,
    apps: Vec<ApplicationJson>,
}

/// Shows the library.
pub async fn page(State(state): State<AppState>, parts: Parts) -> Response {
    match show(&state, &parts).await {
        Ok(r) => r,
        Err(r) => refused(r),
    }
}

fn search_param(parts: &Parts) -> Option<String> {
    let q = parts.uri.query()?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "search")
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

async fn show(state: &AppState, parts: &Parts) -> Result<Response, Refusal> {
    let v = visitor(state, parts).await?;
    let search = search_param(parts);
    let mut conn = state.store.conn().await?;
    let brand = render::brand(&mut conn, parts).await?;
    let f = ApplicationFilter {
        search: search.clone(),
        ..Default::default()
    };
    let page = Page {
        page: 1,
        page_size: LIMIT,
    };
    let (apps, _) = applications::list(&mut conn, &f, page).await?;
    let user = &v.principal.user;
    let tagged = user_json::of(state, &mut conn, user).await?;
    let ctx = RequestContext::of(parts, state);
    let request = FlowRequest {
        client_ip: ctx.client_ip.clone(),
        user_agent: ctx.user_agent.clone(),
        request_id: ctx.request_id.clone(),
        user: Some(tagged.clone()),
        is_superuser: v.principal.is_superuser,
        ..Default::default()
    };
    let mut env = StoreFlowEnv::new(state.clone(), conn, ctx);
    let mut allowed = Vec::with_capacity(apps.len());
    for app in apps {
        let verdict = policies::evaluate(
            &mut env,
            app.pk,
            app.policy_engine_mode,
            Some(&tagged),
            &Map::new(),
            &request,
        )
        .await
        .map_err(|e| Refusal::Error(crate::error::ApiError::Internal(e.0)))?;
        if verdict.passing {
            allowed.push(app);
        }
    }
    let apps = applications_json(&mut env.conn, allowed, user).await?;
    let mut groups: Vec<Group> = Vec::new();
    for app in apps {
        match groups.iter_mut().find(|g| g.name == app.group) {
            Some(g) => g.apps.push(app),
            None => groups.push(Group {
                name: app.group.clone(),
                apps: vec![app],
            }),
        }
    }
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(section_page(
        StatusCode::OK,
        v,
        &brand,
        ("library", "My applications", "library.html"),
        render::value(serde_json::json!({"groups": groups, "search": search})),
    ))
}

/// The name shown for the signed-in user (name, else username).
pub fn display(user: &castellan_core::user::User) -> &str {
    if user.name.is_empty() {
        &user.username
    } else {
        &user.name
    }
}

//! `/if/admin/` (overview: version, object counts, login counts, system checks, recent events)
//! and `/if/admin/system/` (version, system information and the version history, new in
//! 2024.10).
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::Response;
use http::request::Parts;
use serde_json::{Value, json};

use super::dispatch::InternalApi;
use super::{reader, viewer};
use crate::state::AppState;

/// Shows the overview.
pub async fn page(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    parts: Parts,
) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        let caller = reader(&api, &parts, &a);
        let count = |path: &'static str| {
            let caller = &caller;
            async move {
                let answer = caller.get(path).await;
                answer.body["pagination"]["count"].as_i64()
            }
        };
        let version = caller.get("/admin/version/").await;
        let system = caller.get("/admin/system/").await;
        let mut cards = Vec::new();
        cards.push(json!({"label": "Version", "value": version.body["version_current"], "href": "/if/admin/system/"}));
        for (label, path, href, help) in [
            (
                "Users",
                "/core/users/?page_size=1",
                "/if/admin/users/",
                None,
            ),
            (
                "Groups",
                "/core/groups/?page_size=1&include_users=false",
                "/if/admin/groups/",
                None,
            ),
            (
                "Applications",
                "/core/applications/?page_size=1",
                "/if/admin/applications/",
                None,
            ),
            (
                "Flows",
                "/flows/instances/?page_size=1",
                "/if/admin/flows/",
                None,
            ),
            (
                "Logins",
                "/events/events/?page_size=1&action=login",
                "/if/admin/events/?action=login",
                Some("Within the event retention"),
            ),
            (
                "Failed logins",
                "/events/events/?page_size=1&action=login_failed",
                "/if/admin/events/?action=login_failed",
                Some("Within the event retention"),
            ),
        ] {
            cards.push(
                json!({"label": label, "value": count(path).await, "href": href, "help": help}),
            );
        }
        let blueprints = caller.get("/managed/blueprints/?page_size=100").await;
        let failing: Vec<String> = blueprints.body["results"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter(|b| b["enabled"] == json!(true) && b["status"] == json!("error"))
                    .filter_map(|b| b["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let checks = vec![
            json!({"label": "Database", "ok": version.ok() && system.ok(), "detail": state.store.backend().as_str()}),
            json!({"label": "Served over HTTPS", "ok": system.body["http_is_secure"] == json!(true),
                   "detail": if system.body["http_is_secure"] == json!(true) { "" } else { "Session cookies are not marked Secure on plain HTTP." }}),
            json!({"label": "Blueprints applied", "ok": failing.is_empty(), "detail": failing.join(", ")}),
        ];
        let mut events = caller
            .get("/events/events/?page_size=10&ordering=-created")
            .await;
        if let Some(list) = events.body["results"].as_array_mut() {
            for e in list {
                e["created"] = super::fields::readable(e["created"].take());
            }
        }
        Ok(a.show(
            StatusCode::OK,
            ("overview", "Overview", "overview.html"),
            json!({"cards": cards, "checks": checks, "events": events.body["results"]}),
        ))
    };
    run.await.unwrap_or_else(|r: Response| r)
}

/// Shows the system page.
pub async fn system(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    parts: Parts,
) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        let caller = reader(&api, &parts, &a);
        let version = caller.get("/admin/version/").await.body;
        let mut system = caller.get("/admin/system/").await.body;
        // Request headers are the admin's own; they add nothing here.
        if let Some(o) = system.as_object_mut() {
            o.remove("http_headers");
        }
        let history = caller.get("/admin/version/history/").await.body;
        let history = match history {
            Value::Array(list) => Value::Array(list),
            other => other["results"].clone(),
        };
        Ok(a.show(
            StatusCode::OK,
            ("system", "System", "system.html"),
            json!({"version": version, "system": system, "history": history}),
        ))
    };
    run.await.unwrap_or_else(|r: Response| r)
}

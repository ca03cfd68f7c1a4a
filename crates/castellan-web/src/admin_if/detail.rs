//! `/if/admin/{kind}/{id}/`: one object's fields, its actions, the lists of objects bound to it
//! (stage and policy bindings with inline ordering, group members, user sessions) and, for a
//! flow, its diagram; plus the delete confirmation.
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use http::Method;
use http::request::Parts;
use serde_json::{Value, json};

use super::catalog::{Create, Kind, Related, at, kind};
use super::dispatch::{Caller, InternalApi};
use super::fields::{label, readable, scalar};
use super::{
    Admin, Answer, encode, kind_or_404, object_href, reader, safe_next, see_other, segment, viewer,
    writer,
};
use crate::state::AppState;

/// The API URL of an object and, for stage and policy types, of its typed endpoint.
pub struct Located {
    /// The object as the typed endpoint (or the collection) returns it.
    pub object: Value,
    /// Its API URL (typed where the kind has types).
    pub api: String,
    /// Its URL in the kind's collection (where extra actions such as `test/` live).
    pub base: String,
}

/// Loads an object of `kind` by its lookup `id` (typed kinds through their type's endpoint).
pub async fn locate(caller: &Caller<'_>, kind: &Kind, id: &str) -> Result<Located, StatusCode> {
    let base = format!("{}{}/", kind.api, segment(id));
    let answer = caller.get(&base).await;
    if !answer.ok() {
        return Err(answer.status);
    }
    if let Create::Typed(family) = kind.create
        && let Some(spec) = answer.body["meta_model_name"]
            .as_str()
            .and_then(|m| family.spec(m))
    {
        let api = format!("/{}/{}/", spec.api, segment(id));
        let typed = caller.get(&api).await;
        if typed.ok() {
            return Ok(Located {
                object: typed.body,
                api,
                base,
            });
        }
    }
    Ok(Located {
        object: answer.body,
        api: base.clone(),
        base,
    })
}

/// Fields shown as blocks (JSON) rather than inline values.
fn is_block(v: &Value) -> bool {
    match v {
        Value::Object(o) => !(o.is_empty() || o.contains_key("name") || o.contains_key("pk")),
        Value::Array(a) => a.iter().any(|x| x.is_object() && x.get("name").is_none()),
        _ => false,
    }
}

/// Shows an object.
pub async fn page(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path((key, id)): Path<(String, String)>,
    parts: Parts,
) -> Response {
    render(&state, &api, &key, &id, &parts, None)
        .await
        .unwrap_or_else(|r| r)
}

async fn render(
    state: &AppState,
    api: &InternalApi,
    key: &str,
    id: &str,
    parts: &Parts,
    notice: Option<String>,
) -> Answer {
    let a = viewer(state, parts).await?;
    let (a, kind) = kind_or_404(a, key)?;
    let caller = reader(api, parts, &a);
    let found = match locate(&caller, kind, id).await {
        Ok(f) => f,
        Err(_) => return Err(a.not_found()),
    };
    let obj = &found.object;
    let here = format!("/if/admin/{}/{}/", kind.key, segment(id));
    let mut fields: Vec<Value> = obj
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    if is_block(v) {
                        json!({"label": label(k), "block": serde_json::to_string_pretty(v).unwrap_or_default()})
                    } else {
                        json!({"label": label(k), "value": readable(v.clone())})
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let actions: Vec<Value> = kind
        .actions
        .iter()
        .map(|act| {
            json!({
                "label": act.label,
                "href": format!("{here}do/{}/", act.name),
                "form": act.schema.is_some() || act.method == "GET",
            })
        })
        .collect();
    let mut related = Vec::new();
    let mut bindings = None;
    for r in kind.related {
        let listed = related_list(&caller, r, obj, &here).await;
        if r.kind == "flow-bindings" && kind.key == "flows" {
            bindings = Some(listed.clone());
        }
        related.push(listed);
    }
    let mut links = Vec::new();
    let mut diagram = Value::Null;
    let mut mermaid = Value::Null;
    match kind.key {
        "flows" => {
            let slug = scalar(&obj["slug"]);
            links
                .push(json!({"label": "Execute", "href": format!("/if/flow/{}/", segment(&slug))}));
            links.push(json!({"label": "Export", "href": format!("/api/v3/flows/instances/{}/export/", segment(&slug))}));
            diagram = diagram_of(bindings.as_ref());
            let d = caller
                .get(&format!("/flows/instances/{}/diagram/", segment(&slug)))
                .await;
            if d.ok() {
                mermaid = d.body["diagram"].clone();
            }
        }
        "oauth2-providers" => {
            // The endpoints a relying party is configured with (once an application is set).
            let pk = scalar(&obj["pk"]);
            let urls = caller
                .get(&format!("/providers/oauth2/{}/setup_urls/", segment(&pk)))
                .await;
            for (k, v) in urls
                .body
                .as_object()
                .filter(|_| urls.ok())
                .into_iter()
                .flatten()
            {
                fields.push(json!({"label": format!("Setup: {}", label(k)), "value": v}));
            }
        }
        "blueprints" => {
            let pk = scalar(&obj["pk"]);
            links.push(json!({"label": "Plan", "href": format!("/if/admin/blueprints/{}/plan/", segment(&pk))}));
        }
        "users" => {
            let username = scalar(&obj["username"]);
            links.push(json!({"label": "Events", "href": format!("/if/admin/events/?{}", encode(&[("username", &username)]))}));
            let pk = scalar(&obj["pk"]);
            links.push(json!({"label": "MFA devices", "href": format!("/if/admin/users/{}/mfa/", segment(&pk))}));
        }
        _ => {}
    }
    let title = at(obj, kind.title)
        .map(scalar)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| id.to_string());
    let title = format!("{}: {}", kind.singular, title);
    Ok(a.show(
        StatusCode::OK,
        (kind.key, &title, "detail.html"),
        json!({
            "here": here,
            "notice": notice,
            "fields": fields,
            "actions": actions,
            "links": links,
            "related": related,
            "diagram": diagram,
            "mermaid": mermaid,
            "edit": (kind.writable && kind.create != Create::No).then(|| format!("{here}edit/")),
            "delete": kind.writable.then(|| format!("{here}delete/")),
        }),
    ))
}

async fn related_list(caller: &Caller<'_>, r: &Related, obj: &Value, here: &str) -> Value {
    let Some(rk) = kind(r.kind) else {
        return Value::Null;
    };
    let value = at(obj, r.from).map(scalar).unwrap_or_default();
    let mut pairs = vec![(r.filter, value.as_str()), ("page_size", "100")];
    if let Some(o) = r.ordering {
        pairs.push(("ordering", o));
    }
    let answer = caller.get(&format!("{}?{}", rk.api, encode(&pairs))).await;
    let rows: Vec<Value> = answer.body["results"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|o| {
                    let href = object_href(rk, o);
                    let pk = scalar(&o[rk.lookup]);
                    json!({
                        "cells": r.columns.iter().map(|(p, _)| readable(at(o, p).cloned().unwrap_or(Value::Null))).collect::<Vec<_>>(),
                        "href": href,
                        "pk": pk,
                        "order": o.get("order"),
                        "order_action": format!("/if/admin/{}/{}/do/order/", rk.key, segment(&pk)),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let add = r.add.filter(|_| !value.is_empty()).map(|field| {
        let next_order = rows
            .iter()
            .filter_map(|row| row["order"].as_i64())
            .max()
            .map(|m| (m + 10).to_string())
            .unwrap_or_else(|| "10".into());
        let mut pairs = vec![(field, value.as_str()), ("next", here)];
        if r.reorder {
            pairs.push(("order", next_order.as_str()));
        }
        format!("/if/admin/{}/new/?{}", rk.key, encode(&pairs))
    });
    json!({
        "title": r.title,
        "columns": r.columns.iter().map(|(_, l)| *l).collect::<Vec<_>>(),
        "rows": rows,
        "count": answer.body["pagination"]["count"],
        "add": add,
        "reorder": r.reorder,
    })
}

/// The flow's stages in order, for the diagram.
fn diagram_of(bindings: Option<&Value>) -> Value {
    let Some(rows) = bindings.and_then(|b| b["rows"].as_array()) else {
        return Value::Null;
    };
    let steps: Vec<Value> = rows
        .iter()
        .map(|r| {
            let cells = &r["cells"];
            json!({"order": cells[0], "name": cells[1], "type": cells[2]})
        })
        .collect();
    json!(steps)
}

/// Asks for confirmation before deleting an object.
pub async fn delete_page(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path((key, id)): Path<(String, String)>,
    parts: Parts,
) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        let (a, kind) = kind_or_404(a, &key)?;
        if !kind.writable {
            return Err(a.not_found());
        }
        let found = match locate(&reader(&api, &parts, &a), kind, &id).await {
            Ok(f) => f,
            Err(_) => return Err(a.not_found()),
        };
        Ok(confirm(a, kind, &id, &found.object, None, StatusCode::OK))
    };
    run.await.unwrap_or_else(|r| r)
}

fn confirm(
    a: Admin,
    kind: &Kind,
    id: &str,
    obj: &Value,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let here = format!("/if/admin/{}/{}/", kind.key, segment(id));
    let name = at(obj, kind.title)
        .map(scalar)
        .unwrap_or_else(|| id.to_string());
    let title = format!("Delete {}", kind.singular);
    a.show(
        status,
        (kind.key, &title, "confirm.html"),
        json!({
            "question": format!("Are you sure you want to delete {} \"{}\"?", kind.singular.to_lowercase(), name),
            "action": format!("{here}delete/"),
            "submit": "Delete",
            "cancel": here,
            "error": error,
        }),
    )
}

/// Deletes an object through the API and returns to the list.
pub async fn delete(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path((key, id)): Path<(String, String)>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (a, form) = writer(&state, &mut parts, &body).await?;
        let (a, kind) = kind_or_404(a, &key)?;
        if !kind.writable {
            return Err(a.not_found());
        }
        let token = a.v.csrf.clone();
        let caller = Caller::writer(&api, &parts, &a.v.principal, &token);
        let found = match locate(&caller, kind, &id).await {
            Ok(f) => f,
            Err(_) => return Err(a.not_found()),
        };
        let answer = caller.send(Method::DELETE, &found.api, None).await;
        if answer.ok() {
            let back = safe_next(super::param(&form, "next"))
                .unwrap_or_else(|| format!("/if/admin/{}/", kind.key));
            return Ok(see_other(&back));
        }
        let status = if answer.status.is_client_error() {
            answer.status
        } else {
            StatusCode::BAD_GATEWAY
        };
        Ok(confirm(
            a,
            kind,
            &id,
            &found.object,
            Some(answer.detail()),
            status,
        ))
    };
    run.await.unwrap_or_else(|r| r)
}

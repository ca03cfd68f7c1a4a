//! `/if/admin/{kind}/`: a kind's objects as a table, paginated, searched, filtered and sorted by
//! the API (`page`, `page_size`, `search`, `ordering` and the kind's filters), with links to each
//! object and to the create form.
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use http::request::Parts;
use serde_json::{Value, json};

use super::catalog::{Create, Kind, at};
use super::dispatch::InternalApi;
use super::fields::readable;
use super::{Answer, encode, kind_or_404, object_href, param, query, reader, viewer};
use crate::state::AppState;

/// Rows per page.
pub const PAGE_SIZE: i64 = 20;

/// Shows a kind's list.
pub async fn page(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path(key): Path<String>,
    parts: Parts,
) -> Response {
    render(&state, &api, &key, &parts)
        .await
        .unwrap_or_else(|r| r)
}

async fn render(state: &AppState, api: &InternalApi, key: &str, parts: &Parts) -> Answer {
    let a = viewer(state, parts).await?;
    let (a, kind) = kind_or_404(a, key)?;
    let q = query(parts);
    let page_no = param(&q, "page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let search = param(&q, "search").unwrap_or_default().trim().to_string();
    let ordering = param(&q, "ordering")
        .map(str::to_string)
        .filter(|o| sortable(kind, o))
        .or(kind.ordering.map(str::to_string))
        .unwrap_or_default();
    let filters: Vec<(&str, &str, String)> = kind
        .filters
        .iter()
        .map(|(name, label)| {
            (
                *name,
                *label,
                param(&q, name).unwrap_or_default().trim().to_string(),
            )
        })
        .collect();
    // The state that every link of the page keeps (search, filters, ordering).
    let mut keep: Vec<(&str, &str)> = Vec::new();
    if !search.is_empty() {
        keep.push(("search", &search));
    }
    for (name, _, value) in &filters {
        if !value.is_empty() {
            keep.push((name, value));
        }
    }
    let size = PAGE_SIZE.to_string();
    let number = page_no.to_string();
    let mut call = keep.clone();
    call.extend_from_slice(super::catalog::list_extra(kind.key));
    call.push(("page", &number));
    call.push(("page_size", &size));
    if !ordering.is_empty() {
        call.push(("ordering", &ordering));
    }
    let answer = reader(api, parts, &a)
        .get(&format!("{}?{}", kind.api, encode(&call)))
        .await;
    let (rows, pagination, error) = if answer.ok() {
        let rows: Vec<Value> = answer.body["results"]
            .as_array()
            .map(|r| r.iter().map(|o| row(kind, o)).collect())
            .unwrap_or_default();
        (rows, answer.body["pagination"].clone(), Value::Null)
    } else {
        (Vec::new(), Value::Null, json!(answer.detail()))
    };
    let link = |extra: &[(&str, &str)]| {
        let mut pairs = keep.clone();
        pairs.extend_from_slice(extra);
        format!("/if/admin/{}/?{}", kind.key, encode(&pairs))
    };
    let columns: Vec<Value> = kind
        .columns
        .iter()
        .map(|(_, label, sort)| match sort {
            Some(s) => {
                let (sorted, next) = if ordering == *s {
                    ("ascending", format!("-{s}"))
                } else if ordering == format!("-{s}") {
                    ("descending", s.to_string())
                } else {
                    ("", s.to_string())
                };
                json!({"label": label, "href": link(&[("ordering", &next)]), "sorted": (!sorted.is_empty()).then_some(sorted)})
            }
            None => json!({"label": label}),
        })
        .collect();
    let with_order = |p: i64| {
        let p = p.to_string();
        let mut extra = vec![("page", p.as_str())];
        if !ordering.is_empty() {
            extra.push(("ordering", ordering.as_str()));
        }
        link(&extra)
    };
    let prev = pagination["previous"]
        .as_i64()
        .filter(|p| *p > 0)
        .map(with_order);
    let next = pagination["next"]
        .as_i64()
        .filter(|p| *p > 0)
        .map(with_order);
    let filters: Vec<Value> = filters
        .iter()
        .map(|(name, label, value)| json!({"name": name, "label": label, "value": value}))
        .collect();
    let mut kind_links = Vec::new();
    if kind.key == "certificates" {
        kind_links
            .push(json!({"label": "Generate", "href": "/if/admin/certificates/new/?generate=1"}));
    }
    if kind.key == "blueprints" {
        kind_links.push(json!({"label": "Validate", "href": super::blueprint_pages::VALIDATE}));
    }
    if kind.key == "flows" {
        kind_links.push(json!({"label": "Import", "href": super::flow_import::IMPORT}));
    }
    let status = if error.is_null() {
        StatusCode::OK
    } else {
        answer.status
    };
    Ok(a.show(
        status,
        (kind.key, kind.label, "list.html"),
        json!({
            "kind": kind.key,
            "columns": columns,
            "rows": rows,
            "pagination": pagination,
            "prev": prev,
            "next": next,
            "error": error,
            "search": kind.search,
            "filters": filters,
            "query": {"search": search, "ordering": ordering},
            "can_create": kind.create != Create::No,
            "kind_links": kind_links,
        }),
    ))
}

/// Whether `ordering` (`name` / `-name`) is one of the kind's sortable columns.
fn sortable(kind: &Kind, ordering: &str) -> bool {
    let key = ordering.strip_prefix('-').unwrap_or(ordering);
    kind.columns.iter().any(|(_, _, s)| *s == Some(key))
}

fn row(kind: &Kind, obj: &Value) -> Value {
    let cells: Vec<Value> = kind
        .columns
        .iter()
        .map(|(path, _, _)| readable(at(obj, path).cloned().unwrap_or(Value::Null)))
        .collect();
    json!({"cells": cells, "href": object_href(kind, obj)})
}

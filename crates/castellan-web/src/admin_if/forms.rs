//! `/if/admin/{kind}/new/` and `/if/admin/{kind}/{id}/edit/`: create and edit forms built from the
//! API's request schema (for stages and policies: after picking a type), posted back here and
//! sent to the API; its field errors are shown beside the inputs with the posted values kept.
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use http::Method;
use http::request::Parts;
use serde_json::{Value, json};

use super::catalog::{Create, Kind, at, create_defaults};
use super::detail::locate;
use super::dispatch::{Caller, InternalApi};
use super::fields::{self, Errors, Field, Widget};
use super::{
    Admin, encode, kind_or_404, object_href, param, query, reader, safe_next, see_other, segment,
    viewer, writer,
};
use crate::state::AppState;

/// Most candidates offered in a picker; beyond that the field takes ids typed in.
const MAX_OPTIONS: i64 = 200;

/// What a create form posts: its request component and API collection.
struct Target {
    /// Initial values (the kind's and the type's defaults).
    defaults: Value,
    component: String,
    api: String,
    title: String,
    intro: Option<String>,
}

/// The create target for a request (`None`: the kind needs a type picked first).
fn create_target(kind: &Kind, q: &[(String, String)]) -> Result<Option<Target>, ()> {
    if kind.key == "certificates" && param(q, "generate").is_some() {
        return Ok(Some(Target {
            defaults: create_defaults(kind.key),
            component: "CertificateGenerationRequest".into(),
            api: "/crypto/certificatekeypairs/generate/".into(),
            title: "Generate Certificate-Key Pair".into(),
            intro: None,
        }));
    }
    match kind.create {
        Create::No => Err(()),
        Create::Schema(c) => Ok(Some(Target {
            defaults: create_defaults(kind.key),
            component: c.into(),
            api: kind.api.into(),
            title: format!("Create {}", kind.singular),
            intro: None,
        })),
        Create::Typed(family) => match param(q, "type") {
            None => Ok(None),
            Some(t) => {
                let spec = family.spec(t).ok_or(())?;
                let defaults: serde_json::Map<String, Value> = spec
                    .fields
                    .iter()
                    .filter_map(|f| f.default.value().map(|v| (f.name.to_string(), v)))
                    .collect();
                Ok(Some(Target {
                    defaults: Value::Object(defaults),
                    component: format!("{}Request", spec.schema_name),
                    api: format!("/{}/", spec.api),
                    title: format!("Create {}", spec.verbose_name),
                    intro: Some(spec.description.to_string()).filter(|d| !d.is_empty()),
                }))
            }
        },
    }
}

/// The template values of `fields` with their current `values` and, for pickers, candidates.
pub async fn views(
    caller: &Caller<'_>,
    fields: &[Field],
    values: impl Fn(&Field) -> Vec<String>,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let current = values(f);
        let (widget, options, help) = match &f.widget {
            Widget::Text { secret: true } => ("secret", Vec::new(), f.help.clone()),
            Widget::Text { .. } => ("text", Vec::new(), f.help.clone()),
            Widget::Area => ("area", Vec::new(), f.help.clone()),
            Widget::Check => ("check", Vec::new(), f.help.clone()),
            Widget::Integer => ("integer", Vec::new(), f.help.clone()),
            Widget::Number => ("number", Vec::new(), f.help.clone()),
            Widget::DateTime => (
                "datetime",
                Vec::new(),
                join(&f.help, "Date and time in UTC."),
            ),
            Widget::Lines => ("lines", Vec::new(), join(&f.help, "One per line.")),
            Widget::Data => ("data", Vec::new(), join(&f.help, "JSON.")),
            Widget::Choice(values) => ("choice", options_of(values), f.help.clone()),
            Widget::Choices(values) => ("choices", options_of(values), f.help.clone()),
            Widget::Pick { relation, many, .. } => {
                let joiner = if relation.api.contains('?') { '&' } else { '?' };
                let path = format!(
                    "{}{joiner}{}",
                    relation.api,
                    encode(&[("page_size", &MAX_OPTIONS.to_string())])
                );
                let answer = caller.get(&path).await;
                let count = answer.body["pagination"]["count"].as_i64().unwrap_or(0);
                if !answer.ok() || count > MAX_OPTIONS {
                    let hint = if *many { "IDs, one per line." } else { "ID." };
                    (
                        if *many { "lines" } else { "text" },
                        Vec::new(),
                        join(&f.help, hint),
                    )
                } else {
                    let options = answer.body["results"]
                        .as_array()
                        .map(|rows| {
                            rows.iter()
                                .map(|r| {
                                    json!({
                                        "value": fields::scalar(&r[relation.value]),
                                        "label": fields::scalar(&r[relation.label]),
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (
                        if *many { "pick_many" } else { "pick" },
                        options,
                        f.help.clone(),
                    )
                }
            }
        };
        let current = if widget == "lines" && current.len() > 1 {
            vec![current.join("\n")]
        } else {
            current
        };
        out.push(json!({
            "name": f.name,
            "label": f.label,
            "help": help,
            "required": f.required,
            "nullable": f.nullable,
            "widget": widget,
            "options": options,
            "values": current,
        }));
    }
    out
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a} {b}")
    }
}

fn options_of(values: &[String]) -> Vec<Value> {
    values
        .iter()
        .map(|v| json!({"value": v, "label": fields::label(v)}))
        .collect()
}

/// The values a posted form had (so a rejected form shows what was typed).
pub fn posted(form: &[(String, String)]) -> impl Fn(&Field) -> Vec<String> + '_ {
    move |f: &Field| {
        let all: Vec<String> = form
            .iter()
            .filter(|(k, _)| *k == f.name)
            .map(|(_, v)| v.clone())
            .collect();
        match f.widget {
            Widget::Check => {
                if all.is_empty() {
                    Vec::new()
                } else {
                    vec!["true".into()]
                }
            }
            Widget::Text { secret: true } => Vec::new(),
            _ => all,
        }
    }
}

/// Renders a form page.
#[allow(clippy::too_many_arguments)]
pub async fn form_page(
    a: Admin,
    caller: &Caller<'_>,
    status: StatusCode,
    (section, title): (&str, &str),
    action: &str,
    fields: &[Field],
    values: impl Fn(&Field) -> Vec<String>,
    errors: &Errors,
    extra: Value,
) -> Response {
    let views = views(caller, fields, values).await;
    let mut data = json!({
        "action": action,
        "fields": views,
        "field_names": fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
        "errors": errors,
    });
    if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            d.insert(k.clone(), v.clone());
        }
    }
    a.show(status, (section, title, "form.html"), data)
}

/// Shows the create form (or the type picker).
pub async fn create_page(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path(key): Path<String>,
    parts: Parts,
) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        let (a, kind) = kind_or_404(a, &key)?;
        let q = query(&parts);
        let caller = reader(&api, &parts, &a);
        let target = match create_target(kind, &q) {
            Err(()) => return Err(a.not_found()),
            Ok(None) => return Ok(types_page(a, &caller, kind, &q).await),
            Ok(Some(t)) => t,
        };
        let fields = fields::of_component(&target.component, kind.hidden, &[]);
        let initial = |f: &Field| match f.widget {
            Widget::Choices(_) | Widget::Pick { many: true, .. }
                if param(&q, &f.name).is_some() =>
            {
                q.iter()
                    .filter(|(k, _)| *k == f.name)
                    .map(|(_, v)| v.clone())
                    .collect()
            }
            _ => param(&q, &f.name)
                .map(|v| vec![v.to_string()])
                .unwrap_or_else(|| fields::initial(f, &target.defaults)),
        };
        let action = format!("/if/admin/{}/new/?{}", kind.key, encode(&keep(&q)));
        Ok(form_page(
            a,
            &caller,
            StatusCode::OK,
            (kind.key, &target.title),
            &action,
            &fields,
            initial,
            &Errors::new(),
            json!({"next": safe_next(param(&q, "next")), "intro": target.intro, "submit": "Create", "cancel": format!("/if/admin/{}/", kind.key)}),
        )
        .await)
    };
    run.await.unwrap_or_else(|r| r)
}

/// The query parameters a create form's action keeps (the type, the variant).
fn keep(q: &[(String, String)]) -> Vec<(&str, &str)> {
    q.iter()
        .filter(|(k, _)| k == "type" || k == "generate")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn types_page(
    a: Admin,
    caller: &Caller<'_>,
    kind: &Kind,
    q: &[(String, String)],
) -> Response {
    let answer = caller.get(&format!("{}types/", kind.api)).await;
    let next: Vec<(&str, &str)> = q
        .iter()
        .filter(|(k, _)| k != "type")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let types: Vec<Value> = answer
        .body
        .as_array()
        .map(|list| {
            list.iter()
                .map(|t| {
                    let model = fields::scalar(&t["model_name"]);
                    let mut pairs = next.clone();
                    pairs.push(("type", &model));
                    json!({
                        "name": t["name"],
                        "description": t["description"],
                        "href": format!("/if/admin/{}/new/?{}", kind.key, encode(&pairs)),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let title = format!("Create {}", kind.singular);
    a.show(
        StatusCode::OK,
        (kind.key, &title, "types.html"),
        json!({"types": types, "singular": kind.singular}),
    )
}

/// Creates an object from a posted form.
pub async fn create(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path(key): Path<String>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (a, form) = writer(&state, &mut parts, &body).await?;
        let (a, kind) = kind_or_404(a, &key)?;
        let q = query(&parts);
        let Ok(Some(target)) = create_target(kind, &q) else {
            return Err(a.not_found());
        };
        let fields = fields::of_component(&target.component, kind.hidden, &[]);
        let token = a.v.csrf.clone();
        let caller = Caller::writer(&api, &parts, &a.v.principal, &token);
        let action = format!("/if/admin/{}/new/?{}", kind.key, encode(&keep(&q)));
        let next = safe_next(param(&form, "next"));
        let extra = json!({"next": next, "intro": target.intro, "submit": "Create", "cancel": format!("/if/admin/{}/", kind.key)});
        let errors = match fields::body(&fields, &form, false) {
            Ok(body) => {
                let answer = caller
                    .send(Method::POST, &target.api, Some(&Value::Object(body)))
                    .await;
                if answer.ok() {
                    let to = next
                        .clone()
                        .or_else(|| object_href(kind, &answer.body))
                        .unwrap_or_else(|| format!("/if/admin/{}/", kind.key));
                    return Ok(see_other(&to));
                }
                failure(&answer)
            }
            Err(errors) => errors,
        };
        Ok(form_page(
            a,
            &caller,
            StatusCode::BAD_REQUEST,
            (kind.key, &target.title),
            &action,
            &fields,
            posted(&form),
            &errors,
            extra,
        )
        .await)
    };
    run.await.unwrap_or_else(|r| r)
}

/// The errors to show for a refused API call.
pub fn failure(answer: &super::dispatch::Answer) -> Errors {
    if answer.status == StatusCode::BAD_REQUEST {
        fields::api_errors(&answer.body)
    } else {
        Errors::from([("non_field_errors".to_string(), vec![answer.detail()])])
    }
}

/// The edit form's fields for an object: the request schema of its (typed) endpoint.
fn edit_fields(kind: &Kind, obj: &Value) -> Option<Vec<Field>> {
    let component = match kind.create {
        Create::No => return None,
        Create::Schema(c) => c.to_string(),
        Create::Typed(family) => {
            let spec = family.spec(obj["meta_model_name"].as_str()?)?;
            format!("{}Request", spec.schema_name)
        }
    };
    Some(fields::of_component(&component, kind.hidden, &[]))
}

/// Shows the edit form of an object.
pub async fn edit_page(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path((key, id)): Path<(String, String)>,
    parts: Parts,
) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        let (a, kind) = kind_or_404(a, &key)?;
        let caller = reader(&api, &parts, &a);
        let Ok(found) = locate(&caller, kind, &id).await else {
            return Err(a.not_found());
        };
        let Some(fields) = edit_fields(kind, &found.object).filter(|_| kind.writable) else {
            return Err(a.not_found());
        };
        let here = format!("/if/admin/{}/{}/", kind.key, segment(&id));
        let name = at(&found.object, kind.title)
            .map(fields::scalar)
            .unwrap_or_default();
        let title = format!("Edit {}: {}", kind.singular, name);
        Ok(form_page(
            a,
            &caller,
            StatusCode::OK,
            (kind.key, &title),
            &format!("{here}edit/"),
            &fields,
            |f| fields::initial(f, &found.object),
            &Errors::new(),
            json!({"submit": "Save", "cancel": here}),
        )
        .await)
    };
    run.await.unwrap_or_else(|r| r)
}

/// Saves an edited object (`PATCH` of the form's fields).
pub async fn edit(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path((key, id)): Path<(String, String)>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (a, form) = writer(&state, &mut parts, &body).await?;
        let (a, kind) = kind_or_404(a, &key)?;
        let token = a.v.csrf.clone();
        let caller = Caller::writer(&api, &parts, &a.v.principal, &token);
        let Ok(found) = locate(&caller, kind, &id).await else {
            return Err(a.not_found());
        };
        let Some(fields) = edit_fields(kind, &found.object).filter(|_| kind.writable) else {
            return Err(a.not_found());
        };
        let here = format!("/if/admin/{}/{}/", kind.key, segment(&id));
        let errors = match fields::body(&fields, &form, true) {
            Ok(body) => {
                let answer = caller
                    .send(Method::PATCH, &found.api, Some(&Value::Object(body)))
                    .await;
                if answer.ok() {
                    let to = object_href(kind, &answer.body).unwrap_or(here);
                    return Ok(see_other(&to));
                }
                failure(&answer)
            }
            Err(errors) => errors,
        };
        let title = format!("Edit {}", kind.singular);
        Ok(form_page(
            a,
            &caller,
            StatusCode::BAD_REQUEST,
            (kind.key, &title),
            &format!("{here}edit/"),
            &fields,
            posted(&form),
            &errors,
            json!({"submit": "Save", "cancel": here}),
        )
        .await)
    };
    run.await.unwrap_or_else(|r| r)
}

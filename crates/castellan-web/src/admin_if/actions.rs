//! `/if/admin/{kind}/{id}/do/{action}/`: an object's extra actions (set a user's password,
//! create a recovery link, impersonate, apply a blueprint, view a token's key, test a policy,
//! reorder a binding). Actions with inputs show a form first; the answer is shown, or the admin
//! is sent back.
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use http::Method;
use http::request::Parts;
use serde_json::{Value, json};

use super::catalog::{Action, Kind, Outcome};
use super::detail::locate;
use super::dispatch::{Answer as ApiAnswer, Caller, InternalApi};
use super::fields::{self, Errors};
use super::forms::{failure, form_page, posted};
use super::{Admin, kind_or_404, param, reader, safe_next, see_other, segment, viewer, writer};
use crate::state::AppState;

/// Where an action goes: the object itself (`PATCH` of its typed endpoint) or an extra route
/// below the kind's collection URL.
fn action_url(found: &super::detail::Located, action: &Action) -> String {
    if action.path.is_empty() {
        found.api.clone()
    } else {
        format!("{}{}", found.base, action.path)
    }
}

fn action_of(kind: &'static Kind, name: &str) -> Option<&'static Action> {
    kind.actions.iter().find(|a| a.name == name)
}

/// Shows an action's form (or runs a read-only action and shows its answer).
pub async fn page(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path((key, id, name)): Path<(String, String, String)>,
    parts: Parts,
) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        let (a, kind) = kind_or_404(a, &key)?;
        let Some(action) = action_of(kind, &name) else {
            return Err(a.not_found());
        };
        let caller = reader(&api, &parts, &a);
        let Ok(found) = locate(&caller, kind, &id).await else {
            return Err(a.not_found());
        };
        let here = format!("/if/admin/{}/{}/", kind.key, segment(&id));
        let target = action_url(&found, action);
        if action.method == "GET" {
            let answer = caller.get(&target).await;
            return Ok(result(a, kind, action, &here, &answer));
        }
        let Some(schema) = action.schema else {
            // A button action: its form is the button on the object's page.
            return Ok(see_other(&here));
        };
        let fields = fields::of_component(schema, &[], action.only);
        let title = format!("{}: {}", action.label, kind.singular);
        let next = safe_next(param(&super::query(&parts), "next"));
        Ok(form_page(
            a,
            &caller,
            StatusCode::OK,
            (kind.key, &title),
            &format!("{here}do/{}/", action.name),
            &fields,
            |f| fields::initial(f, &found.object),
            &Errors::new(),
            json!({"submit": action.label, "cancel": here, "next": next}),
        )
        .await)
    };
    run.await.unwrap_or_else(|r| r)
}

/// Runs an action from its form or button.
pub async fn run(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path((key, id, name)): Path<(String, String, String)>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (a, form) = writer(&state, &mut parts, &body).await?;
        let (a, kind) = kind_or_404(a, &key)?;
        let Some(action) = action_of(kind, &name).filter(|a| a.method != "GET") else {
            return Err(a.not_found());
        };
        let token = a.v.csrf.clone();
        let caller = Caller::writer(&api, &parts, &a.v.principal, &token);
        let Ok(found) = locate(&caller, kind, &id).await else {
            return Err(a.not_found());
        };
        let here = format!("/if/admin/{}/{}/", kind.key, segment(&id));
        let target = action_url(&found, action);
        let method = Method::from_bytes(action.method.as_bytes()).unwrap_or(Method::POST);
        let fields = action
            .schema
            .map(|s| fields::of_component(s, &[], action.only))
            .unwrap_or_default();
        let errors = match fields::body(&fields, &form, false) {
            Ok(body) => {
                let body = action.schema.map(|_| Value::Object(body));
                let answer = caller.send(method, &target, body.as_ref()).await;
                if answer.ok() {
                    return Ok(match action.outcome {
                        Outcome::Show => result(a, kind, action, &here, &answer),
                        Outcome::Back => {
                            see_other(&safe_next(param(&form, "next")).unwrap_or(here))
                        }
                        Outcome::Go(to) => see_other(to),
                    });
                }
                if action.schema.is_none() {
                    return Ok(result(a, kind, action, &here, &answer));
                }
                failure(&answer)
            }
            Err(errors) => errors,
        };
        let title = format!("{}: {}", action.label, kind.singular);
        let next = safe_next(param(&form, "next"));
        Ok(form_page(
            a,
            &caller,
            StatusCode::BAD_REQUEST,
            (kind.key, &title),
            &format!("{here}do/{}/", action.name),
            &fields,
            posted(&form),
            &errors,
            json!({"submit": action.label, "cancel": here, "next": next}),
        )
        .await)
    };
    run.await.unwrap_or_else(|r| r)
}

/// Shows an action's answer (a link, a key, or the JSON), or its error.
fn result(a: Admin, kind: &Kind, action: &Action, back: &str, answer: &ApiAnswer) -> Response {
    let title = format!("{}: {}", action.label, kind.singular);
    let (status, data) = if answer.ok() {
        let body = &answer.body;
        (
            StatusCode::OK,
            json!({
                "link": body.get("link"),
                "key": body.get("key"),
                "body": (!body.is_null() && body.get("link").is_none() && body.get("key").is_none())
                    .then(|| serde_json::to_string_pretty(body).unwrap_or_default()),
                "back": back,
            }),
        )
    } else {
        let status = if answer.status.is_client_error() {
            answer.status
        } else {
            StatusCode::BAD_GATEWAY
        };
        let message = match answer.body.as_object() {
            Some(o) if o.get("detail").is_none() && !o.is_empty() => {
                fields::api_errors(&answer.body)
                    .into_values()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            _ => answer.detail(),
        };
        (status, json!({"error": message, "back": back}))
    };
    a.show(status, (kind.key, &title, "result.html"), data)
}

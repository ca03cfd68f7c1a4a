//! Blueprint dry runs in the admin interface: `/if/admin/blueprints/{id}/plan/` shows what
//! applying an instance would do, `/if/admin/blueprints/validate/` checks a pasted or uploaded
//! blueprint (with an optional JSON context). Both run the engine's plan in a transaction that
//! is rolled back: nothing is written.
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use castellan_store::blueprints as store_instances;
use http::request::Parts;
use serde_json::{Map, Value, json};

use super::detail::locate;
use super::dispatch::InternalApi;
use super::upload::{file_bytes, upload_writer};
use super::{catalog, param, plan_view, reader, segment, viewer};
use crate::blueprints;
use crate::state::AppState;

/// The validate page's address.
pub const VALIDATE: &str = "/if/admin/blueprints/validate/";

/// `GET /if/admin/blueprints/{id}/plan/`: the dry run of an instance.
pub async fn plan(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path(id): Path<String>,
    parts: Parts,
) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        let Some(kind) = catalog::kind("blueprints") else {
            return Err(a.not_found());
        };
        // The API decides whether the instance exists (and may be seen).
        let caller = reader(&api, &parts, &a);
        let Ok(found) = locate(&caller, kind, &id).await else {
            return Err(a.not_found());
        };
        let instance = match uuid::Uuid::parse_str(&id) {
            Ok(pk) => match state.store.conn().await {
                Ok(mut conn) => store_instances::get(&mut conn, pk).await.ok().flatten(),
                Err(_) => None,
            },
            Err(_) => None,
        };
        let Some(instance) = instance else {
            return Err(a.not_found());
        };
        let dir = state.settings.blueprints_dir.as_deref();
        let env = &state.settings.blueprint_env.0;
        let (text, outcome) = match blueprints::instance_text(&instance, dir) {
            Ok(text) => {
                let outcome = match blueprints::instance_set(&state.store, dir).await {
                    Ok(set) => {
                        let context = instance.context.as_object().cloned().unwrap_or_default();
                        let opts = blueprints::options(context, env);
                        blueprints::plan_text(&state.store, &text, &opts, &set).await
                    }
                    Err(e) => Err(blueprints::RunError::Store(e)),
                };
                (text, outcome)
            }
            Err(e) => (String::new(), Err(e)),
        };
        let here = format!("/if/admin/blueprints/{}/", segment(&id));
        let title = format!(
            "Plan: {}",
            found.object["name"].as_str().unwrap_or("Blueprint")
        );
        Ok(a.show(
            StatusCode::OK,
            ("blueprints", &title, "plan.html"),
            json!({
                "result": plan_view::view(&outcome, &text),
                "back": here,
                "apply": format!("{here}do/apply/"),
                "source": if instance.path.is_empty() { "inline content".to_string() } else { instance.path.clone() },
            }),
        ))
    };
    run.await.unwrap_or_else(|r| r)
}

/// `GET /if/admin/blueprints/validate/`: the empty form.
pub async fn validate_page(State(state): State<AppState>, parts: Parts) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        Ok(a.show(
            StatusCode::OK,
            ("blueprints", "Validate a blueprint", "validate.html"),
            json!({"action": VALIDATE, "values": {}, "errors": {}}),
        ))
    };
    run.await.unwrap_or_else(|r: Response| r)
}

/// What the validate form asks for, once its fields are valid.
struct Input {
    text: String,
    context: Map<String, Value>,
}

/// Reads the form: the blueprint from the uploaded file or the text area, the context as a
/// JSON object; field errors otherwise.
fn read(form: &[(String, String)]) -> Result<Input, Map<String, Value>> {
    let mut errors = Map::new();
    let pasted = param(form, "content").unwrap_or_default();
    let text = match param(form, "file").and_then(file_bytes) {
        Some(bytes) => String::from_utf8(bytes).unwrap_or_else(|_| {
            errors.insert("file".into(), json!(["The file is not UTF-8 text."]));
            String::new()
        }),
        None => pasted.to_string(),
    };
    if text.trim().is_empty() && errors.is_empty() {
        errors.insert(
            "content".into(),
            json!(["Paste a blueprint or choose a file."]),
        );
    }
    let raw = param(form, "context").unwrap_or_default().trim();
    let context = if raw.is_empty() {
        Map::new()
    } else {
        match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                errors.insert(
                    "context".into(),
                    json!(["The context must be a JSON object, such as {\"key\": \"value\"}."]),
                );
                Map::new()
            }
            Err(e) => {
                errors.insert(
                    "context".into(),
                    json!([format!("The context is not valid JSON: {e}.")]),
                );
                Map::new()
            }
        }
    };
    if errors.is_empty() {
        Ok(Input { text, context })
    } else {
        Err(errors)
    }
}

/// `POST /if/admin/blueprints/validate/`: checks and plans the blueprint, writes nothing.
pub async fn validate(State(state): State<AppState>, mut parts: Parts, body: Bytes) -> Response {
    let run = async {
        let (a, form) = upload_writer(&state, &mut parts, &body).await?;
        let context_value = param(&form, "context").unwrap_or_default().to_string();
        let (status, result, errors, content) = match read(&form) {
            Ok(input) => {
                let dir = state.settings.blueprints_dir.as_deref();
                let outcome = match blueprints::instance_set(&state.store, dir).await {
                    Ok(set) => {
                        let opts =
                            blueprints::options(input.context, &state.settings.blueprint_env.0);
                        blueprints::plan_text(&state.store, &input.text, &opts, &set).await
                    }
                    Err(e) => Err(blueprints::RunError::Store(e)),
                };
                let view = plan_view::view(&outcome, &input.text);
                (StatusCode::OK, view, Map::new(), input.text)
            }
            Err(errors) => {
                let pasted = param(&form, "content").unwrap_or_default().to_string();
                (StatusCode::BAD_REQUEST, Value::Null, errors, pasted)
            }
        };
        Ok(a.show(
            status,
            ("blueprints", "Validate a blueprint", "validate.html"),
            json!({
                "action": VALIDATE,
                "values": {"content": content, "context": context_value},
                "errors": errors,
                "result": result,
            }),
        ))
    };
    run.await.unwrap_or_else(|r: Response| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_form_needs_a_blueprint_and_an_object_context() {
        let e = read(&form(&[("content", " "), ("context", "[1]")])).err();
        let e = e.unwrap_or_default();
        assert!(
            e.contains_key("content") && e.contains_key("context"),
            "{e:?}"
        );
        let e = read(&form(&[("content", "x"), ("context", "{")])).err();
        assert!(e.unwrap_or_default().contains_key("context"));
        let ok = read(&form(&[
            ("content", "pasted"),
            ("file", "data:application/yaml;base64,dmVyc2lvbjogMQ=="),
            ("context", "{\"a\": 1}"),
        ]));
        let ok = ok.ok().map(|i| (i.text, i.context.len()));
        assert_eq!(ok, Some(("version: 1".to_string(), 1)));
    }
}

//! `/if/admin/users/{id}/mfa/`: a user's MFA devices for superusers (spec §5.2), read from
//! `/api/v3/authenticators/admin/all/?user=` — class, name, model (a WebAuthn device's type from
//! its AAGUID), creation and last use — and deleted one by one through
//! `DELETE /api/v3/authenticators/admin/{class}/{pk}/` (for a user who lost a device).
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use http::Method;
use http::request::Parts;
use serde_json::{Value, json};

use super::dispatch::{Caller, InternalApi};
use super::{encode, reader, see_other, segment, viewer, writer};
use crate::state::AppState;

/// The device class of a `meta_model_name` (`authentik_stages_authenticator_totp.totpdevice`).
fn class_of(meta_model_name: &str) -> Option<&'static str> {
    match meta_model_name.rsplit('.').next()? {
        "duodevice" => Some("duo"),
        "smsdevice" => Some("sms"),
        "staticdevice" => Some("static"),
        "totpdevice" => Some("totp"),
        "webauthndevice" => Some("webauthn"),
        _ => None,
    }
}

fn page_path(user: &str) -> String {
    format!("/if/admin/users/{}/mfa/", segment(user))
}

/// `GET /if/admin/users/{id}/mfa/`.
pub async fn page(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path(id): Path<String>,
    parts: Parts,
) -> Response {
    let run = async {
        let a = viewer(&state, &parts).await?;
        let caller = reader(&api, &parts, &a);
        let user = caller.get(&format!("/core/users/{}/", segment(&id))).await;
        if !user.ok() {
            return Ok(a.not_found());
        }
        let devices = caller
            .get(&format!(
                "/authenticators/admin/all/?{}",
                encode(&[("user", &id)])
            ))
            .await;
        let rows: Vec<Value> = devices
            .body
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|d| {
                        let class = class_of(d["meta_model_name"].as_str().unwrap_or_default());
                        let pk = d["pk"].as_str().unwrap_or_default().to_string();
                        let delete = class
                            .map(|c| format!("{}{c}/{}/delete/", page_path(&id), segment(&pk)));
                        json!({"name": d["name"], "type": d["verbose_name"],
                               "model": d["extra_description"], "confirmed": d["confirmed"],
                               "created": d["created"], "last_used": d["last_used"],
                               "delete": delete})
                    })
                    .collect()
            })
            .unwrap_or_default();
        let username = user.body["username"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok(a.show(
            StatusCode::OK,
            (
                "users",
                &format!("MFA devices of {username}"),
                "user_devices.html",
            ),
            json!({"devices": rows, "back": format!("/if/admin/users/{}/", segment(&id)),
                   "error": (!devices.ok()).then(|| devices.detail())}),
        ))
    };
    run.await.unwrap_or_else(|r: Response| r)
}

/// `POST /if/admin/users/{id}/mfa/{class}/{pk}/delete/`.
pub async fn delete(
    State(state): State<AppState>,
    Extension(api): Extension<InternalApi>,
    Path((id, class, pk)): Path<(String, String, String)>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (a, _) = writer(&state, &mut parts, &body).await?;
        if !["duo", "sms", "static", "totp", "webauthn"].contains(&class.as_str()) {
            return Ok(a.not_found());
        }
        // Only a device of this user: the admin list filtered by user must hold it.
        let listed = reader(&api, &parts, &a)
            .get(&format!(
                "/authenticators/admin/all/?{}",
                encode(&[("user", &id)])
            ))
            .await;
        let owned = listed.body.as_array().is_some_and(|l| {
            l.iter().any(|d| {
                d["pk"].as_str() == Some(pk.as_str())
                    && class_of(d["meta_model_name"].as_str().unwrap_or_default())
                        == Some(class.as_str())
            })
        });
        if !owned {
            return Ok(a.not_found());
        }
        let token = a.v.csrf.clone();
        let caller = Caller::writer(&api, &parts, &a.v.principal, &token);
        let path = format!("/authenticators/admin/{class}/{}/", segment(&pk));
        let answer = caller.send(Method::DELETE, &path, None).await;
        if !answer.ok() {
            let back = page_path(&id);
            return Ok(a.show(
                answer.status,
                ("users", "MFA device", "result.html"),
                json!({"error": answer.detail(), "back": back}),
            ));
        }
        Ok(see_other(&page_path(&id)))
    };
    run.await.unwrap_or_else(|r: Response| r)
}

#[cfg(test)]
mod tests {
    //! Classes from model names.

    use super::*;

    #[test]
    fn classes() {
        assert_eq!(
            class_of("authentik_stages_authenticator_totp.totpdevice"),
            Some("totp")
        );
        assert_eq!(
            class_of("authentik_stages_authenticator_webauthn.webauthndevice"),
            Some("webauthn")
        );
        assert_eq!(class_of("authentik_core.user"), None);
    }
}

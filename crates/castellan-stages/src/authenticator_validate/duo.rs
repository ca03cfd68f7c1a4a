//! Validating a Duo device (spec §5.3 `duo`): the device must be one of the user's, its setup
//! stage's credentials send a Duo Auth API `auth` request (push or whatever Duo picks:
//! `factor=auto`, `device=auto`) with the client IP, the push info (domain, application) and the
//! brand's "Login request" type; `allow` passes, `deny` and API failures are refused.
use castellan_core::mfa::DuoDevice;
use castellan_flows::{EnvError, StageContext};
use serde_json::{Map, Value, json};

use crate::authenticator_duo::duo_api;

/// The error of a refused Duo authentication.
pub const DENIED: &str = "Duo denied access";
/// The error of a device pk that is not one of the user's Duo devices.
pub const INVALID_DEVICE: &str = "Invalid device";

/// Why a Duo validation did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuoRefusal {
    /// Not one of the user's devices (or its stage is gone).
    InvalidDevice,
    /// Duo answered `deny` (a failed login).
    Denied,
    /// The API failed (recorded as `configuration_error`).
    Error,
}

/// The `duo` response field: a device pk (integer, or its text).
pub fn duo_response(body: &Map<String, Value>) -> Option<Option<i64>> {
    match body.get("duo")? {
        Value::Null => None,
        Value::Number(n) => Some(n.as_i64()),
        Value::String(s) => Some(s.trim().parse().ok()),
        _ => Some(None),
    }
}

/// `application/x-www-form-urlencoded` of the push info pairs.
fn urlencode(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                castellan_crypto::duo::encode(k),
                castellan_crypto::duo::encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn host(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_string()
}

/// The parameters of the `auth` request.
pub fn auth_params(
    cx: &StageContext<'_>,
    device: &DuoDevice,
    username: &str,
) -> Vec<(String, String)> {
    let mut push = vec![("Domain", host(&cx.request.base_url))];
    if let Some(app) = cx
        .session
        .data
        .get("authentik/flows/application_pre")
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
    {
        push.push(("Application", app.to_string()));
    }
    vec![
        ("user_id".into(), device.duo_user_id.clone()),
        ("factor".into(), "auto".into()),
        ("device".into(), "auto".into()),
        ("ipaddr".into(), cx.request.client_ip.clone()),
        ("display_username".into(), username.to_string()),
        ("pushinfo".into(), urlencode(&push)),
        (
            "type".into(),
            format!("{} Login request", cx.request.brand_name),
        ),
    ]
}

/// Validates device `pk` of `user`.
pub async fn verify(
    cx: &mut StageContext<'_>,
    user: i64,
    username: &str,
    pk: i64,
) -> Result<Result<DuoDevice, DuoRefusal>, EnvError> {
    let devices = cx.env.duo_devices(user).await?;
    let Some(device) = devices.into_iter().find(|d| d.common.pk == pk) else {
        return Ok(Err(DuoRefusal::InvalidDevice));
    };
    let Some(stage) = cx.env.stage(device.stage).await? else {
        return Ok(Err(DuoRefusal::InvalidDevice));
    };
    let api = duo_api(&stage.config);
    let params = auth_params(cx, &device, username);
    let answer = cx.env.duo_request(&api, "/auth/v2/auth", &params).await;
    match answer {
        Ok(response) => match response.get("result").and_then(Value::as_str) {
            Some("allow") => {
                cx.env.accept_duo(device.common.pk).await?;
                Ok(Ok(device))
            }
            _ => Ok(Err(DuoRefusal::Denied)),
        },
        Err(message) => {
            let mut context = Map::new();
            context.insert(
                "message".into(),
                json!(format!("Failed to DUO authenticate user: {message}")),
            );
            let u = cx.env.user(user).await?;
            cx.env
                .event("configuration_error", context, u.as_ref(), cx.request)
                .await?;
            Ok(Err(DuoRefusal::Error))
        }
    }
}

/// How a Duo device is recorded in `auth_method_args`.
pub fn device_ref(device: &DuoDevice) -> Value {
    json!({"app": "authentik_stages_authenticator_duo", "model_name": "duodevice",
           "pk": device.common.pk, "name": device.common.name})
}

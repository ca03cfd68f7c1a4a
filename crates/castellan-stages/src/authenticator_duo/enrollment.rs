//! A Duo enrolment in progress (spec §5.7): what `/auth/v2/enroll` returned, kept in the
//! session until the device is saved, and the `/auth/v2/enroll_status` check the stage and the
//! `enrollment_status` API endpoint share.
use castellan_core::mfa::DuoApi;
use castellan_flows::FlowEnv;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Session key of the Duo user id (authentik's).
pub const SESSION_USER_ID: &str = "authentik/stages/authenticator_duo/user_id";
/// Session key of the activation code (authentik's).
pub const SESSION_ACTIVATION_CODE: &str = "authentik/stages/authenticator_duo/activation_code";
/// Session key of the rest of the enrolment (barcode, stage, user).
pub const SESSION_ENROLLMENT: &str = "castellan/stages/authenticator_duo/enrollment";

/// An enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The setup stage.
    pub stage: Uuid,
    /// The user (pk) it was started for.
    pub user: i64,
    /// Duo's user id.
    pub duo_user_id: String,
    /// Activation code (a `duo://` link).
    pub activation_code: String,
    /// Activation barcode (an image URL).
    pub activation_barcode: String,
}

impl Enrollment {
    /// The session's enrolment.
    pub fn from_session(data: &Map<String, Value>) -> Option<Self> {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let rest = data.get(SESSION_ENROLLMENT)?;
        Some(Self {
            stage: text(rest.get("stage"))
                .and_then(|s| Uuid::parse_str(&s).ok())
                .unwrap_or_default(),
            user: rest.get("user").and_then(Value::as_i64)?,
            duo_user_id: text(data.get(SESSION_USER_ID))?,
            activation_code: text(data.get(SESSION_ACTIVATION_CODE))?,
            activation_barcode: text(rest.get("activation_barcode")).unwrap_or_default(),
        })
    }
    /// Keeps it in the session.
    pub fn store(&self, data: &mut Map<String, Value>) {
        data.insert(SESSION_USER_ID.into(), json!(self.duo_user_id));
        data.insert(SESSION_ACTIVATION_CODE.into(), json!(self.activation_code));
        data.insert(
            SESSION_ENROLLMENT.into(),
            json!({"stage": self.stage.to_string(), "user": self.user,
                   "activation_barcode": self.activation_barcode}),
        );
    }
    /// Forgets it.
    pub fn clear(data: &mut Map<String, Value>) {
        for key in [SESSION_USER_ID, SESSION_ACTIVATION_CODE, SESSION_ENROLLMENT] {
            data.remove(key);
        }
    }
}

fn field(response: &Value, key: &str) -> Result<String, String> {
    match response.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(format!("Duo's enroll answer has no {key}")),
    }
}

/// Enrols `username` (`/auth/v2/enroll`); the stage and user are filled in by the caller.
pub async fn enroll(
    env: &mut dyn FlowEnv,
    api: &DuoApi,
    username: &str,
) -> Result<Enrollment, String> {
    let params = [("username".to_string(), username.to_string())];
    let response = env.duo_request(api, "/auth/v2/enroll", &params).await?;
    Ok(Enrollment {
        stage: Uuid::nil(),
        user: 0,
        duo_user_id: field(&response, "user_id")?,
        activation_code: field(&response, "activation_code")?,
        activation_barcode: field(&response, "activation_barcode")?,
    })
}

/// The parameters of `/auth/v2/enroll_status`.
pub fn status_params(enrollment: &Enrollment) -> Vec<(String, String)> {
    vec![
        ("user_id".to_string(), enrollment.duo_user_id.clone()),
        (
            "activation_code".to_string(),
            enrollment.activation_code.clone(),
        ),
    ]
}

/// Reads `/auth/v2/enroll_status`'s response: `success`, `waiting` or `invalid`.
pub fn read_status(response: &Value) -> Result<String, String> {
    match response.as_str() {
        Some(status @ ("success" | "waiting" | "invalid")) => Ok(status.to_string()),
        _ => Err(format!(
            "Duo answered an unknown enrollment status: {response}"
        )),
    }
}

/// The enrolment's status (`/auth/v2/enroll_status`).
pub async fn enroll_status(
    env: &mut dyn FlowEnv,
    api: &DuoApi,
    enrollment: &Enrollment,
) -> Result<String, String> {
    let response = env
        .duo_request(api, "/auth/v2/enroll_status", &status_params(enrollment))
        .await?;
    read_status(&response)
}

//! Captcha stage (spec §4.3): reCAPTCHA v2/v3, hCaptcha and Turnstile share the siteverify
//! protocol; the same verification runs inline in the identification stage (2024.10).
use async_trait::async_trait;
use castellan_flows::context::CAPTCHA;
use castellan_flows::{
    Challenge, EnvError, FlowEnv, ResponseErrors, StageContext, StageView, Step,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::response::required_str;

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_captcha.captchastage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-captcha";

/// Captcha settings (defaults as authentik's).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CaptchaSettings {
    /// Site key.
    pub public_key: String,
    /// Secret key.
    pub private_key: String,
    /// Widget script.
    pub js_url: String,
    /// siteverify endpoint.
    pub api_url: String,
    /// Show the widget visibly.
    pub interactive: bool,
    /// Lowest accepted score (-1: no minimum).
    pub score_min_threshold: f64,
    /// Highest accepted score (-1: no maximum).
    pub score_max_threshold: f64,
    /// Check success and score at all.
    pub error_on_invalid_score: bool,
}

impl Default for CaptchaSettings {
    fn default() -> Self {
        Self {
            public_key: String::new(),
            private_key: String::new(),
            js_url: "https://www.recaptcha.net/recaptcha/api.js".into(),
            api_url: "https://www.recaptcha.net/recaptcha/api/siteverify".into(),
            interactive: false,
            score_min_threshold: 0.5,
            score_max_threshold: 1.0,
            error_on_invalid_score: true,
        }
    }
}

const RETRIABLE: &[&str] = &[
    "missing-input-response",
    "invalid-input-response",
    "timeout-or-duplicate",
    "expired-input-response",
    "already-seen-response",
];

/// Verifies a token; `Err` carries the user-facing message.
pub async fn verify(
    settings: &CaptchaSettings,
    token: &str,
    client_ip: &str,
    env: &mut dyn FlowEnv,
) -> Result<Value, String> {
    let failed = || "Failed to validate token".to_string();
    let data = env
        .captcha_verify(&settings.api_url, &settings.private_key, token, client_ip)
        .await
        .map_err(|_| failed())?;
    if !data.is_object() {
        return Err(failed());
    }
    if settings.error_on_invalid_score {
        if data.get("success").and_then(Value::as_bool) != Some(true) {
            let codes: Vec<String> = match data.get("error-codes") {
                Some(Value::Array(list)) => list
                    .iter()
                    .map(|c| c.as_str().unwrap_or_default().to_string())
                    .collect(),
                _ => vec!["unknown-error".into()],
            };
            return Err(if codes.iter().all(|c| RETRIABLE.contains(&c.as_str())) {
                "Invalid captcha response. Retrying may solve this issue.".into()
            } else {
                "Invalid captcha response".into()
            });
        }
        if let Some(score) = data.get("score") {
            let score = match score {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.parse().ok(),
                _ => None,
            }
            .ok_or_else(failed)?;
            let max = settings.score_max_threshold;
            let min = settings.score_min_threshold;
            if (max > -1.0 && score > max) || (min > -1.0 && score < min) {
                return Err("Invalid captcha response".into());
            }
        }
    }
    Ok(data)
}

/// The inline challenge object the identification stage embeds.
pub fn inline_challenge(settings: &CaptchaSettings) -> Value {
    json!({"js_url": settings.js_url, "site_key": settings.public_key,
           "interactive": settings.interactive, "pending_user": "",
           "pending_user_avatar": castellan_flows::challenge::DEFAULT_AVATAR})
}

/// The captcha stage.
pub struct CaptchaStage;

fn challenge(settings: &CaptchaSettings) -> Challenge {
    Challenge::with_user(COMPONENT)
        .field("site_key", settings.public_key.clone())
        .field("js_url", settings.js_url.clone())
        .field("interactive", settings.interactive)
}

#[async_trait]
impl StageView for CaptchaStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        Ok(Step::Show(challenge(&cx.settings())))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        body: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let settings: CaptchaSettings = cx.settings();
        let mut errors = ResponseErrors::default();
        let Some(token) = required_str(body, "token", &mut errors) else {
            return Ok(Step::Invalid(challenge(&settings), errors));
        };
        match verify(&settings, &token, &cx.request.client_ip, cx.env).await {
            Ok(data) => {
                let stage = json!({"pk": cx.stage.pk, "name": cx.stage.name});
                cx.plan
                    .context
                    .insert(CAPTCHA.into(), json!({"response": data, "stage": stage}));
                Ok(Step::Next)
            }
            Err(message) => Ok(Step::Invalid(
                challenge(&settings),
                ResponseErrors::field("token", &message, "invalid"),
            )),
        }
    }
}

//! Authenticator validation stage (spec §5.3) — the part this release runs: users without a
//! configured device pass when `not_configured_action` is `skip` (the default flow's case) and
//! are denied when it is `deny`. Validating devices arrives with the MFA work.
use async_trait::async_trait;
use castellan_flows::context::pending_user_pk;
use castellan_flows::{EnvError, StageContext, StageView, Step};
use serde::Deserialize;
use serde_json::{Map, Value};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_authenticator_validate.authenticatorvalidatestage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-authenticator-validate";

/// The settings this part reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ValidateSettings {
    /// `skip`, `deny` or `configure`.
    pub not_configured_action: String,
    /// Device classes accepted.
    pub device_classes: Vec<String>,
}

impl Default for ValidateSettings {
    fn default() -> Self {
        Self {
            not_configured_action: "skip".into(),
            device_classes: vec![],
        }
    }
}

/// The validation stage.
pub struct AuthenticatorValidateStage;

#[async_trait]
impl StageView for AuthenticatorValidateStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let s: ValidateSettings = cx.settings();
        let has = match pending_user_pk(&cx.plan.context) {
            Some(pk) => cx.env.has_devices(pk, &s.device_classes).await?,
            None => false,
        };
        if has {
            return Ok(Step::Deny(Some(
                "Validating authenticator devices is not supported by this version.".into(),
            )));
        }
        match s.not_configured_action.as_str() {
            "skip" => Ok(Step::Next),
            "deny" => Ok(Step::Deny(Some(
                "No (allowed) MFA authenticator configured.".into(),
            ))),
            _ => Ok(Step::Deny(Some(
                "Configuring an authenticator during login is not supported by this version."
                    .into(),
            ))),
        }
    }
    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        self.get(cx).await
    }
}

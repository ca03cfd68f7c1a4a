//! Static tokens setup stage (spec §5.5): a device and its tokens are generated once per
//! session and shown; any response saves them.
use async_trait::async_trait;
use castellan_core::mfa::{DeviceCommon, StaticDevice, Throttle};
use castellan_crypto::token::generate_key;
use castellan_flows::{Challenge, EnvError, StageContext, StageView, Step};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::device_user::{DeviceUser, device_user};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_authenticator_static.authenticatorstaticstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-authenticator-static";
/// Session key of the unsaved tokens.
pub const SESSION_DEVICE: &str = "authentik/stages/authenticator_static/device";
/// Name of enrolled devices.
pub const DEVICE_NAME: &str = "Static Token";

/// Static setup stage settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StaticSettings {
    /// How many tokens.
    pub token_count: usize,
    /// Length of each token (at most 16 are stored by authentik; longer is allowed here).
    pub token_length: usize,
}

impl Default for StaticSettings {
    fn default() -> Self {
        Self {
            token_count: 6,
            token_length: 12,
        }
    }
}

/// The session's tokens for `user`, generated on first use.
fn session_tokens(cx: &mut StageContext<'_>, user: &DeviceUser) -> Vec<String> {
    let stored = cx
        .session
        .data
        .get(SESSION_DEVICE)
        .filter(|d| d.get("user").and_then(Value::as_i64) == Some(user.pk))
        .and_then(|d| d.get("tokens"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect::<Vec<_>>()
        });
    if let Some(tokens) = stored {
        return tokens;
    }
    let s: StaticSettings = cx.settings();
    let tokens: Vec<String> = (0..s.token_count.clamp(1, 100))
        .map(|_| generate_key(s.token_length.clamp(4, 64)))
        .collect();
    cx.session.data.insert(
        SESSION_DEVICE.into(),
        json!({"user": user.pk, "tokens": tokens}),
    );
    tokens
}

/// The static tokens setup stage.
pub struct AuthenticatorStaticStage;

#[async_trait]
impl StageView for AuthenticatorStaticStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let tokens = session_tokens(cx, &user);
        Ok(Step::Show(
            Challenge::with_user(COMPONENT).field("codes", tokens),
        ))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        let Some(user) = device_user(cx) else {
            return Ok(Step::Next);
        };
        let shown = cx
            .session
            .data
            .get(SESSION_DEVICE)
            .is_some_and(|d| d.get("user").and_then(Value::as_i64) == Some(user.pk));
        if !shown {
            // Tokens never shown to this user: show them first.
            return self.get(cx).await;
        }
        let tokens = session_tokens(cx, &user);
        let now = cx.env.now();
        let device = StaticDevice {
            common: DeviceCommon {
                pk: 0,
                user: user.pk,
                name: DEVICE_NAME.into(),
                confirmed: true,
                created: now,
                last_updated: now,
                last_used: None,
            },
            tokens: vec![],
            throttle: Throttle::default(),
        };
        cx.env.save_static_device(&device, &tokens).await?;
        cx.session.data.remove(SESSION_DEVICE);
        Ok(Step::Next)
    }
}

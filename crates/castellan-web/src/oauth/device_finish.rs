//! The in-memory stage that ends the provider's authorization flow started from `/device`
//! (spec §7.1.10): it approves the device token for the logged-in user, and the device's next
//! poll of the token endpoint receives the tokens.
use async_trait::async_trait;
use castellan_flows::{Challenge, EnvError, StageContext, StageView, Step};
use castellan_store::oauth2_tokens;
use serde_json::{Map, Value};

use super::login;
use crate::flow::env::StoreFlowEnv;

/// In-memory finish stage kind.
pub const FINISH_KIND: &str = "authentik_providers_oauth2.views.device_finish";
/// Its challenge component.
pub const FINISH_COMPONENT: &str = "ak-provider-oauth2-device-code-finish";

/// The in-memory finish stage: approves the device for the logged-in user.
pub struct DeviceFinishStage;

#[async_trait]
impl StageView for DeviceFinishStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let Some(device) = cx.config().get("device").and_then(Value::as_i64) else {
            return Ok(Step::Deny(Some("Invalid code".into())));
        };
        let Some(user) = cx.session.user else {
            return Ok(Step::Deny(Some("Not logged in".into())));
        };
        let who = login::from_session_data(&cx.session.data, cx.session.key.as_deref());
        let env = StoreFlowEnv::of(cx.env, "device finish stage")?;
        let now = env.state.store.now();
        let approved = oauth2_tokens::approve_device(
            &mut env.conn,
            device,
            user,
            who.auth_time,
            who.session,
            now,
        )
        .await
        .map_err(|e| EnvError(e.to_string()))?;
        if !approved {
            return Ok(Step::Deny(Some("Invalid code".into())));
        }
        Ok(Step::Show(Challenge::new(FINISH_COMPONENT)))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _response: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        self.get(cx).await
    }
}

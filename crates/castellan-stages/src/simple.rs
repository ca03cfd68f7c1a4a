//! Stages without settings worth a file of their own: user logout (§4.12), deny (§4.5),
//! dummy (§4.6) and the in-memory session end (§4.16, new in 2024.10).
use async_trait::async_trait;
use castellan_flows::context::DENY_MESSAGE;
use castellan_flows::{Challenge, EnvError, StageContext, StageView, Step};
use serde_json::{Map, Value};

/// `meta_model_name` of the logout stage.
pub const USER_LOGOUT: &str = "authentik_stages_user_logout.userlogoutstage";
/// `meta_model_name` of the deny stage.
pub const DENY: &str = "authentik_stages_deny.denystage";
/// `meta_model_name` of the dummy stage.
pub const DUMMY: &str = "authentik_stages_dummy.dummystage";
/// Component of the dummy stage.
pub const DUMMY_COMPONENT: &str = "ak-stage-dummy";
/// Component of the session end stage.
pub const SESSION_END_COMPONENT: &str = "ak-stage-session-end";

/// Logs the session out; the flow continues in the new anonymous session.
pub struct UserLogoutStage;

#[async_trait]
impl StageView for UserLogoutStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        cx.env.logout(cx.session, cx.request).await?;
        Ok(Step::Next)
    }
    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        self.get(cx).await
    }
}

/// Denies access with the context's or the configured message.
pub struct DenyStage;

#[async_trait]
impl StageView for DenyStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let message = cx
            .plan
            .context
            .get(DENY_MESSAGE)
            .and_then(Value::as_str)
            .or_else(|| cx.config().get("deny_message").and_then(Value::as_str))
            .unwrap_or_default()
            .to_string();
        Ok(Step::Deny(Some(message)))
    }
    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        self.get(cx).await
    }
}

/// Shows its name; any response passes (debugging).
pub struct DummyStage;

#[async_trait]
impl StageView for DummyStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        if cx.config().get("throw_error").and_then(Value::as_bool) == Some(true) {
            return Err(EnvError("This is a test error".into()));
        }
        Ok(Step::Show(
            Challenge::new(DUMMY_COMPONENT).field("name", cx.stage.name.clone()),
        ))
    }
    async fn post(
        &self,
        _: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        Ok(Step::Next)
    }
}

/// "You've logged out of <app>": terminal, inserted by provider logout endpoints.
pub struct SessionEndStage;

fn session_end(cx: &StageContext<'_>) -> Challenge {
    let attr = |k: &str| {
        cx.config()
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let invalidation = cx
        .request
        .brand_invalidation_flow
        .as_ref()
        .map(|slug| format!("/if/flow/{slug}/"));
    Challenge::with_user(SESSION_END_COMPONENT)
        .opt_field("application_name", attr("application_name"))
        .opt_field("application_launch_url", attr("application_launch_url"))
        .opt_field(
            "invalidation_flow_url",
            attr("invalidation_flow_url").or(invalidation),
        )
        .field(
            "brand_name",
            attr("brand_name").unwrap_or_else(|| cx.request.brand_name.clone()),
        )
}

#[async_trait]
impl StageView for SessionEndStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        Ok(Step::Show(session_end(cx)))
    }
    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        Ok(Step::Show(session_end(cx)))
    }
}

//! User delete stage (spec §4.13): logs out and deletes the pending user (else the logged-in
//! user); without a saved user the stage fails with "No Pending User.".
use async_trait::async_trait;
use castellan_flows::context::{PENDING_USER, pending_user_pk};
use castellan_flows::{EnvError, StageContext, StageView, Step};
use serde_json::{Map, Value};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_user_delete.userdeletestage";

/// The user delete stage.
pub struct UserDeleteStage;

#[async_trait]
impl StageView for UserDeleteStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let user = match cx.plan.context.get(PENDING_USER) {
            Some(u) if !u.is_null() => pending_user_pk(&cx.plan.context),
            _ => cx.session.user,
        };
        let Some(user) = user else {
            return Ok(Step::Deny(Some("No Pending User.".into())));
        };
        cx.env.logout(cx.session, cx.request).await?;
        cx.env.delete_user(user).await?;
        cx.plan.context.remove(PENDING_USER);
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

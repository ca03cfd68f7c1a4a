//! Invitation stage (spec §4.8): reads an invitation token from the flow's query (`itoken`,
//! then `token`) or the prompt data (`token`), checks it, merges the invitation's `fixed_data`
//! into `prompt_data` and, for single-use invitations, deletes it. No challenge.
//!
//! 🔒 Unlike authentik, an expired invitation is refused here (authentik only stops it when the
//! periodic cleanup deletes it), and a single-use invitation is consumed exactly once: when two
//! flows use it at the same time, the one whose delete removed the row wins and the other is
//! treated as holding an invalid invitation.
use async_trait::async_trait;
use castellan_core::invitation::{Invitation, deep_merge};
use castellan_flows::next_url::query_param;
use castellan_flows::{EnvError, StageContext, StageView, Step};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::prompt::PROMPT_DATA;

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_invitation.invitationstage";
/// Query parameter of invitation links (`/if/flow/<slug>/?itoken=<invite_uuid>`).
pub const TOKEN_QUERY: &str = "itoken";
/// Query parameter and prompt data key also accepted.
pub const TOKEN_CONTEXT: &str = "token";
/// Plan context key: the invitation in use (tagged JSON).
pub const INVITATION: &str = "invitation";
/// Plan context key: `true` once an invitation was applied.
pub const INVITATION_IN_EFFECT: &str = "invitation_in_effect";
const INVALID: &str = "Invalid invite/invite not found";

/// The invitation stage.
pub struct InvitationStage;

/// The token, by authentik's lookup order.
fn token(cx: &StageContext<'_>) -> Option<String> {
    let query = &cx.request.query;
    query_param(query, TOKEN_QUERY)
        .or_else(|| query_param(query, TOKEN_CONTEXT))
        .or_else(|| {
            let data = cx.plan.context.get(PROMPT_DATA)?;
            match data.get(TOKEN_CONTEXT)? {
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
        })
}

/// The usable invitation the token names: it exists, has not expired, is not bound to another
/// flow and, when single-use, this request consumed it.
async fn usable(cx: &mut StageContext<'_>) -> Result<Option<Invitation>, EnvError> {
    let Some(pk) = token(cx).and_then(|t| Uuid::parse_str(t.trim()).ok()) else {
        return Ok(None);
    };
    let Some(invite) = cx.env.invitation(pk).await? else {
        return Ok(None);
    };
    if invite.expired(cx.env.now()) || invite.flow.is_some_and(|f| f != cx.flow.pk) {
        tracing::debug!(invitation = %pk, "invitation expired or bound to another flow");
        return Ok(None);
    }
    if invite.single_use && !cx.env.take_invitation(pk).await? {
        tracing::debug!(invitation = %pk, "single-use invitation already used");
        return Ok(None);
    }
    Ok(Some(invite))
}

async fn apply(cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
    let continue_without = cx
        .config()
        .get("continue_flow_without_invitation")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(invite) = usable(cx).await? else {
        if continue_without {
            return Ok(Step::Next);
        }
        return Ok(Step::Deny(Some(INVALID.into())));
    };
    let context = &mut cx.plan.context;
    context.insert(INVITATION_IN_EFFECT.into(), Value::Bool(true));
    context.insert(INVITATION.into(), invite.to_context());
    let mut data = match context.get(PROMPT_DATA) {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    deep_merge(&mut data, &invite.fixed_data);
    context.insert(PROMPT_DATA.into(), Value::Object(data));
    let mut event = Map::new();
    event.insert(
        "invitation_uuid".into(),
        json!(invite.pk.simple().to_string()),
    );
    let user = cx.request.user.clone();
    cx.env
        .event("invitation_used", event, user.as_ref(), cx.request)
        .await?;
    Ok(Step::Next)
}

#[async_trait]
impl StageView for InvitationStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        apply(cx).await
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        apply(cx).await
    }
}

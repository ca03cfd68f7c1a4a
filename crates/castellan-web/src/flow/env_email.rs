//! The email side of [`StoreFlowEnv`] (spec §4.7): flow tokens for links, sending templated
//! messages with the global or the stage's SMTP settings, and activating verified users.
use castellan_flows::EnvError;
use castellan_flows::env::{EmailRequest, NewFlowToken};
use castellan_store::{StoreError, flowtokens, users};
use serde_json::json;

use crate::email::{self, MailError};
use crate::flow::env::StoreFlowEnv;

fn err(e: StoreError) -> EnvError {
    EnvError(e.to_string())
}

/// Stores a flow token.
pub async fn save_token(env: &mut StoreFlowEnv, t: NewFlowToken) -> Result<(), EnvError> {
    let token = flowtokens::FlowToken {
        key: t.key,
        identifier: t.identifier,
        flow: t.flow,
        plan: t.plan,
        user: t.user,
        expires: t.expires,
    };
    flowtokens::create(&mut env.conn, &token).await.map_err(err)
}

/// Deletes a flow token (used or not).
pub async fn delete_token(env: &mut StoreFlowEnv, key: &str) -> Result<(), EnvError> {
    flowtokens::take(&mut env.conn, key, env.state.store.now())
        .await
        .map(|_| ())
        .map_err(err)
}

/// Renders and sends; failures are logged with detail, recorded as a `configuration_error`
/// event for template problems, and returned as "Failed to send email.".
pub async fn send(env: &mut StoreFlowEnv, request: EmailRequest) -> Result<(), String> {
    let settings = env.state.settings.email.clone();
    match email::deliver(&settings, &request).await {
        Ok(()) => {
            tracing::info!(to = %request.to_address, subject = %request.subject, "email sent");
            let now = env.state.store.now();
            let context = json!({
                "message": format!("Email to {} sent", request.to_address),
                "subject": request.subject,
                "to_email": [request.to_address],
                "template": request.template,
            });
            let recorded = crate::audit::record(
                &mut env.conn,
                now,
                &env.ctx,
                None,
                "email_sent",
                "authentik.stages.email.tasks",
                context,
            )
            .await;
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "could not record the email_sent event");
            }
            Ok(())
        }
        Err(e) => {
            tracing::warn!(to = %request.to_address, error = %e, "sending email failed");
            if let MailError::Message(detail) = &e {
                let now = env.state.store.now();
                let context = json!({
                    "message": "Exception occurred while rendering E-mail template",
                    "error": detail,
                    "template": request.template,
                });
                let _ = crate::audit::record(
                    &mut env.conn,
                    now,
                    &env.ctx,
                    None,
                    "configuration_error",
                    "authentik.stages.email.stage",
                    context,
                )
                .await;
            }
            Err(castellan_stages::email::SEND_FAILED.to_string())
        }
    }
}

/// Marks `user` active.
pub async fn activate_user(env: &mut StoreFlowEnv, user: i64) -> Result<(), EnvError> {
    let Some(mut account) = users::get(&mut env.conn, user).await.map_err(err)? else {
        return Ok(());
    };
    if account.is_active {
        return Ok(());
    }
    account.is_active = true;
    users::update(&mut env.conn, &account).await.map_err(err)?;
    Ok(())
}

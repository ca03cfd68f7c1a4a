//! Email stage (spec §4.7, `ak-stage-email`): sends the pending user a link that resumes the
//! flow (`/if/flow/<slug>/?flow_token=<key>`, a single-use flow token holding the plan) and waits.
//! Opening the link restores the plan; the stage then passes, activating the user if asked,
//! unless the pending user is no longer the one the link was issued for (access denied).
//! Castellan sends while the request runs, so an SMTP failure is shown to the user as a
//! response error ("Failed to send email.") and nothing is kept: the token is deleted and the
//! next request (or "send again") tries once more.
use async_trait::async_trait;
use castellan_core::flow::FlowDesignation;
use castellan_flows::context::{IS_RESTORED, IS_RESTORED_USER, PENDING_USER, pending_user_pk};
use castellan_flows::env::{EmailRequest, NewFlowToken, SmtpOverride};
use castellan_flows::{Challenge, EnvError, ResponseErrors, StageContext, StageView, Step};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::Deserialize;
use serde_json::{Map, Value};

/// `meta_model_name`.
pub const KIND: &str = "authentik_stages_email.emailstage";
/// Challenge component.
pub const COMPONENT: &str = "ak-stage-email";
/// Plan context key set once the first message was sent.
pub const EMAIL_SENT: &str = "email_sent";
/// Plan context key overriding the recipient address.
pub const EMAIL_OVERRIDE: &str = "email";
/// The message users see when the message could not be sent.
pub const SEND_FAILED: &str = "Failed to send email.";

/// Email stage settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct EmailSettings {
    /// Use the global `email.*` connection settings.
    pub use_global_settings: bool,
    /// SMTP host.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// SMTP login.
    pub username: String,
    /// SMTP password.
    pub password: String,
    /// STARTTLS.
    pub use_tls: bool,
    /// Implicit TLS.
    pub use_ssl: bool,
    /// Connection timeout (seconds).
    pub timeout: u64,
    /// Sender.
    pub from_address: String,
    /// Minutes the link is valid.
    pub token_expiry: i64,
    /// Subject.
    pub subject: String,
    /// Template name.
    pub template: String,
    /// Activate the user when the link was opened.
    pub activate_user_on_success: bool,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            use_global_settings: false,
            host: "localhost".into(),
            port: 25,
            username: String::new(),
            password: String::new(),
            use_tls: false,
            use_ssl: false,
            timeout: 10,
            from_address: "system@authentik.local".into(),
            token_expiry: 30,
            subject: "authentik".into(),
            template: "email/password_reset.html".into(),
            activate_user_on_success: false,
        }
    }
}

impl EmailSettings {
    /// The stage's own connection settings, or `None` for the global ones.
    pub fn smtp(&self) -> Option<SmtpOverride> {
        (!self.use_global_settings).then(|| SmtpOverride {
            host: self.host.clone(),
            port: self.port,
            username: self.username.clone(),
            password: self.password.clone(),
            use_tls: self.use_tls,
            use_ssl: self.use_ssl,
            timeout: self.timeout,
            from: self.from_address.clone(),
        })
    }
}

/// The email stage.
pub struct EmailStage;

fn challenge() -> Challenge {
    Challenge::new(COMPONENT)
}

/// authentik's `slugify`: lower case, runs of other characters become one `-`.
fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if (c == '-' || c.is_whitespace()) && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The flow interface URL with the page's query (without an older `flow_token`) and `key`.
fn link(cx: &StageContext<'_>, key: &str) -> String {
    let mut pairs: Vec<&str> = cx
        .request
        .query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some("flow_token"))
        .collect();
    let token = format!("flow_token={key}");
    pairs.push(&token);
    format!(
        "{}/if/flow/{}/?{}",
        cx.request.base_url.trim_end_matches('/'),
        cx.flow.slug,
        pairs.join("&")
    )
}

/// Sends the message; the inner `Err` is the text for the user.
async fn send(
    cx: &mut StageContext<'_>,
    s: &EmailSettings,
) -> Result<Result<(), String>, EnvError> {
    let user = cx
        .plan
        .context
        .get(PENDING_USER)
        .cloned()
        .unwrap_or_default();
    let pk = pending_user_pk(&cx.plan.context);
    if pk.is_none() && cx.flow.designation == FlowDesignation::Recovery {
        // An unknown identifier in a recovery flow: pretend, so accounts are not disclosed.
        return Ok(Ok(()));
    }
    let address = match cx.plan.context.get(EMAIL_OVERRIDE).and_then(Value::as_str) {
        Some(a) if !a.is_empty() => a.to_string(),
        _ => text(&user, "email"),
    };
    let key: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(60)
        .map(char::from)
        .collect();
    let expires = cx.env.now() + chrono::Duration::minutes(s.token_expiry.max(0) + 1);
    let identifier = slugify(&format!(
        "ak-email-stage-{}-{}",
        cx.stage.name,
        uuid::Uuid::new_v4()
    ));
    let plan = serde_json::to_value(&*cx.plan).map_err(|e| EnvError(e.to_string()))?;
    cx.env
        .save_flow_token(NewFlowToken {
            key: key.clone(),
            identifier,
            flow: cx.flow.pk,
            plan,
            user: pk,
            expires,
        })
        .await?;
    let mut context = Map::new();
    context.insert("url".into(), Value::String(link(cx, &key)));
    context.insert("user".into(), user.clone());
    context.insert("expires".into(), Value::String(expires.to_rfc3339()));
    context.insert("token".into(), Value::String(key.clone()));
    let email = EmailRequest {
        smtp: s.smtp(),
        to_name: text(&user, "name"),
        to_address: address,
        subject: s.subject.clone(),
        template: s.template.clone(),
        context,
    };
    if let Err(message) = cx.env.send_email(email).await {
        cx.env.delete_flow_token(&key).await?;
        return Ok(Err(message));
    }
    Ok(Ok(()))
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn failed(message: &str) -> Step {
    let message = if message.is_empty() {
        SEND_FAILED
    } else {
        message
    };
    Step::Invalid(
        challenge(),
        ResponseErrors::field("non_field_errors", message, "email-failed"),
    )
}

#[async_trait]
impl StageView for EmailStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let s: EmailSettings = cx.settings();
        if cx.plan.context.contains_key(IS_RESTORED) {
            let issued_for = cx
                .plan
                .context
                .get(IS_RESTORED_USER)
                .and_then(Value::as_i64);
            if issued_for != pending_user_pk(&cx.plan.context) {
                tracing::warn!("flow token for a different user, denying the request");
                return Ok(Step::Deny(None));
            }
            if s.activate_user_on_success
                && let Some(pk) = pending_user_pk(&cx.plan.context)
            {
                cx.env.activate_user(pk).await?;
                if let Some(Value::Object(user)) = cx.plan.context.get_mut(PENDING_USER) {
                    user.insert("is_active".into(), Value::Bool(true));
                }
            }
            return Ok(Step::Next);
        }
        if !cx.plan.context.contains_key(PENDING_USER) {
            return Ok(Step::Deny(Some("No pending user.".into())));
        }
        if !cx.plan.context.contains_key(EMAIL_SENT) {
            if let Err(e) = send(cx, &s).await? {
                return Ok(failed(&e));
            }
            cx.plan.context.insert(EMAIL_SENT.into(), Value::Bool(true));
        }
        Ok(Step::Show(challenge()))
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        if !cx.plan.context.contains_key(PENDING_USER) {
            return Ok(Step::Deny(Some("No pending user.".into())));
        }
        let s: EmailSettings = cx.settings();
        if let Err(e) = send(cx, &s).await? {
            return Ok(failed(&e));
        }
        cx.plan.context.insert(EMAIL_SENT.into(), Value::Bool(true));
        // The response is always "invalid": the user waits for the link (authentik's
        // `email-sent` error).
        Ok(Step::Invalid(
            challenge(),
            ResponseErrors::field("non_field_errors", "email-sent", "email-sent"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_as_authentik() {
        assert_eq!(
            slugify("ak-email-stage-My Stage!-ab12"),
            "ak-email-stage-my-stage-ab12"
        );
    }
}

//! `ak_send_email(address, subject, body=None, stage=None, template=None, context=None)` for
//! expressions (a helper of later authentik releases): sends a plain-text `body`, or renders
//! `template` with `context`, to one address or a list, with the global `email.*` settings or
//! those of the email stage named (or with the pk) `stage`. Returns `True` when every message
//! was sent, `False` when one failed (the detail is logged).
use castellan_flows::env::EmailRequest;
use castellan_stages::email::{EmailSettings as StageSettings, KIND};
use castellan_store::stages;
use serde_json::{Map, Value};

use crate::email::{self, Outgoing, SmtpSettings};
use crate::flow::env::StoreFlowEnv;

fn arg<'a>(
    args: &'a [Value],
    kwargs: &'a Map<String, Value>,
    i: usize,
    name: &str,
) -> Option<&'a Value> {
    kwargs
        .get(name)
        .or_else(|| args.get(i))
        .filter(|v| !v.is_null())
}

/// The connection settings of the stage named (or with the pk) `stage`.
async fn stage_smtp(env: &mut StoreFlowEnv, stage: &str) -> Result<Option<SmtpSettings>, String> {
    let found = stages::all(&mut env.conn, Some(KIND))
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|s| s.name == stage || s.pk.to_string() == stage)
        .ok_or_else(|| format!("ak_send_email: no email stage {stage:?}"))?;
    let settings: StageSettings =
        serde_json::from_value(Value::Object(found.config)).unwrap_or_default();
    Ok(settings.smtp().as_ref().map(SmtpSettings::from_override))
}

/// Runs the helper.
pub async fn ak_send_email(
    env: &mut StoreFlowEnv,
    args: &[Value],
    kwargs: &Map<String, Value>,
) -> Result<Value, String> {
    let addresses: Vec<String> = match arg(args, kwargs, 0, "address") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => return Err("ak_send_email: address must be a string or a list".into()),
    };
    let subject = arg(args, kwargs, 1, "subject")
        .and_then(Value::as_str)
        .ok_or("ak_send_email: subject is required")?
        .to_string();
    let body = arg(args, kwargs, 2, "body").and_then(Value::as_str);
    let template = arg(args, kwargs, 4, "template").and_then(Value::as_str);
    if body.is_some() == template.is_some() {
        return Err("ak_send_email: give either body or template".into());
    }
    let global = env.state.settings.email.clone();
    let smtp = match arg(args, kwargs, 3, "stage").and_then(Value::as_str) {
        Some(stage) => stage_smtp(env, stage).await?,
        None => None,
    };
    let via = smtp.clone().unwrap_or_else(|| global.smtp.clone());
    let context = match arg(args, kwargs, 5, "context") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let mut ok = true;
    for address in addresses {
        let sent = match (body, template) {
            (Some(body), _) => {
                let message = Outgoing {
                    to_address: address.clone(),
                    subject: subject.clone(),
                    text: body.to_string(),
                    ..Outgoing::default()
                };
                email::send(&via, &message).await
            }
            (None, template) => {
                let mut settings = global.clone();
                settings.smtp = via.clone();
                let request = EmailRequest {
                    smtp: None,
                    to_address: address.clone(),
                    subject: subject.clone(),
                    template: template.unwrap_or_default().to_string(),
                    context: context.clone(),
                    ..EmailRequest::default()
                };
                email::deliver(&settings, &request).await
            }
        };
        if let Err(e) = sent {
            tracing::warn!(to = %address, error = %e, "ak_send_email failed");
            ok = false;
        }
    }
    Ok(Value::Bool(ok))
}

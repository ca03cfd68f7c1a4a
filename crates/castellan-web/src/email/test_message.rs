//! The test message of `castellan test-email` (authentik's `ak test_email`): the setup template
//! sent with the global settings, or with a named email stage's own settings.
use castellan_flows::env::EmailRequest;
use castellan_stages::email::{EmailSettings as StageSettings, KIND};
use castellan_store::{Store, stages};
use serde_json::{Map, Value};

use super::{EmailSettings, SmtpSettings, deliver};

/// Sends the test message to `address`; returns a line describing where it went. `store` is
/// needed only to look a stage up.
///
/// # Errors
/// An unknown stage, database failures and SMTP failures, as text for the command line.
pub async fn send_test(
    store: Option<&Store>,
    global: &EmailSettings,
    address: &str,
    stage: Option<&str>,
) -> Result<String, String> {
    let smtp = match stage {
        None => None,
        Some(name) => {
            let store = store.ok_or("no database to look the stage up in")?;
            let mut conn = store.conn().await.map_err(|e| e.to_string())?;
            let found = stages::all(&mut conn, Some(KIND))
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|s| s.name == name)
                .ok_or_else(|| format!("no email stage named {name:?}"))?;
            let settings: StageSettings =
                serde_json::from_value(Value::Object(found.config)).unwrap_or_default();
            settings.smtp()
        }
    };
    let via = smtp
        .as_ref()
        .map_or_else(|| global.smtp.clone(), SmtpSettings::from_override);
    let request = EmailRequest {
        smtp,
        to_name: String::new(),
        to_address: address.to_string(),
        subject: "authentik Test-Email".into(),
        template: "email/setup.html".into(),
        context: Map::new(),
    };
    deliver(global, &request).await.map_err(|e| {
        format!(
            "sending the test email to {address} via {}:{} failed: {e}",
            via.host, via.port
        )
    })?;
    Ok(format!(
        "sent a test email to {address} via {}:{}",
        via.host, via.port
    ))
}

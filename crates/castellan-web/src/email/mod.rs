//! Outgoing email (spec §4.7, configuration `email.*`): typed SMTP settings, the lettre SMTP
//! transport and the message templates. The server builds [`EmailSettings`] from its
//! configuration; tests point it at a local SMTP server.
pub mod smtp;
pub mod templates;
pub mod test_message;

use std::path::PathBuf;
use std::time::Duration;

pub use smtp::{MailError, Outgoing, send};
pub use templates::{BUILTIN, Rendered, list_templates, render};
pub use test_message::send_test;

/// How to reach an SMTP server.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpSettings {
    /// Host name or IP.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Login; empty: no authentication.
    pub username: String,
    /// Password.
    pub password: String,
    /// STARTTLS after connecting (`use_tls`).
    pub use_tls: bool,
    /// TLS from the first byte (`use_ssl`).
    pub use_ssl: bool,
    /// Connection and command timeout.
    pub timeout: Duration,
    /// Sender address (`from`).
    pub from: String,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: 25,
            username: String::new(),
            password: String::new(),
            use_tls: false,
            use_ssl: false,
            timeout: Duration::from_secs(10),
            from: "castellan@localhost".into(),
        }
    }
}

/// Global email settings (`email.*`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmailSettings {
    /// The global SMTP connection.
    pub smtp: SmtpSettings,
    /// Directory of custom templates (`email.template_dir`); `None`: built-ins only.
    pub template_dir: Option<PathBuf>,
}

impl SmtpSettings {
    /// A stage's own connection settings.
    #[must_use]
    pub fn from_override(o: &castellan_flows::env::SmtpOverride) -> Self {
        Self {
            host: o.host.clone(),
            port: o.port,
            username: o.username.clone(),
            password: o.password.clone(),
            use_tls: o.use_tls,
            use_ssl: o.use_ssl,
            timeout: Duration::from_secs(o.timeout.max(1)),
            from: o.from.clone(),
        }
    }
}

/// Renders `request`'s template and sends it with the stage's or the global settings.
///
/// # Errors
/// Template failures (as [`MailError::Message`]) and SMTP failures.
pub async fn deliver(
    global: &EmailSettings,
    request: &castellan_flows::env::EmailRequest,
) -> Result<(), MailError> {
    let smtp = request
        .smtp
        .as_ref()
        .map_or_else(|| global.smtp.clone(), SmtpSettings::from_override);
    let rendered = render(
        global.template_dir.as_deref(),
        &request.template,
        &request.context,
    )
    .map_err(|e| MailError::Message(format!("template {}: {e}", request.template)))?;
    let message = Outgoing {
        to_name: request.to_name.clone(),
        to_address: request.to_address.clone(),
        subject: request.subject.clone(),
        text: rendered.text,
        html: Some(rendered.html),
    };
    send(&smtp, &message).await
}

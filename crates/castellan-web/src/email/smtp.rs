//! Sending one message over SMTP with lettre: implicit TLS for `use_ssl`, STARTTLS for
//! `use_tls`, plain otherwise; the configured timeout bounds the connection and commands.
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::SmtpSettings;

/// Why a message was not sent (the detail is for logs, not for users).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address or the message could not be built.
    #[error("invalid message: {0}")]
    Message(String),
    /// The SMTP exchange failed (connection, TLS, authentication, refusal, timeout).
    #[error("SMTP error: {0}")]
    Smtp(String),
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outgoing {
    /// Recipient display name (may be empty).
    pub to_name: String,
    /// Recipient address.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (`None`: text only).
    pub html: Option<String>,
}

fn mailbox(name: &str, address: &str) -> Result<Mailbox, MailError> {
    let address = address
        .parse()
        .map_err(|e| MailError::Message(format!("{address}: {e}")))?;
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_string()),
        address,
    ))
}

fn transport(s: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let smtp = |e: lettre::transport::smtp::Error| MailError::Smtp(e.to_string());
    let builder = if s.use_ssl {
        AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(smtp)?
    } else if s.use_tls {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host).map_err(smtp)?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
    };
    let mut builder = builder.port(s.port).timeout(Some(s.timeout));
    if !s.username.is_empty() {
        builder = builder.credentials(Credentials::new(s.username.clone(), s.password.clone()));
    }
    Ok(builder.build())
}

/// Sends `message` with the connection settings `s`.
///
/// # Errors
/// Invalid addresses, and every SMTP failure.
pub async fn send(s: &SmtpSettings, message: &Outgoing) -> Result<(), MailError> {
    let builder = Message::builder()
        .from(mailbox("", &s.from)?)
        .to(mailbox(&message.to_name, &message.to_address)?)
        .subject(message.subject.clone());
    let email = match &message.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            message.text.clone(),
            html.clone(),
        )),
        None => builder.body(message.text.clone()),
    }
    .map_err(|e| MailError::Message(e.to_string()))?;
    let transport = transport(s)?;
    // The timeout applies per command; bound the whole exchange as well.
    let limit = s.timeout.saturating_mul(3);
    match tokio::time::timeout(limit, transport.send(email)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(MailError::Smtp(e.to_string())),
        Err(_) => Err(MailError::Smtp(format!("timed out after {limit:?}"))),
    }
}

//! Collected client data (clientDataJSON, W3C WebAuthn §5.8.1) checks.

use subtle::ConstantTimeEq;

use super::error::truncated;
use super::{Expected, WebauthnError};

/// The ceremony a clientDataJSON belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    /// Registration: `webauthn.create`.
    Create,
    /// Authentication: `webauthn.get`.
    Get,
}

impl Ceremony {
    /// The `type` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "webauthn.create",
            Self::Get => "webauthn.get",
        }
    }
}

/// The checked members of clientDataJSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientData {
    /// The origin (one of the expected origins).
    pub origin: String,
    /// `topOrigin`, if the client sent one.
    pub top_origin: Option<String>,
}

/// Parses `client_data_json` and checks `type`, `challenge`, `origin` and
/// `crossOrigin` (§7.1 steps 7-10, §7.2 steps 11-14).
pub fn verify_client_data(
    client_data_json: &[u8],
    ceremony: Ceremony,
    expected: &Expected,
) -> Result<ClientData, WebauthnError> {
    let malformed = WebauthnError::MalformedClientData;
    let value: serde_json::Value =
        serde_json::from_slice(client_data_json).map_err(|_| malformed("not valid JSON"))?;
    if !value.is_object() {
        return Err(malformed("not a JSON object"));
    }
    let text = |key: &str, reason: &'static str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_str)
            .ok_or(malformed(reason))
    };

    let found_type = text("type", "missing type")?;
    if found_type != ceremony.as_str() {
        return Err(WebauthnError::WrongCeremonyType {
            expected: ceremony.as_str(),
            found: truncated(found_type, 64),
        });
    }

    let challenge = super::challenge::decode_lenient(
        text("challenge", "missing challenge")?,
        "clientDataJSON.challenge",
    )?;
    if expected.challenge.is_empty()
        || !bool::from(challenge.as_slice().ct_eq(expected.challenge.as_slice()))
    {
        return Err(WebauthnError::ChallengeMismatch);
    }

    let origin = text("origin", "missing origin")?;
    if !expected.origins.iter().any(|allowed| allowed == origin) {
        return Err(WebauthnError::OriginMismatch {
            found: truncated(origin, 256),
        });
    }

    match value.get("crossOrigin") {
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => {}
        Some(serde_json::Value::Bool(true)) => return Err(WebauthnError::CrossOrigin),
        Some(_) => return Err(malformed("crossOrigin is not a boolean")),
    }

    Ok(ClientData {
        origin: origin.to_owned(),
        top_origin: value
            .get("topOrigin")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
    })
}

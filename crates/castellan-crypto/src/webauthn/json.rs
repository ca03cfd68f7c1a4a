//! Reading the browser's `PublicKeyCredential` JSON serialisation.

use serde_json::Value;

use super::WebauthnError;
use super::challenge::decode_lenient;

/// Member `key` of `object`, reported as `name` when missing.
pub(crate) fn member<'a>(
    object: &'a Value,
    key: &str,
    name: &'static str,
) -> Result<&'a Value, WebauthnError> {
    object.get(key).ok_or(WebauthnError::MalformedJson(name))
}

/// String member `key` of `object`.
pub(crate) fn string<'a>(
    object: &'a Value,
    key: &str,
    name: &'static str,
) -> Result<&'a str, WebauthnError> {
    member(object, key, name)?
        .as_str()
        .ok_or(WebauthnError::MalformedJson(name))
}

/// Base64(url) member `key` of `object`, decoded.
pub(crate) fn bytes(
    object: &Value,
    key: &str,
    name: &'static str,
) -> Result<Vec<u8>, WebauthnError> {
    decode_lenient(string(object, key, name)?, name)
}

/// The `response` object.
pub(crate) fn response(credential: &Value) -> Result<&Value, WebauthnError> {
    let response = member(credential, "response", "response")?;
    if response.is_object() {
        Ok(response)
    } else {
        Err(WebauthnError::MalformedJson("response"))
    }
}

/// Checks `type == "public-key"` and returns the credential ID from `id`,
/// which must equal `rawId` when that is present.
pub(crate) fn credential_id(credential: &Value) -> Result<Vec<u8>, WebauthnError> {
    if !credential.is_object() {
        return Err(WebauthnError::MalformedJson("credential"));
    }
    if string(credential, "type", "type")? != "public-key" {
        return Err(WebauthnError::WrongCredentialType);
    }
    let id = bytes(credential, "id", "id")?;
    if credential.get("rawId").is_some() {
        let raw_id = bytes(credential, "rawId", "rawId")?;
        if raw_id != id {
            return Err(WebauthnError::CredentialIdMismatch);
        }
    }
    if id.is_empty() {
        return Err(WebauthnError::MalformedJson("id"));
    }
    Ok(id)
}

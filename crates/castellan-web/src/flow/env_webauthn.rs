//! The WebAuthn side of [`StoreFlowEnv`] (spec §5.3, §5.6): the user's credentials, finding a
//! credential's device, saving registrations, recording assertions, and authenticator models.
use castellan_core::mfa::WebAuthnDevice;
use castellan_core::webauthn_device_type::WebAuthnDeviceType;
use castellan_flows::EnvError;
use castellan_store::{StoreError, devices_webauthn, webauthn_device_types};

use crate::flow::env::StoreFlowEnv;

fn err(e: StoreError) -> EnvError {
    EnvError(e.to_string())
}

/// The user's confirmed WebAuthn devices.
pub async fn devices(env: &mut StoreFlowEnv, user: i64) -> Result<Vec<WebAuthnDevice>, EnvError> {
    devices_webauthn::list(&mut env.conn, Some(user), true)
        .await
        .map_err(err)
}

/// The device of a credential id.
pub async fn device(
    env: &mut StoreFlowEnv,
    credential_id: &str,
) -> Result<Option<WebAuthnDevice>, EnvError> {
    devices_webauthn::by_credential_id(&mut env.conn, credential_id)
        .await
        .map_err(err)
}

/// Saves a registration.
pub async fn save(
    env: &mut StoreFlowEnv,
    device: &WebAuthnDevice,
) -> Result<Option<i64>, EnvError> {
    devices_webauthn::create(&mut env.conn, device)
        .await
        .map_err(err)
}

/// Records a verified assertion.
pub async fn accept(
    env: &mut StoreFlowEnv,
    device: i64,
    seen: i64,
    sign_count: i64,
) -> Result<bool, EnvError> {
    let now = env.state.store.now();
    devices_webauthn::accept(&mut env.conn, device, seen, sign_count, now)
        .await
        .map_err(err)
}

/// An authenticator model.
pub async fn device_type(
    env: &mut StoreFlowEnv,
    aaguid: &str,
) -> Result<Option<WebAuthnDeviceType>, EnvError> {
    webauthn_device_types::get(&mut env.conn, aaguid)
        .await
        .map_err(err)
}

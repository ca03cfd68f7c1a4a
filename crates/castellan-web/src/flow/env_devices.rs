//! The MFA device side of [`StoreFlowEnv`] (spec §5.1): the user's confirmed TOTP and static
//! devices, saving devices made by the setup stages, and recording verifications.
use castellan_core::mfa::{
    CLASS_SMS, CLASS_STATIC, CLASS_TOTP, CLASS_WEBAUTHN, StaticDevice, TotpDevice,
};
use castellan_flows::EnvError;
use castellan_store::devices::{STATIC_TABLE, TOTP_TABLE};
use castellan_store::{
    StoreError, devices, devices_sms, devices_static, devices_totp, devices_webauthn,
};

use crate::flow::env::StoreFlowEnv;

fn err(e: StoreError) -> EnvError {
    EnvError(e.to_string())
}

/// Whether `user` has confirmed devices of these classes (empty: any class).
pub async fn has_devices(
    env: &mut StoreFlowEnv,
    user: i64,
    classes: &[String],
) -> Result<bool, EnvError> {
    let wants = |class: &str| classes.is_empty() || classes.iter().any(|c| c == class);
    for (class, table) in [
        (
            castellan_core::mfa::CLASS_DUO,
            castellan_store::devices_duo::TABLE,
        ),
        (CLASS_STATIC, STATIC_TABLE),
        (CLASS_TOTP, TOTP_TABLE),
        (CLASS_WEBAUTHN, devices_webauthn::TABLE),
    ] {
        if wants(class)
            && devices::exists_for(&mut env.conn, table, user)
                .await
                .map_err(err)?
        {
            return Ok(true);
        }
    }
    // Verify-only SMS devices keep a hash of the number and are never used to log in.
    if wants(CLASS_SMS) {
        let sms = devices_sms::list(&mut env.conn, Some(user), true)
            .await
            .map_err(err)?;
        return Ok(sms.iter().any(|d| !d.is_hashed()));
    }
    Ok(false)
}

/// The user's confirmed TOTP devices.
pub async fn totp_devices(env: &mut StoreFlowEnv, user: i64) -> Result<Vec<TotpDevice>, EnvError> {
    devices_totp::list(&mut env.conn, Some(user), true)
        .await
        .map_err(err)
}

/// The user's confirmed static devices.
pub async fn static_devices(
    env: &mut StoreFlowEnv,
    user: i64,
) -> Result<Vec<StaticDevice>, EnvError> {
    devices_static::list(&mut env.conn, Some(user), true)
        .await
        .map_err(err)
}

/// Saves a TOTP device.
pub async fn save_totp(env: &mut StoreFlowEnv, device: &TotpDevice) -> Result<i64, EnvError> {
    devices_totp::create(&mut env.conn, device)
        .await
        .map_err(err)
}

/// Saves a static device and its tokens in one transaction.
pub async fn save_static(
    env: &mut StoreFlowEnv,
    device: &StaticDevice,
    tokens: &[String],
) -> Result<i64, EnvError> {
    let mut tx = env.state.store.begin().await.map_err(err)?;
    let pk = devices_static::create(&mut tx, device, tokens)
        .await
        .map_err(err)?;
    tx.commit().await.map_err(|e| EnvError(e.to_string()))?;
    Ok(pk)
}

/// Records an accepted TOTP code.
pub async fn accept_totp(
    env: &mut StoreFlowEnv,
    device: i64,
    t: i64,
    drift: i64,
) -> Result<bool, EnvError> {
    let now = env.state.store.now();
    devices_totp::accept(&mut env.conn, device, t, drift, now)
        .await
        .map_err(err)
}

/// Uses up a static token and records the device's success.
pub async fn take_static_token(
    env: &mut StoreFlowEnv,
    device: i64,
    token: i64,
) -> Result<bool, EnvError> {
    if !devices_static::take_token(&mut env.conn, token)
        .await
        .map_err(err)?
    {
        return Ok(false);
    }
    let now = env.state.store.now();
    devices::record_success(&mut env.conn, STATIC_TABLE, device, now)
        .await
        .map_err(err)?;
    Ok(true)
}

/// Records a failed verification.
pub async fn attempt(
    env: &mut StoreFlowEnv,
    class: &str,
    device: i64,
    seen: i64,
) -> Result<bool, EnvError> {
    let table = match class {
        CLASS_TOTP => TOTP_TABLE,
        CLASS_STATIC => STATIC_TABLE,
        CLASS_SMS => devices_sms::TABLE,
        _ => return Ok(false),
    };
    let now = env.state.store.now();
    devices::claim_attempt(&mut env.conn, table, device, seen, now)
        .await
        .map_err(err)
}

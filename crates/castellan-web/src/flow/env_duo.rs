//! The Duo side of [`StoreFlowEnv`] (spec §5.3, §5.7): the user's Duo devices, saving enrolments,
//! recording allowed authentications, and signed Duo Auth API calls.
use castellan_core::mfa::{DuoApi, DuoDevice};
use castellan_flows::EnvError;
use castellan_store::{StoreError, devices_duo};
use serde_json::Value;

use crate::flow::duo_client;
use crate::flow::env::StoreFlowEnv;

fn err(e: StoreError) -> EnvError {
    EnvError(e.to_string())
}

/// The user's confirmed Duo devices.
pub async fn devices(env: &mut StoreFlowEnv, user: i64) -> Result<Vec<DuoDevice>, EnvError> {
    devices_duo::list(&mut env.conn, Some(user), true)
        .await
        .map_err(err)
}

/// Saves an enrolment.
pub async fn save(env: &mut StoreFlowEnv, device: &DuoDevice) -> Result<Option<i64>, EnvError> {
    devices_duo::create(&mut env.conn, device)
        .await
        .map_err(err)
}

/// Records an allowed authentication.
pub async fn accept(env: &mut StoreFlowEnv, device: i64) -> Result<(), EnvError> {
    let now = env.state.store.now();
    devices_duo::record_success(&mut env.conn, device, now)
        .await
        .map_err(err)
}

/// One signed Duo Auth API call.
pub async fn request(
    env: &mut StoreFlowEnv,
    api: &DuoApi,
    path: &str,
    params: &[(String, String)],
) -> Result<Value, String> {
    let now = env.state.store.now();
    duo_client::request(api, path, params, now).await
}

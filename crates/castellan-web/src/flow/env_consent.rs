//! The consent and user delete side of [`StoreFlowEnv`] (spec §4.4, §4.13): stored consent
//! lookups and writes, and deleting the flow's user.
use castellan_core::consent::UserConsent;
use castellan_flows::EnvError;
use castellan_store::{StoreError, consent, users};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::flow::env::StoreFlowEnv;

fn err(e: StoreError) -> EnvError {
    EnvError(e.to_string())
}

/// The permissions of `user`'s non-expired consent to `application`.
pub async fn find(
    env: &mut StoreFlowEnv,
    user: i64,
    application: Uuid,
) -> Result<Option<String>, EnvError> {
    let now = env.state.store.now();
    let found = consent::find_valid(&mut env.conn, user, application, now)
        .await
        .map_err(err)?;
    Ok(found.map(|c| c.permissions))
}

/// Records (or replaces) `user`'s consent to `application`.
pub async fn save(
    env: &mut StoreFlowEnv,
    user: i64,
    application: Uuid,
    permissions: &str,
    expires: Option<DateTime<Utc>>,
) -> Result<(), EnvError> {
    let record = UserConsent {
        pk: 0,
        user,
        application,
        permissions: permissions.to_string(),
        expires,
        expiring: expires.is_some(),
    };
    consent::save_for(&mut env.conn, &record)
        .await
        .map(|_| ())
        .map_err(err)
}

/// Deletes `user` (sessions, tokens and consent go with it).
pub async fn delete_user(env: &mut StoreFlowEnv, user: i64) -> Result<(), EnvError> {
    users::delete(&mut env.conn, user)
        .await
        .map(|_| ())
        .map_err(err)
}

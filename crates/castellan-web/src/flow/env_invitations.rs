//! The invitation stage's port methods over the generic object table (spec §4.8).
use castellan_core::invitation::{self, Invitation};
use castellan_flows::EnvError;
use castellan_store::{objects, users};
use uuid::Uuid;

use super::env::StoreFlowEnv;

/// An invitation by token; one whose creator was deleted counts as gone (authentik deletes
/// invitations with their creator).
pub async fn get(env: &mut StoreFlowEnv, pk: Uuid) -> Result<Option<Invitation>, EnvError> {
    let err = |e: castellan_store::StoreError| EnvError(e.to_string());
    let Some(o) = objects::get(&mut env.conn, invitation::MODEL, pk)
        .await
        .map_err(err)?
    else {
        return Ok(None);
    };
    let invite = Invitation::from_config(o.pk, &o.config);
    if let Some(creator) = invite.created_by
        && users::get(&mut env.conn, creator)
            .await
            .map_err(err)?
            .is_none()
    {
        return Ok(None);
    }
    Ok(Some(invite))
}

/// Deletes an invitation; `true` for the one caller that removed it.
pub async fn take(env: &mut StoreFlowEnv, pk: Uuid) -> Result<bool, EnvError> {
    objects::take(&mut env.conn, invitation::MODEL, pk)
        .await
        .map_err(|e| EnvError(e.to_string()))
}

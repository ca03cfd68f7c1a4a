//! First-start bootstrap, as authentik's migrations do it: the
//! `authentik Admins` superuser group, the `akadmin` user and, when
//! `bootstrap_token` is configured, its API token.
//!
//! Idempotent and run in one transaction. The password is only applied when
//! `akadmin` is created; the token only when no token with the bootstrap
//! identifier exists yet.

use castellan_core::group::Group;
use castellan_core::token::{Token, TokenIntent};
use castellan_core::user::{DEFAULT_USER_PATH, UserType};
use castellan_store::users::NewUser;
use castellan_store::{AnyConnection, Store, StoreError, groups, tokens, users};
use uuid::Uuid;

use crate::config::Settings;

/// Name of the superuser group created at first start.
pub const ADMINS_GROUP: &str = "authentik Admins";
/// Username of the initial administrator.
pub const ADMIN_USERNAME: &str = "akadmin";
/// Display name of the initial administrator.
pub const ADMIN_NAME: &str = "authentik Default Admin";
/// Identifier of the token created from `bootstrap_token`.
pub const BOOTSTRAP_TOKEN_IDENTIFIER: &str = "authentik-bootstrap-token";
/// Description of the token created from `bootstrap_token`.
pub const BOOTSTRAP_TOKEN_DESCRIPTION: &str = "Bootstrap token";

/// How often a bootstrap that lost a race with a concurrent first start is retried.
const ATTEMPTS: usize = 3;

/// What a bootstrap run created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BootstrapReport {
    /// The `authentik Admins` group was created.
    pub group_created: bool,
    /// `akadmin` was created.
    pub admin_created: bool,
    /// The bootstrap token was created.
    pub token_created: bool,
}

/// Ensures the admin group, `akadmin` and the bootstrap token exist.
///
/// # Errors
/// Database failures, or a failure to hash the bootstrap password.
pub async fn run(store: &Store, settings: &Settings) -> anyhow::Result<BootstrapReport> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match run_once(store, settings).await {
            Err(BootstrapError::Store(StoreError::Conflict(_))) if attempt < ATTEMPTS => {
                tracing::debug!(attempt, "bootstrap raced a concurrent start; retrying");
            }
            Err(err) => return Err(err.into()),
            Ok(report) => return Ok(report),
        }
    }
}

/// Why a bootstrap attempt failed.
#[derive(Debug, thiserror::Error)]
enum BootstrapError {
    /// A database failure.
    #[error("bootstrap: {0}")]
    Store(#[from] StoreError),
    /// Password hashing failed.
    #[error("bootstrap: hashing the bootstrap password: {0}")]
    Hash(String),
}

/// One transactional attempt.
async fn run_once(store: &Store, settings: &Settings) -> Result<BootstrapReport, BootstrapError> {
    let now = store.now();
    let mut report = BootstrapReport::default();
    let mut tx = store.begin().await?;
    let existing_admin = users::get_by_username(&mut tx, ADMIN_USERNAME).await?;
    let (group, created) = ensure_admin_group(&mut tx).await?;
    report.group_created = created;
    let admin = match existing_admin {
        Some(admin) => admin,
        None => {
            let password = match &settings.bootstrap_password {
                Some(secret) if !secret.is_empty() => hash(secret.expose().to_owned()).await?,
                _ => castellan_crypto::password::make_unusable_password(),
            };
            let new = NewUser {
                username: ADMIN_USERNAME.to_owned(),
                name: ADMIN_NAME.to_owned(),
                email: settings.bootstrap_email.clone(),
                password,
                is_active: true,
                path: DEFAULT_USER_PATH.to_owned(),
                user_type: UserType::Internal,
                attributes: serde_json::json!({}),
                last_login: None,
            };
            let admin = users::create(&mut tx, &new, now).await?;
            users::add_to_group(&mut tx, admin.pk, group.pk).await?;
            report.admin_created = true;
            admin
        }
    };
    if let Some(key) = settings.bootstrap_token.as_ref().filter(|k| !k.is_empty())
        && tokens::get_by_identifier(&mut tx, BOOTSTRAP_TOKEN_IDENTIFIER)
            .await?
            .is_none()
    {
        let token = Token {
            token_uuid: Uuid::new_v4(),
            identifier: BOOTSTRAP_TOKEN_IDENTIFIER.to_owned(),
            key: key.expose().to_owned(),
            intent: TokenIntent::Api,
            user: admin.pk,
            description: BOOTSTRAP_TOKEN_DESCRIPTION.to_owned(),
            expires: None,
            expiring: false,
            managed: None,
        };
        tokens::save(&mut tx, &token, true).await?;
        report.token_created = true;
    }
    tx.commit().await.map_err(StoreError::from)?;
    Ok(report)
}

/// Returns the `authentik Admins` group, creating it (superuser) when missing;
/// the flag tells whether it was created.
///
/// # Errors
/// Database failures; [`StoreError::Conflict`] when a concurrent writer
/// created it first.
pub async fn ensure_admin_group(conn: &mut AnyConnection) -> Result<(Group, bool), StoreError> {
    if let Some(group) = groups::get_by_name(conn, ADMINS_GROUP).await? {
        return Ok((group, false));
    }
    let group = Group {
        pk: Uuid::new_v4(),
        name: ADMINS_GROUP.to_owned(),
        is_superuser: true,
        parent: None,
        attributes: serde_json::json!({}),
    };
    groups::create(conn, &group).await?;
    Ok((group, true))
}

/// Hashes `password` off the async runtime (argon2 is deliberately slow).
async fn hash(password: String) -> Result<String, BootstrapError> {
    tokio::task::spawn_blocking(move || castellan_crypto::password::hash_password(&password))
        .await
        .map_err(|e| BootstrapError::Hash(e.to_string()))?
        .map_err(|e| BootstrapError::Hash(e.to_string()))
}

/// [`hash`] for the CLI.
///
/// # Errors
/// When hashing fails.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    Ok(hash(password).await?)
}

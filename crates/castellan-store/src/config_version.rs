//! The configuration version: one counter that database triggers bump on every write to the
//! tables the flow executor keeps cached in memory, so every process sharing the database can
//! tell, with one cheap read, whether its cache is still current.
use sqlx::{AnyConnection, Row};

use crate::{Backend, StoreError};

/// Tables whose rows the executor caches; a write to any of them bumps the version.
pub const WATCHED_TABLES: &[&str] = &[
    "core_brand",
    "flows_flow",
    "flows_stage",
    "flows_flowstagebinding",
    "policies_policy",
    "policies_policybinding",
];

/// Tables the OAuth2 provider's configuration cache reads (providers, applications, scope
/// mappings in the generic object table, certificate-key pairs); added by the `oauth2`
/// migration, after the trigger function exists.
pub const PROVIDER_TABLES: &[&str] = &[
    "core_provider",
    "core_application",
    "providers_oauth2_oauth2provider",
    "castellan_object",
    "crypto_certificatekeypair",
];

/// The group hierarchy, cached per version by every request that resolves a user's groups;
/// added by the `group_config_version` migration. Memberships are read per request.
pub const GROUP_TABLES: &[&str] = &["core_group"];

const BUMP: &str = "UPDATE castellan_config_version SET version = version + 1 WHERE id = 1";

/// The trigger DDL for `backend` (used by the migration that creates the counter).
pub fn triggers(backend: Backend) -> String {
    let mut sql = String::new();
    if backend == Backend::Postgres {
        sql.push_str(&format!(
            "CREATE FUNCTION castellan_config_bump() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN {BUMP}; RETURN NULL; END $$;\n"
        ));
    }
    sql.push_str(&table_triggers(backend, WATCHED_TABLES));
    sql
}

/// Triggers bumping the version on every write to `tables` (the PostgreSQL function must exist).
pub fn table_triggers(backend: Backend, tables: &[&str]) -> String {
    let mut sql = String::new();
    for table in tables {
        match backend {
            Backend::Sqlite => {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    let lower = event.to_lowercase();
                    sql.push_str(&format!(
                        "CREATE TRIGGER castellan_cfg_{table}_{lower} AFTER {event} ON {table} \
                         BEGIN {BUMP}; END;\n"
                    ));
                }
            }
            Backend::Postgres => sql.push_str(&format!(
                "CREATE TRIGGER castellan_cfg_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION castellan_config_bump();\n"
            )),
        }
    }
    sql
}

/// The current configuration version.
///
/// # Errors
/// Database failures.
pub async fn current(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT version FROM castellan_config_version WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>("version")?)
}

/// A `SELECT` of the current version (`config_version`) with the `columns` (comma-separated,
/// under their own names) of the `table` row matching `on` (alias `t`): the version also comes
/// back when no row matches, so a request's first read can carry it. `expressions` (raw SQL,
/// each with its own `AS`) are selected too.
pub(crate) fn select_with_version(
    columns: &str,
    expressions: &[&str],
    table: &str,
    on: &str,
) -> String {
    let mut selected: Vec<String> = columns
        .split(',')
        .map(|c| format!("t.{}", c.trim()))
        .collect();
    selected.extend(expressions.iter().map(|e| e.to_string()));
    format!(
        "SELECT v.version AS config_version, {} FROM castellan_config_version v \
         LEFT JOIN {table} t ON {on} WHERE v.id = 1",
        selected.join(", ")
    )
}

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

const BUMP: &str = "UPDATE castellan_config_version SET version = version + 1 WHERE id = 1";

/// The trigger DDL for `backend` (used by the migration that creates the counter).
pub fn triggers(backend: Backend) -> String {
    let mut sql = String::new();
    match backend {
        Backend::Sqlite => {
            for table in WATCHED_TABLES {
                for event in ["INSERT", "UPDATE", "DELETE"] {
                    let lower = event.to_lowercase();
                    sql.push_str(&format!(
                        "CREATE TRIGGER castellan_cfg_{table}_{lower} AFTER {event} ON {table} \
                         BEGIN {BUMP}; END;\n"
                    ));
                }
            }
        }
        Backend::Postgres => {
            sql.push_str(&format!(
                "CREATE FUNCTION castellan_config_bump() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN {BUMP}; RETURN NULL; END $$;\n"
            ));
            for table in WATCHED_TABLES {
                sql.push_str(&format!(
                    "CREATE TRIGGER castellan_cfg_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION castellan_config_bump();\n"
                ));
            }
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

//! Embedded, forward-only, transactional migrations, run at start under a lock (an advisory lock
//! on PostgreSQL, an immediate transaction on SQLite). A database newer than the binary is refused.
use sqlx::{AnyConnection, Row};

use crate::codec::ts;
use crate::{Backend, Store, StoreError};

/// One migration: version, name and portable SQL (with `{{ID}}` for auto-increment keys).
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Monotonic version.
    pub version: i64,
    /// Short name.
    pub name: &'static str,
    /// SQL script.
    pub sql: &'static str,
}

/// Every migration this binary knows, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sql: include_str!("../migrations/0001_core.sql"),
    },
    Migration {
        version: 2,
        name: "flows",
        sql: include_str!("../migrations/0002_flows.sql"),
    },
    Migration {
        version: 3,
        name: "blueprints",
        sql: include_str!("../migrations/0003_blueprints.sql"),
    },
    Migration {
        version: 4,
        name: "config_version",
        sql: include_str!("../migrations/0004_config_version.sql"),
    },
    Migration {
        version: 5,
        name: "page_indexes",
        sql: include_str!("../migrations/0005_page_indexes.sql"),
    },
    Migration {
        version: 6,
        name: "oauth2",
        sql: include_str!("../migrations/0006_oauth2.sql"),
    },
    Migration {
        version: 7,
        name: "mfa",
        sql: include_str!("../migrations/0007_mfa.sql"),
    },
    Migration {
        version: 8,
        name: "webauthn",
        sql: include_str!("../migrations/0008_webauthn.sql"),
    },
    Migration {
        version: 9,
        name: "sms",
        sql: include_str!("../migrations/0009_sms.sql"),
    },
    Migration {
        version: 10,
        name: "duo",
        sql: include_str!("../migrations/0010_duo.sql"),
    },
    Migration {
        version: 11,
        name: "user_search",
        sql: include_str!("../migrations/0011_user_search.sql"),
    },
    Migration {
        version: 12,
        name: "rbac",
        sql: include_str!("../migrations/0012_rbac.sql"),
    },
    Migration {
        version: 13,
        name: "group_config_version",
        sql: include_str!("../migrations/0013_group_config_version.sql"),
    },
    Migration {
        version: 14,
        name: "event_and_token_write_indexes",
        sql: include_str!("../migrations/0014_event_and_token_write_indexes.sql"),
    },
];

/// Trigram indexes for the users search on PostgreSQL, when `pg_trgm` is there or can be made.
const USER_SEARCH_INDEXES_POSTGRES: &str = r#"
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%): the users search reads every user', SQLERRM;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS core_user_username_trgm ON core_user USING gin (LOWER(username) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS core_user_name_trgm ON core_user USING gin (LOWER(name) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS core_user_email_trgm ON core_user USING gin (LOWER(email) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS core_user_uuid_trgm ON core_user USING gin (LOWER(uuid) gin_trgm_ops);
    END IF;
END $$;
"#;

/// The trigram full-text table for the users search on SQLite, and the triggers that keep it
/// in step (updates only when a searched column changes, not on every login).
const USER_SEARCH_INDEXES_SQLITE: &str = r#"
CREATE VIRTUAL TABLE core_user_search USING fts5(
    username, name, email, uuid, content='core_user', content_rowid='id', tokenize='trigram'
);
INSERT INTO core_user_search (core_user_search) VALUES ('rebuild');
CREATE TRIGGER core_user_search_insert AFTER INSERT ON core_user BEGIN
    INSERT INTO core_user_search (rowid, username, name, email, uuid)
    VALUES (new.id, new.username, new.name, new.email, new.uuid);
END;
CREATE TRIGGER core_user_search_delete AFTER DELETE ON core_user BEGIN
    INSERT INTO core_user_search (core_user_search, rowid, username, name, email, uuid)
    VALUES ('delete', old.id, old.username, old.name, old.email, old.uuid);
END;
CREATE TRIGGER core_user_search_update AFTER UPDATE OF username, name, email, uuid ON core_user BEGIN
    INSERT INTO core_user_search (core_user_search, rowid, username, name, email, uuid)
    VALUES ('delete', old.id, old.username, old.name, old.email, old.uuid);
    INSERT INTO core_user_search (rowid, username, name, email, uuid)
    VALUES (new.id, new.username, new.name, new.email, new.uuid);
END;
"#;

/// Key of the PostgreSQL advisory lock held while migrating ("castellan" in ASCII, truncated).
const ADVISORY_LOCK_KEY: i64 = 0x6361_7374_656c_6c61;

/// The newest version this binary knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

/// Adapts the portable SQL: auto-increment keys, BOOLEAN as INTEGER on SQLite (sqlx's `Any`
/// driver cannot map SQLite's BOOLEAN declared type), the configuration-version triggers and
/// the embedded WebAuthn device types.
fn render(sql: &str, backend: Backend) -> String {
    let sql = sql
        .replace(
            "{{USER_SEARCH_INDEXES}}",
            match backend {
                Backend::Postgres => USER_SEARCH_INDEXES_POSTGRES,
                Backend::Sqlite => USER_SEARCH_INDEXES_SQLITE,
            },
        )
        .replace(
            "{{WEBAUTHN_DEVICE_TYPES}}",
            &crate::webauthn_device_types::seed_sql(),
        )
        .replace(
            "{{CONFIG_TRIGGERS}}",
            &crate::config_version::triggers(backend),
        )
        .replace(
            "{{PROVIDER_CONFIG_TRIGGERS}}",
            &crate::config_version::table_triggers(backend, crate::config_version::PROVIDER_TABLES),
        )
        .replace(
            "{{GROUP_CONFIG_TRIGGERS}}",
            &crate::config_version::table_triggers(backend, crate::config_version::GROUP_TABLES),
        );
    match backend {
        Backend::Sqlite => sql
            .replace("{{ID}}", "INTEGER PRIMARY KEY AUTOINCREMENT")
            .replace(" BOOLEAN ", " INTEGER "),
        Backend::Postgres => sql.replace("{{ID}}", "BIGSERIAL PRIMARY KEY"),
    }
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS castellan_migrations (\
     version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

async fn applied_versions(conn: &mut AnyConnection) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query("SELECT version FROM castellan_migrations ORDER BY version")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<i64, _>("version")?))
        .collect()
}

/// Outcome of a migration run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Versions applied by this run.
    pub applied: Vec<i64>,
    /// Schema version after the run.
    pub current: i64,
}

/// Brings the schema up to date. Safe to call from several processes at once.
pub async fn run(store: &Store) -> Result<MigrationReport, StoreError> {
    let mut conn = store.conn().await?;
    let now = ts(store.now());
    match store.backend() {
        Backend::Postgres => {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(ADVISORY_LOCK_KEY)
                .execute(&mut *conn)
                .await?;
            let result = migrate_postgres(&mut conn, &now).await;
            let unlock = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(ADVISORY_LOCK_KEY)
                .execute(&mut *conn)
                .await;
            let report = result?;
            unlock?;
            Ok(report)
        }
        Backend::Sqlite => {
            sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            match migrate_sqlite(&mut conn, &now).await {
                Ok(report) => {
                    sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
                    Ok(report)
                }
                Err(err) => {
                    // The original error matters more than a failed rollback.
                    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                    Err(err)
                }
            }
        }
    }
}

fn pending(applied: &[i64]) -> Result<Vec<&'static Migration>, StoreError> {
    let newest = applied.iter().copied().max().unwrap_or(0);
    if newest > latest_version() {
        return Err(StoreError::DatabaseTooNew {
            database: newest,
            binary: latest_version(),
        });
    }
    Ok(MIGRATIONS
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .collect())
}

async fn record(conn: &mut AnyConnection, m: &Migration, now: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO castellan_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
        .bind(m.version)
        .bind(m.name)
        .bind(now.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn migrate_postgres(
    conn: &mut AnyConnection,
    now: &str,
) -> Result<MigrationReport, StoreError> {
    sqlx::raw_sql(CREATE_TABLE).execute(&mut *conn).await?;
    let applied = applied_versions(conn).await?;
    let mut done = Vec::new();
    for m in pending(&applied)? {
        sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
        let step = async {
            sqlx::raw_sql(&render(m.sql, Backend::Postgres))
                .execute(&mut *conn)
                .await?;
            record(conn, m, now).await
        }
        .await;
        match step {
            Ok(()) => {
                sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
            }
            Err(err) => {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                return Err(err);
            }
        }
        done.push(m.version);
    }
    Ok(MigrationReport {
        applied: done,
        current: latest_applied(conn).await?,
    })
}

async fn migrate_sqlite(
    conn: &mut AnyConnection,
    now: &str,
) -> Result<MigrationReport, StoreError> {
    sqlx::raw_sql(CREATE_TABLE).execute(&mut *conn).await?;
    let applied = applied_versions(conn).await?;
    let mut done = Vec::new();
    for m in pending(&applied)? {
        sqlx::raw_sql(&render(m.sql, Backend::Sqlite))
            .execute(&mut *conn)
            .await?;
        record(conn, m, now).await?;
        done.push(m.version);
    }
    Ok(MigrationReport {
        applied: done,
        current: latest_applied(conn).await?,
    })
}

async fn latest_applied(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(applied_versions(conn).await?.into_iter().max().unwrap_or(0))
}

/// The schema version recorded in the database (0 for an empty database).
pub async fn current_version(store: &Store) -> Result<i64, StoreError> {
    let mut conn = store.conn().await?;
    sqlx::raw_sql(CREATE_TABLE).execute(&mut *conn).await?;
    latest_applied(&mut conn).await
}

-- Blueprint instances (spec §11.2): one row per blueprint file or inline blueprint that is
-- applied, with its last outcome.
-- Portable SQL for SQLite and PostgreSQL.

CREATE TABLE blueprints_blueprintinstance (
    instance_uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    metadata TEXT NOT NULL DEFAULT '{}',
    path TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    context TEXT NOT NULL DEFAULT '{}',
    last_applied TEXT NOT NULL,
    last_applied_hash TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'unknown',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    managed_models TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL
);
CREATE INDEX blueprints_blueprintinstance_path ON blueprints_blueprintinstance (path);

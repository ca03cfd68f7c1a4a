-- Core model of the foundation: users, groups, applications, providers, brands, tokens,
-- certificates, sessions, consent, events, version history and system settings.
-- Portable SQL for SQLite and PostgreSQL; {{ID}} is the backend's auto-increment key.
-- UUIDs, timestamps (RFC 3339, UTC, microseconds) and JSON are stored as TEXT.

CREATE TABLE system_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE flows_flow (
    flow_uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    designation TEXT NOT NULL
);

CREATE TABLE core_user (
    id {{ID}},
    uuid TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL DEFAULT '',
    password_change_date TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    last_login TEXT NULL,
    date_joined TEXT NOT NULL,
    path TEXT NOT NULL DEFAULT 'users',
    type TEXT NOT NULL DEFAULT 'internal',
    attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX core_user_path ON core_user (path);
CREATE INDEX core_user_email ON core_user (email);

CREATE TABLE core_group (
    group_uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    parent TEXT NULL REFERENCES core_group (group_uuid) ON DELETE SET NULL,
    attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX core_group_parent ON core_group (parent);

CREATE TABLE core_user_groups (
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES core_group (group_uuid) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX core_user_groups_group ON core_user_groups (group_id);

CREATE TABLE crypto_certificatekeypair (
    kp_uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    certificate_data TEXT NOT NULL,
    key_data TEXT NOT NULL DEFAULT '',
    managed TEXT NULL UNIQUE,
    fingerprint_sha256 TEXT NULL,
    fingerprint_sha1 TEXT NULL,
    cert_expiry TEXT NULL,
    cert_subject TEXT NULL,
    private_key_type TEXT NULL,
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL
);

CREATE TABLE core_provider (
    id {{ID}},
    name TEXT NOT NULL UNIQUE,
    provider_type TEXT NOT NULL,
    authentication_flow TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    authorization_flow TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    invalidation_flow TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    is_backchannel BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE core_application (
    pbm_uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    app_group TEXT NOT NULL DEFAULT '',
    provider BIGINT NULL UNIQUE REFERENCES core_provider (id) ON DELETE SET NULL,
    meta_launch_url TEXT NOT NULL DEFAULT '',
    meta_icon TEXT NOT NULL DEFAULT '',
    meta_description TEXT NOT NULL DEFAULT '',
    meta_publisher TEXT NOT NULL DEFAULT '',
    open_in_new_tab BOOLEAN NOT NULL DEFAULT FALSE,
    policy_engine_mode TEXT NOT NULL DEFAULT 'any'
);

ALTER TABLE core_provider ADD COLUMN backchannel_application TEXT NULL
    REFERENCES core_application (pbm_uuid) ON DELETE SET NULL;

CREATE TABLE core_brand (
    brand_uuid TEXT PRIMARY KEY,
    domain TEXT NOT NULL UNIQUE,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    branding_title TEXT NOT NULL,
    branding_logo TEXT NOT NULL,
    branding_favicon TEXT NOT NULL,
    flow_authentication TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    flow_invalidation TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    flow_recovery TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    flow_unenrollment TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    flow_user_settings TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    flow_device_code TEXT NULL REFERENCES flows_flow (flow_uuid) ON DELETE SET NULL,
    default_application TEXT NULL REFERENCES core_application (pbm_uuid) ON DELETE SET NULL,
    web_certificate TEXT NULL REFERENCES crypto_certificatekeypair (kp_uuid) ON DELETE SET NULL,
    attributes TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE core_token (
    token_uuid TEXT PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    key TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    intent TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    description TEXT NOT NULL DEFAULT '',
    expires TEXT NULL,
    expiring BOOLEAN NOT NULL DEFAULT TRUE,
    managed TEXT NULL UNIQUE
);
CREATE INDEX core_token_key_hash ON core_token (key_hash);
CREATE INDEX core_token_user ON core_token (user_id);

CREATE TABLE core_session (
    session_key TEXT PRIMARY KEY,
    user_id BIGINT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    data TEXT NOT NULL DEFAULT '{}',
    expires TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX core_session_expires ON core_session (expires);

CREATE TABLE core_authenticatedsession (
    uuid TEXT PRIMARY KEY,
    session_key TEXT NOT NULL UNIQUE REFERENCES core_session (session_key) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    last_ip TEXT NOT NULL,
    last_user_agent TEXT NOT NULL DEFAULT '',
    last_used TEXT NOT NULL,
    expires TEXT NULL,
    expiring BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX core_authenticatedsession_user ON core_authenticatedsession (user_id);

CREATE TABLE consent_userconsent (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    application TEXT NOT NULL REFERENCES core_application (pbm_uuid) ON DELETE CASCADE,
    permissions TEXT NOT NULL DEFAULT '',
    expires TEXT NULL,
    expiring BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX consent_userconsent_user ON consent_userconsent (user_id);

CREATE TABLE events_event (
    event_uuid TEXT PRIMARY KEY,
    user_json TEXT NOT NULL DEFAULT '{}',
    username TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    app TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '{}',
    client_ip TEXT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    brand TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_event_created ON events_event (created);
CREATE INDEX events_event_action ON events_event (action);

CREATE TABLE admin_versionhistory (
    id {{ID}},
    timestamp TEXT NOT NULL,
    version TEXT NOT NULL,
    build TEXT NOT NULL
);

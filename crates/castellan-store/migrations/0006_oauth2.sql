-- OAuth2 / OpenID Connect provider (spec §7.1): the provider's own row next to core_provider,
-- authorization codes, access and refresh tokens (one table, `kind`), and device tokens.
-- Portable SQL for SQLite and PostgreSQL; {{ID}} is the backend's auto-increment key.
-- Tokens are found by `token_hash` (hex SHA-256): JWE access tokens are longer than a
-- PostgreSQL btree entry may be, so `token` itself is never indexed.

CREATE TABLE providers_oauth2_oauth2provider (
    provider_ptr_id BIGINT PRIMARY KEY REFERENCES core_provider (id) ON DELETE CASCADE,
    client_type TEXT NOT NULL DEFAULT 'confidential',
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL DEFAULT '',
    redirect_uris TEXT NOT NULL DEFAULT '[]',
    include_claims_in_id_token BOOLEAN NOT NULL DEFAULT TRUE,
    access_code_validity TEXT NOT NULL DEFAULT 'minutes=1',
    access_token_validity TEXT NOT NULL DEFAULT 'hours=1',
    refresh_token_validity TEXT NOT NULL DEFAULT 'days=30',
    sub_mode TEXT NOT NULL DEFAULT 'hashed_user_id',
    issuer_mode TEXT NOT NULL DEFAULT 'per_provider',
    signing_key TEXT NULL REFERENCES crypto_certificatekeypair (kp_uuid) ON DELETE SET NULL,
    encryption_key TEXT NULL REFERENCES crypto_certificatekeypair (kp_uuid) ON DELETE SET NULL,
    jwks_sources TEXT NOT NULL DEFAULT '[]',
    property_mappings TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE providers_oauth2_authorizationcode (
    id {{ID}},
    provider_id BIGINT NOT NULL REFERENCES providers_oauth2_oauth2provider (provider_ptr_id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    code TEXT NOT NULL UNIQUE,
    expires TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '[]',
    nonce TEXT NULL,
    code_challenge TEXT NULL,
    code_challenge_method TEXT NULL,
    redirect_uri TEXT NOT NULL DEFAULT '',
    auth_time TEXT NULL,
    session TEXT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX providers_oauth2_authorizationcode_provider ON providers_oauth2_authorizationcode (provider_id);
CREATE INDEX providers_oauth2_authorizationcode_user ON providers_oauth2_authorizationcode (user_id);
CREATE INDEX providers_oauth2_authorizationcode_expires ON providers_oauth2_authorizationcode (expires);

CREATE TABLE providers_oauth2_token (
    id {{ID}},
    kind TEXT NOT NULL,
    provider_id BIGINT NOT NULL REFERENCES providers_oauth2_oauth2provider (provider_ptr_id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '[]',
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    id_token TEXT NOT NULL DEFAULT '{}',
    from_code TEXT NULL,
    auth_time TEXT NULL,
    session TEXT NULL,
    created TEXT NOT NULL
);
CREATE INDEX providers_oauth2_token_provider ON providers_oauth2_token (provider_id);
CREATE INDEX providers_oauth2_token_user ON providers_oauth2_token (kind, user_id);
CREATE INDEX providers_oauth2_token_expires ON providers_oauth2_token (expires);
CREATE INDEX providers_oauth2_token_from_code ON providers_oauth2_token (from_code);

CREATE TABLE providers_oauth2_devicetoken (
    id {{ID}},
    provider_id BIGINT NOT NULL REFERENCES providers_oauth2_oauth2provider (provider_ptr_id) ON DELETE CASCADE,
    user_id BIGINT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    device_code TEXT NOT NULL UNIQUE,
    user_code TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '[]',
    expires TEXT NOT NULL,
    auth_time TEXT NULL,
    session TEXT NULL
);
CREATE INDEX providers_oauth2_devicetoken_user_code ON providers_oauth2_devicetoken (user_code);
CREATE INDEX providers_oauth2_devicetoken_provider ON providers_oauth2_devicetoken (provider_id);
CREATE INDEX providers_oauth2_devicetoken_expires ON providers_oauth2_devicetoken (expires);

-- The OAuth2 provider's configuration cache follows the configuration version: writes to the
-- tables it reads bump it.
{{PROVIDER_CONFIG_TRIGGERS}}

-- MFA devices (spec §5.1): TOTP devices and static-token devices with their tokens. Table names
-- are authentik's; throttling columns are django-otp's.
CREATE TABLE authentik_stages_authenticator_totp_totpdevice (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL DEFAULT TRUE,
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    last_used TEXT NULL,
    key TEXT NOT NULL,
    step BIGINT NOT NULL DEFAULT 30,
    t0 BIGINT NOT NULL DEFAULT 0,
    digits BIGINT NOT NULL DEFAULT 6,
    tolerance BIGINT NOT NULL DEFAULT 1,
    drift BIGINT NOT NULL DEFAULT 0,
    last_t BIGINT NOT NULL DEFAULT -1,
    throttling_failure_count BIGINT NOT NULL DEFAULT 0,
    throttling_failure_timestamp TEXT NULL
);
CREATE INDEX authentik_totpdevice_user ON authentik_stages_authenticator_totp_totpdevice (user_id);

CREATE TABLE authentik_stages_authenticator_static_staticdevice (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL DEFAULT TRUE,
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    last_used TEXT NULL,
    throttling_failure_count BIGINT NOT NULL DEFAULT 0,
    throttling_failure_timestamp TEXT NULL
);
CREATE INDEX authentik_staticdevice_user ON authentik_stages_authenticator_static_staticdevice (user_id);

CREATE TABLE authentik_stages_authenticator_static_statictoken (
    id {{ID}},
    device_id BIGINT NOT NULL REFERENCES authentik_stages_authenticator_static_staticdevice (id) ON DELETE CASCADE,
    token TEXT NOT NULL
);
CREATE INDEX authentik_statictoken_device ON authentik_stages_authenticator_static_statictoken (device_id);

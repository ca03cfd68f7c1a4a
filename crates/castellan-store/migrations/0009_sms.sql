-- SMS devices (spec §5.1, §5.8): a phone number (or `hash:<sha256 hex>` for verify-only
-- enrolments) bound to the setup stage whose gateway sends its codes. Table and column names are
-- authentik's; the throttling columns follow django-otp as for TOTP devices.
CREATE TABLE authentik_stages_authenticator_sms_smsdevice (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL DEFAULT TRUE,
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    last_used TEXT NULL,
    stage_id TEXT NOT NULL REFERENCES flows_stage (stage_uuid) ON DELETE CASCADE,
    phone_number TEXT NOT NULL,
    token TEXT NULL,
    valid_until TEXT NULL,
    last_t TEXT NULL,
    throttling_failure_count BIGINT NOT NULL DEFAULT 0,
    throttling_failure_timestamp TEXT NULL,
    UNIQUE (stage_id, phone_number)
);
CREATE INDEX authentik_smsdevice_user ON authentik_stages_authenticator_sms_smsdevice (user_id);

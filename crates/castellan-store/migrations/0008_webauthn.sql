-- WebAuthn (spec §5.1, §5.6): authenticator models by AAGUID and the users' WebAuthn devices.
-- Table and column names are authentik's; the attestation columns keep what registration saw.
CREATE TABLE authentik_stages_authenticator_webauthn_webauthndevicetype (
    aaguid TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    icon TEXT NULL
);

CREATE TABLE authentik_stages_authenticator_webauthn_webauthndevice (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL DEFAULT TRUE,
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    last_used TEXT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    sign_count BIGINT NOT NULL DEFAULT 0,
    rp_id TEXT NOT NULL,
    aaguid TEXT NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
    device_type_id TEXT NULL
        REFERENCES authentik_stages_authenticator_webauthn_webauthndevicetype (aaguid) ON DELETE SET NULL,
    attestation_format TEXT NOT NULL DEFAULT 'none',
    attestation_certificate_pem TEXT NULL,
    attestation_certificate_fingerprint TEXT NULL
);
CREATE INDEX authentik_webauthndevice_user ON authentik_stages_authenticator_webauthn_webauthndevice (user_id);

{{WEBAUTHN_DEVICE_TYPES}}

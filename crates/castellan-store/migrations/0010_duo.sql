-- Duo devices (spec §5.1, §5.7): Duo users enrolled through a Duo setup stage. Table and column
-- names are authentik's; `stage_id` is the setup stage holding the Duo API credentials.
CREATE TABLE authentik_stages_authenticator_duo_duodevice (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    confirmed BOOLEAN NOT NULL DEFAULT TRUE,
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    last_used TEXT NULL,
    stage_id TEXT NOT NULL REFERENCES flows_stage (stage_uuid) ON DELETE CASCADE,
    duo_user_id TEXT NOT NULL,
    last_t TEXT NULL
);
CREATE INDEX authentik_duodevice_user ON authentik_stages_authenticator_duo_duodevice (user_id);
CREATE INDEX authentik_duodevice_duo_user ON authentik_stages_authenticator_duo_duodevice (duo_user_id);

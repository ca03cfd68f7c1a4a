-- Flows, stage bindings, stages, policies, policy bindings, flow tokens, reputation and the
-- generic object table for other spec'd models (prompts, …).
-- Portable SQL for SQLite and PostgreSQL; {{ID}} is the backend's auto-increment key.

ALTER TABLE flows_flow ADD COLUMN pbm_uuid TEXT NOT NULL DEFAULT '';
UPDATE flows_flow SET pbm_uuid = flow_uuid;
CREATE UNIQUE INDEX flows_flow_pbm_uuid ON flows_flow (pbm_uuid);
ALTER TABLE flows_flow ADD COLUMN background TEXT NOT NULL DEFAULT '';
ALTER TABLE flows_flow ADD COLUMN layout TEXT NOT NULL DEFAULT 'stacked';
ALTER TABLE flows_flow ADD COLUMN denied_action TEXT NOT NULL DEFAULT 'message_continue';
ALTER TABLE flows_flow ADD COLUMN authentication TEXT NOT NULL DEFAULT 'none';
ALTER TABLE flows_flow ADD COLUMN policy_engine_mode TEXT NOT NULL DEFAULT 'any';
ALTER TABLE flows_flow ADD COLUMN compatibility_mode BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX flows_flow_designation ON flows_flow (designation);

CREATE TABLE flows_stage (
    stage_uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX flows_stage_kind ON flows_stage (kind);

CREATE TABLE flows_flowstagebinding (
    fsb_uuid TEXT PRIMARY KEY,
    pbm_uuid TEXT NOT NULL UNIQUE,
    target TEXT NOT NULL REFERENCES flows_flow (flow_uuid) ON DELETE CASCADE,
    stage TEXT NOT NULL REFERENCES flows_stage (stage_uuid) ON DELETE CASCADE,
    "order" BIGINT NOT NULL,
    evaluate_on_plan BOOLEAN NOT NULL DEFAULT FALSE,
    re_evaluate_policies BOOLEAN NOT NULL DEFAULT TRUE,
    invalid_response_action TEXT NOT NULL DEFAULT 'retry',
    policy_engine_mode TEXT NOT NULL DEFAULT 'any',
    UNIQUE (target, stage, "order")
);
CREATE INDEX flows_flowstagebinding_stage ON flows_flowstagebinding (stage);

CREATE TABLE policies_policy (
    policy_uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    execution_logging BOOLEAN NOT NULL DEFAULT FALSE,
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX policies_policy_kind ON policies_policy (kind);

CREATE TABLE policies_policybinding (
    policy_binding_uuid TEXT PRIMARY KEY,
    target TEXT NOT NULL,
    policy TEXT NULL REFERENCES policies_policy (policy_uuid) ON DELETE CASCADE,
    group_id TEXT NULL REFERENCES core_group (group_uuid) ON DELETE CASCADE,
    user_id BIGINT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    negate BOOLEAN NOT NULL DEFAULT FALSE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    "order" BIGINT NOT NULL,
    timeout BIGINT NOT NULL DEFAULT 30,
    failure_result BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX policies_policybinding_target ON policies_policybinding (target, "order");
CREATE INDEX policies_policybinding_policy ON policies_policybinding (policy);

CREATE TABLE flows_flowtoken (
    id {{ID}},
    key TEXT NOT NULL UNIQUE,
    identifier TEXT NOT NULL,
    flow TEXT NOT NULL REFERENCES flows_flow (flow_uuid) ON DELETE CASCADE,
    plan TEXT NOT NULL,
    user_id BIGINT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    expires TEXT NOT NULL
);
CREATE INDEX flows_flowtoken_expires ON flows_flowtoken (expires);

CREATE TABLE castellan_object (
    pk TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    name TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    UNIQUE (model, name)
);

CREATE TABLE policies_reputation (
    reputation_uuid TEXT PRIMARY KEY,
    identifier TEXT NOT NULL,
    ip TEXT NOT NULL,
    ip_geo_data TEXT NOT NULL DEFAULT '{}',
    ip_asn_data TEXT NOT NULL DEFAULT '{}',
    score BIGINT NOT NULL DEFAULT 0,
    updated TEXT NOT NULL,
    UNIQUE (identifier, ip)
);
CREATE INDEX policies_reputation_ip ON policies_reputation (ip);

-- RBAC (spec §12). Roles live in the generic object table (`authentik_rbac.role`) with their
-- permissions in their settings; a role is attached to at most one group (`role_id` unique).
CREATE TABLE core_group_roles (
    group_id TEXT NOT NULL REFERENCES core_group (group_uuid) ON DELETE CASCADE,
    role_id TEXT NOT NULL UNIQUE REFERENCES castellan_object (pk) ON DELETE CASCADE,
    PRIMARY KEY (group_id, role_id)
);

-- Permissions granted to a user directly: global when `model` and `object_pk` are empty.
CREATE TABLE rbac_userpermission (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES core_user (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    object_pk TEXT NOT NULL DEFAULT '',
    UNIQUE (user_id, permission, model, object_pk)
);

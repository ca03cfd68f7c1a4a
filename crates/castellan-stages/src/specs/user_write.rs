//! User write stage (spec §4.10).
use castellan_core::model_spec::{EnumSpec, FieldSpec, ModelSpec, f};

/// `UserCreationModeEnum`.
pub static CREATION_MODE: EnumSpec = EnumSpec {
    name: "UserCreationModeEnum",
    values: &["never_create", "create_when_required", "always_create"],
};

/// `UserTypeEnum`.
pub static USER_TYPE: EnumSpec = EnumSpec {
    name: "UserTypeEnum",
    values: &[
        "internal",
        "external",
        "service_account",
        "internal_service_account",
    ],
};

static FIELDS: &[FieldSpec] = &[
    f::choice("user_creation_mode", &CREATION_MODE, "create_when_required"),
    f::boolean("create_users_as_inactive", false),
    f::fk("create_users_group", "authentik_core.group"),
    f::choice("user_type", &USER_TYPE, "external"),
    f::blank_text("user_path_template"),
];

/// `UserWriteStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_user_write.userwritestage",
    api: "stages/user_write",
    component: "ak-stage-user-write-form",
    verbose_name: "User Write Stage",
    verbose_name_plural: "User Write Stages",
    schema_name: "UserWriteStage",
    description: "Writes currently pending data into the pending user, or if no user exists, creates a new user with the data.",
    fields: FIELDS,
    check: None,
};

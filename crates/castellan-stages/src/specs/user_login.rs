//! User login stage (spec §4.11).
use castellan_core::model_spec::{EnumSpec, FieldSpec, ModelSpec, f};

/// `NetworkBindingEnum`.
pub static NETWORK_BINDING: EnumSpec = EnumSpec {
    name: "NetworkBindingEnum",
    values: &[
        "no_binding",
        "bind_asn",
        "bind_asn_network",
        "bind_asn_network_ip",
    ],
};

/// `GeoipBindingEnum`.
pub static GEOIP_BINDING: EnumSpec = EnumSpec {
    name: "GeoipBindingEnum",
    values: &[
        "no_binding",
        "bind_continent",
        "bind_continent_country",
        "bind_continent_country_city",
    ],
};

static FIELDS: &[FieldSpec] = &[
    f::timedelta("session_duration", "seconds=0"),
    f::boolean("terminate_other_sessions", false),
    f::timedelta("remember_me_offset", "seconds=0"),
    f::choice("network_binding", &NETWORK_BINDING, "no_binding"),
    f::choice("geoip_binding", &GEOIP_BINDING, "no_binding"),
];

/// `UserLoginStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_user_login.userloginstage",
    api: "stages/user_login",
    component: "ak-stage-user-login-form",
    verbose_name: "User Login Stage",
    verbose_name_plural: "User Login Stages",
    schema_name: "UserLoginStage",
    description: "Attaches the currently pending user to the current session.",
    fields: FIELDS,
    check: None,
};

//! GeoIP policy (spec §6.3.4).
use castellan_core::model_spec::{FieldDefault, FieldSpec, FieldType, ModelSpec, f};

use super::countries::COUNTRY_CODES;

static FIELDS: &[FieldSpec] = &[
    FieldSpec::new(
        "asns",
        FieldType::IntList {
            min: i32::MIN as i64,
            max: i32::MAX as i64,
        },
    )
    .default(FieldDefault::EmptyList),
    FieldSpec::new("countries", FieldType::EnumList(&COUNTRY_CODES)).required(),
    f::computed("countries_obj", "DetailedCountryField"),
];

/// `GeoIPPolicy`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_policies_geoip.geoippolicy",
    api: "policies/geoip",
    component: "ak-policy-geoip-form",
    verbose_name: "GeoIP Policy",
    verbose_name_plural: "GeoIP Policys",
    schema_name: "GeoIPPolicy",
    description: "Ensure the user satisfies requirements of geography or network topology, based on IP address.",
    fields: FIELDS,
    check: None,
};

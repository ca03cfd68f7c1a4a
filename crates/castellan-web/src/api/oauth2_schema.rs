//! OpenAPI component schemas of the OAuth2 provider APIs (spec §7.1.1): `OAuth2Provider` and
//! its requests, `RedirectURI`, the enums, `OAuth2ProviderSetupURLs`,
//! `PropertyMappingPreview`, `ScopeMapping` and its requests, and the token admin models
//! `ExpiringBaseGrantModel` / `TokenModel`, in authentik's shapes.
use serde_json::{Map, Value, json};

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn s() -> Value {
    json!({"type": "string"})
}

fn ro(mut v: Value) -> Value {
    v["readOnly"] = json!(true);
    v
}

fn uuid() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn nullable(mut v: Value) -> Value {
    v["nullable"] = json!(true);
    v
}

/// An object schema from `(name, schema, required)` triples.
fn object(props: Vec<(&str, Value, bool)>, with_required: bool) -> Value {
    let mut properties = Map::new();
    let mut required: Vec<&str> = Vec::new();
    for (name, schema, req) in &props {
        properties.insert((*name).to_string(), schema.clone());
        if *req {
            required.push(name);
        }
    }
    required.sort_unstable();
    let mut out = json!({"type": "object", "properties": properties});
    if with_required && !required.is_empty() {
        out["required"] = json!(required);
    }
    out
}

fn enum_of(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

/// The writable provider fields (`request`: with the request's `RedirectURIRequest`).
fn provider_fields(request: bool) -> Vec<(&'static str, Value, bool)> {
    let redirect = if request {
        "RedirectURIRequest"
    } else {
        "RedirectURI"
    };
    vec![
        ("name", s(), true),
        ("authentication_flow", nullable(uuid()), false),
        ("authorization_flow", uuid(), true),
        ("invalidation_flow", uuid(), true),
        (
            "property_mappings",
            json!({"type": "array", "items": uuid()}),
            false,
        ),
        (
            "client_type",
            json!({"allOf": [r("ClientTypeEnum")]}),
            false,
        ),
        ("client_id", s(), false),
        ("client_secret", s(), false),
        ("access_code_validity", s(), false),
        ("access_token_validity", s(), false),
        ("refresh_token_validity", s(), false),
        (
            "include_claims_in_id_token",
            json!({"type": "boolean"}),
            false,
        ),
        ("signing_key", nullable(uuid()), false),
        ("encryption_key", nullable(uuid()), false),
        (
            "redirect_uris",
            json!({"type": "array", "items": r(redirect)}),
            true,
        ),
        ("sub_mode", json!({"allOf": [r("SubModeEnum")]}), false),
        (
            "issuer_mode",
            json!({"allOf": [r("IssuerModeEnum")]}),
            false,
        ),
        (
            "jwks_sources",
            json!({"type": "array", "items": uuid()}),
            false,
        ),
    ]
}

fn provider_response() -> Value {
    let mut props = vec![("pk", ro(json!({"type": "integer"})), true)];
    let own = provider_fields(false);
    // Base fields first, then the read-only ones, then the provider's own (authentik's order).
    props.extend(own.iter().take(5).cloned());
    for name in [
        "component",
        "assigned_application_slug",
        "assigned_application_name",
        "assigned_backchannel_application_slug",
        "assigned_backchannel_application_name",
        "verbose_name",
        "verbose_name_plural",
        "meta_model_name",
    ] {
        props.push((name, ro(s()), true));
    }
    props.extend(own.into_iter().skip(5));
    object(props, true)
}

fn grant_fields() -> Vec<(&'static str, Value, bool)> {
    vec![
        ("pk", ro(json!({"type": "integer"})), true),
        ("provider", r("OAuth2Provider"), true),
        ("user", r("User"), true),
        ("is_expired", ro(json!({"type": "boolean"})), true),
        (
            "expires",
            nullable(json!({"type": "string", "format": "date-time"})),
            false,
        ),
        ("scope", json!({"type": "array", "items": s()}), true),
    ]
}

fn scope_mapping_fields() -> Vec<(&'static str, Value, bool)> {
    vec![
        ("managed", nullable(s()), false),
        ("name", s(), true),
        ("expression", s(), true),
        ("scope_name", s(), true),
        ("description", s(), false),
    ]
}

/// Every component schema of the OAuth2 APIs.
pub fn schemas() -> Vec<(String, Value)> {
    let mut token = grant_fields();
    token.push(("id_token", ro(s()), true));
    token.push(("revoked", json!({"type": "boolean"}), false));
    let mut mapping = vec![("pk", ro(uuid()), true)];
    let fields = scope_mapping_fields();
    mapping.extend(fields.iter().take(3).cloned());
    for name in [
        "component",
        "verbose_name",
        "verbose_name_plural",
        "meta_model_name",
    ] {
        mapping.push((name, ro(s()), true));
    }
    mapping.extend(fields.iter().skip(3).cloned());
    let setup: Vec<(&str, Value, bool)> = [
        "issuer",
        "authorize",
        "token",
        "user_info",
        "provider_info",
        "logout",
        "jwks",
    ]
    .into_iter()
    .map(|n| (n, ro(s()), true))
    .collect();
    vec![
        ("OAuth2Provider".into(), provider_response()),
        (
            "OAuth2ProviderRequest".into(),
            object(provider_fields(true), true),
        ),
        (
            "PatchedOAuth2ProviderRequest".into(),
            object(provider_fields(true), false),
        ),
        (
            "RedirectURI".into(),
            object(
                vec![
                    ("matching_mode", r("MatchingModeEnum"), true),
                    ("url", s(), true),
                ],
                true,
            ),
        ),
        (
            "RedirectURIRequest".into(),
            object(
                vec![
                    ("matching_mode", r("MatchingModeEnum"), true),
                    ("url", s(), true),
                ],
                true,
            ),
        ),
        (
            "ClientTypeEnum".into(),
            enum_of(&["confidential", "public"]),
        ),
        (
            "SubModeEnum".into(),
            enum_of(castellan_core::oauth2::SubMode::NAMES),
        ),
        (
            "IssuerModeEnum".into(),
            enum_of(&["global", "per_provider"]),
        ),
        ("MatchingModeEnum".into(), enum_of(&["strict", "regex"])),
        ("OAuth2ProviderSetupURLs".into(), object(setup, true)),
        (
            "PropertyMappingPreview".into(),
            object(
                vec![(
                    "preview",
                    ro(json!({"type": "object", "additionalProperties": {}})),
                    true,
                )],
                true,
            ),
        ),
        ("ScopeMapping".into(), object(mapping, true)),
        (
            "ScopeMappingRequest".into(),
            object(scope_mapping_fields(), true),
        ),
        (
            "PatchedScopeMappingRequest".into(),
            object(scope_mapping_fields(), false),
        ),
        (
            "ExpiringBaseGrantModel".into(),
            object(grant_fields(), true),
        ),
        ("TokenModel".into(), object(token, true)),
    ]
}

//! OAuth / OpenID Connect sources (spec §9.2): the model's fields as authentik's serializer
//! declares them, the source types with their fixed endpoints, and the rule that a type without
//! a fixed endpoint needs the source to name one. OAuth2 providers verify client-assertion JWTs
//! with the `oidc_jwks` of the sources listed in their `jwks_sources`.
use serde_json::{Map, Value};

use crate::model_spec::{EnumSpec, FieldDefault, FieldSpec, FieldType, ModelSpec, f};

/// `meta_model_name` of OAuth sources.
pub const MODEL: &str = "authentik_sources_oauth.oauthsource";

/// Longest slug (authentik's column).
pub const SLUG_MAX: usize = 50;

/// Default `user_path_template` of sources.
pub const USER_PATH_TEMPLATE: &str = "goauthentik.io/sources/%(slug)s";

/// `ProviderTypeEnum`, in authentik's registry order.
pub static PROVIDER_TYPE: EnumSpec = EnumSpec {
    name: "ProviderTypeEnum",
    values: &[
        "apple",
        "openidconnect",
        "azuread",
        "discord",
        "facebook",
        "github",
        "gitlab",
        "google",
        "mailcow",
        "okta",
        "patreon",
        "reddit",
        "twitch",
        "twitter",
    ],
};

/// `PolicyEngineMode`.
pub static POLICY_ENGINE_MODE: EnumSpec = EnumSpec {
    name: "PolicyEngineMode",
    values: &["all", "any"],
};

/// `UserMatchingModeEnum`.
pub static USER_MATCHING_MODE: EnumSpec = EnumSpec {
    name: "UserMatchingModeEnum",
    values: &[
        "identifier",
        "email_link",
        "email_deny",
        "username_link",
        "username_deny",
    ],
};

/// `GroupMatchingModeEnum`.
pub static GROUP_MATCHING_MODE: EnumSpec = EnumSpec {
    name: "GroupMatchingModeEnum",
    values: &["identifier", "name_link", "name_deny"],
};

/// A nullable URL column of at most 255 characters that may be blank.
const fn url(name: &'static str) -> FieldSpec {
    FieldSpec::new(
        name,
        FieldType::Str {
            max: Some(255),
            blank: true,
        },
    )
    .nullable()
}

const MAPPING: &str = "authentik_sources_oauth.oauthsourcepropertymapping";

static FIELDS: &[FieldSpec] = &[
    FieldSpec::new("slug", FieldType::Slug).required(),
    f::boolean("enabled", true),
    f::fk("authentication_flow", "authentik_flows.flow"),
    f::fk("enrollment_flow", "authentik_flows.flow"),
    f::fk_list("user_property_mappings", MAPPING),
    f::fk_list("group_property_mappings", MAPPING),
    f::choice("policy_engine_mode", &POLICY_ENGINE_MODE, "any"),
    f::choice("user_matching_mode", &USER_MATCHING_MODE, "identifier"),
    f::text("user_path_template", USER_PATH_TEMPLATE),
    f::choice("group_matching_mode", &GROUP_MATCHING_MODE, "identifier"),
    FieldSpec::new("provider_type", FieldType::Enum(&PROVIDER_TYPE)).required(),
    url("request_token_url"),
    url("authorization_url"),
    url("access_token_url"),
    url("profile_url"),
    f::required_text("consumer_key"),
    f::required_text("consumer_secret").write_only(),
    f::blank_text("additional_scopes"),
    f::blank_text("oidc_well_known_url"),
    f::blank_text("oidc_jwks_url"),
    FieldSpec::new("oidc_jwks", FieldType::Json).default(FieldDefault::EmptyObject),
];

/// `OAuthSource`.
pub static SPEC: ModelSpec = ModelSpec {
    model: MODEL,
    api: "sources/oauth",
    component: "ak-source-oauth-form",
    verbose_name: "OAuth Source",
    verbose_name_plural: "OAuth Sources",
    schema_name: "OAuthSource",
    description: "Login using a Generic OAuth provider.",
    fields: FIELDS,
    check: Some(check),
};

/// A source type: its name, display name, whether its URLs may be changed, and the endpoints
/// it fixes (`None` where the source must name its own).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceType {
    /// `provider_type` value.
    pub name: &'static str,
    /// Display name.
    pub verbose_name: &'static str,
    /// Whether the admin may override the endpoints.
    pub urls_customizable: bool,
    /// OAuth 1 request-token endpoint.
    pub request_token_url: Option<&'static str>,
    /// Authorization endpoint.
    pub authorization_url: Option<&'static str>,
    /// Token endpoint.
    pub access_token_url: Option<&'static str>,
    /// Profile (userinfo) endpoint.
    pub profile_url: Option<&'static str>,
    /// OpenID Connect discovery document.
    pub oidc_well_known_url: Option<&'static str>,
    /// JWKS document.
    pub oidc_jwks_url: Option<&'static str>,
}

const fn custom(name: &'static str, verbose_name: &'static str) -> SourceType {
    SourceType {
        name,
        verbose_name,
        urls_customizable: true,
        request_token_url: None,
        authorization_url: None,
        access_token_url: None,
        profile_url: None,
        oidc_well_known_url: None,
        oidc_jwks_url: None,
    }
}

const fn fixed(
    name: &'static str,
    verbose_name: &'static str,
    [authorize, token, profile]: [&'static str; 3],
) -> SourceType {
    SourceType {
        name,
        verbose_name,
        urls_customizable: false,
        request_token_url: None,
        authorization_url: Some(authorize),
        access_token_url: Some(token),
        profile_url: Some(profile),
        oidc_well_known_url: None,
        oidc_jwks_url: None,
    }
}

const fn discovered(mut t: SourceType, well_known: &'static str, jwks: &'static str) -> SourceType {
    t.oidc_well_known_url = Some(well_known);
    t.oidc_jwks_url = Some(jwks);
    t
}

const fn customizable(mut t: SourceType) -> SourceType {
    t.urls_customizable = true;
    t
}

/// Every source type, in `PROVIDER_TYPE` order.
pub static SOURCE_TYPES: &[SourceType] = &[
    fixed(
        "apple",
        "Apple",
        [
            "https://appleid.apple.com/auth/authorize",
            "https://appleid.apple.com/auth/token",
            "",
        ],
    ),
    custom("openidconnect", "OpenID Connect"),
    discovered(
        customizable(fixed(
            "azuread",
            "Azure AD",
            [
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                "https://graph.microsoft.com/v1.0/me",
            ],
        )),
        "https://login.microsoftonline.com/common/.well-known/openid-configuration",
        "https://login.microsoftonline.com/common/discovery/keys",
    ),
    fixed(
        "discord",
        "Discord",
        [
            "https://discord.com/api/oauth2/authorize",
            "https://discord.com/api/oauth2/token",
            "https://discord.com/api/users/@me",
        ],
    ),
    fixed(
        "facebook",
        "Facebook",
        [
            "https://www.facebook.com/v7.0/dialog/oauth",
            "https://graph.facebook.com/v7.0/oauth/access_token",
            "https://graph.facebook.com/v7.0/me?fields=id,name,email",
        ],
    ),
    discovered(
        customizable(fixed(
            "github",
            "GitHub",
            [
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com/user",
            ],
        )),
        "https://token.actions.githubusercontent.com/.well-known/openid-configuration",
        "https://token.actions.githubusercontent.com/.well-known/jwks",
    ),
    discovered(
        customizable(fixed(
            "gitlab",
            "GitLab",
            [
                "https://gitlab.com/oauth/authorize",
                "https://gitlab.com/oauth/token",
                "https://gitlab.com/oauth/userinfo",
            ],
        )),
        "https://gitlab.com/.well-known/openid-configuration",
        "https://gitlab.com/oauth/discovery/keys",
    ),
    discovered(
        fixed(
            "google",
            "Google",
            [
                "https://accounts.google.com/o/oauth2/auth",
                "https://oauth2.googleapis.com/token",
                "https://www.googleapis.com/oauth2/v1/userinfo",
            ],
        ),
        "https://accounts.google.com/.well-known/openid-configuration",
        "https://www.googleapis.com/oauth2/v3/certs",
    ),
    custom("mailcow", "Mailcow"),
    custom("okta", "Okta"),
    fixed(
        "patreon",
        "Patreon",
        [
            "https://www.patreon.com/oauth2/authorize",
            "https://www.patreon.com/api/oauth2/token",
            "https://www.patreon.com/api/oauth2/api/current_user",
        ],
    ),
    fixed(
        "reddit",
        "Reddit",
        [
            "https://www.reddit.com/api/v1/authorize",
            "https://www.reddit.com/api/v1/access_token",
            "https://oauth.reddit.com/api/v1/me",
        ],
    ),
    fixed(
        "twitch",
        "Twitch",
        [
            "https://id.twitch.tv/oauth2/authorize",
            "https://id.twitch.tv/oauth2/token",
            "https://id.twitch.tv/oauth2/userinfo",
        ],
    ),
    fixed(
        "twitter",
        "Twitter",
        [
            "https://twitter.com/i/oauth2/authorize",
            "https://api.twitter.com/2/oauth2/token",
            "https://api.twitter.com/2/users/me",
        ],
    ),
];

/// The source type called `name`.
pub fn source_type(name: &str) -> Option<&'static SourceType> {
    SOURCE_TYPES.iter().find(|t| t.name == name)
}

/// The endpoints a source must name itself, as `(field, type's fixed value)`.
fn endpoints(t: &SourceType) -> [(&'static str, Option<&'static str>); 3] {
    [
        ("authorization_url", t.authorization_url),
        ("access_token_url", t.access_token_url),
        ("profile_url", t.profile_url),
    ]
}

/// Object-level rules: the slug's length, and every endpoint the type leaves open is named
/// (authentik: "<field> is required for provider <type>", a non-field error).
fn check(config: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(slug) = config.get("slug").and_then(Value::as_str)
        && slug.chars().count() > SLUG_MAX
    {
        out.push((
            "slug".into(),
            format!("Ensure this field has no more than {SLUG_MAX} characters."),
        ));
    }
    let Some(t) = config
        .get("provider_type")
        .and_then(Value::as_str)
        .and_then(source_type)
    else {
        return out;
    };
    for (field, fixed) in endpoints(t) {
        if fixed.is_none() && config.get(field).is_none_or(Value::is_null) {
            out.push((
                "non_field_errors".into(),
                format!("{field} is required for provider {}", t.verbose_name),
            ));
        }
    }
    out
}

/// The user path of users a source creates: its template with `%(slug)s` filled in.
pub fn user_path(config: &Map<String, Value>) -> String {
    let template = config
        .get("user_path_template")
        .and_then(Value::as_str)
        .unwrap_or(USER_PATH_TEMPLATE);
    let slug = config
        .get("slug")
        .and_then(Value::as_str)
        .unwrap_or_default();
    template.replace("%(slug)s", slug)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn every_enum_value_has_a_type_in_order() {
        let names: Vec<&str> = SOURCE_TYPES.iter().map(|t| t.name).collect();
        assert_eq!(names, PROVIDER_TYPE.values);
    }

    #[test]
    fn open_endpoints_must_be_named() {
        let errors = check(&config(
            json!({"slug": "s", "provider_type": "openidconnect"}),
        ));
        assert_eq!(
            errors,
            vec![
                (
                    "non_field_errors".into(),
                    "authorization_url is required for provider OpenID Connect".into()
                ),
                (
                    "non_field_errors".into(),
                    "access_token_url is required for provider OpenID Connect".into()
                ),
                (
                    "non_field_errors".into(),
                    "profile_url is required for provider OpenID Connect".into()
                ),
            ]
        );
        let named = config(json!({"slug": "s", "provider_type": "okta",
            "authorization_url": "https://o/a", "access_token_url": "", "profile_url": "https://o/p"}));
        assert!(check(&named).is_empty());
        assert!(check(&config(json!({"slug": "g", "provider_type": "google"}))).is_empty());
    }

    #[test]
    fn slug_is_at_most_fifty_characters() {
        let long = "a".repeat(51);
        let errors = check(&config(json!({"slug": long, "provider_type": "google"})));
        assert_eq!(errors[0].0, "slug");
    }

    #[test]
    fn user_path_fills_in_the_slug() {
        assert_eq!(
            user_path(&config(json!({"slug": "corp"}))),
            "goauthentik.io/sources/corp"
        );
        assert_eq!(
            user_path(&config(
                json!({"slug": "corp", "user_path_template": "ext/%(slug)s/x"})
            )),
            "ext/corp/x"
        );
    }
}

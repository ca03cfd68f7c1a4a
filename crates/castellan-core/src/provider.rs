//! The provider base (spec §1.4) shared by every provider type.
use uuid::Uuid;

/// Concrete provider kinds, with authentik's component and model names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderType {
    /// OAuth2 / OpenID Connect.
    OAuth2,
    /// Proxy (forward auth / reverse proxy).
    Proxy,
    /// SAML 2.0 IdP.
    Saml,
    /// LDAP (backchannel).
    Ldap,
    /// RADIUS.
    Radius,
    /// SCIM (backchannel).
    Scim,
}

impl ProviderType {
    /// Database discriminator.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OAuth2 => "oauth2",
            Self::Proxy => "proxy",
            Self::Saml => "saml",
            Self::Ldap => "ldap",
            Self::Radius => "radius",
            Self::Scim => "scim",
        }
    }
    /// Parses the database discriminator.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "oauth2" => Self::OAuth2,
            "proxy" => Self::Proxy,
            "saml" => Self::Saml,
            "ldap" => Self::Ldap,
            "radius" => Self::Radius,
            "scim" => Self::Scim,
            _ => return None,
        })
    }
    /// `(component, verbose_name, verbose_name_plural, meta_model_name)` as authentik reports them.
    pub fn meta(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Self::OAuth2 => (
                "ak-provider-oauth2-form",
                "OAuth2/OpenID Provider",
                "OAuth2/OpenID Providers",
                "authentik_providers_oauth2.oauth2provider",
            ),
            Self::Proxy => (
                "ak-provider-proxy-form",
                "Proxy Provider",
                "Proxy Providers",
                "authentik_providers_proxy.proxyprovider",
            ),
            Self::Saml => (
                "ak-provider-saml-form",
                "SAML Provider",
                "SAML Providers",
                "authentik_providers_saml.samlprovider",
            ),
            Self::Ldap => (
                "ak-provider-ldap-form",
                "LDAP Provider",
                "LDAP Providers",
                "authentik_providers_ldap.ldapprovider",
            ),
            Self::Radius => (
                "ak-provider-radius-form",
                "Radius Provider",
                "Radius Providers",
                "authentik_providers_radius.radiusprovider",
            ),
            Self::Scim => (
                "ak-provider-scim-form",
                "SCIM Provider",
                "SCIM Providers",
                "authentik_providers_scim.scimprovider",
            ),
        }
    }
}

/// The base fields every provider has.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Integer primary key.
    pub pk: i64,
    /// Unique name.
    pub name: String,
    /// Concrete type.
    pub provider_type: ProviderType,
    /// Flow for unauthenticated access (falls back to the brand's).
    pub authentication_flow: Option<Uuid>,
    /// Flow run to authorize the application.
    pub authorization_flow: Option<Uuid>,
    /// Flow run when the provider session ends (new in 2024.10).
    pub invalidation_flow: Option<Uuid>,
    /// Application this backchannel provider is attached to.
    pub backchannel_application: Option<Uuid>,
    /// Whether this provider is a backchannel provider.
    pub is_backchannel: bool,
}

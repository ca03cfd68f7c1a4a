//! Brands (spec §1.5): per-domain branding and default flows, with domain matching.
use uuid::Uuid;

/// A brand as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Brand {
    /// `brand_uuid`.
    pub brand_uuid: Uuid,
    /// Domain suffix that activates the brand.
    pub domain: String,
    /// The default brand (at most one).
    pub default: bool,
    /// Title shown in the UI.
    pub branding_title: String,
    /// Logo URL.
    pub branding_logo: String,
    /// Favicon URL.
    pub branding_favicon: String,
    /// Authentication flow.
    pub flow_authentication: Option<Uuid>,
    /// Invalidation (logout) flow.
    pub flow_invalidation: Option<Uuid>,
    /// Recovery flow.
    pub flow_recovery: Option<Uuid>,
    /// Unenrollment flow.
    pub flow_unenrollment: Option<Uuid>,
    /// User settings flow.
    pub flow_user_settings: Option<Uuid>,
    /// Device code flow.
    pub flow_device_code: Option<Uuid>,
    /// Application external users are sent to.
    pub default_application: Option<Uuid>,
    /// Certificate served for this domain.
    pub web_certificate: Option<Uuid>,
    /// Free-form JSON attributes.
    pub attributes: serde_json::Value,
}

impl Brand {
    /// The built-in brand used when no brand matches (`domain="fallback"`).
    pub fn fallback() -> Self {
        Self {
            brand_uuid: Uuid::nil(),
            domain: "fallback".into(),
            default: false,
            branding_title: "authentik".into(),
            branding_logo: DEFAULT_LOGO.into(),
            branding_favicon: DEFAULT_FAVICON.into(),
            flow_authentication: None,
            flow_invalidation: None,
            flow_recovery: None,
            flow_unenrollment: None,
            flow_user_settings: None,
            flow_device_code: None,
            default_application: None,
            web_certificate: None,
            attributes: serde_json::json!({}),
        }
    }
}

/// Default logo path.
pub const DEFAULT_LOGO: &str = "/static/dist/assets/icons/icon_left_brand.svg";
/// Default favicon path.
pub const DEFAULT_FAVICON: &str = "/static/dist/assets/icons/icon.png";

/// Picks the brand for a request host: brands whose domain is a case-insensitive suffix of the
/// host, non-default matches first, then the default brand; else the fallback.
pub fn match_brand(brands: &[Brand], host: &str) -> Brand {
    let host = host.to_ascii_lowercase();
    let suffix = brands
        .iter()
        .filter(|b| !b.default && !b.domain.is_empty())
        .find(|b| host.ends_with(&b.domain.to_ascii_lowercase()));
    suffix
        .or_else(|| brands.iter().find(|b| b.default))
        .cloned()
        .unwrap_or_else(Brand::fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand(domain: &str, default: bool) -> Brand {
        Brand {
            domain: domain.into(),
            default,
            ..Brand::fallback()
        }
    }

    #[test]
    fn suffix_match_beats_default() {
        let brands = vec![
            brand("authentik-default", true),
            brand("example.com", false),
        ];
        assert_eq!(
            match_brand(&brands, "sso.EXAMPLE.com").domain,
            "example.com"
        );
        assert_eq!(
            match_brand(&brands, "other.org").domain,
            "authentik-default"
        );
        assert_eq!(match_brand(&[], "x").domain, "fallback");
    }
}

//! Applications (spec §1.3) and the policy engine mode they carry.
use uuid::Uuid;

/// `policy_engine_mode`: whether all or any bound policies must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyEngineMode {
    /// Every binding must pass.
    All,
    /// One passing binding suffices (default).
    #[default]
    Any,
}

impl PolicyEngineMode {
    /// Wire/database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Any => "any",
        }
    }
    /// Parses the wire/database name.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "all" => Some(Self::All),
            "any" => Some(Self::Any),
            _ => None,
        }
    }
}

/// An application as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// `pbm_uuid`.
    pub pk: Uuid,
    /// Display name.
    pub name: String,
    /// Unique slug used in URLs.
    pub slug: String,
    /// UI grouping label.
    pub group: String,
    /// Provider serving this application (each provider serves at most one).
    pub provider: Option<i64>,
    /// Launch URL template (`%(field)s` placeholders).
    pub meta_launch_url: String,
    /// Icon path or URL.
    pub meta_icon: String,
    /// Description.
    pub meta_description: String,
    /// Publisher.
    pub meta_publisher: String,
    /// Open the launch URL in a new tab.
    pub open_in_new_tab: bool,
    /// Policy engine mode.
    pub policy_engine_mode: PolicyEngineMode,
}

/// Validates an authentik slug (`^[-a-zA-Z0-9_]+$`, at most `max` characters).
pub fn validate_slug(field: &str, slug: &str, max: usize) -> Result<(), crate::DomainError> {
    if slug.is_empty() {
        return Err(crate::DomainError::new(
            field,
            "This field may not be blank.",
        ));
    }
    if slug.chars().count() > max {
        return Err(crate::DomainError::new(
            field,
            format!("Ensure this field has no more than {max} characters."),
        ));
    }
    if !slug
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(crate::DomainError::new(
            field,
            "Enter a valid \u{201c}slug\u{201d} consisting of letters, numbers, underscores or hyphens.",
        ));
    }
    Ok(())
}

/// Formats a launch URL template's `%(field)s` placeholders with user fields; on any unknown
/// placeholder the raw template is returned (authentik's behaviour).
pub fn format_launch_url(template: &str, fields: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("%(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find(")s") else {
            return template.to_string();
        };
        let key = &after[..end];
        match fields.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => out.push_str(v),
            None => return template.to_string(),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(validate_slug("slug", "my-app_1", 50).is_ok());
        assert!(validate_slug("slug", "my app", 50).is_err());
        assert!(validate_slug("slug", "", 50).is_err());
        assert!(validate_slug("slug", &"a".repeat(51), 50).is_err());
    }

    #[test]
    fn launch_url_formatting() {
        let f = [("username", "alice".to_string())];
        assert_eq!(
            format_launch_url("https://x/%(username)s/", &f),
            "https://x/alice/"
        );
        assert_eq!(
            format_launch_url("https://x/%(nope)s", &f),
            "https://x/%(nope)s"
        );
        assert_eq!(format_launch_url("https://x/", &f), "https://x/");
    }
}

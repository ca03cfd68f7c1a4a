//! `next` handling (spec §3.7 🔒): only relative URLs are followed.

/// Reads a parameter from a URL-encoded query string.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Whether `url` is relative to this site: starts with one `/`, no scheme, no authority and no
/// backslash tricks (`/\evil.com` is treated by browsers as `//evil.com`).
pub fn is_relative(url: &str) -> bool {
    if !url.starts_with('/') || url.starts_with("//") || url.contains('\\') {
        return false;
    }
    !url.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_relative_urls_are_followed() {
        assert!(is_relative("/"));
        assert!(is_relative(
            "/application/o/authorize/?client_id=x&next=https://x"
        ));
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "evil",
            "",
            "/a\nb",
        ] {
            assert!(!is_relative(bad), "{bad:?}");
        }
    }

    #[test]
    fn query_parameters_are_decoded() {
        assert_eq!(
            query_param("next=%2Fapp%2F&x=1", "next").as_deref(),
            Some("/app/")
        );
        assert_eq!(
            query_param("flow_token=a+b", "flow_token").as_deref(),
            Some("a b")
        );
        assert_eq!(query_param("", "next"), None);
    }
}

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

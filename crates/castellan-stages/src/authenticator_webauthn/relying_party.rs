//! The WebAuthn relying party of a request (spec §5.3, §5.6): the RP id is the request's host
//! without its port, the expected origin is `scheme://host[:port]`, the name is the brand title.
use castellan_flows::StageContext;

/// Who the browser's credentials are scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    /// RP id: the host without port.
    pub id: String,
    /// The origin the browser must report.
    pub origin: String,
    /// Display name: the brand title.
    pub name: String,
}

/// Splits an absolute base URL (`https://host:port[/…]`) into origin and host without port.
pub fn from_base_url(base_url: &str) -> (String, String) {
    let (scheme, rest) = base_url.split_once("://").unwrap_or(("https", base_url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    (
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            authority.to_ascii_lowercase()
        ),
        host.to_ascii_lowercase(),
    )
}

/// The relying party of the stage's request.
pub fn relying_party(cx: &StageContext<'_>) -> RelyingParty {
    let (origin, id) = from_base_url(&cx.request.base_url);
    RelyingParty {
        id,
        origin,
        name: cx.request.brand_name.clone(),
    }
}

#[cfg(test)]
mod tests {
    //! Base URL parsing.

    use super::*;

    #[test]
    fn host_without_port() {
        assert_eq!(
            from_base_url("https://Auth.Example.com:9443/"),
            (
                "https://auth.example.com:9443".into(),
                "auth.example.com".into()
            )
        );
        assert_eq!(
            from_base_url("http://localhost"),
            ("http://localhost".into(), "localhost".into())
        );
        assert_eq!(
            from_base_url("http://[::1]:9000"),
            ("http://[::1]:9000".into(), "::1".into())
        );
    }
}

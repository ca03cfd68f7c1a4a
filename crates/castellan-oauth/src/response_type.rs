//! `response_type` and `response_mode` of an authorization request (OpenID Connect Core 1.0
//! §3 and OAuth 2.0 Multiple Response Type Encoding Practices §3, §5; spec §7.1.3 step 3).

/// A supported `response_type` (the set of words, order-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseType {
    /// `code` (authorization code flow).
    Code,
    /// `id_token` (implicit flow, ID token only).
    IdToken,
    /// `id_token token` (implicit flow).
    IdTokenToken,
    /// `code token` (hybrid flow).
    CodeToken,
    /// `code id_token` (hybrid flow).
    CodeIdToken,
    /// `code id_token token` (hybrid flow).
    CodeIdTokenToken,
}

/// The OAuth grant a response type belongs to (`oauth_grant_type` in policy context).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantKind {
    /// `authorization_code`.
    AuthorizationCode,
    /// `implicit`.
    Implicit,
    /// `hybrid`.
    Hybrid,
}

impl GrantKind {
    /// Wire name (`authorization_code`, `implicit`, `hybrid`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::Implicit => "implicit",
            Self::Hybrid => "hybrid",
        }
    }
}

impl ResponseType {
    /// Every supported response type, in discovery order.
    pub const ALL: [ResponseType; 6] = [
        Self::Code,
        Self::IdToken,
        Self::IdTokenToken,
        Self::CodeToken,
        Self::CodeIdToken,
        Self::CodeIdTokenToken,
    ];

    /// Parses a space-separated `response_type`; the words may come in any order.
    /// Unknown or repeated words, and `token` alone, give `None`.
    pub fn parse(value: &str) -> Option<Self> {
        let (mut code, mut id_token, mut token) = (false, false, false);
        for word in value.split(' ').filter(|w| !w.is_empty()) {
            let flag = match word {
                "code" => &mut code,
                "id_token" => &mut id_token,
                "token" => &mut token,
                _ => return None,
            };
            if *flag {
                return None;
            }
            *flag = true;
        }
        match (code, id_token, token) {
            (true, false, false) => Some(Self::Code),
            (false, true, false) => Some(Self::IdToken),
            (false, true, true) => Some(Self::IdTokenToken),
            (true, false, true) => Some(Self::CodeToken),
            (true, true, false) => Some(Self::CodeIdToken),
            (true, true, true) => Some(Self::CodeIdTokenToken),
            _ => None,
        }
    }

    /// Canonical wire form (`"code id_token token"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::IdToken => "id_token",
            Self::IdTokenToken => "id_token token",
            Self::CodeToken => "code token",
            Self::CodeIdToken => "code id_token",
            Self::CodeIdTokenToken => "code id_token token",
        }
    }

    /// The grant this response type runs.
    pub fn grant(self) -> GrantKind {
        match self {
            Self::Code => GrantKind::AuthorizationCode,
            Self::IdToken | Self::IdTokenToken => GrantKind::Implicit,
            Self::CodeToken | Self::CodeIdToken | Self::CodeIdTokenToken => GrantKind::Hybrid,
        }
    }

    /// Whether the authorization response carries a `code`.
    pub fn returns_code(self) -> bool {
        matches!(
            self,
            Self::Code | Self::CodeToken | Self::CodeIdToken | Self::CodeIdTokenToken
        )
    }

    /// Whether the authorization response carries an `id_token`.
    pub fn returns_id_token(self) -> bool {
        matches!(
            self,
            Self::IdToken | Self::IdTokenToken | Self::CodeIdToken | Self::CodeIdTokenToken
        )
    }

    /// Whether the authorization response carries an `access_token`.
    ///
    /// Follows OpenID Connect Core §3.2.2.5: plain `id_token` returns no access token
    /// (authentik 2024.10 returns one anyway).
    pub fn returns_access_token(self) -> bool {
        matches!(
            self,
            Self::IdTokenToken | Self::CodeToken | Self::CodeIdTokenToken
        )
    }
}

impl std::fmt::Display for ResponseType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How authorization response parameters are returned (`response_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseMode {
    /// In the redirect URI's query string.
    Query,
    /// In the redirect URI's fragment.
    Fragment,
    /// As an auto-submitted HTML form POSTed to the redirect URI.
    FormPost,
}

impl ResponseMode {
    /// Parses `query`, `fragment` or `form_post`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "query" => Some(Self::Query),
            "fragment" => Some(Self::Fragment),
            "form_post" => Some(Self::FormPost),
            _ => None,
        }
    }

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Fragment => "fragment",
            Self::FormPost => "form_post",
        }
    }

    /// The default mode: `query` for `code`, `fragment` for everything else.
    pub fn default_for(response_type: ResponseType) -> Self {
        match response_type {
            ResponseType::Code => Self::Query,
            _ => Self::Fragment,
        }
    }
}

impl std::fmt::Display for ResponseMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_order() {
        assert_eq!(ResponseType::parse("code"), Some(ResponseType::Code));
        assert_eq!(
            ResponseType::parse("token id_token"),
            Some(ResponseType::IdTokenToken)
        );
        assert_eq!(
            ResponseType::parse("id_token token"),
            Some(ResponseType::IdTokenToken)
        );
        assert_eq!(
            ResponseType::parse("token code"),
            Some(ResponseType::CodeToken)
        );
        assert_eq!(
            ResponseType::parse("id_token code"),
            Some(ResponseType::CodeIdToken)
        );
        assert_eq!(
            ResponseType::parse("token id_token code"),
            Some(ResponseType::CodeIdTokenToken)
        );
        assert_eq!(
            ResponseType::parse(" code  id_token "),
            Some(ResponseType::CodeIdToken)
        );
    }

    #[test]
    fn rejects_unsupported() {
        for bad in [
            "",
            "token",
            "none",
            "code code",
            "Code",
            "code foo",
            "id_token id_token",
        ] {
            assert_eq!(ResponseType::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn round_trip_and_grants() {
        for rt in ResponseType::ALL {
            assert_eq!(ResponseType::parse(rt.as_str()), Some(rt));
        }
        assert_eq!(ResponseType::Code.grant(), GrantKind::AuthorizationCode);
        assert_eq!(ResponseType::IdToken.grant(), GrantKind::Implicit);
        assert_eq!(ResponseType::CodeIdToken.grant(), GrantKind::Hybrid);
        assert_eq!(GrantKind::Hybrid.as_str(), "hybrid");
    }

    #[test]
    fn returned_artifacts_follow_oidc() {
        assert!(!ResponseType::IdToken.returns_access_token());
        assert!(ResponseType::IdToken.returns_id_token());
        assert!(ResponseType::IdTokenToken.returns_access_token());
        assert!(ResponseType::CodeToken.returns_access_token());
        assert!(!ResponseType::CodeToken.returns_id_token());
        assert!(!ResponseType::CodeIdToken.returns_access_token());
        assert!(ResponseType::CodeIdTokenToken.returns_code());
        assert!(!ResponseType::IdTokenToken.returns_code());
        assert!(!ResponseType::Code.returns_id_token());
    }

    #[test]
    fn modes() {
        assert_eq!(
            ResponseMode::parse("form_post"),
            Some(ResponseMode::FormPost)
        );
        assert_eq!(ResponseMode::parse("Query"), None);
        assert_eq!(
            ResponseMode::default_for(ResponseType::Code),
            ResponseMode::Query
        );
        assert_eq!(
            ResponseMode::default_for(ResponseType::CodeToken),
            ResponseMode::Fragment
        );
        assert_eq!(
            ResponseMode::default_for(ResponseType::IdToken),
            ResponseMode::Fragment
        );
        assert_eq!(ResponseMode::FormPost.as_str(), "form_post");
    }
}

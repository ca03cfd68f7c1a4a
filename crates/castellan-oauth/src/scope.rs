//! Access token scope parsing and restriction (RFC 6749 §3.3; spec §7.1.3 step 4).

/// Scopes GitHub clients request; kept on the GitHub-compatible endpoints (spec §7.1.11).
pub const GITHUB_SCOPES: [&str; 4] = ["user", "read:user", "user:email", "read:org"];

/// The scope that asks for a refresh token.
pub const OFFLINE_ACCESS: &str = "offline_access";

/// The scope that makes a request an OpenID Connect request.
pub const OPENID: &str = "openid";

/// Splits a space-delimited `scope` value, dropping empty words and duplicates while
/// keeping first-seen order.
pub fn parse(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in value.split(' ').filter(|w| !w.is_empty()) {
        if !out.iter().any(|s| s == word) {
            out.push(word.to_owned());
        }
    }
    out
}

/// The requested scopes that are also allowed, in request order, deduplicated.
pub fn restrict(requested: &[String], allowed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in requested {
        if allowed.contains(scope) && !out.contains(scope) {
            out.push(scope.clone());
        }
    }
    out
}

/// Joins scopes with single spaces (the wire form).
pub fn join(scopes: &[String]) -> String {
    scopes.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parse_dedupes_and_keeps_order() {
        assert_eq!(
            parse("openid  email openid profile "),
            v(&["openid", "email", "profile"])
        );
        assert!(parse("").is_empty());
        assert!(parse("   ").is_empty());
    }

    #[test]
    fn restrict_intersects() {
        let allowed = v(&["openid", "email", "profile"]);
        assert_eq!(
            restrict(&v(&["profile", "admin", "openid", "profile"]), &allowed),
            v(&["profile", "openid"])
        );
        assert!(restrict(&v(&["admin"]), &allowed).is_empty());
        assert!(restrict(&v(&["openid"]), &[]).is_empty());
    }

    #[test]
    fn join_round_trips() {
        assert_eq!(join(&v(&["openid", "email"])), "openid email");
        assert_eq!(parse(&join(&v(&["a", "b"]))), v(&["a", "b"]));
        assert_eq!(GITHUB_SCOPES.len(), 4);
    }
}

//! The HTTP side of the remember-MFA cookie (`authentik_mfa`, spec §5.3 `last_auth_threshold`):
//! the per-stage signing key, reading the cookie into the flow request, and writing the cookies
//! stages set with the session cookie's attributes.
use castellan_flows::ResponseCookie;
use http::HeaderValue;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::state::AppState;

/// The cookie's name.
pub const COOKIE: &str = "authentik_mfa";

/// The key a stage signs its cookie with: SHA-256 of `"<secret key>:<stage pk hex>"` (authentik
/// uses its install id, which outposts and support bundles see; the secret key is secret).
pub fn stage_key(secret_key: &str, stage: Uuid) -> Vec<u8> {
    let digest = Sha256::digest(format!("{secret_key}:{}", stage.simple()).as_bytes());
    hex::encode(digest).into_bytes()
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, the configured cookie domain, `Secure` when
/// the browser talks HTTPS.
pub fn header(state: &AppState, cookie: &ResponseCookie, https: bool) -> Option<HeaderValue> {
    let expires = cookie.expires.format("%a, %d %b %Y %H:%M:%S GMT");
    let mut c = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Expires={expires}",
        cookie.name, cookie.value
    );
    if let Some(domain) = &state.settings.cookie_domain {
        c.push_str(&format!("; Domain={domain}"));
    }
    if https {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).ok()
}

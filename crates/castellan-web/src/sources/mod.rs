//! User sources: what Castellan does with them outside the REST API (for OAuth sources, keeping
//! their OpenID configuration and JWKS current).
pub mod oauth_discovery;

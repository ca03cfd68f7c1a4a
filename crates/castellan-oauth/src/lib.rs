//! OAuth 2.0 (RFC 6749) and OpenID Connect Core 1.0 provider protocol core, transport-free
//! (spec §7.1): request validation, grant checks, token claims, discovery.

pub mod authorization_code;
pub mod authorize_request;
pub mod authorize_response;
pub mod bearer;
pub mod claims;
pub mod client_assertion;
pub mod client_auth;
pub mod device;
pub mod discovery;
pub mod error;
pub mod introspection;
pub mod issuer;
pub mod pkce;
pub mod redirect_uri;
pub mod refresh_token;
pub mod response_type;
pub mod scope;
pub mod tokens;

pub use authorize_request::{AuthorizeError, AuthorizeRequest, ErrorRedirect, Validated};
pub use claims::{ClaimsUser, IdTokenInput};
pub use client_auth::ClientCredentials;
pub use discovery::DiscoveryInput;
pub use error::{ErrorCode, TokenError};
pub use redirect_uri::RedirectCheck;
pub use refresh_token::RefreshError;
pub use response_type::{GrantKind, ResponseMode, ResponseType};

//! Authorization request validation (OpenID Connect Core 1.0 §3.1.2.1–§3.1.2.2,
//! RFC 6749 §4.1.1; spec §7.1.3 validation steps 2–8).
//!
//! Step 1 (unknown `client_id` → "Client ID Error" page) and the session-dependent
//! parts of step 8 (`prompt=none` without a login) need IO and stay with the caller.

use std::collections::BTreeMap;

use castellan_core::oauth2::{OAuth2Provider, RedirectUri};

use crate::authorize_response::redirect_url;
use crate::error::ErrorCode;
use crate::pkce;
use crate::redirect_uri::{self, RedirectCheck};
use crate::response_type::{GrantKind, ResponseMode, ResponseType};
use crate::scope::{self, GITHUB_SCOPES, OFFLINE_ACCESS, OPENID};

/// Title of the error page for redirect URI problems.
pub const REDIRECT_URI_ERROR_TITLE: &str = "Redirect URI Error";

/// `prompt` values that are recognised; others are ignored.
const KNOWN_PROMPTS: [&str; 3] = ["none", "consent", "login"];

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// The client's id.
    pub client_id: String,
    /// The validated redirect URI, exactly as presented.
    pub redirect_uri: String,
    /// Requested response type.
    pub response_type: ResponseType,
    /// How the response is returned (explicit or the type's default).
    pub response_mode: ResponseMode,
    /// Granted scopes (requested ∩ allowed, or all allowed when none requested).
    pub scopes: Vec<String>,
    /// Opaque client state, echoed back.
    pub state: Option<String>,
    /// OIDC nonce.
    pub nonce: Option<String>,
    /// Recognised `prompt` values (`none`, `consent`, `login`); `offline_access` adds `consent`.
    pub prompt: Vec<String>,
    /// Maximum authentication age in seconds.
    pub max_age: Option<i64>,
    /// PKCE challenge.
    pub code_challenge: Option<String>,
    /// PKCE method (`plain` when a challenge came without a method); `None` without a challenge.
    pub code_challenge_method: Option<String>,
    /// Whether the request came through the GitHub-compatible endpoint.
    pub github: bool,
}

impl AuthorizeRequest {
    /// Whether `prompt` contains `value`.
    pub fn has_prompt(&self, value: &str) -> bool {
        self.prompt.iter().any(|p| p == value)
    }
}

/// An error response to the authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Render an error page; the redirect URI is not trusted, so never redirect.
    Page {
        /// Page title ("Redirect URI Error").
        title: String,
        /// Explanation shown to the user.
        message: String,
    },
    /// Redirect the user agent back to the client with an error (RFC 6749 §4.1.2.1).
    Redirect(ErrorRedirect),
}

/// An error delivered to the (validated) redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRedirect {
    /// The validated redirect URI.
    pub redirect_uri: String,
    /// How the error is delivered.
    pub mode: ResponseMode,
    /// Error code.
    pub code: ErrorCode,
    /// `error_description`.
    pub description: String,
    /// The client's `state`, echoed back when present.
    pub state: Option<String>,
}

impl ErrorRedirect {
    /// Response parameters: `error`, `error_description` and `state` when present.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = vec![
            ("error", self.code.as_str().to_owned()),
            ("error_description", self.description.clone()),
        ];
        if let Some(state) = &self.state {
            params.push(("state", state.clone()));
        }
        params
    }

    /// The URL to redirect to (for `form_post`, the redirect URI itself: POST
    /// [`ErrorRedirect::params`] there instead).
    pub fn url(&self) -> String {
        redirect_url(&self.redirect_uri, self.mode, &self.params())
    }
}

/// The outcome of a successful validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    /// The request.
    pub request: AuthorizeRequest,
    /// Set when the provider had no redirect URIs: the caller saves this entry.
    pub save_redirect: Option<RedirectUri>,
}

/// A parameter's value, `None` when absent or empty.
fn param<'a>(params: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

fn page(message: &str) -> AuthorizeError {
    AuthorizeError::Page {
        title: REDIRECT_URI_ERROR_TITLE.to_owned(),
        message: message.to_owned(),
    }
}

/// Validates an authorization request's parameters for `provider` (steps 2–8).
///
/// `available_scopes` are the `scope_name`s of the provider's scope mappings; `github`
/// marks the GitHub-compatible endpoint, where GitHub's scope names are kept too.
pub fn validate(
    params: &BTreeMap<String, String>,
    provider: &OAuth2Provider,
    available_scopes: &[String],
    github: bool,
) -> Result<Validated, AuthorizeError> {
    // Step 2: the redirect URI. Failures never redirect.
    let Some(presented) = param(params, "redirect_uri") else {
        return Err(page("The request is missing the redirect_uri parameter."));
    };
    let save_redirect = match redirect_uri::check(&provider.redirect_uris, presented) {
        RedirectCheck::Allowed => None,
        RedirectCheck::SaveFirst(entry) => Some(entry),
        RedirectCheck::Denied if redirect_uri::forbidden_scheme(presented) => {
            return Err(page("The redirect URI uses a scheme that is not allowed."));
        }
        RedirectCheck::Denied => {
            return Err(page(
                "The redirect URI is not registered for this application.",
            ));
        }
    };
    let state = param(params, "state").map(str::to_owned);
    let fail = |mode: ResponseMode, code: ErrorCode, description: &str| {
        AuthorizeError::Redirect(ErrorRedirect {
            redirect_uri: presented.to_owned(),
            mode,
            code,
            description: description.to_owned(),
            state: state.clone(),
        })
    };

    // Step 3: response type and mode.
    let raw_type = params.get("response_type").map_or("", String::as_str);
    let Some(response_type) = ResponseType::parse(raw_type) else {
        let mode = if raw_type.contains("token") {
            ResponseMode::Fragment
        } else {
            ResponseMode::Query
        };
        return Err(fail(
            mode,
            ErrorCode::UnsupportedResponseType,
            "The response_type is not supported.",
        ));
    };
    let default_mode = ResponseMode::default_for(response_type);
    let response_mode = match param(params, "response_mode") {
        None => default_mode,
        Some(raw) => match ResponseMode::parse(raw) {
            None => {
                return Err(fail(
                    default_mode,
                    ErrorCode::InvalidRequest,
                    "The response_mode is not supported.",
                ));
            }
            // Multiple Response Type Encoding Practices §5: tokens must not travel in
            // the query string.
            Some(ResponseMode::Query) if response_type != ResponseType::Code => {
                return Err(fail(
                    default_mode,
                    ErrorCode::InvalidRequest,
                    "response_mode=query is not allowed for this response_type.",
                ));
            }
            Some(mode) => mode,
        },
    };

    // Step 4: scopes.
    let requested = scope::parse(params.get("scope").map_or("", String::as_str));
    let mut scopes = if requested.is_empty() {
        available_scopes.to_vec()
    } else {
        let mut allowed = available_scopes.to_vec();
        if github {
            allowed.extend(GITHUB_SCOPES.iter().map(|s| (*s).to_owned()));
        }
        scope::restrict(&requested, &allowed)
    };
    if response_type.grant() != GrantKind::AuthorizationCode && !scopes.iter().any(|s| s == OPENID)
    {
        return Err(fail(
            response_mode,
            ErrorCode::InvalidScope,
            "The openid scope is required for this response_type.",
        ));
    }
    let mut prompt: Vec<String> = Vec::new();
    for word in params
        .get("prompt")
        .map_or("", String::as_str)
        .split(' ')
        .filter(|w| KNOWN_PROMPTS.contains(w))
    {
        if !prompt.iter().any(|p| p == word) {
            prompt.push(word.to_owned());
        }
    }
    if scopes.iter().any(|s| s == OFFLINE_ACCESS) {
        if response_type.returns_code() {
            if !prompt.iter().any(|p| p == "consent") {
                prompt.push("consent".to_owned());
            }
        } else {
            scopes.retain(|s| s != OFFLINE_ACCESS);
        }
    }

    // Step 5: nonce when the authorization endpoint returns an ID token.
    let nonce = param(params, "nonce").map(str::to_owned);
    if response_type.returns_id_token() && scopes.iter().any(|s| s == OPENID) && nonce.is_none() {
        return Err(fail(
            response_mode,
            ErrorCode::InvalidRequest,
            "The nonce parameter is required for this response_type.",
        ));
    }

    // Step 6: PKCE.
    let code_challenge = param(params, "code_challenge").map(str::to_owned);
    let code_challenge_method = match &code_challenge {
        None => None,
        Some(_) => {
            let method = param(params, "code_challenge_method").unwrap_or(pkce::PLAIN);
            if !pkce::method_valid(method) {
                return Err(fail(
                    response_mode,
                    ErrorCode::InvalidRequest,
                    "The code_challenge_method is not supported.",
                ));
            }
            Some(method.to_owned())
        }
    };

    // Step 7: request objects.
    if param(params, "request").is_some() {
        return Err(fail(
            response_mode,
            ErrorCode::RequestNotSupported,
            "Request objects are not supported.",
        ));
    }

    // Step 8: max_age (prompt was parsed above).
    let max_age = match param(params, "max_age") {
        None => None,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(value) => Some(value),
            Err(_) => {
                return Err(fail(
                    response_mode,
                    ErrorCode::InvalidRequest,
                    "The max_age parameter must be an integer.",
                ));
            }
        },
    };

    Ok(Validated {
        request: AuthorizeRequest {
            client_id: provider.client_id.clone(),
            redirect_uri: presented.to_owned(),
            response_type,
            response_mode,
            scopes,
            state,
            nonce,
            prompt,
            max_age,
            code_challenge,
            code_challenge_method,
            github,
        },
        save_redirect,
    })
}

#[cfg(test)]
#[path = "authorize_request_tests.rs"]
mod tests;

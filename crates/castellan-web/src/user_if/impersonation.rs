//! `POST /if/user/impersonate_end/`: the banner's "Stop impersonation" button, a CSRF-checked
//! form post that ends the session's impersonation as `GET /api/v3/core/users/impersonate_end/`
//! does (recording `impersonation_ended`) and returns the administrator to the user list.
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use http::request::Parts;

use super::{Refusal, poster, refused, see_other};
use crate::auth::AuthMethod;
use crate::context::RequestContext;
use crate::state::AppState;

/// Where the administrator lands after stopping.
pub const AFTER_END: &str = "/if/admin/users/";

/// Ends the impersonation and redirects to the admin interface's users (or, when the session
/// did not impersonate, back to the user interface).
pub async fn end(State(state): State<AppState>, mut parts: Parts, body: Bytes) -> Response {
    let run = async {
        let (v, _) = poster(&state, &mut parts, &body).await?;
        let ctx = RequestContext::of(&parts, &state);
        let ended = match &v.principal.method {
            AuthMethod::Session(key) => crate::api::users_impersonate::end(&state, ctx, key)
                .await?
                .is_some(),
            AuthMethod::Token => false,
        };
        Ok::<_, Refusal>(see_other(if ended { AFTER_END } else { "/if/user/" }))
    };
    run.await.unwrap_or_else(refused)
}

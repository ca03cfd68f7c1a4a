//! The `PUT` (full) and `PATCH` (partial) routes of one object, both served by the resource's
//! `write(state, caller, ctx, id, body, partial)` — so every resource wires them the same way.

/// Adds `PUT` and `PATCH` to `$route`, handled by `$write` with the caller extracted as `$caller`
/// (`Admin`, `Principal`, …).
macro_rules! put_and_patch {
    ($route:expr, $write:path, $caller:ty) => {
        $route
            .put(
                |axum::extract::State(state): axum::extract::State<$crate::state::AppState>,
                 caller: $caller,
                 ctx: $crate::context::RequestContext,
                 axum::extract::Path(id): axum::extract::Path<String>,
                 $crate::body::JsonBody(body): $crate::body::JsonBody| {
                    $write(state, caller, ctx, id, body, false)
                },
            )
            .patch(
                |axum::extract::State(state): axum::extract::State<$crate::state::AppState>,
                 caller: $caller,
                 ctx: $crate::context::RequestContext,
                 axum::extract::Path(id): axum::extract::Path<String>,
                 $crate::body::JsonBody(body): $crate::body::JsonBody| {
                    $write(state, caller, ctx, id, body, true)
                },
            )
    };
}

pub(crate) use put_and_patch;

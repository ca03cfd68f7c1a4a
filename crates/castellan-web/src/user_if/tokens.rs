//! `/if/user/tokens/`: the user's API tokens and app passwords. Lists identifier, intent and
//! expiry (never the key), paged (`?page=N`); `POST` creates one with the API's validation and shows its key once;
//! `POST …/{identifier}/revoke/` deletes one. Both record the API's `model_created` /
//! `model_deleted` events; tokens of other users (and managed or internal ones) are 404.
use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use castellan_core::token::{DEFAULT_TOKEN_LENGTH, Token, TokenIntent};
use castellan_crypto::token::generate_key;
use castellan_store::tokens::{self, TokenFilter};
use castellan_store::{AnyConnection, Page};
use http::request::Parts;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::library::display;
use super::paging;
use super::render::{self, Common};
use super::{Refusal, Visitor, field, html, poster, refused, section_page, see_other, visitor};
use crate::api::tokens::{model_ref, validate};
use crate::context::RequestContext;
use crate::error::ApiError;
use crate::state::AppState;
use crate::write::Write;

/// The most tokens of one user read to page the manageable ones (the store cannot filter out
/// managed tokens and other intents, so they are filtered and paged here).
const SCAN_LIMIT: i64 = 10_000;

/// Whether the user interface shows and manages this token (own, not managed, API or app
/// password: other intents belong to flows and outposts).
fn manageable(t: &Token, user: i64) -> bool {
    t.user == user
        && t.managed.is_none()
        && matches!(t.intent, TokenIntent::Api | TokenIntent::AppPassword)
}

/// Shows the tokens page.
pub async fn page(State(state): State<AppState>, parts: Parts) -> Response {
    let run = async {
        let v = visitor(&state, &parts).await?;
        let mut conn = state.store.conn().await?;
        render_list(&mut conn, &parts, v, StatusCode::OK, json!({}), json!({})).await
    };
    run.await.unwrap_or_else(refused)
}

async fn render_list(
    conn: &mut AnyConnection,
    parts: &Parts,
    v: Visitor,
    status: StatusCode,
    form: Value,
    errors: Value,
) -> Result<Response, Refusal> {
    let brand = render::brand(conn, parts).await?;
    let f = TokenFilter {
        user: Some(v.principal.user.pk),
        order_by: Some("identifier ASC".into()),
        ..Default::default()
    };
    let page = Page {
        page: 1,
        page_size: SCAN_LIMIT,
    };
    let (rows, _) = tokens::list(conn, &f, page).await?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|t| manageable(t, v.principal.user.pk))
        .collect();
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let number = paging::clamp(paging::requested(parts), count);
    let list: Vec<_> = paging::slice(rows, number)
        .into_iter()
        .map(|t| {
            json!({
                "identifier": t.identifier, "intent": t.intent.as_str(),
                "description": t.description, "expiring": t.expiring,
                "expires": t.expires.map(|e| e.format("%Y-%m-%d %H:%M UTC").to_string()),
            })
        })
        .collect();
    Ok(section_page(
        status,
        v,
        &brand,
        ("tokens", "Tokens and App passwords", "tokens.html"),
        render::value(json!({
            "tokens": list, "form": form, "errors": errors,
            "pager": paging::pager("/if/user/tokens/", number, count),
        })),
    ))
}

/// Creates a token for the user and shows its key once.
pub async fn create(State(state): State<AppState>, mut parts: Parts, body: Bytes) -> Response {
    let run = async {
        let (v, fields) = poster(&state, &mut parts, &body).await?;
        let mut input = Map::new();
        for name in ["identifier", "intent", "description"] {
            input.insert(
                name.into(),
                Value::String(field(&fields, name).trim().into()),
            );
        }
        let user = v.principal.user.clone();
        let now = state.store.now();
        let blank = Token {
            token_uuid: Uuid::new_v4(),
            identifier: String::new(),
            key: generate_key(DEFAULT_TOKEN_LENGTH),
            intent: TokenIntent::Api,
            user: user.pk,
            description: String::new(),
            expires: Some(now + castellan_core::token::default_token_duration()),
            expiring: true,
            managed: None,
        };
        let ctx = RequestContext::of(&parts, &state);
        let mut tx = Write::begin(&state.store).await?;
        let t = match validate(&mut tx, now, user.pk, &input, false, blank, false).await {
            Ok(t) => t,
            Err(ApiError::Validation(errors)) => {
                drop(tx);
                let mut conn = state.store.conn().await?;
                let errors: BTreeMap<String, Vec<String>> = errors;
                let form = Value::Object(input);
                return render_list(
                    &mut conn,
                    &parts,
                    v,
                    StatusCode::BAD_REQUEST,
                    form,
                    json!(errors),
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        };
        tokens::save(&mut tx, &t, true).await?;
        tx.event(&ctx, &user, "model_created", model_ref(&t))
            .await?;
        tx.commit().await?;
        let mut conn = state.store.conn().await?;
        let brand = render::brand(&mut conn, &parts).await?;
        let common = Common {
            brand: &brand,
            user: display(&user),
            section: "tokens",
            title: "Token created",
            csrf: &v.csrf,
            impersonating: v.impersonating(),
            admin: v.principal.is_superuser,
        };
        let body = render::page(
            "token_created.html",
            &common,
            render::value(json!({"identifier": t.identifier, "key": t.key})),
        );
        Ok::<_, Refusal>(html(StatusCode::OK, v, body))
    };
    run.await.unwrap_or_else(refused)
}

/// Revokes (deletes) one of the user's tokens.
pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    mut parts: Parts,
    body: Bytes,
) -> Response {
    let run = async {
        let (v, _) = poster(&state, &mut parts, &body).await?;
        let ctx = RequestContext::of(&parts, &state);
        let mut tx = Write::begin(&state.store).await?;
        let t = tokens::get_by_identifier(&mut tx, &id)
            .await?
            .filter(|t| manageable(t, v.principal.user.pk))
            .ok_or(ApiError::NotFound)?;
        tokens::delete(&mut tx, &t.identifier).await?;
        tx.event(&ctx, &v.principal.user, "model_deleted", model_ref(&t))
            .await?;
        tx.commit().await?;
        Ok::<_, Refusal>(see_other("/if/user/tokens/"))
    };
    run.await.unwrap_or_else(refused)
}

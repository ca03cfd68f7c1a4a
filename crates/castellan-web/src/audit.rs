//! Writing audit events from API code paths, inside the caller's transaction.
use castellan_core::event::{Event, cleanse};
use castellan_core::user::User;
use castellan_store::{AnyConnection, StoreError, events};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::context::RequestContext;

/// Default event retention (`event_retention`, `days=365`).
pub const RETENTION_DAYS: i64 = 365;

/// The user snapshot events carry.
pub fn user_snapshot(user: Option<&User>) -> Value {
    match user {
        Some(u) => json!({"pk": u.pk, "username": u.username, "email": u.email}),
        None => json!({"pk": null, "username": "AnonymousUser", "email": "", "is_anonymous": true}),
    }
}

/// The user snapshot of an event from a request: while the request's session impersonates,
/// the original user with the impersonated one as `on_behalf_of` (as authentik's `from_http`),
/// else `user`'s snapshot.
pub fn request_user_snapshot(ctx: &RequestContext, user: Option<&User>) -> Value {
    match &ctx.impersonation {
        Some(imp) => {
            let mut snapshot = user_snapshot(Some(&imp.original));
            if let Value::Object(map) = &mut snapshot {
                map.insert("on_behalf_of".into(), user_snapshot(Some(&imp.user)));
            }
            snapshot
        }
        None => user_snapshot(user),
    }
}

/// The `{app, model_name, pk, name}` reference to a model instance.
pub fn model_ref(app: &str, model_name: &str, pk: impl ToString, name: &str) -> Value {
    json!({"app": app, "model_name": model_name, "pk": pk.to_string(), "name": name})
}

/// Adds the request's facts to an event context (an object): `http_request`, and `geo` /
/// `asn` for the client IP when the GeoIP / ASN database has data for it.
pub fn add_request_facts(context: &mut Value, ctx: &RequestContext) {
    let Value::Object(map) = context else {
        return;
    };
    map.insert("http_request".into(), ctx.http_request());
    if let Some(geo) = ctx.geoip.city_dict(&ctx.client_ip) {
        map.insert("geo".into(), geo);
    }
    if let Some(asn) = ctx.geoip.asn_dict(&ctx.client_ip) {
        map.insert("asn".into(), asn);
    }
}

/// Stores an event with the request's facts.
pub async fn record<'c>(
    db: impl Into<castellan_store::Db<'c>>,
    now: DateTime<Utc>,
    ctx: &RequestContext,
    user: Option<&User>,
    action: &str,
    app: &str,
    context: Value,
) -> Result<(), StoreError> {
    events::create(db, &event(now, ctx, user, action, app, context)).await
}

/// An event with the request's facts, not yet stored.
pub fn event(
    now: DateTime<Utc>,
    ctx: &RequestContext,
    user: Option<&User>,
    action: &str,
    app: &str,
    mut context: Value,
) -> Event {
    add_request_facts(&mut context, ctx);
    cleanse(&mut context);
    Event {
        event_uuid: Uuid::new_v4(),
        user: request_user_snapshot(ctx, user),
        action: action.to_string(),
        app: app.to_string(),
        context,
        client_ip: Some(ctx.client_ip.clone()),
        created: now,
        expires: now + Duration::days(RETENTION_DAYS),
        brand: json!({}),
    }
}

/// `model_created` / `model_updated` / `model_deleted` for a model instance.
pub async fn model_event(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    ctx: &RequestContext,
    user: &User,
    action: &str,
    model: Value,
) -> Result<(), StoreError> {
    record(
        conn,
        now,
        ctx,
        Some(user),
        action,
        "authentik.events.signals",
        json!({"model": model}),
    )
    .await
}

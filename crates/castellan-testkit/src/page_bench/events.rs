//! Audit events as a running installation accumulates them: mostly logins, some failed logins,
//! logouts, authorisations and model changes, spread over the users and the last 30 days, with
//! the context shapes Castellan writes (`http_request`, `auth_method`, `model`, …).
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Rng;
use super::bulk::V;
use super::seed::{AGENTS, SeedUser, ago, ip};

/// `(action, weight in ‰)`; the weights add up to 1000.
const ACTIONS: [(&str, u64); 12] = [
    ("login", 420),
    ("login_failed", 90),
    ("logout", 120),
    ("authorize_application", 150),
    ("model_created", 50),
    ("model_updated", 60),
    ("model_deleted", 15),
    ("password_set", 20),
    ("secret_view", 15),
    ("flow_execution", 30),
    ("policy_execution", 20),
    ("email_sent", 10),
];

fn action(rng: &mut Rng) -> &'static str {
    let mut n = rng.below(1000);
    for (a, w) in ACTIONS {
        if n < w {
            return a;
        }
        n -= w;
    }
    "login"
}

fn http_request(rng: &mut Rng, path: &str, method: &str) -> Value {
    json!({
        "path": path,
        "method": method,
        "args": {},
        "user_agent": rng.pick(&AGENTS),
        "request_id": Uuid::new_v4().simple().to_string(),
    })
}

fn model(app: &str, model_name: &str, pk: impl ToString, name: &str) -> Value {
    json!({"app": app, "model_name": model_name, "pk": pk.to_string(), "name": name})
}

fn context(
    rng: &mut Rng,
    action: &str,
    user: &SeedUser,
    apps: &[(Uuid, String)],
) -> (Value, &'static str) {
    let executor = "/api/v3/flows/executor/default-authentication-flow/";
    match action {
        "login" => (
            json!({
                "auth_method": "password",
                "auth_method_args": {},
                "http_request": http_request(rng, executor, "POST"),
            }),
            "authentik.events.signals",
        ),
        "login_failed" => (
            json!({
                "username": user.username,
                "stage": {"pk": Uuid::new_v4().to_string(), "name": "default-authentication-password"},
                "http_request": http_request(rng, executor, "POST"),
            }),
            "authentik.events.signals",
        ),
        "authorize_application" => {
            let (pk, name) = apps
                .get(rng.index(apps.len()))
                .cloned()
                .unwrap_or((Uuid::nil(), "Application".into()));
            (
                json!({
                    "authorized_application": model("authentik_core", "application", pk, &name),
                    "scopes": "openid email profile",
                    "flow": Uuid::new_v4().to_string(),
                    "http_request": http_request(rng, "/application/o/authorize/", "GET"),
                }),
                "authentik.providers.oauth2.views.authorize",
            )
        }
        "model_created" | "model_updated" | "model_deleted" => {
            let n = rng.below(10_000);
            let (model_name, path) = *rng.pick(&[
                ("user", "/api/v3/core/users/"),
                ("group", "/api/v3/core/groups/"),
                ("token", "/api/v3/core/tokens/"),
                ("application", "/api/v3/core/applications/"),
            ]);
            (
                json!({
                    "model": model("authentik_core", model_name, n, &format!("{model_name}-{n}")),
                    "http_request": http_request(rng, path, "POST"),
                }),
                "authentik.events.signals",
            )
        }
        "password_set" => (
            json!({"http_request": http_request(rng, "/if/user/settings/", "POST")}),
            "authentik.events.signals",
        ),
        "email_sent" => (
            json!({
                "message": "Email to user@example.org sent",
                "to_email": [user.email],
                "subject": "authentik: Password recovery",
                "template": "email/password_reset.html",
            }),
            "authentik.stages.email.tasks",
        ),
        "policy_execution" => (
            json!({
                "result": {"passing": rng.chance(80), "messages": []},
                "binding": {"pk": Uuid::new_v4().to_string(), "order": 0},
                "http_request": http_request(rng, "/if/user/", "GET"),
            }),
            "authentik.policies.process",
        ),
        _ => (
            json!({"http_request": http_request(rng, "/flows/-/default/invalidation/", "GET")}),
            "authentik.events.signals",
        ),
    }
}

/// `count` rows for `events_event`, newest 30 days, acting users drawn from `users` (half
/// of the model changes by `admin`).
pub fn rows(
    count: usize,
    rng: &mut Rng,
    now: DateTime<Utc>,
    users: &[SeedUser],
    admin: &SeedUser,
    apps: &[(Uuid, String)],
) -> Vec<Vec<V>> {
    let brand = json!({
        "pk": Uuid::nil().to_string(),
        "app": "authentik_brands",
        "name": "Default brand",
        "model_name": "brand",
    })
    .to_string();
    (0..count)
        .map(|_| {
            let action = action(rng);
            let user = if users.is_empty() || (action.starts_with("model_") && rng.chance(50)) {
                admin
            } else {
                &users[rng.index(users.len())]
            };
            let (context, app) = context(rng, action, user, apps);
            let created = ago(rng, now, 30);
            let user_json = json!({"pk": user.pk, "username": user.username, "email": user.email});
            vec![
                V::from(Uuid::new_v4().to_string()),
                V::from(user_json.to_string()),
                V::from(user.username.clone()),
                V::from(action),
                V::from(app),
                V::from(context.to_string()),
                V::from(Some(ip(rng))),
                V::from(castellan_store::codec::ts(created)),
                V::from(castellan_store::codec::ts(
                    created + chrono::Duration::days(365),
                )),
                V::from(brand.clone()),
            ]
        })
        .collect()
}

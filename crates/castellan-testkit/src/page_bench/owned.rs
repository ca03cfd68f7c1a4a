//! What seeded users own: API tokens and app passwords, sessions with their authenticated-session
//! records, and consents to applications (a share of each for `akadmin`, whose pages list them).
use castellan_store::tokens;
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::Rng;
use super::bulk::{V, insert};
use super::seed::{AGENTS, SeedUser, ago, ip};

fn ts(t: DateTime<Utc>) -> String {
    castellan_store::codec::ts(t)
}

/// Tokens: 10 of `admin`, one per 20 users.
pub async fn seed_tokens(
    tx: &mut castellan_store::AnyConnection,
    rng: &mut Rng,
    now: DateTime<Utc>,
    users: &[SeedUser],
    admin: i64,
) -> Result<(), String> {
    let owners = (0..10)
        .map(|_| admin)
        .chain(users.iter().step_by(20).map(|u| u.pk));
    let rows: Vec<Vec<V>> = owners
        .enumerate()
        .map(|(i, owner)| {
            let key = castellan_crypto::token::generate_key(60);
            let intent = if i % 3 == 0 { "app_password" } else { "api" };
            let expires = now + chrono::Duration::days(1 + rng.below(360) as i64);
            vec![
                V::from(Uuid::new_v4().to_string()),
                V::from(format!("bench-token-{i}")),
                V::from(tokens::key_hash(&key)),
                V::from(key),
                V::from(intent),
                V::from(owner),
                V::from(format!("Token {i} for scripts")),
                V::from(Some(ts(expires))),
                V::from(true),
            ]
        })
        .collect();
    let columns = [
        "token_uuid",
        "identifier",
        "key_hash",
        "key",
        "intent",
        "user_id",
        "description",
        "expires",
        "expiring",
    ];
    insert(tx, "core_token", &columns, &rows).await
}

/// Sessions with their authenticated-session records: 10 of `admin`, one per 10 users.
pub async fn seed_sessions(
    tx: &mut castellan_store::AnyConnection,
    rng: &mut Rng,
    now: DateTime<Utc>,
    users: &[SeedUser],
    admin: i64,
) -> Result<(), String> {
    let owners: Vec<i64> = (0..10)
        .map(|_| admin)
        .chain(users.iter().step_by(10).map(|u| u.pk))
        .collect();
    let (mut sessions, mut records) = (Vec::new(), Vec::new());
    for owner in owners {
        let key = castellan_crypto::token::generate_key(40);
        let used = ago(rng, now, 14);
        let expires = ts(used + chrono::Duration::days(14));
        sessions.push(vec![
            V::from(key.clone()),
            V::from(owner),
            V::from(json!({"_auth_user_id": owner.to_string()}).to_string()),
            V::from(expires.clone()),
            V::from(ts(used)),
        ]);
        records.push(vec![
            V::from(Uuid::new_v4().to_string()),
            V::from(key),
            V::from(owner),
            V::from(ip(rng)),
            V::from(*rng.pick(&AGENTS)),
            V::from(ts(used)),
            V::from(Some(expires)),
            V::from(true),
        ]);
    }
    let columns = ["session_key", "user_id", "data", "expires", "created"];
    insert(tx, "core_session", &columns, &sessions).await?;
    let columns = [
        "uuid",
        "session_key",
        "user_id",
        "last_ip",
        "last_user_agent",
        "last_used",
        "expires",
        "expiring",
    ];
    insert(tx, "core_authenticatedsession", &columns, &records).await
}

/// Consents: 5 of `admin`, one per 20 users.
pub async fn seed_consents(
    tx: &mut castellan_store::AnyConnection,
    rng: &mut Rng,
    now: DateTime<Utc>,
    users: &[SeedUser],
    apps: &[(Uuid, String)],
    admin: i64,
) -> Result<(), String> {
    if apps.is_empty() {
        return Ok(());
    }
    let owners = (0..5)
        .map(|_| admin)
        .chain(users.iter().step_by(20).map(|u| u.pk));
    let rows: Vec<Vec<V>> = owners
        .enumerate()
        .map(|(i, owner)| {
            let app = if owner == admin {
                apps[i % apps.len()].0
            } else {
                rng.pick(apps).0
            };
            let expires = now + chrono::Duration::days(1 + rng.below(180) as i64);
            vec![
                V::from(owner),
                V::from(app.to_string()),
                V::from("openid email profile"),
                V::from(Some(ts(expires))),
                V::from(true),
            ]
        })
        .collect();
    let columns = [
        "user_id",
        "application",
        "permissions",
        "expires",
        "expiring",
    ];
    insert(tx, "consent_userconsent", &columns, &rows).await
}

//! Seeds the page benchmark's database in one transaction with batched inserts: the default
//! blueprints, users (one shared password hash), groups with members, applications (some behind
//! group bindings), tokens, sessions and consents (many for `akadmin`), and audit events.
use std::time::{Duration, Instant};

use castellan_core::policy::{BindingSubject, PolicyBinding};
use castellan_store::{Backend, policy_bindings};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

use super::bulk::{V, insert};
use super::{Options, Rng};
use crate::TestApp;

/// The password of `akadmin` after seeding (seeded users share another one).
pub const ADMIN_PASSWORD: &str = "Page-bench-pw-1";

/// What was seeded.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Primary key of one seeded user with groups (for the user detail pages).
    pub sample_user: i64,
    /// Events that existed before seeding (written by the blueprints).
    pub events_before: usize,
    /// Wall time of the seeding.
    pub took: Duration,
    /// Wall time of each step, in order.
    pub steps: Vec<(&'static str, Duration)>,
}

/// Rows counted in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedCounts {
    /// `core_user`.
    pub users: i64,
    /// `events_event`.
    pub events: i64,
    /// `core_group`.
    pub groups: i64,
    /// `core_application`.
    pub applications: i64,
    /// Tokens of `akadmin`.
    pub admin_tokens: i64,
    /// Authenticated sessions of `akadmin`.
    pub admin_sessions: i64,
}

const FIRST: [&str; 16] = [
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
    "Niaj", "Olivia", "Peggy", "Rupert", "Sybil",
];
const LAST: [&str; 12] = [
    "Smith", "Jones", "Müller", "García", "Rossi", "Novák", "Kowalski", "Dubois", "Silva",
    "Tanaka", "Nguyen", "Olsen",
];
const DEPARTMENTS: [&str; 6] = [
    "Engineering",
    "Sales",
    "Finance",
    "Support",
    "Marketing",
    "Legal",
];
/// User agents of seeded sessions and events.
pub const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
];

fn ts(t: DateTime<Utc>) -> String {
    castellan_store::codec::ts(t)
}

/// A moment in the last `days` days.
pub fn ago(rng: &mut Rng, now: DateTime<Utc>, days: u64) -> DateTime<Utc> {
    now - chrono::Duration::seconds(rng.below(days * 86_400) as i64)
}

/// A client address out of a few networks.
pub fn ip(rng: &mut Rng) -> String {
    let net = *rng.pick(&["10.1", "192.168", "203.0", "198.51"]);
    format!("{net}.{}.{}", rng.below(256), 1 + rng.below(254))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A seeded user as events and memberships refer to it.
#[derive(Debug, Clone)]
pub struct SeedUser {
    /// Primary key.
    pub pk: i64,
    /// Username.
    pub username: String,
    /// Email.
    pub email: String,
}

fn user_rows(opts: &Options, rng: &mut Rng, now: DateTime<Utc>, hash: &str) -> Vec<Vec<V>> {
    (1..=opts.users)
        .map(|i| {
            let (first, last) = (*rng.pick(&FIRST), *rng.pick(&LAST));
            let joined = ago(rng, now, 730);
            let last_login = rng.chance(80).then(|| ts(ago(rng, now, 30)));
            let external = rng.chance(8);
            let attributes = if rng.chance(30) {
                json!({"settings": {"locale": "en"}})
            } else {
                json!({"department": rng.pick(&DEPARTMENTS), "phone": format!("+49 30 {:07}", i)})
            };
            vec![
                V::from(Uuid::new_v4().to_string()),
                V::from(format!("user-{i}")),
                V::from(format!("{first} {last}")),
                V::from(format!(
                    "{}.{}{i}@example.org",
                    first.to_lowercase(),
                    i % 97
                )),
                V::from(hash),
                V::from(ts(joined)),
                V::from(!rng.chance(5)),
                V::from(last_login),
                V::from(ts(joined)),
                V::from(if external { "users/external" } else { "users" }),
                V::from(if external { "external" } else { "internal" }),
                V::from(attributes.to_string()),
            ]
        })
        .collect()
}

/// Seeds everything; `akadmin` gets [`ADMIN_PASSWORD`].
///
/// # Errors
/// Any database or blueprint failure, as text.
pub async fn seed(app: &TestApp, opts: &Options) -> Result<Seeded, String> {
    let start = Instant::now();
    let mut steps = Vec::new();
    let mut lap = Instant::now();
    let mut step = |name: &'static str| {
        steps.push((name, lap.elapsed()));
        lap = Instant::now();
    };
    castellan_web::blueprints::apply_defaults(&app.store, &Default::default())
        .await
        .map_err(|e| format!("default blueprints: {e}"))?;
    let events_before = counts(app).await?.events as usize;
    let now = app.store.now();
    let mut rng = Rng::new(0x5eed);
    let admin_hash = castellan_crypto::password::hash_password(ADMIN_PASSWORD).map_err(err)?;
    let user_hash = castellan_crypto::password::hash_password("Seeded-user-pw-1").map_err(err)?;
    step("blueprints and password hashes");
    let mut tx = app.store.begin().await.map_err(err)?;
    castellan_store::users::set_password(&mut tx, app.admin_pk, &admin_hash, now)
        .await
        .map_err(err)?;
    let columns = [
        "uuid",
        "username",
        "name",
        "email",
        "password",
        "password_change_date",
        "is_active",
        "last_login",
        "date_joined",
        "path",
        "type",
        "attributes",
    ];
    let rows = user_rows(opts, &mut rng, now, &user_hash);
    insert(&mut tx, "core_user", &columns, &rows).await?;
    step("users");
    let users: Vec<SeedUser> = sqlx::query(
        "SELECT id, username, email FROM core_user WHERE username <> 'akadmin' ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(err)?
    .iter()
    .map(|r| {
        Ok(SeedUser {
            pk: r.try_get("id")?,
            username: r.try_get("username")?,
            email: r.try_get("email")?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()
    .map_err(err)?;
    let groups = seed_groups(&mut tx, opts, &mut rng, &users, app.admin_pk).await?;
    let apps = seed_applications(&mut tx, opts, &mut rng, &groups).await?;
    super::owned::seed_tokens(&mut tx, &mut rng, now, &users, app.admin_pk).await?;
    super::owned::seed_sessions(&mut tx, &mut rng, now, &users, app.admin_pk).await?;
    super::owned::seed_consents(&mut tx, &mut rng, now, &users, &apps, app.admin_pk).await?;
    step("groups, applications, tokens, sessions, consents");
    let admin = SeedUser {
        pk: app.admin_pk,
        username: "akadmin".into(),
        email: "akadmin@example.org".into(),
    };
    let rows = super::events::rows(opts.events, &mut rng, now, &users, &admin, &apps);
    let columns = [
        "event_uuid",
        "user_json",
        "username",
        "action",
        "app",
        "context",
        "client_ip",
        "created",
        "expires",
        "brand",
    ];
    step("events (generate)");
    insert(&mut tx, "events_event", &columns, &rows).await?;
    step("events (insert)");
    tx.commit().await.map_err(err)?;
    step("commit");
    if app.store.backend() == Backend::Postgres {
        // PostgreSQL's autovacuum vacuums and analyses bulk-loaded tables within a minute (an
        // insert threshold since PostgreSQL 13); do it now so the plans and the index-only
        // counts measured are the ones a running server gets.
        let mut conn = app.store.conn().await.map_err(err)?;
        sqlx::raw_sql("VACUUM ANALYZE")
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        step("vacuum analyze");
    }
    let sample_user = users.get(users.len() / 2).map_or(app.admin_pk, |u| u.pk);
    Ok(Seeded {
        sample_user,
        events_before,
        took: start.elapsed(),
        steps,
    })
}

async fn seed_groups(
    tx: &mut castellan_store::AnyConnection,
    opts: &Options,
    rng: &mut Rng,
    users: &[SeedUser],
    admin: i64,
) -> Result<Vec<Uuid>, String> {
    let pks: Vec<Uuid> = (0..opts.groups).map(|_| Uuid::new_v4()).collect();
    let rows: Vec<Vec<V>> = pks
        .iter()
        .enumerate()
        .map(|(i, pk)| {
            let dept = DEPARTMENTS[i % DEPARTMENTS.len()];
            let parent = (i >= DEPARTMENTS.len()).then(|| pks[i % DEPARTMENTS.len()].to_string());
            vec![
                V::from(pk.to_string()),
                V::from(format!("{dept} {i}")),
                V::from(false),
                V::from(parent),
                V::from(json!({"notes": format!("{dept} team")}).to_string()),
            ]
        })
        .collect();
    let columns = ["group_uuid", "name", "is_superuser", "parent", "attributes"];
    insert(tx, "core_group", &columns, &rows).await?;
    let mut members = Vec::new();
    if !pks.is_empty() {
        for u in users {
            // 0 to 2 distinct groups per user.
            let n = rng.below(3) as usize;
            let first = rng.index(pks.len());
            for k in 0..n.min(pks.len()) {
                let g = pks[(first + k) % pks.len()];
                members.push(vec![V::from(u.pk), V::from(g.to_string())]);
            }
        }
        for g in pks.iter().take(5) {
            members.push(vec![V::from(admin), V::from(g.to_string())]);
        }
    }
    insert(tx, "core_user_groups", &["user_id", "group_id"], &members).await?;
    Ok(pks)
}

async fn seed_applications(
    tx: &mut castellan_store::AnyConnection,
    opts: &Options,
    rng: &mut Rng,
    groups: &[Uuid],
) -> Result<Vec<(Uuid, String)>, String> {
    let app_groups = ["", "Engineering", "Internal tools", "Finance", "Sales"];
    let mut apps = Vec::new();
    let mut rows = Vec::new();
    for i in 1..=opts.applications {
        let pk = Uuid::new_v4();
        let name = format!("Application {i:02}");
        rows.push(vec![
            V::from(pk.to_string()),
            V::from(name.clone()),
            V::from(format!("app-{i:02}")),
            V::from(*rng.pick(&app_groups)),
            V::from(format!("https://app-{i:02}.example.org/")),
            V::from(format!("Internal application number {i}")),
            V::from("Example Corp"),
            V::from(rng.chance(30)),
            V::from("any"),
        ]);
        apps.push((pk, name));
    }
    let columns = [
        "pbm_uuid",
        "name",
        "slug",
        "app_group",
        "meta_launch_url",
        "meta_description",
        "meta_publisher",
        "open_in_new_tab",
        "policy_engine_mode",
    ];
    insert(tx, "core_application", &columns, &rows).await?;
    // Every fifth application is restricted to a group (the first groups contain akadmin).
    for (n, (pk, _)) in apps.iter().enumerate().filter(|(n, _)| n % 5 == 0) {
        let Some(group) = groups.get(n % groups.len().max(1)) else {
            break;
        };
        let binding = PolicyBinding {
            pk: Uuid::new_v4(),
            target: *pk,
            subject: BindingSubject::Group(*group),
            negate: false,
            enabled: true,
            order: 0,
            timeout: 30,
            failure_result: false,
        };
        policy_bindings::create(tx, &binding).await.map_err(err)?;
    }
    Ok(apps)
}

async fn count(conn: &mut castellan_store::AnyConnection, sql: &str) -> Result<i64, String> {
    sqlx::query(sql)
        .fetch_one(&mut *conn)
        .await
        .and_then(|r| r.try_get::<i64, _>("n"))
        .map_err(err)
}

/// Counts what [`seed`] writes.
///
/// # Errors
/// Database failures, as text.
pub async fn counts(app: &TestApp) -> Result<SeedCounts, String> {
    let mut conn = app.store.conn().await.map_err(err)?;
    let admin = app.admin_pk;
    Ok(SeedCounts {
        users: count(&mut conn, "SELECT COUNT(*) AS n FROM core_user").await?,
        events: count(&mut conn, "SELECT COUNT(*) AS n FROM events_event").await?,
        groups: count(&mut conn, "SELECT COUNT(*) AS n FROM core_group").await?,
        applications: count(&mut conn, "SELECT COUNT(*) AS n FROM core_application").await?,
        admin_tokens: count(
            &mut conn,
            &format!("SELECT COUNT(*) AS n FROM core_token WHERE user_id = {admin}"),
        )
        .await?,
        admin_sessions: count(
            &mut conn,
            &format!("SELECT COUNT(*) AS n FROM core_authenticatedsession WHERE user_id = {admin}"),
        )
        .await?,
    })
}

//! Logs `akadmin` in through the default authentication flow like a browser, then requests each
//! page in process through the router (`oneshot`) with the session cookie and times it, body
//! included. Pages that do not exist yet answer 404 and are reported as such.
use std::time::{Duration, Instant};

use axum::body::Body;
use http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::seed::{ADMIN_PASSWORD, Seeded};
use crate::TestApp;
use crate::flow_client::FlowClient;

/// The target each page's p95 is compared with.
pub const TARGET: Duration = Duration::from_millis(50);

/// Browser-like cookies of a logged-in session (`authentik_session`, `authentik_csrf`).
#[derive(Debug, Clone)]
pub struct Session {
    /// The `Cookie` header.
    pub cookie: String,
    /// The CSRF token (sent as `X-authentik-CSRF` too, as the web client does for the API).
    pub csrf: String,
}

/// Timings of one page.
#[derive(Debug, Clone)]
pub struct PageFigure {
    /// Path and query.
    pub path: String,
    /// Status of the last answer.
    pub status: u16,
    /// Body size of the last answer.
    pub bytes: usize,
    /// Median wall time.
    pub p50: Duration,
    /// 95th percentile (nearest rank).
    pub p95: Duration,
    /// Slowest request.
    pub max: Duration,
}

/// Logs `akadmin` in with its password through `default-authentication-flow`.
///
/// # Errors
/// The flow did not end in a redirect, or no session cookie was issued.
pub async fn login(app: &TestApp) -> Result<Session, String> {
    let mut client = FlowClient::new(app, "default-authentication-flow");
    let end = client.login("akadmin", ADMIN_PASSWORD).await;
    if end["component"] != "xak-flow-redirect" {
        return Err(format!("login did not finish: {end}"));
    }
    if client.session_cookie().is_none() {
        return Err("login issued no session cookie".into());
    }
    let cookie = client
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let csrf = client
        .cookies
        .get("authentik_csrf")
        .cloned()
        .unwrap_or_default();
    Ok(Session { cookie, csrf })
}

/// `(path, anonymous)` of every page measured.
pub fn pages(seeded: &Seeded) -> Vec<(String, bool)> {
    let pk = seeded.sample_user;
    let mut v: Vec<(String, bool)> = vec![("/if/flow/default-authentication-flow/".into(), true)];
    let signed_in = [
        "/if/user/".to_string(),
        "/if/user/settings/".into(),
        "/if/user/sessions/".into(),
        "/if/user/consents/".into(),
        "/if/user/tokens/".into(),
        "/if/admin/".into(),
        "/if/admin/users/".into(),
        "/if/admin/users/?search=user-5".into(),
        "/if/admin/users/?ordering=-last_login".into(),
        "/if/admin/users/?page=200".into(),
        format!("/if/admin/users/{pk}/"),
        format!("/if/admin/users/{pk}/edit/"),
        "/if/admin/groups/".into(),
        "/if/admin/applications/".into(),
        "/if/admin/flows/".into(),
        "/if/admin/stages/".into(),
        "/if/admin/policies/".into(),
        "/if/admin/events/".into(),
        "/if/admin/events/?action=login".into(),
        "/if/admin/system/".into(),
        "/api/v3/core/users/?page_size=20".into(),
        "/api/v3/events/events/?page_size=20&ordering=-created".into(),
        // The groups list with and without members (the admin pages read it).
        "/api/v3/core/groups/?page_size=20".into(),
        "/api/v3/core/groups/?page_size=20&include_users=false".into(),
    ];
    v.extend(signed_in.into_iter().map(|p| (p, false)));
    v
}

/// One GET; returns the status, the body size and the wall time (body read included).
async fn get(
    app: &TestApp,
    path: &str,
    session: Option<&Session>,
) -> Result<(u16, usize, Duration), String> {
    let mut req = Request::builder()
        .method("GET")
        .uri(path)
        .header("host", "localhost:9000")
        .header("accept", "text/html,application/json;q=0.9")
        .header("user-agent", super::seed::AGENTS[0]);
    if let Some(s) = session {
        req = req
            .header("cookie", &s.cookie)
            .header("x-authentik-csrf", &s.csrf);
    }
    let req = req.body(Body::empty()).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let res = app
        .router
        .clone()
        .oneshot(req)
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let bytes = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, bytes.len(), start.elapsed()))
}

/// Nearest-rank percentile of sorted `v`.
fn percentile(v: &[Duration], pct: usize) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let rank = (v.len() * pct).div_ceil(100).max(1);
    v[rank.min(v.len()) - 1]
}

/// Requests each page once untimed, then `repeat` times timed. A page whose request fails
/// outright is reported with status 0.
pub async fn measure_pages(
    app: &TestApp,
    session: &Session,
    pages: &[(String, bool)],
    repeat: usize,
) -> Vec<PageFigure> {
    let mut out = Vec::with_capacity(pages.len());
    for (path, anonymous) in pages {
        let s = (!anonymous).then_some(session);
        let mut times = Vec::with_capacity(repeat);
        let (mut status, mut bytes) = (0, 0);
        for i in 0..=repeat {
            match get(app, path, s).await {
                Ok((st, b, t)) => {
                    (status, bytes) = (st, b);
                    if i > 0 {
                        times.push(t);
                    }
                }
                Err(e) => {
                    eprintln!("{path}: {e}");
                    status = 0;
                    break;
                }
            }
        }
        times.sort();
        out.push(PageFigure {
            path: path.clone(),
            status,
            bytes,
            p50: percentile(&times, 50),
            p95: percentile(&times, 95),
            max: times.last().copied().unwrap_or_default(),
        });
    }
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Prints the figures as a table under `title`.
pub fn print_table(title: &str, figures: &[PageFigure]) {
    println!("{title}:");
    println!(
        "  {:<56} {:>6} {:>8} {:>8} {:>8} {:>8}  p95 < 50 ms",
        "page", "status", "bytes", "p50 ms", "p95 ms", "max ms"
    );
    for f in figures {
        let verdict = match f.status {
            200..=399 if f.p95 < TARGET => "yes",
            200..=399 => "NO",
            _ => "-",
        };
        println!(
            "  {:<56} {:>6} {:>8} {:>8.2} {:>8.2} {:>8.2}  {verdict}",
            f.path,
            f.status,
            f.bytes,
            ms(f.p50),
            ms(f.p95),
            ms(f.max)
        );
    }
}

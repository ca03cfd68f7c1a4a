//! Cookies over HTTPS carry `Secure` (issue: session cookie `HttpOnly`, `SameSite=Lax`, `Secure`
//! on HTTPS); over plain HTTP they do not, so a development setup on http://localhost works.
use axum::body::Body;
use castellan_testkit::{TestApp, db_test};
use http::{Request, header};
use tower::ServiceExt;

use crate::flow_support::defaults;

const PAGE: &str = "/if/flow/default-authentication-flow/";

db_test!(cookies_are_secure_over_https, |app: TestApp| async move {
    defaults(&app).await;
    // The TLS listener marks its requests with `Https` (castellan-server's serve.rs).
    let https = app
        .router
        .clone()
        .layer(axum::Extension(castellan_web::context::Https));
    let req = Request::get(PAGE)
        .header("host", "auth.example.org")
        .body(Body::empty())
        .unwrap();
    let res = https.oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let cookies: Vec<String> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("authentik_csrf="))
        .unwrap();
    assert!(csrf.ends_with("; Secure"), "{cookies:?}");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("authentik_session="))
        .unwrap_or_else(|| panic!("no session cookie: {cookies:?}"));
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.ends_with("; Secure"),
        "{session}"
    );

    // Plain HTTP: no `Secure`.
    let plain = app
        .send("GET", PAGE, None, &[("host", "auth.example.org")])
        .await;
    let cookies: Vec<String> = plain
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(!cookies.is_empty());
    assert!(cookies.iter().all(|c| !c.contains("Secure")), "{cookies:?}");
});

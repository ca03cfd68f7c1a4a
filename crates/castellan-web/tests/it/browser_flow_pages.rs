//! The flow pages in a real browser (headless Chromium via playwright-core): log in through
//! `/if/flow/default-authentication-flow/` by filling and submitting the forms, with JavaScript
//! on and off; a wrong password is shown on the password page. Screenshots of the login page are
//! saved under `target/screenshots/` for review.
use castellan_testkit::browser::Browser;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_support::{defaults, user};

/// Fills the identification and password pages and submits them like a person would (Enter).
const LOGIN: &str = r#"
const next = encodeURIComponent("/api/v3/core/users/me/");
await page.goto(args.base + "/if/flow/default-authentication-flow/?next=" + next);
if (args.shot) await helpers.screenshot(args.shot);
const title = await page.title();
// Every image of the page (brand logo, flow background) loads.
const brokenImages = await page.evaluate(() =>
  Array.from(document.images).filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src));
// A value that survives only while the document is not reloaded.
if (args.javascript) await page.evaluate(() => { window.castellanMarker = 42; });
await page.fill("input[name=uid_field]", args.username);
await Promise.all([page.waitForNavigation(), page.press("input[name=uid_field]", "Enter")]);
await page.waitForSelector("input[name=password]");
const second = page.url();
const kept = args.javascript ? await page.evaluate(() => window.castellanMarker) : null;
const focused = await page.evaluate(() => document.activeElement && document.activeElement.name);
await page.fill("input[name=password]", args.password);
await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);
const text = await page.evaluate(() => document.body.innerText);
const passwordField = await page.$("input[name=password]");
return { title, brokenImages, second, kept, focused, url: page.url(), text, on_password_page: passwordField !== null };
"#;

async fn login(app: &TestApp, javascript: bool, password: &str, shot: Option<&str>) -> Value {
    let browser = Browser::locate().unwrap();
    let (base, server) = app.serve().await;
    let args = json!({"base": base, "username": "page-user", "password": password,
                      "javascript": javascript, "shot": shot});
    let out = browser.run(LOGIN, &args).await.unwrap();
    server.abort();
    out
}

db_test!(
    browser_logs_in_through_the_flow_pages,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "page-user", "Page-pw-1").await;
        let shot = match app.kind {
            castellan_testkit::DbKind::Sqlite => Some("login-page"),
            castellan_testkit::DbKind::Postgres => None,
        };
        for javascript in [true, false] {
            let out = login(&app, javascript, "Page-pw-1", shot).await;
            assert!(out["title"].as_str().unwrap().contains("Welcome"), "{out}");
            if javascript {
                assert_eq!(out["brokenImages"], json!([]), "{out}");
                // The password stage replaced the identification stage in place: no reload, and
                // the password input has the focus.
                assert_eq!(out["kept"], 42, "{out}");
                assert_eq!(out["focused"], "password", "{out}");
            }
            assert!(
                out["second"]
                    .as_str()
                    .unwrap()
                    .contains("/if/flow/default-authentication-flow/"),
                "{out}"
            );
            assert!(
                out["url"]
                    .as_str()
                    .unwrap()
                    .ends_with("/api/v3/core/users/me/"),
                "javascript {javascript}: {out}"
            );
            assert!(
                out["text"].as_str().unwrap().contains("\"page-user\""),
                "{out}"
            );
        }
        for javascript in [false, true] {
            let out = login(&app, javascript, "wrong", None).await;
            assert_eq!(out["on_password_page"], true, "{out}");
            assert!(
                out["text"].as_str().unwrap().contains("Invalid password"),
                "javascript {javascript}: {out}"
            );
        }
    }
);

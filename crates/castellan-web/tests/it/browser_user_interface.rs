//! The user interface in a real browser (headless Chromium via playwright-core): log in through
//! the flow pages with `next=/if/user/`, land on the library and see the application there. A
//! screenshot of the library is saved under `target/screenshots/` for review.
use castellan_testkit::browser::Browser;
use castellan_testkit::{DbKind, TestApp, db_test};
use serde_json::json;

use crate::flow_support::{create, defaults, user};

const LIBRARY: &str = r#"
const next = encodeURIComponent("/if/user/");
await page.goto(args.base + "/if/flow/default-authentication-flow/?next=" + next);
await page.fill("input[name=uid_field]", args.username);
await Promise.all([page.waitForNavigation(), page.press("input[name=uid_field]", "Enter")]);
await page.fill("input[name=password]", args.password);
await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);
await page.waitForURL((u) => u.pathname === "/if/user/");
await page.waitForSelector(".ak-app a");
if (args.shot) await helpers.screenshot(args.shot);
const text = await page.evaluate(() => document.body.innerText);
const link = await page.evaluate(() => {
  const a = Array.from(document.querySelectorAll(".ak-app a")).find((x) => x.textContent === "Wiki");
  return a ? a.href : null;
});
return { url: page.url(), title: await page.title(), text, link };
"#;

db_test!(
    browser_user_interface_shows_the_library,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "library-user", "Library-pw-1").await;
        create(
            &app,
            "/api/v3/core/applications/",
            json!({"name": "Wiki", "slug": "wiki", "group": "Knowledge",
                   "meta_description": "Team documentation",
                   "meta_launch_url": "https://wiki.example/"}),
        )
        .await;
        let shot = match app.kind {
            DbKind::Sqlite => Some("user-library"),
            DbKind::Postgres => None,
        };
        let browser = Browser::locate().unwrap();
        let (base, server) = app.serve().await;
        let args = json!({"base": base, "username": "library-user",
                          "password": "Library-pw-1", "shot": shot});
        let out = browser.run(LIBRARY, &args).await.unwrap();
        server.abort();
        assert!(out["url"].as_str().unwrap().ends_with("/if/user/"), "{out}");
        assert!(
            out["title"]
                .as_str()
                .unwrap()
                .starts_with("My applications"),
            "{out}"
        );
        let text = out["text"].as_str().unwrap();
        assert!(text.contains("Wiki") && text.contains("Knowledge"), "{out}");
        assert_eq!(out["link"], "https://wiki.example/", "{out}");
    }
);

//! The admin interface in a real browser (headless Chromium via playwright-core): akadmin logs
//! in through the flow pages with `next=/if/admin/`, creates a user, a group with that user as
//! member, an application, a flow with a stage bound to it (the stage made through the type
//! picker), and finds the creations in the event log. A screenshot of the admin user list is
//! saved under `target/screenshots/` for review.
use castellan_testkit::browser::Browser;
use castellan_testkit::{DbKind, TestApp, db_test};
use serde_json::json;

use crate::flow_support::{admin_password, defaults};

const ADMIN: &str = r##"
const go = async (path) => { await page.goto(args.base + path); };
const submit = async () => {
  await Promise.all([page.waitForNavigation(), page.click("main form.ak-form button[type=submit]")]);
};
const next = encodeURIComponent("/if/admin/");
await go("/if/flow/default-authentication-flow/?next=" + next);
await page.fill("input[name=uid_field]", "akadmin");
await Promise.all([page.waitForNavigation(), page.press("input[name=uid_field]", "Enter")]);
await page.fill("input[name=password]", args.password);
await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);
const overview = { url: page.url(), title: await page.title() };

// A user, with a field error first (the username is missing).
await go("/if/admin/users/");
await Promise.all([page.waitForNavigation(), page.click("text=Create")]);
await page.fill("#f-name", "Grace Hopper");
await page.fill("#f-path", "users");
await page.evaluate(() => document.querySelector("#f-username").removeAttribute("required"));
await submit();
const userError = await page.evaluate(() => {
  const e = document.querySelector("#f-username-error");
  return e ? e.textContent : null;
});
const keptName = await page.inputValue("#f-name");
await page.fill("#f-username", "grace");
await page.fill("#f-email", "grace@example.org");
await submit();
const userPage = { url: page.url(), h1: await page.textContent("h1") };

// A group with grace as member.
await go("/if/admin/groups/new/");
await page.fill("#f-name", "navy");
const graceOption = await page.evaluate(() =>
  Array.from(document.querySelectorAll("#f-users option")).find((o) => o.textContent === "grace").value);
await page.selectOption("#f-users", [graceOption]);
await submit();
const groupText = await page.evaluate(() => document.body.innerText);

// An application.
await go("/if/admin/applications/new/");
await page.fill("#f-name", "Compiler");
await page.fill("#f-slug", "compiler");
await page.fill("#f-meta_launch_url", "https://compiler.example/");
await submit();
const appUrl = page.url();

// A flow, a stage through the type picker, and a binding added from the flow's page.
await go("/if/admin/flows/new/");
await page.fill("#f-name", "Harbour");
await page.fill("#f-slug", "harbour");
await page.fill("#f-title", "Welcome aboard");
await page.selectOption("#f-designation", "authentication");
await submit();
const flowUrl = page.url();
await go("/if/admin/stages/new/");
await Promise.all([page.waitForNavigation(), page.click("text=Dummy Stage")]);
await page.fill("#f-name", "harbour-dummy");
await submit();
await go("/if/admin/flows/harbour/");
await Promise.all([page.waitForNavigation(), page.click("main a:text-is('Add')")]);
const stageOption = await page.evaluate(() =>
  Array.from(document.querySelectorAll("#f-stage option")).find((o) => o.textContent === "harbour-dummy").value);
await page.selectOption("#f-stage", stageOption);
await submit();
const flowText = await page.evaluate(() => document.body.innerText);

// The event log, filtered by action.
await go("/if/admin/events/?action=model_created");
const eventsText = await page.evaluate(() => document.body.innerText);

await go("/if/admin/users/");
if (args.shot) await helpers.screenshot(args.shot);
return { overview, userError, keptName, userPage, groupText, appUrl, flowUrl, flowText, eventsText };
"##;

db_test!(
    browser_admin_creates_objects_and_sees_the_event_log,
    |app: TestApp| async move {
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let shot = match app.kind {
            DbKind::Sqlite => Some("admin-users"),
            DbKind::Postgres => None,
        };
        let browser = Browser::locate().unwrap();
        let (base, server) = app.serve().await;
        let args = json!({"base": base, "password": "Admin-pw-1", "shot": shot});
        let out = browser.run(ADMIN, &args).await.unwrap();
        server.abort();
        assert!(
            out["overview"]["url"]
                .as_str()
                .unwrap()
                .ends_with("/if/admin/"),
            "{out}"
        );
        assert!(
            out["overview"]["title"]
                .as_str()
                .unwrap()
                .starts_with("Overview"),
            "{out}"
        );
        assert_eq!(out["userError"], "This field may not be blank.", "{out}");
        assert_eq!(out["keptName"], "Grace Hopper", "{out}");
        assert_eq!(out["userPage"]["h1"], "User: grace", "{out}");
        let text = out["groupText"].as_str().unwrap();
        assert!(
            text.contains("Group: navy") && text.contains("Members (1)"),
            "{out}"
        );
        assert!(
            out["appUrl"]
                .as_str()
                .unwrap()
                .ends_with("/if/admin/applications/compiler/"),
            "{out}"
        );
        assert!(
            out["flowUrl"]
                .as_str()
                .unwrap()
                .ends_with("/if/admin/flows/harbour/"),
            "{out}"
        );
        let flow = out["flowText"].as_str().unwrap();
        assert!(
            flow.contains("Stage Bindings (1)") && flow.contains("harbour-dummy"),
            "{out}"
        );
        let events = out["eventsText"].as_str().unwrap();
        assert!(events.contains("model_created"), "{out}");
        // What the browser did is in the database, made through the API's rules.
        let users = app
            .admin("GET", "/api/v3/core/users/?username=grace", None)
            .await;
        assert_eq!(users.json["results"][0]["email"], "grace@example.org");
        let groups = app
            .admin("GET", "/api/v3/core/groups/?name=navy", None)
            .await;
        assert_eq!(
            groups.json["results"][0]["users"],
            json!([users.json["results"][0]["pk"]])
        );
        let bindings = app
            .admin("GET", "/api/v3/flows/bindings/?ordering=order", None)
            .await;
        assert!(
            bindings.json["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["stage_obj"]["name"] == "harbour-dummy" && b["order"] == 10),
            "{}",
            bindings.text
        );
    }
);

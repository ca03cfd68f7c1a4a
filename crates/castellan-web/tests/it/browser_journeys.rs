//! User journeys in a real browser (headless Chromium via playwright-core), each through the
//! flow pages and the user interface as a person would: the first-run setup of `akadmin`
//! (`initial-setup`, usable once), sign-up through authentik's example enrollment flow with the
//! emailed confirmation link (aiosmtpd), a password change from `/if/user/settings/`, and
//! revoking another browser's session from `/if/user/sessions/`. Screenshots of the setup and
//! sign-up pages are saved under `target/screenshots/` (SQLite runs only).
use castellan_testkit::browser::Browser;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::smtp::{SmtpServer, flow_link};
use castellan_testkit::{DbKind, TestApp, db_test};
use serde_json::{Value, json};

use crate::email::{example, with_smtp};
use crate::flow_support::{defaults, user};

/// Script helpers: `login(page, username, password, next)` goes through the default
/// authentication flow's pages (identification, then password, each submitted with Enter) and
/// returns the URL it ends on; `fresh()` opens a page in a new, cookie-less context (another
/// browser); `text(page)` is the visible text; `me(page)` the session's `/users/me/` answer.
pub(crate) const PRELUDE: &str = r#"
const login = async (p, username, password, next) => {
  await p.goto(args.base + "/if/flow/default-authentication-flow/?next=" + encodeURIComponent(next));
  await p.fill("input[name=uid_field]", username);
  await Promise.all([p.waitForNavigation(), p.press("input[name=uid_field]", "Enter")]);
  await p.fill("input[name=password]", password);
  await Promise.all([p.waitForNavigation(), p.press("input[name=password]", "Enter")]);
  return p.url();
};
const fresh = async () => (await page.context().browser().newContext()).newPage();
const text = (p) => p.evaluate(() => document.body.innerText);
const me = async (p) => {
  const r = await p.context().request.get(args.base + "/api/v3/core/users/me/");
  return { status: r.status(), body: r.ok() ? await r.json() : null };
};
const submit = (p, selector) => Promise.all([p.waitForNavigation(), p.click(selector)]);
"#;

/// Runs `body` (with [`PRELUDE`]) in a fresh browser.
async fn run(body: &str, args: &Value) -> Value {
    let browser = Browser::locate().unwrap();
    browser
        .run(&format!("{PRELUDE}\n{body}"), args)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The screenshot name on SQLite runs, none on PostgreSQL.
fn shot(app: &TestApp, name: &str) -> Option<String> {
    match app.kind {
        DbKind::Sqlite => Some(name.to_string()),
        DbKind::Postgres => None,
    }
}

/// A user by username through the admin API.
async fn user_json(app: &TestApp, username: &str) -> Option<Value> {
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/core/users/?username={username}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["results"].as_array().unwrap().first().cloned()
}

fn text(out: &Value, key: &str) -> String {
    out[key].as_str().unwrap_or_default().to_string()
}

/// The first-run setup: a mismatched repeat is refused, then email and password are set and the
/// browser lands logged in as akadmin; a second visit is denied (to a stranger and to akadmin).
const SETUP: &str = r#"
await page.goto(args.base + "/if/flow/initial-setup/");
const title = await page.title();
const intro = await text(page);
const fields = await page.$$eval("form input:not([type=hidden])", (l) => l.map((i) => i.name));
if (args.shot) await helpers.screenshot(args.shot);
await page.fill("input[name=email]", args.email);
await page.fill("input[name=password]", args.password);
await page.fill("input[name=password_repeat]", args.password + "x");
await submit(page, "button[type=submit]");
const mismatch = await text(page);
await page.fill("input[name=email]", args.email);
await page.fill("input[name=password]", args.password);
await page.fill("input[name=password_repeat]", args.password);
await submit(page, "button[type=submit]");
const landed = { url: page.url(), text: await text(page) };
const who = await me(page);
// A second visit: akadmin (now with a usable password) and a stranger are both denied.
await page.goto(args.base + "/if/flow/initial-setup/");
const again = { url: page.url(), text: await text(page),
                fields: await page.$$eval("input[type=password]", (l) => l.length) };
const stranger = await fresh();
await stranger.goto(args.base + "/if/flow/initial-setup/");
const other = { text: await text(stranger),
                fields: await stranger.$$eval("input[type=password]", (l) => l.length) };
// The new password works on the login page of another browser.
const relogin = await fresh();
const end = await login(relogin, "akadmin", args.password, "/if/user/");
return { title, intro, fields, mismatch, landed, who, again, other,
         relogin: { url: end, who: await me(relogin) } };
"#;

db_test!(browser_initial_setup_once, |app: TestApp| async move {
    defaults(&app).await;
    let before = user_json(&app, "akadmin").await.unwrap();
    let (base, server) = app.serve().await;
    let args = json!({"base": base, "email": "root@example.org",
                          "password": "Harbor-Lantern-Violet-42",
                          "shot": shot(&app, "initial-setup")});
    let out = run(SETUP, &args).await;
    server.abort();
    assert!(
        text(&out, "title").contains("Welcome to authentik!"),
        "{out}"
    );
    assert!(
        text(&out, "intro").contains("set a password and email address"),
        "{out}"
    );
    assert_eq!(
        out["fields"],
        json!(["email", "password", "password_repeat"]),
        "{out}"
    );
    assert!(
        text(&out, "mismatch").contains("Passwords don't match."),
        "{out}"
    );
    // Logged in as akadmin on the user interface.
    assert!(
        out["landed"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/if/user/"),
        "{out}"
    );
    assert_eq!(out["who"]["status"], 200, "{out}");
    assert_eq!(out["who"]["body"]["user"]["username"], "akadmin", "{out}");
    assert_eq!(
        out["who"]["body"]["user"]["email"], "root@example.org",
        "{out}"
    );
    // Once done, the flow is denied, also to akadmin.
    for page in ["again", "other"] {
        assert!(
            out[page]["text"]
                .as_str()
                .unwrap()
                .contains("Request has been denied."),
            "{page}: {out}"
        );
        assert_eq!(out[page]["fields"], 0, "{page}: {out}");
    }
    assert!(
        out["relogin"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/if/user/"),
        "{out}"
    );
    assert_eq!(
        out["relogin"]["who"]["body"]["user"]["username"], "akadmin",
        "{out}"
    );
    // Through the API: the email changed, the password is usable and is the new one.
    let after = user_json(&app, "akadmin").await.unwrap();
    assert_eq!(after["email"], "root@example.org", "{after}");
    assert_ne!(before["email"], after["email"]);
    let r = app
        .admin("GET", "/api/v3/flows/instances/initial-setup/", None)
        .await;
    assert_eq!(r.json["authentication"], "require_superuser", "{}", r.text);
    let end = FlowClient::new(&app, "default-authentication-flow")
        .login("akadmin", "Harbor-Lantern-Violet-42")
        .await;
    assert_eq!(end["component"], "xak-flow-redirect", "{end}");
    let end = FlowClient::new(&app, "default-authentication-flow")
        .login("akadmin", "Harbor-Lantern-Violet-4")
        .await;
    assert_ne!(end["component"], "xak-flow-redirect", "{end}");
});

/// Signs up through the example enrollment flow's two prompt pages; ends on the email page.
const SIGN_UP: &str = r#"
await page.goto(args.base + "/if/flow/default-enrollment-flow/");
const title = await page.title();
const inputs = (p) => p.$$eval("form input:not([type=hidden])", (l) => l.map((i) => i.name));
const first = await inputs(page);
if (args.shot) await helpers.screenshot(args.shot);
await page.fill("input[name=username]", args.username);
await page.fill("input[name=password]", args.password);
await page.fill("input[name=password_repeat]", args.password);
await submit(page, "button[type=submit]");
const second = await inputs(page);
await page.fill("input[name=name]", args.name);
await page.fill("input[name=email]", args.email);
await submit(page, "button[type=submit]");
return { title, first, second, url: page.url(), text: await text(page), who: await me(page) };
"#;

/// Opens the emailed confirmation link, like a click in a mail client.
const CONFIRM: &str = r#"
await page.goto(args.base + args.path);
return { url: page.url(), text: await text(page), who: await me(page) };
"#;

db_test!(
    browser_enrollment_with_email_confirmation,
    |app: TestApp| async move {
        let smtp = SmtpServer::start();
        let app = with_smtp(app, smtp.port);
        defaults(&app).await;
        example(&app, "flows-enrollment-email-verification.yaml").await;
        let (base, server) = app.serve().await;
        let password = "Quiet-Meadow-Falcon-17";
        let args = json!({"base": base, "username": "wren", "name": "Winter Wren",
                          "email": "wren@example.org", "password": password,
                          "shot": shot(&app, "enrollment-prompt")});
        let out = run(SIGN_UP, &args).await;
        assert!(
            text(&out, "title").contains("Welcome to authentik!"),
            "{out}"
        );
        assert_eq!(
            out["first"],
            json!(["username", "password", "password_repeat"]),
            "{out}"
        );
        assert_eq!(out["second"], json!(["name", "email"]), "{out}");
        assert!(text(&out, "text").contains("Check your inbox"), "{out}");
        assert_eq!(out["who"]["status"], 403, "not logged in yet: {out}");
        let created = user_json(&app, "wren").await.expect("user created");
        assert_eq!(created["is_active"], false, "inactive until confirmed");

        let mail = smtp.wait_for(1).await;
        assert_eq!(mail.len(), 1, "{mail:?}");
        assert_eq!(mail[0]["rcpt_tos"], json!(["wren@example.org"]));
        let link = flow_link(&mail[0]).unwrap_or_else(|| panic!("no link: {}", mail[0]));
        let path = &link[link.find("/if/flow/").unwrap()..];
        let out = run(CONFIRM, &json!({"base": base, "path": path})).await;
        server.abort();
        assert!(out["url"].as_str().unwrap().ends_with("/if/user/"), "{out}");
        assert!(text(&out, "text").contains("Winter Wren"), "{out}");
        assert_eq!(out["who"]["body"]["user"]["username"], "wren", "{out}");

        let created = user_json(&app, "wren").await.unwrap();
        assert_eq!(created["is_active"], true, "{created}");
        assert_eq!(created["name"], "Winter Wren", "{created}");
        assert_eq!(created["email"], "wren@example.org", "{created}");
        let end = FlowClient::new(&app, "default-authentication-flow")
            .login("wren", password)
            .await;
        assert_eq!(end["component"], "xak-flow-redirect", "{end}");
    }
);

/// Logs in, follows "Change password" on the settings page, sets a new password; then tries the
/// old and the new one on the login page of other browsers.
const CHANGE_PASSWORD: &str = r#"
const start = await login(page, args.username, args.old, "/if/user/settings/");
const settings = await text(page);
await submit(page, "a:text-is('Change password')");
const flowUrl = page.url();
const fields = await page.$$eval("form input:not([type=hidden])", (l) => l.map((i) => i.name));
await page.fill("input[name=password]", args.new);
await page.fill("input[name=password_repeat]", args.new);
await submit(page, "button[type=submit]");
const done = { url: page.url(), text: await text(page) };
await page.goto(args.base + "/if/user/");
const still = page.url();
const old = await fresh();
await login(old, args.username, args.old, "/if/user/");
const oldTry = { url: old.url(), text: await text(old),
                 on_password_page: (await old.$("input[name=password]")) !== null };
const renewed = await fresh();
const newTry = { url: await login(renewed, args.username, args.new, "/if/user/"),
                 who: await me(renewed) };
return { start, settings, flowUrl, fields, done, still, oldTry, newTry };
"#;

db_test!(
    browser_changes_the_password_from_settings,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "plover", "Plover-old-pw-1").await;
        let (base, server) = app.serve().await;
        let args = json!({"base": base, "username": "plover", "old": "Plover-old-pw-1",
                          "new": "Copper-Kettle-Orbit-58"});
        let out = run(CHANGE_PASSWORD, &args).await;
        server.abort();
        assert!(
            out["start"]
                .as_str()
                .unwrap()
                .ends_with("/if/user/settings/"),
            "{out}"
        );
        assert!(text(&out, "settings").contains("Change password"), "{out}");
        assert!(
            text(&out, "flowUrl").contains("/if/flow/default-password-change/"),
            "{out}"
        );
        assert_eq!(
            out["fields"],
            json!(["password", "password_repeat"]),
            "{out}"
        );
        assert!(
            out["done"]["url"].as_str().unwrap().ends_with("/if/user/"),
            "{out}"
        );
        // The session that changed the password stays logged in.
        assert!(
            out["still"].as_str().unwrap().ends_with("/if/user/"),
            "{out}"
        );
        assert_eq!(out["oldTry"]["on_password_page"], true, "{out}");
        assert!(
            out["oldTry"]["text"]
                .as_str()
                .unwrap()
                .contains("Invalid password"),
            "{out}"
        );
        assert!(
            out["newTry"]["url"]
                .as_str()
                .unwrap()
                .ends_with("/if/user/"),
            "{out}"
        );
        assert_eq!(
            out["newTry"]["who"]["body"]["user"]["username"], "plover",
            "{out}"
        );
        let r = app
            .admin("GET", "/api/v3/events/events/?action=password_set", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
    }
);

/// Logs in from two browsers; the first revokes the second's session on the sessions page; the
/// second is sent to the login page on its next visit.
const REVOKE: &str = r#"
const other = await fresh();
const a = await login(page, args.username, args.password, "/if/user/");
const b = await login(other, args.username, args.password, "/if/user/");
await page.goto(args.base + "/if/user/sessions/");
const rows = () => page.$$eval("tr[data-uuid]", (l) => l.map((r) => ({
  uuid: r.dataset.uuid, current: r.innerText.includes("(current session)") })));
const before = await rows();
const target = before.find((r) => !r.current);
if (target) await submit(page, `tr[data-uuid="${target.uuid}"] button[type=submit]`);
const after = await rows();
await other.goto(args.base + "/if/user/");
const sent = { url: other.url(), login_form: (await other.$("input[name=uid_field]")) !== null,
               who: await me(other) };
await page.goto(args.base + "/if/user/");
return { a, b, before, revoked: target ? target.uuid : null, after, sent, still: page.url() };
"#;

db_test!(browser_revokes_another_session, |app: TestApp| async move {
    defaults(&app).await;
    let pk = user(&app, "stilt", "Stilt-pw-4411").await;
    let (base, server) = app.serve().await;
    let args = json!({"base": base, "username": "stilt", "password": "Stilt-pw-4411"});
    let out = run(REVOKE, &args).await;
    server.abort();
    for side in ["a", "b"] {
        assert!(out[side].as_str().unwrap().ends_with("/if/user/"), "{out}");
    }
    let before = out["before"].as_array().unwrap();
    assert_eq!(before.len(), 2, "{out}");
    assert_eq!(
        before.iter().filter(|r| r["current"] == true).count(),
        1,
        "{out}"
    );
    let after = out["after"].as_array().unwrap();
    assert_eq!(after.len(), 1, "{out}");
    assert_eq!(after[0]["current"], true, "{out}");
    assert_ne!(after[0]["uuid"], out["revoked"], "{out}");
    let sent = &out["sent"];
    assert!(
        sent["url"]
            .as_str()
            .unwrap()
            .contains("/if/flow/default-authentication-flow/"),
        "{out}"
    );
    assert_eq!(sent["login_form"], true, "{out}");
    assert_eq!(sent["who"]["status"], 403, "{out}");
    assert!(
        out["still"].as_str().unwrap().ends_with("/if/user/"),
        "{out}"
    );
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/core/authenticated_sessions/?user={pk}"),
            None,
        )
        .await;
    let left: Vec<&Value> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["user"] == pk)
        .collect();
    assert_eq!(left.len(), 1, "{}", r.text);
    assert_ne!(left[0]["uuid"], out["revoked"], "{}", r.text);
});

//! Accessibility of the pages in a real browser (headless Chromium via playwright-core) checked by
//! axe-core with the WCAG 2.0/2.1 A and AA rules (labels, names, landmarks, contrast, ...): the
//! login page (identification, password, a wrong password with its error; also on a phone-sized
//! viewport), the user interface and the admin interface, each in the light and the dark theme
//! (`prefers-color-scheme` emulated). Also the keyboard order of the login page: Tab from the top
//! reaches the username field, then the submit button. PostgreSQL checks the login page and a
//! subset of the interfaces; SQLite checks them all.
use castellan_testkit::browser::Browser;
use castellan_testkit::{DbKind, TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_support::{admin_password, defaults};

const A11Y: &str = r##"
const found = [];
const checked = [];
// axe in both themes on the current page, under `label`.
const check = async (label) => {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    // "Needs review" results of aria-prohibited-attr count too: an aria-label on an element
    // whose role cannot be named (a plain span) is ignored by screen readers.
    const violations = await helpers.axe([], ["aria-prohibited-attr"]);
    if (args.shots && args.shots.includes(label)) await helpers.screenshot("a11y-" + label.replace(/[^a-z]+/g, "-") + scheme);
    checked.push(label + " [" + scheme + "]");
    for (const v of violations) found.push({ page: label, scheme, ...v });
  }
  await page.emulateMedia({ colorScheme: "light" });
};
const go = async (path) => {
  const r = await page.goto(args.base + path);
  if (!r.ok()) throw new Error(path + " answered " + r.status());
};
const submit = async () => {
  await Promise.all([page.waitForNavigation(), page.click("main form.ak-form button[type=submit]")]);
};
const login = "/if/flow/default-authentication-flow/?next=" + encodeURIComponent(args.next);

// Keyboard order of the identification page, from the top of the document.
await go(login);
// axe really runs: an unnamed field and a span with a prohibited aria-label added to the page
// are reported, then removed.
await page.evaluate(() => {
  const i = document.createElement("input");
  i.id = "ak-a11y-probe";
  const s = document.createElement("span");
  s.id = "ak-a11y-probe-span";
  s.setAttribute("aria-label", "Yes");
  s.textContent = "\u2713";
  document.querySelector("main").append(i, s);
});
const probe = (await helpers.axe([], ["aria-prohibited-attr"]))
  .filter((v) => v.id === "label" || v.id === "aria-prohibited-attr")
  .flatMap((v) => v.nodes.map((n) => v.id + " " + n.target[0]))
  .sort();
await page.evaluate(() => document.querySelectorAll("[id^=ak-a11y-probe]").forEach((e) => e.remove()));
// A click at the page's top-left corner moves the keyboard's starting point to the top.
await page.evaluate(() => document.activeElement && document.activeElement.blur());
await page.mouse.click(1, 1);
await page.keyboard.press("Tab");
const focus = [];
for (let i = 0; i < 6; i++) {
  focus.push(await page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return "body";
    return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.type ? "[type=" + e.type + "]" : "");
  }));
  await page.keyboard.press("Tab");
}

// The login page on a phone and on a desktop.
for (const [size, viewport] of [["phone", { width: 375, height: 667 }], ["desktop", { width: 1280, height: 800 }]]) {
  await page.setViewportSize(viewport);
  await go(login);
  await check("identification (" + size + ")");
  await page.fill("input[name=uid_field]", "akadmin");
  await Promise.all([page.waitForNavigation(), page.press("input[name=uid_field]", "Enter")]);
  await page.waitForSelector("input[name=password]");
  await check("password (" + size + ")");
  await page.fill("input[name=password]", "not-the-password");
  await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);
  await page.waitForSelector("input[name=password][aria-invalid=true]");
  await check("wrong password (" + size + ")");
  if (size === "phone") await page.context().clearCookies();
}
await page.fill("input[name=password]", args.password);
await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);
await page.waitForURL((url) => url.pathname === args.next);

for (const path of args.pages) {
  await go(path);
  await check(path);
}
if (args.forms) {
  // The token form with a field error (a blank identifier).
  await go("/if/user/tokens/");
  await page.evaluate(() => document.querySelector("#identifier").removeAttribute("required"));
  await Promise.all([page.waitForNavigation(), page.click("form.ak-form button[type=submit]")]);
  if (!(await page.$("#identifier[aria-invalid=true]"))) throw new Error("no token field error: " + page.url());
  await check("/if/user/tokens/ (field error)");
  // A token made, its key shown once; then the list with its row.
  await page.fill("#identifier", "a11y-token");
  await Promise.all([page.waitForNavigation(), page.click("form.ak-form button[type=submit]")]);
  await check("/if/user/tokens/ (created)");
  await go("/if/user/tokens/");
  if (!(await page.$("tr[data-identifier=a11y-token]"))) throw new Error("no token row: " + page.url());
  await check("/if/user/tokens/ (one token)");
  // The admin user form, then with field errors after a bad submit.
  await go("/if/admin/users/new/");
  await check("/if/admin/users/new/");
  await page.evaluate(() => document.querySelectorAll("[required]").forEach((e) => e.removeAttribute("required")));
  await submit();
  if (!(await page.$("[aria-invalid=true]"))) throw new Error("no admin field error: " + page.url());
  await check("/if/admin/users/new/ (field errors)");
}
return { checked, found, focus, probe };
"##;

/// The violations as readable lines: page, theme, rule, impact, and the failing nodes.
fn report(out: &Value) -> String {
    let mut lines = Vec::new();
    for v in out["found"].as_array().into_iter().flatten() {
        lines.push(format!(
            "{} [{}] {} ({}): {}",
            v["page"].as_str().unwrap_or_default(),
            v["scheme"].as_str().unwrap_or_default(),
            v["id"].as_str().unwrap_or_default(),
            v["impact"].as_str().unwrap_or_default(),
            v["help"].as_str().unwrap_or_default()
        ));
        for n in v["nodes"].as_array().into_iter().flatten() {
            lines.push(format!(
                "    {} — {}",
                n["target"],
                n["summary"].as_str().unwrap_or_default().replace('\n', " ")
            ));
        }
    }
    lines.join("\n")
}

db_test!(
    browser_pages_have_no_wcag_violations,
    |app: TestApp| async move {
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let user = format!("/if/admin/users/{}/", app.admin_pk);
        let pages: Vec<&str> = match app.kind {
            DbKind::Sqlite => vec![
                "/if/user/",
                "/if/user/settings/",
                "/if/user/sessions/",
                "/if/user/tokens/",
                "/if/admin/",
                "/if/admin/users/",
                &user,
                "/if/admin/flows/default-authentication-flow/",
                "/if/admin/events/",
                "/if/admin/system/",
            ],
            DbKind::Postgres => vec![
                "/if/user/",
                "/if/admin/users/",
                "/if/admin/flows/default-authentication-flow/",
            ],
        };
        let forms = app.kind == DbKind::Sqlite;
        // Screenshots of a few checked pages in both themes, for review.
        let shots = match app.kind {
            DbKind::Sqlite => json!([
                "wrong password (phone)",
                "/if/user/tokens/ (one token)",
                "/if/admin/flows/default-authentication-flow/",
                "/if/admin/users/new/ (field errors)"
            ]),
            DbKind::Postgres => json!([]),
        };
        let browser = Browser::locate().unwrap();
        let (base, server) = app.serve().await;
        let args = json!({"base": base, "password": "Admin-pw-1", "next": "/if/user/",
                          "pages": pages, "forms": forms, "shots": shots});
        let out = browser.run(A11Y, &args).await;
        server.abort();
        let out = out.unwrap();
        assert_eq!(
            out["probe"],
            json!([
                "aria-prohibited-attr #ak-a11y-probe-span",
                "label #ak-a11y-probe"
            ]),
            "{out}"
        );
        let checked = out["checked"].as_array().unwrap();
        let expected = 2 * (6 + pages.len() + if forms { 5 } else { 0 });
        assert_eq!(checked.len(), expected, "{out}");
        let found = out["found"].as_array().unwrap();
        assert!(
            found.is_empty(),
            "{} WCAG violations:\n{}",
            found.len(),
            report(&out)
        );
        // Keyboard: from the top, the username field, then the submit button.
        let focus: Vec<&str> = out["focus"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let uid = focus.iter().position(|f| f.starts_with("input#uid_field["));
        let submit = focus.iter().position(|f| *f == "button[type=submit]");
        assert_eq!(uid, Some(0), "{focus:?}");
        assert_eq!(submit, Some(1), "{focus:?}");
    }
);

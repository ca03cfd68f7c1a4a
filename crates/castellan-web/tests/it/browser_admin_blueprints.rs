//! Blueprints and flow imports in the admin interface, in a real browser (headless Chromium via
//! playwright-core): akadmin validates a broken blueprint pasted into the form (its errors with
//! their lines), imports a flow by choosing a file on the flows list's Import form, plans a
//! blueprint instance from its page; axe-core (WCAG 2.0/2.1 A and AA) checks each page in the
//! light and the dark theme.
use castellan_testkit::browser::Browser;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_support::{admin_password, defaults};

const SCRIPT: &str = r##"
const found = [];
const check = async (label) => {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const v of await helpers.axe([], ["aria-prohibited-attr"])) found.push({ page: label, scheme, id: v.id, help: v.help, nodes: v.nodes });
  }
  await page.emulateMedia({ colorScheme: "light" });
};
const go = async (path) => { await page.goto(args.base + path); };
const submit = async () => {
  await Promise.all([page.waitForNavigation(), page.click("main form.ak-form button[type=submit]")]);
};
const text = () => page.evaluate(() => document.querySelector("main").innerText);
await go("/if/flow/default-authentication-flow/?next=" + encodeURIComponent("/if/admin/"));
await page.fill("input[name=uid_field]", "akadmin");
await Promise.all([page.waitForNavigation(), page.press("input[name=uid_field]", "Enter")]);
await page.fill("input[name=password]", args.password);
await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);

// Validate: from the blueprints list, a broken blueprint pasted.
await go("/if/admin/blueprints/");
await Promise.all([page.waitForNavigation(), page.click("main a:text-is('Validate')")]);
await check("validate");
await page.fill("#f-content", args.broken);
await submit();
const validated = await text();
await check("validate (problems)");

// Import: from the flows list, a file chosen.
await go("/if/admin/flows/");
await Promise.all([page.waitForNavigation(), page.click("main a:text-is('Import')")]);
await check("import");
await page.setInputFiles("#f-file", { name: "flow.yaml", mimeType: "application/yaml", buffer: Buffer.from(args.broken) });
await submit();
const failed = await text();
await check("import (failed)");
await page.setInputFiles("#f-file", { name: "flow.yaml", mimeType: "application/yaml", buffer: Buffer.from(args.good) });
await submit();
const imported = await text();
await check("import (done)");

// Plan: from an instance's page.
await go(args.instance);
await Promise.all([page.waitForNavigation(), page.click("main a:text-is('Plan')")]);
const planned = await text();
await check("plan");
return { validated, failed, imported, planned, found };
"##;

const GOOD: &str = "\
version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {slug: chosen-file}
    attrs: {name: Chosen file, title: Chosen, designation: authentication}
";

const BROKEN: &str = "\
version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {slug: never}
    attrs: {name: N, title: N, designation: authentication}
  - model: authentik_stages_nope.nopestage
    identifiers: {name: x}
";

db_test!(
    browser_admin_validates_imports_and_plans_blueprints,
    |app: TestApp| async move {
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let planned = GOOD.replace("chosen-file", "planned-in-browser");
        let r = app
            .admin(
                "POST",
                "/api/v3/managed/blueprints/",
                Some(json!({"name": "browser-plan", "content": planned})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let instance = format!("/if/admin/blueprints/{}/", r.json["pk"].as_str().unwrap());
        let browser = Browser::locate().unwrap();
        let (base, server) = app.serve().await;
        let args = json!({"base": base, "password": "Admin-pw-1", "good": GOOD,
                          "broken": BROKEN, "instance": instance});
        let out = browser.run(SCRIPT, &args).await;
        server.abort();
        let out = out.unwrap();
        let s = |k: &str| out[k].as_str().unwrap_or_default().to_string();
        assert!(s("validated").contains("Line 6, column 12:"), "{out}");
        assert!(s("failed").contains("The import failed"), "{out}");
        assert!(s("failed").contains("Line 6, column 12:"), "{out}");
        assert!(s("imported").contains("The flow was imported."), "{out}");
        assert!(s("planned").contains("1 to create"), "{out}");
        assert!(s("planned").contains("slug=planned-in-browser"), "{out}");
        let found = out["found"].as_array().unwrap();
        assert!(
            found.is_empty(),
            "WCAG violations: {}",
            Value::from(found.clone())
        );
        let flow = app
            .admin("GET", "/api/v3/flows/instances/chosen-file/", None)
            .await;
        assert_eq!(flow.status, 200);
        for slug in ["never", "planned-in-browser"] {
            let r = app
                .admin("GET", &format!("/api/v3/flows/instances/{slug}/"), None)
                .await;
            assert_eq!(r.status, 404, "{slug}");
        }
    }
);

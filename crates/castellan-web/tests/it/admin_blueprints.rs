//! Blueprints and flow imports in the admin interface: an instance's plan shows what applying
//! it would do and changes nothing; the validate page shows every problem of a pasted or
//! uploaded blueprint with its line and column, or its plan; the flow import form uploads a
//! file to the import API and shows the result. Superusers only, CSRF-checked.
use castellan_testkit::app::Response;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_support::{admin_password, defaults, user};
use crate::page_session::{self, PageSession};

const VALIDATE: &str = "/if/admin/blueprints/validate/";
const IMPORT: &str = "/if/admin/flows/import/";

const GOOD: &str = "\
version: 1
metadata:
  name: Admin plan test
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: planned-flow}
    attrs: {name: !Context flow_name, title: Planned, designation: authentication}
  - model: authentik_stages_dummy.dummystage
    id: dummy
    identifiers: {name: planned-dummy}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf dummy, order: 10}
";

/// Two static problems: an unknown model (line 7, column 12) and an unknown `!KeyOf` id
/// (line 10).
const BROKEN: &str = "\
version: 1
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: broken-flow}
    attrs: {name: B, title: B, designation: authentication}
  - model: authentik_stages_nope.nopestage
    identifiers: {name: x}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf nowhere, order: 0}
";

/// The page text with the template escapes undone.
fn unescaped(mut r: Response) -> Response {
    r.text = r
        .text
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&");
    r
}

async fn admin(app: &TestApp) -> PageSession {
    defaults(app).await;
    admin_password(app, "Admin-pw-1").await;
    page_session::login(app, "akadmin", "Admin-pw-1").await
}

async fn get(s: &PageSession, app: &TestApp, path: &str) -> Response {
    unescaped(s.get(app, path).await)
}

async fn submit(s: &PageSession, app: &TestApp, path: &str, extra: &[(&str, &str)]) -> Response {
    unescaped(s.submit(app, path, extra).await)
}

/// A `multipart/form-data` post of `fields` and one file part `file` (empty name and content
/// when `file` is `None`, as a browser sends with no file chosen).
async fn upload(
    s: &PageSession,
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<&str>,
) -> Response {
    let boundary = "admin-test-boundary";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    let (name, content) = file.map_or(("", ""), |c| ("flow.yaml", c));
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/yaml\r\n\r\n{content}\r\n--{boundary}--\r\n"
    ));
    let ct = format!("multipart/form-data; boundary={boundary}");
    let headers = [
        ("cookie", s.cookies.as_str()),
        ("content-type", ct.as_str()),
    ];
    unescaped(app.send("POST", path, Some(&body), &headers).await)
}

async fn count(app: &TestApp, path: &str) -> i64 {
    let r = app.admin("GET", path, None).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.json["pagination"]["count"].as_i64().unwrap()
}

async fn exists(app: &TestApp, slug: &str) -> bool {
    let r = app
        .admin("GET", &format!("/api/v3/flows/instances/{slug}/"), None)
        .await;
    r.status == 200
}

/// Everything a dry run must leave alone.
async fn census(app: &TestApp) -> Vec<i64> {
    vec![
        count(app, "/api/v3/flows/instances/").await,
        count(app, "/api/v3/stages/all/").await,
        count(app, "/api/v3/flows/bindings/").await,
        count(app, "/api/v3/managed/blueprints/").await,
    ]
}

db_test!(
    admin_blueprint_plan_shows_changes_and_writes_nothing,
    |app: TestApp| async move {
        let s = admin(&app).await;
        let r = app
            .admin(
                "POST",
                "/api/v3/managed/blueprints/",
                Some(json!({"name": "planned", "content": GOOD,
                    "context": {"flow_name": "Named by context"}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let pk = r.json["pk"].as_str().unwrap().to_string();
        let before = census(&app).await;
        let detail = get(&s, &app, &format!("/if/admin/blueprints/{pk}/")).await;
        assert_eq!(detail.status, 200);
        let plan_href = format!("/if/admin/blueprints/{pk}/plan/");
        assert!(detail.text.contains(&plan_href), "{}", detail.text);

        let r = get(&s, &app, &plan_href).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("3 to create, 0 to update"), "{}", r.text);
        assert!(r.text.contains("<td>create</td><td>authentik_flows.flow"));
        assert!(r.text.contains("slug=planned-flow"));
        assert!(r.text.contains("Named by context"), "the instance context");
        assert!(r.text.contains("authentik_stages_dummy.dummystage"));
        assert!(
            r.text
                .contains(&format!("/if/admin/blueprints/{pk}/do/apply/"))
        );
        assert_eq!(census(&app).await, before, "a plan writes nothing");
        assert!(!exists(&app, "planned-flow").await);
        let instance = app
            .admin("GET", &format!("/api/v3/managed/blueprints/{pk}/"), None)
            .await;
        assert_eq!(instance.json["status"], "unknown", "{}", instance.text);

        // Once applied, the plan shows nothing left to do.
        let r = submit(
            &s,
            &app,
            &format!("/if/admin/blueprints/{pk}/do/apply/"),
            &[],
        )
        .await;
        assert!(r.status < 400, "{}", r.text);
        assert!(exists(&app, "planned-flow").await);
        let r = get(&s, &app, &plan_href).await;
        assert!(
            r.text
                .contains("0 to create, 0 to update, 0 to delete, 3 unchanged"),
            "{}",
            r.text
        );
        assert!(r.text.contains("would change nothing"));

        // The generic pages below /if/admin/blueprints/ still answer next to the new routes.
        for path in [
            "/if/admin/blueprints/new/".to_string(),
            format!("/if/admin/blueprints/{pk}/edit/"),
            "/if/admin/blueprints/".to_string(),
        ] {
            let r = get(&s, &app, &path).await;
            assert_eq!(r.status, 200, "{path}");
        }
        let list = get(&s, &app, "/if/admin/blueprints/").await;
        assert!(list.text.contains(VALIDATE));
        let r = get(
            &s,
            &app,
            "/if/admin/blueprints/00000000-0000-4000-8000-000000000000/plan/",
        )
        .await;
        assert_eq!(r.status, 404);
    }
);

db_test!(
    admin_blueprint_plan_of_a_broken_instance_shows_positions,
    |app: TestApp| async move {
        let s = admin(&app).await;
        let r = app
            .admin(
                "POST",
                "/api/v3/managed/blueprints/",
                Some(json!({"name": "later-broken", "content": GOOD,
                    "context": {"flow_name": "x"}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let pk = r.json["pk"].as_str().unwrap().to_string();
        {
            // The content breaks after it was saved (as a file on disk may).
            let mut conn = app.store.conn().await.unwrap();
            let id = uuid::Uuid::parse_str(&pk).unwrap();
            let mut row = castellan_store::blueprints::get(&mut conn, id)
                .await
                .unwrap()
                .unwrap();
            row.content = BROKEN.into();
            castellan_store::blueprints::save(&mut conn, &row, false)
                .await
                .unwrap();
        }
        let r = get(&s, &app, &format!("/if/admin/blueprints/{pk}/plan/")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("has 2 problems"), "{}", r.text);
        assert!(r.text.contains("Line 7, column 12:"), "{}", r.text);
        assert!(r.text.contains("Line 10, column"), "{}", r.text);
        assert!(
            r.text
                .contains("7 |   - model: authentik_stages_nope.nopestage")
        );
        assert!(
            !r.text.contains("do/apply/"),
            "no Apply button for a broken plan"
        );
    }
);

db_test!(
    admin_blueprint_validate_shows_errors_with_lines,
    |app: TestApp| async move {
        let s = admin(&app).await;
        let before = census(&app).await;
        let r = get(&s, &app, VALIDATE).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("enctype=\"multipart/form-data\""));
        assert!(r.text.contains("<label for=\"f-content\">"));

        // Pasted.
        let r = submit(&s, &app, VALIDATE, &[("content", BROKEN)]).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("has 2 problems"), "{}", r.text);
        assert!(r.text.contains("Line 7, column 12:"), "{}", r.text);
        assert!(r.text.contains("authentik_stages_nope.nopestage"));
        assert!(r.text.contains("Line 10, column"));
        // The pasted text is kept for fixing.
        assert!(r.text.contains("identifiers: {slug: broken-flow}"));

        // Uploaded (multipart, with the CSRF token as a form part).
        let r = upload(
            &s,
            &app,
            VALIDATE,
            &[
                ("csrfmiddlewaretoken", &s.csrf),
                ("content", ""),
                ("context", ""),
            ],
            Some(BROKEN),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("Line 7, column 12:"), "{}", r.text);

        // A YAML syntax error has its position too.
        let r = submit(
            &s,
            &app,
            VALIDATE,
            &[("content", "version: 1\nentries: [\n")],
        )
        .await;
        assert!(r.text.contains("Line "), "{}", r.text);
        assert!(r.text.contains("problem"), "{}", r.text);

        // Field errors: nothing to validate, a context that is not an object.
        let r = submit(&s, &app, VALIDATE, &[("content", "  "), ("context", "[1]")]).await;
        assert_eq!(r.status, 400);
        assert!(r.text.contains("Paste a blueprint or choose a file."));
        assert!(r.text.contains("The context must be a JSON object"));
        assert!(r.text.contains("id=\"f-context-error\""));
        let r = submit(
            &s,
            &app,
            VALIDATE,
            &[("content", GOOD), ("context", "{oops")],
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(
            r.text.contains("The context is not valid JSON"),
            "{}",
            r.text
        );
        assert_eq!(census(&app).await, before);
        assert!(!exists(&app, "broken-flow").await);
    }
);

db_test!(
    admin_blueprint_validate_shows_the_plan_and_writes_nothing,
    |app: TestApp| async move {
        let s = admin(&app).await;
        let before = census(&app).await;
        let r = submit(
            &s,
            &app,
            VALIDATE,
            &[
                ("content", GOOD),
                ("context", "{\"flow_name\": \"From the form\"}"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("The blueprint is valid"), "{}", r.text);
        assert!(r.text.contains("3 to create"), "{}", r.text);
        assert!(r.text.contains("From the form"));
        assert!(r.text.contains("slug=planned-flow"));
        // The context is kept in the form.
        assert!(r.text.contains("{\"flow_name\": \"From the form\"}"));
        assert_eq!(census(&app).await, before, "validating writes nothing");
        assert!(!exists(&app, "planned-flow").await);
    }
);

db_test!(
    admin_flow_import_form_creates_the_flow_or_shows_errors,
    |app: TestApp| async move {
        let s = admin(&app).await;
        let list = get(&s, &app, "/if/admin/flows/").await;
        assert!(list.text.contains(IMPORT), "the flows list links the form");
        let r = get(&s, &app, IMPORT).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("<label for=\"f-file\">"));
        assert!(r.text.contains("type=\"file\""));

        // A broken file: every error with its position, nothing written.
        let before = census(&app).await;
        let token = s.csrf.clone();
        let r = upload(
            &s,
            &app,
            IMPORT,
            &[("csrfmiddlewaretoken", &token)],
            Some(BROKEN),
        )
        .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(
            r.text.contains("The import failed; nothing was written."),
            "{}",
            r.text
        );
        assert!(r.text.contains("Line 7, column 12:"), "{}", r.text);
        assert!(r.text.contains("Line 10, column"));
        assert_eq!(census(&app).await, before);
        assert!(!exists(&app, "broken-flow").await);

        // No file chosen: a field error.
        let r = upload(&s, &app, IMPORT, &[("csrfmiddlewaretoken", &token)], None).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.text.contains("Choose a blueprint file to import."));
        assert!(r.text.contains("aria-invalid=\"true\""));

        // A good file: the flow, its stage and binding exist, the page says so.
        let text = GOOD.replace("!Context flow_name", "Imported");
        let r = upload(
            &s,
            &app,
            IMPORT,
            &[("csrfmiddlewaretoken", &token)],
            Some(&text),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("The flow was imported."), "{}", r.text);
        assert!(
            r.text.contains("entry 1 (authentik_flows.flow): created"),
            "{}",
            r.text
        );
        let flow = app
            .admin("GET", "/api/v3/flows/instances/planned-flow/", None)
            .await;
        assert_eq!(flow.status, 200);
        assert_eq!(flow.json["name"], "Imported");
        let after = census(&app).await;
        assert_eq!(after[0], before[0] + 1);
        assert_eq!(after[2], before[2] + 1);
    }
);

db_test!(
    admin_blueprint_pages_need_a_superuser_and_the_csrf_token,
    |app: TestApp| async move {
        let s = admin(&app).await;
        let r = app
            .admin(
                "POST",
                "/api/v3/managed/blueprints/",
                Some(json!({"name": "planned", "content": GOOD,
                    "context": {"flow_name": "x"}})),
            )
            .await;
        let pk = r.json["pk"].as_str().unwrap().to_string();
        let plan = format!("/if/admin/blueprints/{pk}/plan/");

        // Anonymous: to the login flow.
        for path in [plan.as_str(), VALIDATE, IMPORT] {
            let r = app.send("GET", path, None, &[]).await;
            assert_eq!(r.status, 302, "{path}");
        }
        // A signed-in non-superuser: sent to the user interface, for views and posts alike.
        user(&app, "plain", "Plain-pw-1").await;
        let plain = page_session::login(&app, "plain", "Plain-pw-1").await;
        for path in [plan.as_str(), VALIDATE, IMPORT] {
            let r = plain.get(&app, path).await;
            assert_eq!(r.status, 302, "{path}");
            assert_eq!(r.headers["location"], "/if/user/");
        }
        let r = submit(&plain, &app, VALIDATE, &[("content", GOOD)]).await;
        assert_eq!(r.status, 302);
        let token = plain.csrf.clone();
        let text = GOOD.replace("!Context flow_name", "Sneaky");
        let r = upload(
            &plain,
            &app,
            IMPORT,
            &[("csrfmiddlewaretoken", &token)],
            Some(&text),
        )
        .await;
        assert_eq!(r.status, 302, "{}", r.text);
        assert_eq!(r.headers["location"], "/if/user/");
        assert!(!exists(&app, "planned-flow").await);

        // The superuser without the CSRF token (or with a wrong one): refused, nothing written.
        let r = s.post(&app, VALIDATE, &[("content", GOOD)]).await;
        assert_eq!(r.status, 403);
        let r = upload(&s, &app, IMPORT, &[], Some(&text)).await;
        assert_eq!(r.status, 403, "{}", r.text);
        let r = upload(
            &s,
            &app,
            IMPORT,
            &[("csrfmiddlewaretoken", "wrong")],
            Some(&text),
        )
        .await;
        assert_eq!(r.status, 403);
        // A body that is not multipart as announced is refused too.
        let headers = [
            ("cookie", s.cookies.as_str()),
            ("content-type", "multipart/form-data; boundary=nope"),
        ];
        let r = app.send("POST", IMPORT, Some("garbage"), &headers).await;
        assert_eq!(r.status, 403);
        assert!(!exists(&app, "planned-flow").await);
    }
);

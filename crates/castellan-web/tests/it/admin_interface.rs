//! The admin interface (`/if/admin/`) without a browser: only superusers get in; lists page,
//! search and sort through the API; forms built from the API's request schemas create, edit and
//! delete objects with the API's validation shown beside the fields and its audit events
//! recorded; flows get ordered stage bindings and a diagram; typed stages and policies are
//! created after picking a type; object actions (set password, test a policy) run.
use castellan_testkit::app::Response;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_support::{admin_password, create, defaults, user};
use crate::page_session::{self, PageSession};

const AUTH: &str = "default-authentication-flow";

/// A signed-in session whose pages are read with the template escapes undone.
struct Browser(PageSession);

async fn login(app: &TestApp, username: &str, password: &str) -> Browser {
    Browser(page_session::login(app, username, password).await)
}

async fn admin(app: &TestApp) -> Browser {
    defaults(app).await;
    admin_password(app, "Admin-pw-1").await;
    login(app, "akadmin", "Admin-pw-1").await
}

/// The page text with the HTML escapes of the templates undone (`&#x2f;`, `&amp;`, `&quot;`),
/// so assertions read like the browser's view of attribute values.
fn unescaped(mut r: Response) -> Response {
    r.text = r
        .text
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    r
}

impl Browser {
    async fn get(&self, app: &TestApp, path: &str) -> Response {
        unescaped(self.0.get(app, path).await)
    }

    async fn post_raw(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Response {
        unescaped(self.0.post(app, path, fields).await)
    }

    async fn submit(&self, app: &TestApp, path: &str, extra: &[(&str, &str)]) -> Response {
        unescaped(self.0.submit(app, path, extra).await)
    }
}

fn location(res: &Response) -> String {
    res.headers["location"].to_str().unwrap().to_string()
}

async fn api(app: &TestApp, path: &str) -> Value {
    let r = app.admin("GET", path, None).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.json
}

/// Rows of the first table body of a page (the count of `<tr>` inside `<tbody>`).
fn body_rows(html: &str) -> usize {
    let start = html.find("<tbody>").expect("table");
    let end = html[start..].find("</tbody>").expect("table end") + start;
    html[start..end].matches("<tr").count()
}

db_test!(
    admin_interface_is_for_superusers_only,
    |app: TestApp| async move {
        defaults(&app).await;
        let r = app.send("GET", "/if/admin/", None, &[]).await;
        assert_eq!(r.status, 302);
        assert!(location(&r).starts_with("/flows/-/default/authentication/"));
        user(&app, "plain", "Plain-pw-1").await;
        let plain = login(&app, "plain", "Plain-pw-1").await;
        for path in ["/if/admin/", "/if/admin/users/", "/if/admin/users/new/"] {
            let r = plain.get(&app, path).await;
            assert_eq!(r.status, 302, "{path}");
            assert_eq!(location(&r), "/if/user/");
        }
        // A non-superuser's form post is refused and creates nothing.
        let r = plain
            .submit(&app, "/if/admin/groups/new/", &[("name", "sneaky")])
            .await;
        assert_eq!(r.status, 302);
        let groups = api(&app, "/api/v3/core/groups/?name=sneaky").await;
        assert_eq!(groups["pagination"]["count"], 0);
    }
);

db_test!(admin_overview_and_system_pages, |app: TestApp| async move {
    let b = admin(&app).await;
    let r = b.get(&app, "/if/admin/").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("<h1>Overview</h1>"));
    assert!(r.text.contains(env!("CARGO_PKG_VERSION")) || r.text.contains("Version"));
    // The login just made is among the recent events and counted.
    assert!(r.text.contains("/if/admin/events/?action=login"));
    assert!(
        r.text.contains(">login</a>"),
        "recent events list the login"
    );
    assert!(r.headers.contains_key("content-security-policy"));
    {
        let mut conn = app.store.conn().await.unwrap();
        castellan_store::version_history::record(&mut conn, "2024.10.9", "abc123", app.store.now())
            .await
            .unwrap();
    }
    let r = b.get(&app, "/if/admin/system/").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("Version history"));
    assert!(
        r.text.contains("<td>2024.10.9</td><td>abc123</td>"),
        "{}",
        r.text
    );
});

db_test!(
    admin_user_list_pages_searches_and_sorts,
    |app: TestApp| async move {
        let b = admin(&app).await;
        for i in 0..25 {
            user(&app, &format!("member-{i:02}"), "x").await;
        }
        let r = b.get(&app, "/if/admin/users/").await;
        assert_eq!(r.status, 200);
        assert_eq!(body_rows(&r.text), 20);
        assert!(r.text.contains("1–20 of 26"), "{}", r.text);
        assert!(r.text.contains("rel=\"next\""));
        let r = b.get(&app, "/if/admin/users/?page=2").await;
        assert_eq!(body_rows(&r.text), 6);
        assert!(r.text.contains("21–26 of 26"));
        let r = b.get(&app, "/if/admin/users/?search=member-07").await;
        assert_eq!(body_rows(&r.text), 1);
        assert!(r.text.contains("member-07"));
        // Sorting by username descending puts member-24 first; the header link toggles.
        let r = b.get(&app, "/if/admin/users/?ordering=-username").await;
        let first = r.text.find("member-24").unwrap();
        assert!(first < r.text.find("member-00").unwrap_or(usize::MAX));
        assert!(r.text.contains("aria-sort=\"descending\""));
        assert!(r.text.contains("ordering=username"));
        // An unknown ordering is ignored rather than passed on.
        let r = b.get(&app, "/if/admin/users/?ordering=password").await;
        assert_eq!(r.status, 200);
        let r = b.get(&app, "/if/admin/nonsense/").await;
        assert_eq!(r.status, 404);
    }
);

db_test!(
    admin_creates_edits_and_deletes_a_user_with_field_errors,
    |app: TestApp| async move {
        let b = admin(&app).await;
        let r = b.get(&app, "/if/admin/users/new/").await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("name=\"username\""));
        assert!(r.text.contains("<option value=\"internal\""));
        // The API's validation shows beside the field; typed values are kept.
        let r = b
            .submit(
                &app,
                "/if/admin/users/new/",
                &[
                    ("username", ""),
                    ("name", "Jane Doe"),
                    ("email", "not-an-email"),
                    ("type", "internal"),
                    ("is_active", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.text.contains("id=\"f-username-error\""), "{}", r.text);
        assert!(r.text.contains("Enter a valid email address."));
        assert!(r.text.contains("value=\"Jane Doe\""));
        assert!(r.text.contains("aria-invalid=\"true\""));
        // Malformed JSON is a field error, not an API call.
        let r = b
            .submit(
                &app,
                "/if/admin/users/new/",
                &[
                    ("username", "jane"),
                    ("name", "Jane"),
                    ("attributes", "{nope"),
                ],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text.contains("Enter valid JSON"));
        assert_eq!(
            api(&app, "/api/v3/core/users/?username=jane").await["pagination"]["count"],
            0
        );
        // Without the CSRF token nothing happens.
        let r = b
            .post_raw(
                &app,
                "/if/admin/users/new/",
                &[("username", "jane"), ("name", "Jane")],
            )
            .await;
        assert_eq!(r.status, 403);
        assert_eq!(
            api(&app, "/api/v3/core/users/?username=jane").await["pagination"]["count"],
            0
        );
        let r = b
            .submit(
                &app,
                "/if/admin/users/new/",
                &[
                    ("username", "jane"),
                    ("name", "Jane Doe"),
                    ("email", "jane@example.org"),
                    ("type", "internal"),
                    ("is_active", "on"),
                    ("attributes", "{\"team\": \"blue\"}"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let found = api(&app, "/api/v3/core/users/?username=jane").await;
        let jane = &found["results"][0];
        assert_eq!(jane["attributes"], json!({"team": "blue"}));
        assert_eq!(jane["is_active"], true);
        let pk = jane["pk"].as_i64().unwrap();
        assert_eq!(location(&r), format!("/if/admin/users/{pk}/"));
        let events = api(
            &app,
            "/api/v3/events/events/?action=model_created&username=akadmin",
        )
        .await;
        assert!(
            events["results"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["context"]["model"]["name"] == "jane"),
            "the API's audit event is recorded for the admin"
        );
        // Detail and edit pages.
        let r = b.get(&app, &format!("/if/admin/users/{pk}/")).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("User: jane"));
        assert!(r.text.contains("Set password"));
        let r = b.get(&app, &format!("/if/admin/users/{pk}/edit/")).await;
        assert!(r.text.contains("value=\"Jane Doe\""));
        let r = b
            .submit(
                &app,
                &format!("/if/admin/users/{pk}/edit/"),
                &[
                    ("username", "jane"),
                    ("name", "Jane Q. Doe"),
                    ("email", "jane@example.org"),
                    ("type", "internal"),
                    ("attributes", "{}"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let now = api(&app, &format!("/api/v3/core/users/{pk}/")).await;
        assert_eq!(now["name"], "Jane Q. Doe");
        assert_eq!(
            now["is_active"], false,
            "the unticked checkbox deactivated her"
        );
        // Delete asks first, then deletes.
        let r = b.get(&app, &format!("/if/admin/users/{pk}/delete/")).await;
        assert!(
            r.text
                .contains("Are you sure you want to delete user \"jane\"?")
        );
        let r = b
            .submit(&app, &format!("/if/admin/users/{pk}/delete/"), &[])
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(location(&r), "/if/admin/users/");
        let gone = app
            .admin("GET", &format!("/api/v3/core/users/{pk}/"), None)
            .await;
        assert_eq!(gone.status, 404);
    }
);

db_test!(
    admin_sets_a_password_that_then_logs_in,
    |app: TestApp| async move {
        let b = admin(&app).await;
        let pk = user(&app, "forgetful", "Old-pw-1").await;
        let r = b
            .get(&app, &format!("/if/admin/users/{pk}/do/set_password/"))
            .await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("type=\"password\""));
        let r = b
            .submit(
                &app,
                &format!("/if/admin/users/{pk}/do/set_password/"),
                &[("password", "New-pw-2")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let mut client = FlowClient::new(&app, AUTH);
        let done = client.login("forgetful", "New-pw-2").await;
        assert_eq!(done["component"], "xak-flow-redirect", "{done}");
    }
);

db_test!(
    admin_builds_a_flow_with_ordered_bindings,
    |app: TestApp| async move {
        let b = admin(&app).await;
        let r = b
            .submit(
                &app,
                "/if/admin/flows/new/",
                &[
                    ("name", "Doors"),
                    ("slug", "doors"),
                    ("title", "Welcome"),
                    ("designation", "authentication"),
                    ("policy_engine_mode", "any"),
                    ("layout", "stacked"),
                    ("denied_action", "message_continue"),
                    ("authentication", "none"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(location(&r), "/if/admin/flows/doors/");
        let flow = api(&app, "/api/v3/flows/instances/doors/").await;
        let flow_pk = flow["pk"].as_str().unwrap().to_string();
        // Stages: the type picker, then the type's own form.
        let r = b.get(&app, "/if/admin/stages/new/").await;
        assert!(
            r.text.contains("type=passwordstage") || r.text.contains("type=identificationstage"),
            "{}",
            r.text
        );
        let r = b.get(&app, "/if/admin/stages/new/?type=dummystage").await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = b
            .submit(
                &app,
                "/if/admin/stages/new/?type=dummystage",
                &[("name", "door-one")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let one = api(&app, "/api/v3/stages/all/?search=door-one").await["results"][0]["pk"]
            .as_str()
            .unwrap()
            .to_string();
        let r = b
            .submit(
                &app,
                "/if/admin/stages/new/?type=dummystage",
                &[("name", "door-two")],
            )
            .await;
        assert_eq!(r.status, 303);
        let two = api(&app, "/api/v3/stages/all/?search=door-two").await["results"][0]["pk"]
            .as_str()
            .unwrap()
            .to_string();
        // The flow page links an "Add" form prefilled with the flow and the next order.
        let r = b.get(&app, "/if/admin/flows/doors/").await;
        assert!(r.text.contains("Stage Bindings (0)"), "{}", r.text);
        assert!(
            r.text
                .contains(&format!("/if/admin/flow-bindings/new/?target={flow_pk}"))
        );
        let r = b
            .get(&app, &format!("/if/admin/flow-bindings/new/?target={flow_pk}&order=10&next=%2Fif%2Fadmin%2Fflows%2Fdoors%2F"))
            .await;
        assert!(
            r.text
                .contains(&format!("<option value=\"{flow_pk}\" selected>")),
            "{}",
            r.text
        );
        for (stage, order) in [(&one, "10"), (&two, "20")] {
            let r = b
                .submit(
                    &app,
                    "/if/admin/flow-bindings/new/",
                    &[
                        ("target", &flow_pk),
                        ("stage", stage),
                        ("order", order),
                        ("evaluate_on_plan", "on"),
                        ("policy_engine_mode", "any"),
                        ("invalid_response_action", "retry"),
                        ("next", "/if/admin/flows/doors/"),
                    ],
                )
                .await;
            assert_eq!(r.status, 303, "{}", r.text);
            assert_eq!(location(&r), "/if/admin/flows/doors/");
        }
        let r = b.get(&app, "/if/admin/flows/doors/").await;
        assert!(r.text.contains("Stage Bindings (2)"));
        let (p1, p2) = (
            r.text.find("door-one").unwrap(),
            r.text.find("door-two").unwrap(),
        );
        assert!(p1 < p2, "ordered by order");
        assert!(
            r.text.contains("Flow start") && r.text.contains("End of flow"),
            "diagram"
        );
        // Move door-one after door-two with the inline order form.
        let bindings = api(
            &app,
            &format!("/api/v3/flows/bindings/?target={flow_pk}&ordering=order"),
        )
        .await;
        let first = bindings["results"][0]["pk"].as_str().unwrap().to_string();
        let r = b
            .submit(
                &app,
                &format!("/if/admin/flow-bindings/{first}/do/order/"),
                &[("order", "30"), ("next", "/if/admin/flows/doors/")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let bindings = api(
            &app,
            &format!("/api/v3/flows/bindings/?target={flow_pk}&ordering=order"),
        )
        .await;
        assert_eq!(bindings["results"][0]["stage"], json!(two));
        assert_eq!(bindings["results"][1]["order"], 30);
        // A bad order is a field error.
        let r = b
            .submit(
                &app,
                &format!("/if/admin/flow-bindings/{first}/do/order/"),
                &[("order", "soon")],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text.contains("A valid integer is required."));
        // `next` never leaves the admin interface.
        let r = b
            .submit(
                &app,
                &format!("/if/admin/flow-bindings/{first}/do/order/"),
                &[("order", "40"), ("next", "https://evil.example/")],
            )
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(location(&r), format!("/if/admin/flow-bindings/{first}/"));
    }
);

db_test!(
    admin_creates_a_group_with_members_and_tests_a_policy,
    |app: TestApp| async move {
        let b = admin(&app).await;
        let alice = user(&app, "alice", "x").await;
        let r = b.get(&app, "/if/admin/groups/new/").await;
        assert!(
            r.text
                .contains(&format!("<option value=\"{alice}\">alice</option>")),
            "members picker"
        );
        let r = b
            .submit(
                &app,
                "/if/admin/groups/new/",
                &[
                    ("name", "editors"),
                    ("users", &alice.to_string()),
                    ("attributes", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let group = &api(&app, "/api/v3/core/groups/?name=editors").await["results"][0];
        assert_eq!(group["users"], json!([alice]));
        let r = b.get(&app, &location(&r)).await;
        assert!(r.text.contains("Members (1)"));
        // A duplicate name is the API's field error.
        let r = b
            .submit(&app, "/if/admin/groups/new/", &[("name", "editors")])
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text.contains("f-name-error"));
        // An expression policy, created through the type picker, then tested.
        let r = b
            .submit(
                &app,
                "/if/admin/policies/new/?type=expressionpolicy",
                &[
                    ("name", "is-alice"),
                    ("expression", "return request.user.username == \"alice\""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        let policy = create(
            &app,
            "/api/v3/core/applications/",
            json!({"name": "Wiki", "slug": "wiki"}),
        )
        .await;
        assert_eq!(policy["slug"], "wiki");
        let pk = api(&app, "/api/v3/policies/all/?search=is-alice").await["results"][0]["pk"]
            .as_str()
            .unwrap()
            .to_string();
        let r = b
            .submit(
                &app,
                &format!("/if/admin/policies/{pk}/do/test/"),
                &[("user", &alice.to_string()), ("context", "{}")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("\"passing\": true"), "{}", r.text);
        // Events are listed and filtered.
        let r = b.get(&app, "/if/admin/events/?action=model_created").await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("model_created"));
        assert!(!r.text.contains(">login</a>"));
    }
);

db_test!(
    admin_impersonates_a_user_and_stops,
    |app: TestApp| async move {
        let b = admin(&app).await;
        let pk = user(&app, "bob", "x").await;
        let r = b.get(&app, &format!("/if/admin/users/{pk}/")).await;
        assert!(
            r.text
                .contains(&format!("action=\"/if/admin/users/{pk}/do/impersonate/\""))
        );
        let r = b
            .submit(&app, &format!("/if/admin/users/{pk}/do/impersonate/"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(location(&r), "/if/user/");
        let r = b.get(&app, "/if/user/").await;
        assert!(
            r.text.contains("You're currently impersonating bob."),
            "{}",
            r.text
        );
        assert!(
            !r.text.contains(">Admin interface</a>"),
            "bob is no superuser"
        );
        // As bob, the admin interface is closed.
        let r = b.get(&app, "/if/admin/").await;
        assert_eq!(location(&r), "/if/user/");
        let r = b.submit(&app, "/if/user/impersonate_end/", &[]).await;
        assert_eq!(r.status, 303);
        let r = b.get(&app, "/if/admin/").await;
        assert_eq!(r.status, 200);
        let started = api(&app, "/api/v3/events/events/?action=impersonation_started").await;
        let e = &started["results"][0];
        assert_eq!(e["user"]["username"], "akadmin");
        assert_eq!(e["user"]["on_behalf_of"]["username"], "bob");
        // The admin's API calls are recorded with the full API path.
        let created = api(&app, "/api/v3/events/events/?action=impersonation_started").await;
        assert_eq!(
            created["results"][0]["context"]["http_request"]["path"],
            format!("/api/v3/core/users/{pk}/impersonate/")
        );
    }
);

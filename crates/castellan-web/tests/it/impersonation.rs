//! User impersonation (spec §1.1 `impersonate`, §10.1 `on_behalf_of`): a superuser's browser
//! session switches to another user and back through the API or the user interface's banner;
//! events of the session name the original user with the impersonated one as `on_behalf_of`;
//! the refusals answer as authentik; the user interface's token list is paged on the server.
use castellan_core::token::{Token, TokenIntent};
use castellan_testkit::{TestApp, db_test};
use serde_json::Value;
use uuid::Uuid;

use crate::flow_support::{admin_password, defaults, user};
use crate::page_session::{PageSession, login};

const ADMIN_PW: &str = "Admin-pw-1";

/// `/users/me/` as the session sees it.
async fn me_of(b: &PageSession, app: &TestApp) -> Value {
    let r = b.api(app, "GET", "/api/v3/core/users/me/").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

async fn events(app: &TestApp, action: &str) -> Vec<Value> {
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/events/events/?action={action}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["results"].as_array().unwrap().clone()
}

fn impersonate_path(pk: i64) -> String {
    format!("/api/v3/core/users/{pk}/impersonate/")
}

const END: &str = "/api/v3/core/users/impersonate_end/";

/// The admin logged in through the default flow, and a target user.
async fn setup(app: &TestApp) -> (PageSession, i64) {
    defaults(app).await;
    admin_password(app, ADMIN_PW).await;
    let target = user(app, "imp-target", "Target-pw-1").await;
    let admin = login(app, "akadmin", ADMIN_PW).await;
    (admin, target)
}

db_test!(
    impersonation_starts_and_ends_through_the_api,
    |app: TestApp| async move {
        let (admin, target) = setup(&app).await;
        let me = me_of(&admin, &app).await;
        assert_eq!(me["user"]["username"], "akadmin");
        assert!(me.get("original").is_none(), "{me}");

        let r = admin.api(&app, "POST", &impersonate_path(target)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.text.is_empty(), "{}", r.text);

        // The session now acts as the target; `me` names the original too.
        let me = me_of(&admin, &app).await;
        assert_eq!(me["user"]["username"], "imp-target", "{me}");
        assert_eq!(me["user"]["pk"], target);
        assert_eq!(me["user"]["is_superuser"], false);
        assert_eq!(me["original"]["username"], "akadmin", "{me}");
        assert_eq!(me["original"]["pk"], app.admin_pk);
        assert_eq!(me["original"]["is_superuser"], true);
        // As the target (no superuser), the admin API is closed.
        let r = admin.api(&app, "GET", "/api/v3/core/users/").await;
        assert_eq!(r.status, 403, "{}", r.text);

        let started = events(&app, "impersonation_started").await;
        assert_eq!(started.len(), 1, "{started:?}");
        let e = &started[0];
        assert_eq!(e["user"]["username"], "akadmin", "{e}");
        assert_eq!(e["user"]["pk"], app.admin_pk);
        assert_eq!(e["user"]["on_behalf_of"]["username"], "imp-target", "{e}");
        assert_eq!(e["user"]["on_behalf_of"]["pk"], target);
        assert_eq!(e["app"], "authentik.core.api.users");
        assert_eq!(
            e["context"]["http_request"]["path"],
            format!("/api/v3/core/users/{target}/impersonate/"),
            "{e}"
        );
        assert_eq!(e["context"]["http_request"]["method"], "POST");

        // A write of the impersonated session: `user` is the admin, on behalf of the target.
        let r = admin
            .submit(
                &app,
                "/if/user/tokens/",
                &[("identifier", "imp-made"), ("intent", "api")],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let created = events(&app, "model_created").await;
        let e = created
            .iter()
            .find(|e| e["context"]["model"]["name"] == "imp-made")
            .unwrap_or_else(|| panic!("{created:?}"));
        assert_eq!(e["user"]["username"], "akadmin", "{e}");
        assert_eq!(e["user"]["on_behalf_of"]["username"], "imp-target", "{e}");
        assert_eq!(e["user"]["on_behalf_of"]["pk"], target);
        // The token belongs to the impersonated user.
        let r = app
            .admin("GET", "/api/v3/core/tokens/imp-made/", None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["user"], target);

        let r = admin.api(&app, "GET", END).await;
        assert_eq!(r.status, 204, "{}", r.text);
        let me = me_of(&admin, &app).await;
        assert_eq!(me["user"]["username"], "akadmin");
        assert!(me.get("original").is_none(), "{me}");
        let r = admin.api(&app, "GET", "/api/v3/core/users/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        let ended = events(&app, "impersonation_ended").await;
        assert_eq!(ended.len(), 1, "{ended:?}");
        assert_eq!(ended[0]["user"]["username"], "akadmin");
        assert!(
            ended[0]["user"].get("on_behalf_of").is_none(),
            "{}",
            ended[0]
        );

        // Ending again: 204, nothing recorded.
        let r = admin.api(&app, "GET", END).await;
        assert_eq!(r.status, 204);
        assert_eq!(events(&app, "impersonation_ended").await.len(), 1);
        // Anonymous callers are refused.
        let r = app.send("GET", END, None, &[]).await;
        assert_eq!(r.status, 403, "{}", r.text);
    }
);

db_test!(
    impersonation_refusals_answer_as_authentik,
    |app: TestApp| async move {
        let (admin, target) = setup(&app).await;
        // Oneself: 401.
        let r = admin
            .api(&app, "POST", &impersonate_path(app.admin_pk))
            .await;
        assert_eq!(r.status, 401, "{}", r.text);
        // An unknown user: 404.
        let r = admin.api(&app, "POST", &impersonate_path(987_654)).await;
        assert_eq!(r.status, 404, "{}", r.text);
        // Without the CSRF header the session write is refused.
        let r = app
            .send(
                "POST",
                &impersonate_path(target),
                None,
                &[("cookie", &admin.cookies)],
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text);
        // An API token has no browser session to switch: 401.
        let r = app.admin("POST", &impersonate_path(target), None).await;
        assert_eq!(r.status, 401, "{}", r.text);
        // A non-superuser: 403 (authentik's permission check comes first).
        user(&app, "imp-plain", "Plain-pw-1").await;
        let plain = login(&app, "imp-plain", "Plain-pw-1").await;
        let r = plain.api(&app, "POST", &impersonate_path(target)).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(me_of(&plain, &app).await["user"]["username"], "imp-plain");

        // The tenant setting off: 401, also for an otherwise valid target.
        {
            let mut conn = app.store.conn().await.unwrap();
            castellan_store::settings::set(
                &mut conn,
                castellan_store::settings::IMPERSONATION,
                "false",
            )
            .await
            .unwrap();
        }
        let r = admin.api(&app, "POST", &impersonate_path(target)).await;
        assert_eq!(r.status, 401, "{}", r.text);
        assert!(me_of(&admin, &app).await.get("original").is_none());
        // The capability the web interfaces read follows the setting.
        let config = app.send("GET", "/api/v3/root/config/", None, &[]).await;
        let caps = config.json["capabilities"].as_array().unwrap();
        assert!(
            !caps.contains(&serde_json::json!("can_impersonate")),
            "{}",
            config.text
        );
        assert!(events(&app, "impersonation_started").await.is_empty());

        // On again: it works.
        {
            let mut conn = app.store.conn().await.unwrap();
            castellan_store::settings::set(
                &mut conn,
                castellan_store::settings::IMPERSONATION,
                "true",
            )
            .await
            .unwrap();
        }
        let config = app.send("GET", "/api/v3/root/config/", None, &[]).await;
        let caps = config.json["capabilities"].as_array().unwrap();
        assert!(
            caps.contains(&serde_json::json!("can_impersonate")),
            "{}",
            config.text
        );
        let r = admin.api(&app, "POST", &impersonate_path(target)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        // While impersonating a non-superuser, impersonating again is not allowed.
        let other = user(&app, "imp-other", "Other-pw-1").await;
        let r = admin.api(&app, "POST", &impersonate_path(other)).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(events(&app, "impersonation_started").await.len(), 1);
    }
);

db_test!(
    impersonation_banner_and_stop_button,
    |app: TestApp| async move {
        let (admin, target) = setup(&app).await;
        let r = admin.get(&app, "/if/user/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(!r.text.contains("currently impersonating"), "{}", r.text);

        let r = admin.api(&app, "POST", &impersonate_path(target)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        for path in [
            "/if/user/",
            "/if/user/settings/",
            "/if/user/sessions/",
            "/if/user/consents/",
            "/if/user/tokens/",
        ] {
            let r = admin.get(&app, path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            assert!(
                r.text
                    .contains("You're currently impersonating imp-target."),
                "{path}: {}",
                r.text
            );
            assert!(r.text.contains("action=\"/if/user/impersonate_end/\""));
        }

        // Without the CSRF token the button's post is refused and nothing changes.
        let r = admin.post(&app, "/if/user/impersonate_end/", &[]).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(me_of(&admin, &app).await["original"]["username"], "akadmin");

        let r = admin.submit(&app, "/if/user/impersonate_end/", &[]).await;
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(r.headers["location"], "/if/admin/users/");
        let me = me_of(&admin, &app).await;
        assert_eq!(me["user"]["username"], "akadmin");
        assert!(me.get("original").is_none(), "{me}");
        let ended = events(&app, "impersonation_ended").await;
        assert_eq!(ended.len(), 1, "{ended:?}");
        assert_eq!(ended[0]["user"]["username"], "akadmin");
        assert_eq!(
            ended[0]["context"]["http_request"]["path"],
            "/if/user/impersonate_end/"
        );
        let r = admin.get(&app, "/if/user/").await;
        assert_eq!(r.status, 200);
        assert!(!r.text.contains("currently impersonating"), "{}", r.text);

        // Stopping when not impersonating just goes back to the user interface.
        let r = admin.submit(&app, "/if/user/impersonate_end/", &[]).await;
        assert_eq!(r.status, 303);
        assert_eq!(r.headers["location"], "/if/user/");
        assert_eq!(events(&app, "impersonation_ended").await.len(), 1);
    }
);

db_test!(
    user_interface_pages_the_token_list,
    |app: TestApp| async move {
        defaults(&app).await;
        let pk = user(&app, "paged-user", "Paged-pw-1").await;
        {
            let mut conn = app.store.conn().await.unwrap();
            for i in 0..30 {
                let t = Token {
                    token_uuid: Uuid::new_v4(),
                    identifier: format!("paged-{i:02}"),
                    key: format!("key-{i:02}"),
                    intent: TokenIntent::Api,
                    user: pk,
                    description: String::new(),
                    expires: None,
                    expiring: false,
                    managed: None,
                };
                castellan_store::tokens::save(&mut conn, &t, true)
                    .await
                    .unwrap();
            }
            // A managed token is not listed (nor counted).
            let managed = Token {
                token_uuid: Uuid::new_v4(),
                identifier: "paged-managed".into(),
                key: "key-managed".into(),
                intent: TokenIntent::Api,
                user: pk,
                description: String::new(),
                expires: None,
                expiring: false,
                managed: Some("goauthentik.io/test".into()),
            };
            castellan_store::tokens::save(&mut conn, &managed, true)
                .await
                .unwrap();
        }
        let v = login(&app, "paged-user", "Paged-pw-1").await;
        let rows = |html: &str| html.matches("<tr data-identifier=").count();
        let r = v.get(&app, "/if/user/tokens/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(rows(&r.text), 25, "{}", r.text);
        assert!(r.text.contains("30 items · page 1 of 2"), "{}", r.text);
        assert!(r.text.contains("data-identifier=\"paged-00\""));
        assert!(!r.text.contains("data-identifier=\"paged-25\""));
        let html = r.text.replace("&#x2f;", "/").replace("&#x3d;", "=");
        assert!(
            html.contains("href=\"/if/user/tokens/?page=2\">Next"),
            "{html}"
        );
        assert!(!html.contains(">Previous<"));
        assert!(!r.text.contains("paged-managed"));

        let r = v.get(&app, "/if/user/tokens/?page=2").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(rows(&r.text), 5, "{}", r.text);
        for i in 25..30 {
            assert!(r.text.contains(&format!("data-identifier=\"paged-{i}\"")));
        }
        assert!(!r.text.contains("data-identifier=\"paged-24\""));
        assert!(r.text.contains("30 items · page 2 of 2"), "{}", r.text);
        let html = r.text.replace("&#x2f;", "/").replace("&#x3d;", "=");
        assert!(
            html.contains("href=\"/if/user/tokens/?page=1\">Previous"),
            "{html}"
        );
        assert!(!html.contains(">Next<"));

        // Past the end: the last page; nonsense: the first.
        let r = v.get(&app, "/if/user/tokens/?page=99").await;
        assert_eq!(rows(&r.text), 5);
        assert!(r.text.contains("page 2 of 2"));
        let r = v.get(&app, "/if/user/tokens/?page=abc").await;
        assert_eq!(rows(&r.text), 25);

        // Sessions and consents show their pager too.
        let r = v.get(&app, "/if/user/sessions/").await;
        assert!(r.text.contains("1 item · page 1 of 1"), "{}", r.text);
        let r = v.get(&app, "/if/user/consents/").await;
        assert!(r.text.contains("0 items · page 1 of 1"), "{}", r.text);
    }
);

//! The user interface (`/if/user/`): anonymous visitors go to the login flow; the library shows
//! the applications a user's policies allow; sessions, consents and tokens are listed and revoked
//! with CSRF-checked form posts, only the user's own, recording the API's events.
use castellan_core::consent::UserConsent;
use castellan_testkit::app::Response;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_support::{bind_expression, create, defaults, user};
use crate::page_session::login;

fn location(res: &Response) -> &str {
    res.headers["location"].to_str().unwrap()
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

/// The authenticated-session uuids of a user (through the admin API).
async fn session_ids(app: &TestApp, username: &str) -> Vec<String> {
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/core/authenticated_sessions/?user__username={username}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["uuid"].as_str().unwrap().to_string())
        .collect()
}

db_test!(
    user_interface_sends_anonymous_visitors_to_login,
    |app: TestApp| async move {
        defaults(&app).await;
        for path in ["/if/user/", "/if/user/sessions/", "/if/user/tokens/"] {
            let r = app.send("GET", path, None, &[]).await;
            assert_eq!(r.status, 302, "{path}");
            assert_eq!(
                location(&r),
                "/flows/-/default/authentication/?next=/if/user/"
            );
        }
        let r = app
            .send(
                "GET",
                "/flows/-/default/authentication/?next=/if/user/",
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, 302);
        assert!(location(&r).starts_with("/if/flow/default-authentication-flow/"));
        // A forged cookie is anonymous too.
        let r = app
            .send(
                "GET",
                "/if/user/",
                None,
                &[("cookie", "authentik_session=x.y.z")],
            )
            .await;
        assert_eq!(r.status, 302);
    }
);

db_test!(
    user_interface_library_filters_by_policy,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "lib-user", "Lib-pw-1").await;
        create(
            &app,
            "/api/v3/core/applications/",
            json!({"name": "Allowed App", "slug": "allowed-app", "group": "Tools",
                   "meta_launch_url": "https://allowed.example/start?u=%(username)s"}),
        )
        .await;
        create(
            &app,
            "/api/v3/core/applications/",
            json!({"name": "Tom & <Jerry>", "slug": "tom-and-jerry"}),
        )
        .await;
        let denied = create(
            &app,
            "/api/v3/core/applications/",
            json!({"name": "Denied App", "slug": "denied-app",
                   "meta_launch_url": "https://denied.example/"}),
        )
        .await;
        bind_expression(
            &app,
            denied["pk"].as_str().unwrap(),
            "deny-lib-user",
            "return request.user.username != 'lib-user'",
            false,
        )
        .await;
        let v = login(&app, "lib-user", "Lib-pw-1").await;
        let r = v.get(&app, "/if/user/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains("Allowed App"), "{}", r.text);
        assert!(
            r.text
                .replace("&#x2f;", "/")
                .contains("href=\"https://allowed.example/start?u=lib-user\"")
        );
        assert!(r.text.contains("<h2>Tools</h2>"));
        assert!(!r.text.contains("Denied App"), "{}", r.text);
        // Names are escaped; an application without a launch URL is listed without a link.
        assert!(
            r.text.contains("<span>Tom &amp; &lt;Jerry&gt;</span>"),
            "{}",
            r.text
        );
        assert!(
            r.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(r.headers["x-frame-options"], "DENY");
        let r = v.get(&app, "/if/user/?search=allowed").await;
        assert!(r.text.contains("Allowed App"));
        let r = v.get(&app, "/if/user/?search=nothing-like-it").await;
        assert!(!r.text.contains("Allowed App"));
        assert!(r.text.contains("No applications match"));
        // Settings link to the brand's user-settings flow and the password change flow.
        let r = v.get(&app, "/if/user/settings/").await;
        let page = r.text.replace("&#x2f;", "/");
        assert!(
            page.contains("href=\"/if/flow/default-user-settings-flow/\""),
            "{page}"
        );
        assert!(
            page.contains("href=\"/if/flow/default-password-change/\""),
            "{page}"
        );
        // Settings and the other pages render for the user.
        for path in [
            "/if/user/settings/",
            "/if/user/consents/",
            "/if/user/tokens/",
        ] {
            let r = v.get(&app, path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
        }
    }
);

db_test!(
    user_interface_revokes_own_sessions_only,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "sess-user", "Sess-pw-1").await;
        user(&app, "other-user", "Other-pw-1").await;
        let first = login(&app, "sess-user", "Sess-pw-1").await;
        let ids_before = session_ids(&app, "sess-user").await;
        let second = login(&app, "sess-user", "Sess-pw-1").await;
        let other = login(&app, "other-user", "Other-pw-1").await;
        let ids = session_ids(&app, "sess-user").await;
        assert_eq!(ids.len(), 2);
        let second_id = ids
            .iter()
            .find(|i| !ids_before.contains(i))
            .unwrap()
            .clone();
        let r = first.get(&app, "/if/user/sessions/").await;
        assert_eq!(r.status, 200, "{}", r.text);
        for id in &ids {
            assert!(r.text.contains(id.as_str()), "{}", r.text);
        }
        assert!(r.text.contains("(current session)"));
        let other_id = session_ids(&app, "other-user").await.pop().unwrap();
        assert!(!r.text.contains(other_id.as_str()));

        // Without the CSRF token: 403, nothing changes.
        let path = format!("/if/user/sessions/{second_id}/revoke/");
        let r = first.post(&app, &path, &[]).await;
        assert_eq!(r.status, 403, "{}", r.text);
        let r = first
            .post(&app, &path, &[("csrfmiddlewaretoken", "wrong")])
            .await;
        assert_eq!(r.status, 403);
        assert_eq!(session_ids(&app, "sess-user").await.len(), 2);

        // Somebody else's session: 404, it stays.
        let r = first
            .submit(&app, &format!("/if/user/sessions/{other_id}/revoke/"), &[])
            .await;
        assert_eq!(r.status, 404, "{}", r.text);
        assert_eq!(other.get(&app, "/if/user/").await.status, 200);

        // Own other session: revoked, that browser is logged out.
        let r = first.submit(&app, &path, &[]).await;
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(location(&r), "/if/user/sessions/");
        assert_eq!(session_ids(&app, "sess-user").await.len(), 1);
        assert_eq!(second.get(&app, "/if/user/").await.status, 302);
        assert_eq!(first.get(&app, "/if/user/").await.status, 200);
    }
);

db_test!(user_interface_revokes_consents, |app: TestApp| async move {
    defaults(&app).await;
    let pk = user(&app, "consent-user", "Consent-pw-1").await;
    let other = user(&app, "consent-other", "Consent-pw-2").await;
    let application = create(
        &app,
        "/api/v3/core/applications/",
        json!({"name": "Consented App", "slug": "consented-app"}),
    )
    .await;
    let app_pk = application["pk"].as_str().unwrap().parse().unwrap();
    let mut conn = app.store.conn().await.unwrap();
    let record = |user| UserConsent {
        pk: 0,
        user,
        application: app_pk,
        permissions: "openid profile".into(),
        expires: None,
        expiring: false,
    };
    let mine = castellan_store::consent::create(&mut conn, &record(pk))
        .await
        .unwrap();
    let theirs = castellan_store::consent::create(&mut conn, &record(other))
        .await
        .unwrap();
    drop(conn);
    let v = login(&app, "consent-user", "Consent-pw-1").await;
    let r = v.get(&app, "/if/user/consents/").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("Consented App"));
    assert!(r.text.contains("openid profile"));
    assert!(r.text.contains(&format!("data-pk=\"{mine}\"")));
    assert!(!r.text.contains(&format!("data-pk=\"{theirs}\"")));

    let path = format!("/if/user/consents/{mine}/revoke/");
    assert_eq!(v.post(&app, &path, &[]).await.status, 403);
    let r = v
        .submit(&app, &format!("/if/user/consents/{theirs}/revoke/"), &[])
        .await;
    assert_eq!(r.status, 404);
    let r = v.submit(&app, &path, &[]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let mut conn = app.store.conn().await.unwrap();
    assert!(
        castellan_store::consent::get(&mut conn, mine)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        castellan_store::consent::get(&mut conn, theirs)
            .await
            .unwrap()
            .is_some()
    );
    let deleted = events(&app, "model_deleted").await;
    assert!(
        deleted
            .iter()
            .any(|e| e["context"]["model"]["model_name"] == "userconsent"
                && e["user"]["username"] == "consent-user"),
        "{deleted:?}"
    );
});

db_test!(
    user_interface_creates_and_revokes_tokens,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "tok-user", "Tok-pw-1").await;
        let other = user(&app, "tok-other", "Tok-pw-2").await;
        create(
            &app,
            "/api/v3/core/tokens/",
            json!({"identifier": "other-token", "user": other, "intent": "api"}),
        )
        .await;
        let v = login(&app, "tok-user", "Tok-pw-1").await;

        // Without CSRF nothing is created.
        let fields = [("identifier", "my-token"), ("intent", "app_password")];
        assert_eq!(v.post(&app, "/if/user/tokens/", &fields).await.status, 403);
        let mut conn = app.store.conn().await.unwrap();
        assert!(
            castellan_store::tokens::get_by_identifier(&mut conn, "my-token")
                .await
                .unwrap()
                .is_none()
        );

        let r = v
            .submit(
                &app,
                "/if/user/tokens/",
                &[
                    ("identifier", "my-token"),
                    ("intent", "app_password"),
                    ("description", "mail client"),
                ],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let token = castellan_store::tokens::get_by_identifier(&mut conn, "my-token")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(token.intent.as_str(), "app_password");
        assert!(r.text.contains(&token.key), "the key is shown once");
        let created = events(&app, "model_created").await;
        assert!(
            created
                .iter()
                .any(|e| e["context"]["model"]["name"] == "my-token"
                    && e["user"]["username"] == "tok-user"),
            "{created:?}"
        );

        let r = v.get(&app, "/if/user/tokens/").await;
        assert!(r.text.contains("data-identifier=\"my-token\""));
        assert!(r.text.contains("mail client"));
        assert!(!r.text.contains(&token.key), "the list never shows keys");
        assert!(!r.text.contains("other-token"));

        // A duplicate identifier is an error beside the field.
        let r = v
            .submit(
                &app,
                "/if/user/tokens/",
                &[("identifier", "my-token"), ("intent", "api")],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(r.text.contains("This field must be unique."), "{}", r.text);

        // Somebody else's token: 404, it stays.
        let r = v
            .submit(&app, "/if/user/tokens/other-token/revoke/", &[])
            .await;
        assert_eq!(r.status, 404);
        assert!(
            castellan_store::tokens::get_by_identifier(&mut conn, "other-token")
                .await
                .unwrap()
                .is_some()
        );

        assert_eq!(
            v.post(&app, "/if/user/tokens/my-token/revoke/", &[])
                .await
                .status,
            403
        );
        let r = v
            .submit(&app, "/if/user/tokens/my-token/revoke/", &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        assert!(
            castellan_store::tokens::get_by_identifier(&mut conn, "my-token")
                .await
                .unwrap()
                .is_none()
        );
        let deleted = events(&app, "model_deleted").await;
        assert!(
            deleted
                .iter()
                .any(|e| e["context"]["model"]["name"] == "my-token")
        );
    }
);

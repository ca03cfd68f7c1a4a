//! Consent and user delete stages over the executor: the consent challenge, remembered
//! (permanent, expiring) and always-required consent, new permissions asked again, the token
//! check, the default authorization flows, and deleting the flow's user.
use std::sync::Arc;

use castellan_core::clock::ManualClock;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::challenge_schema::assert_fits;
use crate::flow_prompt::{flow, logged_in, login_flow, stage};
use crate::flow_support::{admin_password, bind_expression, create, defaults, user};

const CONSENTS: &str = "/api/v3/core/user_consent/";

/// An expression that puts the application, the header and these permission ids into the plan.
fn plan_application(app_pk: &str, ids: &[&str]) -> String {
    let perms: Vec<String> = ids
        .iter()
        .map(|id| format!("{{'id': '{id}', 'name': 'Access {id}'}}"))
        .collect();
    format!(
        "context['flow_plan'].context['application'] = {{'pk': '{app_pk}', 'name': 'Wiki', 'slug': 'wiki'}}\n\
         context['flow_plan'].context['consent_header'] = \"You're about to sign into Wiki.\"\n\
         context['flow_plan'].context['consent_permissions'] = [{}]\n\
         return True",
        perms.join(", ")
    )
}

/// The Wiki application; returns its pk.
async fn wiki(app: &TestApp) -> String {
    let a = create(
        app,
        "/api/v3/core/applications/",
        json!({"name": "Wiki", "slug": "wiki"}),
    )
    .await;
    a["pk"].as_str().unwrap().to_string()
}

/// A login flow, the user ann, the Wiki application and an authorization flow `authz` with a
/// consent stage in `settings` whose plan gets the application and `ids`; returns the
/// application pk and the pk of the expression policy (to change the permissions).
async fn setup(app: &TestApp, settings: Value, ids: &[&str]) -> (String, String) {
    login_flow(app).await;
    user(app, "ann", "Ann-pw-1").await;
    let app_pk = wiki(app).await;
    let mut body = json!({"name": "authz-consent"});
    for (k, v) in settings.as_object().unwrap() {
        body[k] = v.clone();
    }
    let c = stage(app, "stages/consent", body).await;
    let extra = json!({"designation": "authorization", "authentication": "require_authenticated"});
    let f = flow(app, "authz", extra, &[c]).await;
    let pbm = f["policybindingmodel_ptr_id"].as_str().unwrap();
    let expression = plan_application(&app_pk, ids);
    let policy = bind_expression(app, pbm, "authz-app", &expression, false).await;
    (app_pk, policy)
}

/// Ann, logged in, on the `authz` flow.
async fn ann(app: &TestApp) -> FlowClient<'_> {
    let mut c = logged_in(app, "ann", "Ann-pw-1").await;
    c.slug = "authz".into();
    c
}

fn accept(challenge: &Value) -> Value {
    json!({"component": "ak-stage-consent", "token": challenge["token"]})
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect()
}

async fn consents(app: &TestApp) -> Vec<Value> {
    let r = app.admin("GET", CONSENTS, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["results"].as_array().cloned().unwrap()
}

/// The end of a flow without `next`.
fn done() -> Value {
    json!({"component": "xak-flow-redirect", "to": "/"})
}

db_test!(consent_challenge_shape, |app: TestApp| async move {
    setup(&app, json!({"mode": "permanent"}), &["openid", "email"]).await;
    let mut c = ann(&app).await;
    let r = c.get().await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.json["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 36, "a UUID: {token}");
    assert_eq!(
        r.json,
        json!({
            "flow_info": {"title": "authz", "background": "/static/dist/assets/images/flow_background.jpg",
                          "cancel_url": "/flows/-/cancel/", "layout": "stacked"},
            "component": "ak-stage-consent",
            "pending_user": "ann",
            "pending_user_avatar": "/static/dist/assets/images/user_default.png",
            "header_text": "You're about to sign into Wiki.",
            "permissions": [{"id": "openid", "name": "Access openid"},
                            {"id": "email", "name": "Access email"}],
            "additional_permissions": [],
            "token": token,
        })
    );
    let doc = castellan_web::openapi::document();
    assert_fits(&doc, &r.json, "ChallengeTypes", "consent challenge");
    let response = accept(&r.json);
    assert_fits(
        &doc,
        &response,
        "FlowChallengeResponseRequest",
        "consent response",
    );
    let keys: Vec<_> = r.json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "flow_info",
            "component",
            "pending_user",
            "pending_user_avatar",
            "header_text",
            "permissions",
            "additional_permissions",
            "token"
        ],
        "authentik's field order"
    );
});

db_test!(permanent_consent_is_remembered, |app: TestApp| async move {
    let (app_pk, policy) = setup(&app, json!({"mode": "permanent"}), &["openid", "email"]).await;
    let mut c = ann(&app).await;
    let r = c.get().await;
    assert_eq!(r.json["component"], "ak-stage-consent", "{}", r.text);
    assert_eq!(c.post(accept(&r.json)).await.json, done());
    let stored = consents(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["permissions"], "openid email");
    assert_eq!(stored[0]["expiring"], false);
    assert_eq!(stored[0]["application"]["pk"], app_pk.as_str());
    assert_eq!(stored[0]["user"]["username"], "ann");

    // The second run skips the stage.
    assert_eq!(c.get().await.json, done());

    // A new permission is asked for on its own; accepting records all of them.
    let one = format!("/api/v3/policies/expression/{policy}/");
    let expression = plan_application(&app_pk, &["openid", "email", "profile"]);
    let r = app
        .admin("PATCH", &one, Some(json!({"expression": expression})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = c.get().await;
    assert_eq!(r.json["component"], "ak-stage-consent", "{}", r.text);
    assert_eq!(ids(&r.json["permissions"]), ["openid", "email"]);
    assert_eq!(ids(&r.json["additional_permissions"]), ["profile"]);
    assert_eq!(c.post(accept(&r.json)).await.json, done());
    let stored = consents(&app).await;
    assert_eq!(stored.len(), 1, "one record per user and application");
    assert_eq!(stored[0]["permissions"], "openid email profile");
    assert_eq!(c.get().await.json, done());

    // Fewer permissions than granted differ from the record too: asked again, nothing new.
    let expression = plan_application(&app_pk, &["openid"]);
    app.admin("PATCH", &one, Some(json!({"expression": expression})))
        .await;
    let r = c.get().await;
    assert_eq!(ids(&r.json["permissions"]), ["openid"]);
    assert_eq!(ids(&r.json["additional_permissions"]), Vec::<&str>::new());
});

db_test!(expiring_consent_expires, |app: TestApp| async move {
    let mut app = app;
    let clock = ManualClock::new(chrono::Utc::now());
    app.store = app.store.clone().with_clock(Arc::new(clock.clone()));
    app.state.store = app.store.clone();
    app.router = castellan_web::router(app.state.clone());
    let settings = json!({"mode": "expiring", "consent_expire_in": "hours=2"});
    setup(&app, settings, &["openid"]).await;
    let mut c = ann(&app).await;
    let r = c.get().await;
    assert_eq!(r.json["component"], "ak-stage-consent", "{}", r.text);
    let accepted_at = app.store.now();
    assert_eq!(c.post(accept(&r.json)).await.json, done());
    let stored = consents(&app).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["expiring"], true);
    let expires: chrono::DateTime<chrono::Utc> =
        stored[0]["expires"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires, accepted_at + chrono::Duration::hours(2));

    clock.advance(chrono::Duration::minutes(119));
    assert_eq!(c.get().await.json, done(), "still valid");

    clock.advance(chrono::Duration::minutes(2));
    let r = c.get().await;
    assert_eq!(
        r.json["component"], "ak-stage-consent",
        "expired: {}",
        r.text
    );
    assert_eq!(ids(&r.json["additional_permissions"]), Vec::<&str>::new());
    let renewed_at = app.store.now();
    assert_eq!(c.post(accept(&r.json)).await.json, done());
    let stored = consents(&app).await;
    assert_eq!(stored.len(), 1, "the expired record is renewed in place");
    let expires: chrono::DateTime<chrono::Utc> =
        stored[0]["expires"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires, renewed_at + chrono::Duration::hours(2));
});

db_test!(always_require_asks_every_time, |app: TestApp| async move {
    setup(&app, json!({"mode": "always_require"}), &["openid"]).await;
    let mut c = ann(&app).await;
    for _ in 0..2 {
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-consent", "{}", r.text);
        assert_eq!(c.post(accept(&r.json)).await.json, done());
    }
    assert!(consents(&app).await.is_empty(), "nothing is stored");
});

db_test!(
    without_application_consent_is_asked_and_not_stored,
    |app: TestApp| async move {
        login_flow(&app).await;
        user(&app, "ann", "Ann-pw-1").await;
        let c = stage(
            &app,
            "stages/consent",
            json!({"name": "no-app", "mode": "permanent"}),
        )
        .await;
        let extra = json!({"designation": "authorization"});
        flow(&app, "authz", extra, &[c]).await;
        let mut c = ann(&app).await;
        for _ in 0..2 {
            let r = c.get().await;
            assert_eq!(r.json["component"], "ak-stage-consent", "{}", r.text);
            assert_eq!(r.json["permissions"], json!([]));
            assert!(r.json.get("header_text").is_none());
            assert_eq!(c.post(accept(&r.json)).await.json, done());
        }
        assert!(consents(&app).await.is_empty());
    }
);

db_test!(wrong_token_is_a_response_error, |app: TestApp| async move {
    setup(&app, json!({"mode": "permanent"}), &["openid"]).await;
    let mut c = ann(&app).await;
    let first = c.get().await.json;
    let r = c
        .post(json!({"component": "ak-stage-consent", "token": "not-the-token"}))
        .await;
    assert_eq!(r.json["component"], "ak-stage-consent", "{}", r.text);
    assert_eq!(
        r.json["response_errors"],
        json!({"token": [{"string": "Invalid consent token.", "code": "invalid"}]})
    );
    assert_ne!(r.json["token"], first["token"], "a new token is issued");
    let doc = castellan_web::openapi::document();
    assert_fits(
        &doc,
        &r.json,
        "ChallengeTypes",
        "consent challenge with errors",
    );
    // The old token was replaced too.
    let r = c.post(accept(&first)).await;
    assert_eq!(r.json["response_errors"]["token"][0]["code"], "invalid");
    let r = c.post(json!({"component": "ak-stage-consent"})).await;
    assert_eq!(
        r.json["response_errors"],
        json!({"token": [{"string": "This field is required.", "code": "required"}]})
    );
    assert!(consents(&app).await.is_empty());
    assert_eq!(c.post(accept(&r.json)).await.json, done());
    assert_eq!(consents(&app).await.len(), 1);
});

db_test!(
    default_authorization_flows_run_the_consent_stage,
    |app: TestApp| async move {
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let app_pk = wiki(&app).await;
        let explicit = "default-provider-authorization-explicit-consent";
        let r = app
            .admin("GET", &format!("/api/v3/flows/instances/{explicit}/"), None)
            .await;
        let pbm = r.json["policybindingmodel_ptr_id"].as_str().unwrap();
        let expression = plan_application(&app_pk, &["openid"]);
        bind_expression(&app, pbm, "explicit-app", &expression, false).await;

        let mut c = FlowClient::new(&app, "default-authentication-flow");
        assert_eq!(c.login("akadmin", "Admin-pw-1").await, done());
        c.slug = explicit.into();
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-consent", "{}", r.text);
        assert_eq!(r.json["flow_info"]["title"], "Redirecting to Wiki");
        assert_eq!(r.json["pending_user"], "akadmin");
        assert_eq!(c.post(accept(&r.json)).await.json, done());
        let stored = consents(&app).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0]["expiring"], true, "the default stage expires");
        assert_eq!(c.get().await.json, done(), "remembered");

        c.slug = "default-provider-authorization-implicit-consent".into();
        assert_eq!(c.get().await.json, done(), "no stages");
    }
);

/// A flow `unenroll` with a user delete stage.
async fn unenroll_flow(app: &TestApp, authentication: &str) {
    let d = stage(app, "stages/user_delete", json!({"name": "delete-me"})).await;
    let extra = json!({"designation": "unenrollment", "authentication": authentication});
    flow(app, "unenroll", extra, &[d]).await;
}

db_test!(
    user_delete_removes_the_user_and_ends_the_session,
    |app: TestApp| async move {
        login_flow(&app).await;
        let ann_pk = user(&app, "ann", "Ann-pw-1").await;
        user(&app, "bob", "Bob-pw-1").await;
        unenroll_flow(&app, "require_authenticated").await;
        let mut c = logged_in(&app, "ann", "Ann-pw-1").await;
        let old_cookie = c.session_cookie().unwrap().clone();
        c.slug = "unenroll".into();
        assert_eq!(c.get().await.json, done());
        let r = app
            .admin("GET", &format!("/api/v3/core/users/{ann_pk}/"), None)
            .await;
        assert_eq!(r.status, 404, "{}", r.text);
        let r = app
            .admin("GET", "/api/v3/core/users/?username=bob", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1, "others stay");
        assert_ne!(c.session_cookie(), Some(&old_cookie), "new session");
        let cookie = format!("authentik_session={old_cookie}");
        let r = app
            .send(
                "GET",
                "/api/v3/core/users/me/",
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_ne!(r.status, 200, "the old session is gone: {}", r.text);
        let sessions = app
            .admin("GET", "/api/v3/core/authenticated_sessions/", None)
            .await;
        assert_eq!(sessions.json["pagination"]["count"], 0);
    }
);

db_test!(
    user_delete_without_a_user_is_denied,
    |app: TestApp| async move {
        unenroll_flow(&app, "none").await;
        let mut c = FlowClient::new(&app, "unenroll");
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-access-denied", "{}", r.text);
        assert_eq!(r.json["error_message"], "No Pending User.");
    }
);

db_test!(
    user_delete_deletes_the_pending_user,
    |app: TestApp| async move {
        // A pending user set by a policy (as a recovery or source flow would) is the one deleted.
        login_flow(&app).await;
        user(&app, "ann", "Ann-pw-1").await;
        let carl = user(&app, "carl", "Carl-pw-1").await;
        unenroll_flow(&app, "require_authenticated").await;
        let f = crate::flow_support::flow(&app, "unenroll").await;
        let pbm = f["policybindingmodel_ptr_id"].as_str().unwrap();
        let set = "context['flow_plan'].context['pending_user'] = ak_user_by(username='carl')\nreturn True";
        bind_expression(&app, pbm, "pending-carl", set, false).await;
        let mut c = logged_in(&app, "ann", "Ann-pw-1").await;
        c.slug = "unenroll".into();
        assert_eq!(c.get().await.json, done());
        let r = app
            .admin("GET", &format!("/api/v3/core/users/{carl}/"), None)
            .await;
        assert_eq!(r.status, 404);
        let r = app
            .admin("GET", "/api/v3/core/users/?username=ann", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1);
    }
);

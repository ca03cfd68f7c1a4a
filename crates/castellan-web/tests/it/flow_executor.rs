//! The flow executor over HTTP: the default authentication flow against authentik's recorded
//! exchange, login/logout, failures, CAPTCHA, denial handling, resume and bad input.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_support::{
    admin_password, bind_expression, create, defaults, flow, siteverify, stage_pk, user,
};

fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../../../shared/reference/authentik-2024.10/golden/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

const AUTH: &str = "default-authentication-flow";

db_test!(
    default_authentication_flow_matches_authentik_exchange,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "golden-user", "Golden-pw-1").await;
        let golden = golden("default-authentication-flow.json");
        let mut client = FlowClient::new(&app, AUTH);
        for step in golden.as_array().unwrap() {
            let res = if step["request"] == json!("GET") {
                client.get().await
            } else {
                client.post(step["request"].clone()).await
            };
            assert_eq!(
                res.status as u64,
                step["status"].as_u64().unwrap(),
                "{}",
                res.text
            );
            // Every key, value and order as authentik answered.
            assert_eq!(res.json, step["challenge"], "step {}", step["request"]);
        }
    }
);

db_test!(
    login_sets_an_authenticated_session,
    |app: TestApp| async move {
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let mut client = FlowClient::new(&app, AUTH);
        let end = client.login("akadmin", "Admin-pw-1").await;
        assert_eq!(end, json!({"component": "xak-flow-redirect", "to": "/"}));
        let cookie = format!("authentik_session={}", client.session_cookie().unwrap());
        let me = app
            .send(
                "GET",
                "/api/v3/core/users/me/",
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(me.status, 200, "{}", me.text);
        assert_eq!(me.json["user"]["username"], "akadmin");
        let events = app
            .admin("GET", "/api/v3/events/events/?action=login", None)
            .await;
        assert_eq!(events.json["pagination"]["count"], 1);
        let sessions = app
            .admin("GET", "/api/v3/core/authenticated_sessions/", None)
            .await;
        assert_eq!(sessions.json["pagination"]["count"], 1);
    }
);

db_test!(login_by_email_case_insensitive, |app: TestApp| async move {
    defaults(&app).await;
    user(&app, "carol", "Carol-pw-1").await;
    let mut client = FlowClient::new(&app, AUTH);
    let end = client.login("CAROL@example.ORG", "Carol-pw-1").await;
    assert_eq!(end["component"], "xak-flow-redirect");
});

db_test!(
    wrong_password_until_the_maximum_cancels,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "dave", "Dave-pw-1").await;
        let mut client = FlowClient::new(&app, AUTH);
        client.get().await;
        client
            .post(json!({"component": "ak-stage-identification", "uid_field": "dave"}))
            .await;
        for _ in 0..4 {
            let r = client
                .post(json!({"component": "ak-stage-password", "password": "nope"}))
                .await;
            assert_eq!(
                r.json["response_errors"]["password"][0]["string"],
                "Invalid password"
            );
        }
        let r = client
            .post(json!({"component": "ak-stage-password", "password": "nope"}))
            .await;
        assert_eq!(r.json["component"], "ak-stage-access-denied");
        assert_eq!(r.json["error_message"], "Invalid password");
        let failed = app
            .admin("GET", "/api/v3/events/events/?action=login_failed", None)
            .await;
        assert_eq!(failed.json["pagination"]["count"], 5);
        // The plan is gone: the next GET starts over at identification.
        let r = client.get().await;
        assert_eq!(r.json["component"], "ak-stage-identification");
    }
);

db_test!(
    unknown_user_is_pretended_to_exist,
    |app: TestApp| async move {
        defaults(&app).await;
        let mut client = FlowClient::new(&app, AUTH);
        client.get().await;
        let r = client
            .post(json!({"component": "ak-stage-identification", "uid_field": "ghost"}))
            .await;
        assert_eq!(r.json["component"], "ak-stage-password");
        assert_eq!(r.json["pending_user"], "ghost");
        let r = client
            .post(json!({"component": "ak-stage-password", "password": "whatever"}))
            .await;
        assert_eq!(
            r.json["response_errors"]["password"][0]["string"],
            "Invalid password"
        );
    }
);

db_test!(
    unparsable_forwarded_for_never_skips_the_password,
    |app: TestApp| async move {
        // CVE-2024-47070 class: a garbage X-Forwarded-For must not change which stages run.
        defaults(&app).await;
        user(&app, "erin", "Erin-pw-1").await;
        let mut client = FlowClient::new(&app, AUTH);
        client
            .headers
            .push(("x-forwarded-for".into(), "not-an-ip, also bad".into()));
        client.get().await;
        let r = client
            .post(json!({"component": "ak-stage-identification", "uid_field": "erin"}))
            .await;
        assert_eq!(r.json["component"], "ak-stage-password", "{}", r.text);
        let r = client
            .post(json!({"component": "ak-stage-password", "password": "wrong"}))
            .await;
        assert_eq!(r.json["component"], "ak-stage-password");
        assert!(client.session_cookie().is_some());
        let me_cookie = format!("authentik_session={}", client.session_cookie().unwrap());
        let me = app
            .send(
                "GET",
                "/api/v3/core/users/me/",
                None,
                &[("cookie", &me_cookie)],
            )
            .await;
        assert_eq!(me.status, 403);
    }
);

db_test!(
    invalidation_flow_ends_the_session,
    |app: TestApp| async move {
        defaults(&app).await;
        admin_password(&app, "Admin-pw-1").await;
        let mut client = FlowClient::new(&app, AUTH);
        client.login("akadmin", "Admin-pw-1").await;
        let mut logout = FlowClient::new(&app, "default-invalidation-flow");
        logout.cookies = client.cookies.clone();
        let r = logout.get().await;
        let golden = golden("default-invalidation-flow.json");
        assert_eq!(r.status as u64, golden["status"].as_u64().unwrap());
        assert_eq!(r.json, golden["challenge"]);
        let cookie = format!("authentik_session={}", logout.session_cookie().unwrap());
        let me = app
            .send(
                "GET",
                "/api/v3/core/users/me/",
                None,
                &[("cookie", &cookie)],
            )
            .await;
        assert_eq!(me.status, 403);
        let old = format!("authentik_session={}", client.session_cookie().unwrap());
        let me = app
            .send("GET", "/api/v3/core/users/me/", None, &[("cookie", &old)])
            .await;
        assert_eq!(me.status, 403, "the old session key is revoked");
        let events = app
            .admin("GET", "/api/v3/events/events/?action=logout", None)
            .await;
        assert_eq!(events.json["pagination"]["count"], 1);
    }
);

db_test!(
    inline_captcha_in_identification,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "frank", "Frank-pw-1").await;
        let server = siteverify().await;
        let captcha = create(
            &app,
            "/api/v3/stages/captcha/",
            json!({
        "name": "captcha", "public_key": "site-key", "private_key": "secret-key",
        "api_url": server.url, "js_url": "https://example.org/api.js"}),
        )
        .await;
        let ident = stage_pk(&app, "default-authentication-identification").await;
        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/stages/identification/{ident}/"),
                Some(json!({"captcha_stage": captcha["pk"]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let mut client = FlowClient::new(&app, AUTH);
        let r = client.get().await;
        assert_eq!(r.json["captcha_stage"]["site_key"], "site-key");
        assert_eq!(
            r.json["captcha_stage"]["js_url"],
            "https://example.org/api.js"
        );
        let r = client.post(json!({"component": "ak-stage-identification", "uid_field": "frank", "captcha_token": "bad"})).await;
        assert_eq!(
            r.json["response_errors"]["non_field_errors"][0]["string"],
            "Invalid captcha response"
        );
        let r = client.post(json!({"component": "ak-stage-identification", "uid_field": "frank", "captcha_token": "expired"})).await;
        assert_eq!(
            r.json["response_errors"]["non_field_errors"][0]["string"],
            "Invalid captcha response. Retrying may solve this issue."
        );
        let r = client.post(json!({"component": "ak-stage-identification", "uid_field": "frank", "captcha_token": "low"})).await;
        assert_eq!(
            r.json["response_errors"]["non_field_errors"][0]["string"],
            "Invalid captcha response"
        );
        let r = client.post(json!({"component": "ak-stage-identification", "uid_field": "frank", "captcha_token": "good"})).await;
        assert_eq!(r.json["component"], "ak-stage-password", "{}", r.text);
        let bodies = server.received.lock().unwrap().clone();
        assert_eq!(bodies.len(), 4);
        assert!(
            bodies[3].contains("secret=secret-key")
                && bodies[3].contains("response=good")
                && bodies[3].contains("remoteip=")
        );
    }
);

db_test!(captcha_stage_on_its_own, |app: TestApp| async move {
    let server = siteverify().await;
    let f = create(
        &app,
        "/api/v3/flows/instances/",
        json!({"name": "c", "slug": "captcha-flow", "title": "C", "designation": "authentication"}),
    )
    .await;
    let s = create(
        &app,
        "/api/v3/stages/captcha/",
        json!({"name": "cap", "public_key": "pk", "private_key": "sk", "api_url": server.url}),
    )
    .await;
    create(
        &app,
        "/api/v3/flows/bindings/",
        json!({"target": f["pk"], "stage": s["pk"], "order": 0}),
    )
    .await;
    let mut client = FlowClient::new(&app, "captcha-flow");
    let r = client.get().await;
    assert_eq!(r.json["component"], "ak-stage-captcha");
    assert_eq!(r.json["site_key"], "pk");
    let r = client
        .post(json!({"component": "ak-stage-captcha", "token": "nope"}))
        .await;
    assert_eq!(
        r.json["response_errors"]["token"][0]["string"],
        "Invalid captcha response"
    );
    let r = client
        .post(json!({"component": "ak-stage-captcha", "token": "good"}))
        .await;
    assert_eq!(r.json, json!({"component": "xak-flow-redirect", "to": "/"}));
});

async fn denied_flow(app: &TestApp, slug: &str, action: &str) {
    let f = create(app, "/api/v3/flows/instances/", json!({"name": slug, "slug": slug, "title": "T", "designation": "authentication", "denied_action": action})).await;
    let s = create(
        app,
        "/api/v3/stages/dummy/",
        json!({"name": format!("{slug}-dummy")}),
    )
    .await;
    create(
        app,
        "/api/v3/flows/bindings/",
        json!({"target": f["pk"], "stage": s["pk"], "order": 0}),
    )
    .await;
    bind_expression(
        app,
        f["policybindingmodel_ptr_id"].as_str().unwrap(),
        &format!("{slug}-deny"),
        "ak_message(\"Go away.\")\nreturn False",
        false,
    )
    .await;
}

db_test!(denied_actions, |app: TestApp| async move {
    denied_flow(&app, "deny-message", "message").await;
    denied_flow(&app, "deny-continue", "continue").await;
    denied_flow(&app, "deny-mc", "message_continue").await;
    let mut c = FlowClient::new(&app, "deny-message");
    c.query = "next=%2Fsomewhere%2F".into();
    let r = c.get().await;
    assert_eq!(r.json["component"], "ak-stage-access-denied");
    assert_eq!(r.json["error_message"], "Go away.");
    let mut c = FlowClient::new(&app, "deny-continue");
    assert_eq!(
        c.get().await.json,
        json!({"component": "xak-flow-redirect", "to": "/"})
    );
    c.query = "next=%2Fapp%2F".into();
    assert_eq!(
        c.get().await.json,
        json!({"component": "xak-flow-redirect", "to": "/app/"})
    );
    let mut c = FlowClient::new(&app, "deny-mc");
    c.query = "next=%2Fapp%2F".into();
    assert_eq!(
        c.get().await.json["to"],
        "/app/",
        "next is read from the wrapped query"
    );
    c.query = "next=https%3A%2F%2Fevil.example%2F".into();
    assert_eq!(
        c.get().await.json["error_message"],
        "Go away.",
        "absolute next is ignored"
    );
});

db_test!(expression_timeout_fails_closed, |app: TestApp| async move {
    let f = create(
        &app,
        "/api/v3/flows/instances/",
        json!({"name": "loop", "slug": "loop", "title": "T", "designation": "authentication"}),
    )
    .await;
    bind_expression(
        &app,
        f["policybindingmodel_ptr_id"].as_str().unwrap(),
        "spin",
        "while True:\n    pass\nreturn True",
        false,
    )
    .await;
    let mut c = FlowClient::new(&app, "loop");
    let r = c.get().await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["component"], "ak-stage-access-denied", "{}", r.text);
    let ev = app
        .admin(
            "GET",
            "/api/v3/events/events/?action=policy_exception",
            None,
        )
        .await;
    assert_eq!(ev.json["pagination"]["count"], 1, "{}", ev.text);
});

db_test!(next_must_be_relative, |app: TestApp| async move {
    defaults(&app).await;
    admin_password(&app, "Admin-pw-1").await;
    let mut c = FlowClient::new(&app, AUTH);
    c.query = "next=https%3A%2F%2Fevil.example%2F".into();
    let end = c.login("akadmin", "Admin-pw-1").await;
    assert_eq!(end["component"], "ak-stage-access-denied");
    assert_eq!(end["error_message"], "Invalid next URL");
    let mut c = FlowClient::new(&app, AUTH);
    c.query = "next=%2Fapplication%2Fo%2Fauthorize%2F%3Fclient_id%3Dx".into();
    let end = c.login("akadmin", "Admin-pw-1").await;
    assert_eq!(
        end,
        json!({"component": "xak-flow-redirect", "to": "/application/o/authorize/?client_id=x"})
    );
});

db_test!(
    malformed_responses_never_fail_the_server,
    |app: TestApp| async move {
        defaults(&app).await;
        let mut c = FlowClient::new(&app, AUTH);
        c.get().await;
        let long = "x".repeat(100_000);
        for body in [
            json!({"component": "ak-stage-password", "uid_field": "a"}),
            json!({"component": "ak-stage-identification"}),
            json!({"component": "ak-stage-identification", "uid_field": null}),
            json!({"component": "ak-stage-identification", "uid_field": ["a"]}),
            json!({"component": "ak-stage-identification", "uid_field": {"a": 1}}),
            json!({"component": "ak-stage-identification", "uid_field": "a", "password": 5, "captcha_token": []}),
            json!({"component": 7}),
            json!({"component": "ak-stage-identification", "uid_field": long}),
        ] {
            let r = c.post(body.clone()).await;
            assert_eq!(r.status, 200, "{body}: {}", r.text);
            assert!(
                r.json["response_errors"].is_object() || r.json["component"] == "ak-stage-password",
                "{body}: {}",
                r.text
            );
        }
        for text in ["{not json", "[1, 2, 3]", "\"text\"", ""] {
            let r = c.post_raw(text).await;
            assert_eq!(r.status, 400, "{text}: {}", r.text);
            assert!(r.json.is_object(), "{text}: {}", r.text);
        }
        // The plan survived all of it.
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-password");
        let r = app
            .send(
                "GET",
                "/api/v3/flows/executor/no-such-flow/?query=",
                None,
                &[],
            )
            .await;
        assert_eq!(r.status, 404);
    }
);

db_test!(
    flow_token_resumes_a_stored_plan,
    |app: TestApp| async move {
        defaults(&app).await;
        let f = flow(&app, AUTH).await;
        let flow_pk: uuid::Uuid = f["pk"].as_str().unwrap().parse().unwrap();
        let plan = castellan_flows::FlowPlan {
        flow_pk,
        entries: vec![castellan_flows::PlanEntry::in_memory(
            castellan_flows::SESSION_END,
            "session-end",
            json!({"application_name": "Grafana", "application_launch_url": "https://grafana.example/"}).as_object().unwrap().clone(),
        )],
        context: Default::default(),
    };
        let mut conn = app.store.conn().await.unwrap();
        let now = app.store.now();
        let token = castellan_store::flowtokens::FlowToken {
            key: "resume-key".into(),
            identifier: "resume-test".into(),
            flow: flow_pk,
            plan: serde_json::to_value(&plan).unwrap(),
            user: None,
            expires: now + chrono::Duration::minutes(5),
        };
        castellan_store::flowtokens::create(&mut conn, &token)
            .await
            .unwrap();
        drop(conn);
        let mut c = FlowClient::new(&app, AUTH);
        c.query = "flow_token=resume-key".into();
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-session-end", "{}", r.text);
        assert_eq!(r.json["application_name"], "Grafana");
        assert_eq!(r.json["brand_name"], "authentik");
        assert_eq!(
            r.json["invalidation_flow_url"],
            "/if/flow/default-invalidation-flow/"
        );
        // The token is single-use.
        let mut c2 = FlowClient::new(&app, AUTH);
        c2.query = "flow_token=resume-key".into();
        assert_eq!(c2.get().await.json["component"], "ak-stage-identification");
    }
);

db_test!(
    default_flow_redirects_and_cancel,
    |app: TestApp| async move {
        defaults(&app).await;
        let r = app
            .send(
                "GET",
                "/flows/-/default/authentication/?next=%2Fx%2F",
                None,
                &[("host", "id.example.org")],
            )
            .await;
        assert_eq!(r.status, 302);
        assert_eq!(
            r.headers["location"],
            "/if/flow/default-authentication-flow/?next=%2Fx%2F"
        );
        let r = app
            .send("GET", "/flows/-/default/invalidation/", None, &[])
            .await;
        assert_eq!(r.headers["location"], "/if/flow/default-invalidation-flow/");
        // No brand flow for recovery: the first recovery flow by slug, else 404.
        let r = app
            .send("GET", "/flows/-/default/recovery/", None, &[])
            .await;
        assert_eq!(r.status, 404);
        let r = app
            .send("GET", "/flows/-/default/nonsense/", None, &[])
            .await;
        assert_eq!(r.status, 404);
        // Cancel drops the running plan.
        let mut c = FlowClient::new(&app, AUTH);
        c.get().await;
        c.post(json!({"component": "ak-stage-identification", "uid_field": "akadmin"}))
            .await;
        let cookie = format!("authentik_session={}", c.session_cookie().unwrap());
        let r = app
            .send("GET", "/flows/-/cancel/", None, &[("cookie", &cookie)])
            .await;
        assert_eq!(r.status, 302);
        assert_eq!(r.headers["location"], "/flows/-/default/invalidation/");
        assert_eq!(c.get().await.json["component"], "ak-stage-identification");
    }
);

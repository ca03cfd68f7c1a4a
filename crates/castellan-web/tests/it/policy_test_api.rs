//! `POST /policies/all/{uuid}/test/`: expression, password and reputation policies evaluated
//! for a chosen user with a chosen context.
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_support::{create, user};

async fn test(app: &TestApp, pk: &str, body: serde_json::Value) -> serde_json::Value {
    let r = app
        .admin(
            "POST",
            &format!("/api/v3/policies/all/{pk}/test/"),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json
}

db_test!(expression_group_membership, |app: TestApp| async move {
    let other = user(&app, "olga", "Olga-pw-1").await;
    let p = create(
        &app,
        "/api/v3/policies/expression/",
        json!({"name": "admins-only",
        "expression": "return ak_is_group_member(request.user, name=\"authentik Admins\")"}),
    )
    .await;
    let pk = p["pk"].as_str().unwrap();
    let r = test(&app, pk, json!({"user": app.admin_pk})).await;
    assert_eq!(r["passing"], true);
    let r = test(&app, pk, json!({"user": other})).await;
    assert_eq!(r["passing"], false);
    assert!(
        r["log_messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["log_level"] == "debug")
    );
});

db_test!(
    expression_messages_context_and_errors,
    |app: TestApp| async move {
        let p = create(&app, "/api/v3/policies/expression/", json!({"name": "ctx",
        "expression": "import re\nif re.match(r'^10\\.', context.get('ip', '')):\n    return True\nak_message(f\"{request.user.username} is outside\")\nreturn False"})).await;
        let pk = p["pk"].as_str().unwrap();
        let r = test(
            &app,
            pk,
            json!({"user": app.admin_pk, "context": {"ip": "10.1.2.3"}}),
        )
        .await;
        assert_eq!(r["passing"], true);
        let r = test(
            &app,
            pk,
            json!({"user": app.admin_pk, "context": {"ip": "192.0.2.1"}}),
        )
        .await;
        assert_eq!(r["passing"], false);
        assert_eq!(r["messages"], json!(["akadmin is outside"]));
        let p = create(
            &app,
            "/api/v3/policies/expression/",
            json!({"name": "boom", "expression": "return {}['missing']"}),
        )
        .await;
        let r = test(
            &app,
            p["pk"].as_str().unwrap(),
            json!({"user": app.admin_pk}),
        )
        .await;
        assert_eq!(r["passing"], false);
        assert!(
            r["messages"][0].as_str().unwrap().contains("KeyError"),
            "{r}"
        );
        let r = app
            .admin(
                "POST",
                &format!("/api/v3/policies/all/{pk}/test/"),
                Some(json!({})),
            )
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json["user"][0], "This field is required.");
    }
);

db_test!(password_policy_static_rules, |app: TestApp| async move {
    let p = create(
        &app,
        "/api/v3/policies/password/",
        json!({"name": "pw", "length_min": 8,
        "amount_digits": 1, "error_message": "Too weak."}),
    )
    .await;
    let pk = p["pk"].as_str().unwrap();
    let r = test(
        &app,
        pk,
        json!({"user": app.admin_pk, "context": {"password": "short"}}),
    )
    .await;
    assert_eq!(r["passing"], false);
    assert_eq!(r["messages"], json!(["Too weak."]));
    let r = test(
        &app,
        pk,
        json!({"user": app.admin_pk, "context": {"prompt_data": {"password": "long-enough-1"}}}),
    )
    .await;
    assert_eq!(r["passing"], true, "{r}");
});

/// A local HaveIBeenPwned range API: SHA-1 prefix → `SUFFIX:COUNT` lines, padded like the real one.
async fn hibp(pwned: &'static str) -> String {
    use axum::extract::Path;
    use axum::routing::get;
    use sha1::{Digest, Sha1};
    let digest = hex::encode_upper(Sha1::digest(pwned.as_bytes()));
    let (prefix, suffix) = (digest[..5].to_string(), digest[5..].to_string());
    let app = axum::Router::new().route(
        "/range/{prefix}",
        get(move |Path(asked): Path<String>| {
            let (prefix, suffix) = (prefix.clone(), suffix.clone());
            async move {
                let mut body = String::from("0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n");
                if asked == prefix {
                    body.push_str(&format!("{suffix}:42\r\n"));
                }
                body
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

db_test!(
    password_policy_have_i_been_pwned,
    |app: TestApp| async move {
        let mut app = app;
        let mut settings = (*app.state.settings).clone();
        settings.hibp_url = hibp("Password1!").await;
        app.state.settings = std::sync::Arc::new(settings);
        app.router = castellan_web::router(app.state.clone());
        let p = create(
            &app,
            "/api/v3/policies/password/",
            json!({"name": "hibp",
        "check_static_rules": false, "check_have_i_been_pwned": true, "hibp_allowed_count": 0}),
        )
        .await;
        let pk = p["pk"].as_str().unwrap();
        let r = test(
            &app,
            pk,
            json!({"user": app.admin_pk, "context": {"password": "Password1!"}}),
        )
        .await;
        assert_eq!(r["passing"], false);
        assert_eq!(
            r["messages"],
            json!(["Password exists on 42 online lists."])
        );
        let r = test(&app, pk, json!({"user": app.admin_pk, "context": {"password": "a much longer unlisted passphrase"}})).await;
        assert_eq!(r["passing"], true, "{r}");
    }
);

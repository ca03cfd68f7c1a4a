//! The email stage against a real SMTP server (aiosmtpd, see castellan-testkit's `smtp`):
//! authentik's example enrollment and recovery flows with email verification, imported
//! unchanged, completed by opening the link read out of the delivered message; link expiry and
//! single use; an SMTP outage shown to the user and retried; the templates API.
use std::collections::BTreeMap;
use std::sync::Arc;

use castellan_core::clock::ManualClock;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::smtp::{SmtpServer, flow_link, free_port};
use castellan_testkit::{TestApp, db_test};
use castellan_web::blueprints::{self, BlueprintSet};
use serde_json::{Map, Value, json};

use crate::flow_support::{defaults, user};

/// Points the app's global email settings at `127.0.0.1:port` (plain SMTP).
pub fn with_smtp(mut app: TestApp, port: u16) -> TestApp {
    let mut settings = (*app.state.settings).clone();
    settings.email.smtp.host = "127.0.0.1".into();
    settings.email.smtp.port = port;
    settings.email.smtp.from = "castellan@example.org".into();
    settings.email.smtp.timeout = std::time::Duration::from_secs(5);
    app.state.settings = Arc::new(settings);
    app.router = castellan_web::router(app.state.clone());
    app
}

/// Runs the app on a clock the test moves.
fn with_clock(mut app: TestApp) -> (TestApp, ManualClock) {
    let clock = ManualClock::new(chrono::Utc::now());
    app.store = app.store.clone().with_clock(Arc::new(clock.clone()));
    app.state.store = app.store.clone();
    app.router = castellan_web::router(app.state.clone());
    (app, clock)
}

/// Applies `blueprints/example/<name>` from authentik's reference tree as it is.
pub async fn example(app: &TestApp, name: &str) {
    let path = crate::blueprints_snapshot::reference_dir()
        .join("example")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let opts = blueprints::options(Map::new(), &BTreeMap::new());
    blueprints::apply_text(&app.store, &text, &opts, &BlueprintSet::new())
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

/// A fresh browser opening the link of `message` (the flow interface passes its query on).
fn open_link<'a>(app: &'a TestApp, message: &Value) -> FlowClient<'a> {
    let link = flow_link(message).unwrap_or_else(|| panic!("no link in {message}"));
    let (path, query) = link.split_once('?').unwrap();
    let slug = path.trim_end_matches('/').rsplit('/').next().unwrap();
    assert!(path.contains("/if/flow/"), "{link}");
    let mut c = FlowClient::new(app, slug);
    c.query = query.to_string();
    c
}

async fn user_json(app: &TestApp, username: &str) -> Option<Value> {
    let r = app
        .admin(
            "GET",
            &format!("/api/v3/core/users/?username={username}"),
            None,
        )
        .await;
    r.json["results"].as_array().unwrap().first().cloned()
}

async fn me(app: &TestApp, client: &FlowClient<'_>) -> Value {
    let cookie = format!("authentik_session={}", client.session_cookie().unwrap());
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("cookie", &cookie)],
        )
        .await;
    r.json
}

/// Answers the example enrollment's two prompt stages.
async fn enroll(c: &mut FlowClient<'_>, username: &str) -> Value {
    let r = c.get().await;
    assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
    let pw = "Enrolled-Heron-42";
    let r = c
        .post(json!({"component": "ak-stage-prompt", "username": username,
                     "password": pw, "password_repeat": pw}))
        .await;
    assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
    c.post(json!({"component": "ak-stage-prompt", "name": "Grey Heron",
                  "email": format!("{username}@example.org")}))
        .await
        .json
}

/// Stored flow tokens (links not yet used).
async fn flow_tokens(app: &TestApp) -> i64 {
    let mut conn = app.store.conn().await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM flows_flowtoken")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

fn sent_error(ch: &Value) -> &str {
    ch["response_errors"]["non_field_errors"][0]["string"]
        .as_str()
        .unwrap_or_default()
}

db_test!(
    example_enrollment_with_email_verification,
    |app: TestApp| async move {
        let smtp = SmtpServer::start();
        let app = with_smtp(app, smtp.port);
        defaults(&app).await;
        example(&app, "flows-enrollment-email-verification.yaml").await;
        let mut c = FlowClient::new(&app, "default-enrollment-flow");
        let ch = enroll(&mut c, "heron").await;
        assert_eq!(ch["component"], "ak-stage-email", "{ch}");
        assert!(ch.get("response_errors").is_none(), "{ch}");
        let created = user_json(&app, "heron").await.unwrap();
        assert_eq!(created["is_active"], false, "inactive until verified");
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0]["rcpt_tos"], json!(["heron@example.org"]));
        assert_eq!(mail[0]["subject"], "authentik");
        assert_eq!(mail[0]["mail_from"], "castellan@example.org");
        assert!(mail[0]["html"].as_str().unwrap().contains("Confirm"));
        // Reloading the page does not send again; "send again" does.
        assert_eq!(c.get().await.json["component"], "ak-stage-email");
        let again = c.post(json!({"component": "ak-stage-email"})).await.json;
        assert_eq!(sent_error(&again), "email-sent", "{again}");
        let mail = smtp.wait_for(2).await;
        assert_eq!(mail.len(), 2);
        // The link opened in another browser finishes the enrollment and logs the user in.
        let mut link = open_link(&app, &mail[1]);
        let r = link.get().await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        let who = me(&app, &link).await;
        assert_eq!(who["user"]["username"], "heron", "{who}");
        assert_eq!(user_json(&app, "heron").await.unwrap()["is_active"], true);
        let r = app
            .admin("GET", "/api/v3/events/events/?action=email_sent", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 2, "{}", r.text);
        assert_eq!(
            r.json["results"][0]["context"]["to_email"],
            json!(["heron@example.org"])
        );
        // Each link works once.
        let mut reused = open_link(&app, &mail[1]);
        assert_eq!(reused.get().await.json["component"], "ak-stage-prompt");
    }
);

/// Runs the example recovery flow up to the email for `uid`; returns the client.
async fn start_recovery<'a>(app: &'a TestApp, uid: &str) -> FlowClient<'a> {
    let mut c = FlowClient::new(app, "default-recovery-flow");
    let r = c.get().await;
    assert_eq!(r.json["component"], "ak-stage-identification", "{}", r.text);
    let r = c
        .post(json!({"component": "ak-stage-identification", "uid_field": uid}))
        .await;
    assert_eq!(r.json["component"], "ak-stage-email", "{}", r.text);
    c
}

db_test!(
    example_recovery_with_email_verification,
    |app: TestApp| async move {
        let smtp = SmtpServer::start();
        let app = with_smtp(app, smtp.port);
        defaults(&app).await;
        example(&app, "flows-recovery-email-verification.yaml").await;
        user(&app, "heron", "Old-password-1").await;
        start_recovery(&app, "heron@example.org").await;
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0]["rcpt_tos"], json!(["heron@example.org"]));
        let text = mail[0]["text"].as_str().unwrap();
        assert!(text.contains("heron"), "{text}");
        let mut link = open_link(&app, &mail[0]);
        let r = link.get().await;
        assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
        let pw = "New-password-2";
        let r = link
            .post(json!({"component": "ak-stage-prompt", "password": pw, "password_repeat": pw}))
            .await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        assert_eq!(me(&app, &link).await["user"]["username"], "heron");
        let mut login = FlowClient::new(&app, "default-authentication-flow");
        let end = login.login("heron", pw).await;
        assert_eq!(end["component"], "xak-flow-redirect", "{end}");
        let mut old = FlowClient::new(&app, "default-authentication-flow");
        let end = old.login("heron", "Old-password-1").await;
        assert_ne!(end["component"], "xak-flow-redirect", "{end}");
        // An unknown identifier gets the same answer and no message.
        start_recovery(&app, "nobody@example.org").await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(smtp.messages().len(), 1);
    }
);

db_test!(recovery_link_expires, |app: TestApp| async move {
    let smtp = SmtpServer::start();
    let (app, clock) = with_clock(with_smtp(app, smtp.port));
    defaults(&app).await;
    example(&app, "flows-recovery-email-verification.yaml").await;
    user(&app, "heron", "Old-password-1").await;
    start_recovery(&app, "heron").await;
    start_recovery(&app, "heron").await;
    let mail = smtp.wait_for(2).await;
    // token_expiry is 30 minutes (authentik adds one).
    clock.advance(chrono::Duration::minutes(30));
    let r = open_link(&app, &mail[0]).get().await;
    assert_eq!(r.json["component"], "ak-stage-prompt", "still valid");
    clock.advance(chrono::Duration::minutes(2));
    let r = open_link(&app, &mail[1]).get().await;
    assert_eq!(
        r.json["component"], "ak-stage-identification",
        "expired: a new plan starts: {}",
        r.text
    );
});

db_test!(
    smtp_outage_is_shown_and_retried,
    |app: TestApp| async move {
        let port = free_port();
        let app = with_smtp(app, port);
        defaults(&app).await;
        example(&app, "flows-enrollment-email-verification.yaml").await;
        let mut c = FlowClient::new(&app, "default-enrollment-flow");
        let ch = enroll(&mut c, "heron").await;
        assert_eq!(ch["component"], "ak-stage-email", "{ch}");
        assert_eq!(sent_error(&ch), "Failed to send email.", "{ch}");
        let r = app.admin("GET", "/api/v3/core/users/", None).await;
        let count = r.json["pagination"]["count"].as_u64().unwrap();
        // Still down: the retry says so again.
        let ch = c.post(json!({"component": "ak-stage-email"})).await.json;
        assert_eq!(sent_error(&ch), "Failed to send email.", "{ch}");
        assert_eq!(flow_tokens(&app).await, 0, "no link without a message");
        // The server is back: retrying sends the link, which completes the enrollment.
        let smtp = SmtpServer::start_on(port);
        let ch = c.post(json!({"component": "ak-stage-email"})).await.json;
        assert_eq!(sent_error(&ch), "email-sent", "{ch}");
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail.len(), 1, "only the successful attempt left a link");
        assert_eq!(flow_tokens(&app).await, 1);
        let r = open_link(&app, &mail[0]).get().await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        let r = app.admin("GET", "/api/v3/core/users/", None).await;
        assert_eq!(r.json["pagination"]["count"].as_u64().unwrap(), count);
        assert_eq!(user_json(&app, "heron").await.unwrap()["is_active"], true);
    }
);

db_test!(email_templates_are_listed, |app: TestApp| async move {
    let r = app
        .admin("GET", "/api/v3/stages/email/templates/", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!([
            {"name": "email/password_reset.html", "description": "Password Reset",
             "component": "", "model_name": "", "requires_enterprise": false},
            {"name": "email/account_confirmation.html", "description": "Account Confirmation",
             "component": "", "model_name": "", "requires_enterprise": false},
        ])
    );
});

async fn set_brand_recovery(app: &TestApp, slug: &str) {
    let flow = crate::flow_support::flow(app, slug).await;
    let r = app.admin("GET", "/api/v3/core/brands/", None).await;
    let brand = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["default"] == true)
        .cloned()
        .unwrap_or_else(|| panic!("{}", r.text));
    let id = brand["brand_uuid"].as_str().unwrap();
    let r = app
        .admin(
            "PATCH",
            &format!("/api/v3/core/brands/{id}/"),
            Some(json!({"flow_recovery": flow["pk"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

db_test!(admin_mails_a_recovery_link, |app: TestApp| async move {
    let smtp = SmtpServer::start();
    let app = with_smtp(app, smtp.port);
    defaults(&app).await;
    example(&app, "flows-recovery-email-verification.yaml").await;
    set_brand_recovery(&app, "default-recovery-flow").await;
    let stage = crate::flow_support::stage_pk(&app, "default-recovery-email").await;
    let pk = user(&app, "heron", "Old-password-1").await;
    let url = format!("/api/v3/core/users/{pk}/recovery_email/?email_stage={stage}");
    let r = app
        .admin(
            "POST",
            &format!(
                "/api/v3/core/users/{pk}/recovery_email/?email_stage={}",
                uuid::Uuid::new_v4()
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"non_field_errors": ["Email stage does not exist."]})
    );
    assert_eq!(app.send("POST", &url, None, &[]).await.status, 403);
    let r = app.admin("POST", &url, None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["rcpt_tos"], json!(["heron@example.org"]));
    let mut link = open_link(&app, &mail[0]);
    // The example flow asks for the identifier again on a restored plan; the email stage
    // then passes for the user the link was issued for.
    let r = link.get().await;
    assert_eq!(r.json["component"], "ak-stage-identification", "{}", r.text);
    let r = link
        .post(json!({"component": "ak-stage-identification", "uid_field": "heron"}))
        .await;
    assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
    let pw = "New-password-2";
    let r = link
        .post(json!({"component": "ak-stage-prompt", "password": pw, "password_repeat": pw}))
        .await;
    assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
    let mut login = FlowClient::new(&app, "default-authentication-flow");
    assert_eq!(
        login.login("heron", pw).await["component"],
        "xak-flow-redirect"
    );
    // SMTP down: a clear error.
    drop(smtp);
    let r = app.admin("POST", &url, None).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"non_field_errors": ["Failed to send email."]})
    );
});

db_test!(expressions_send_email, |app: TestApp| async move {
    let smtp = SmtpServer::start();
    let app = with_smtp(app, smtp.port);
    let expression = "return ak_send_email(['a@example.org', 'b@example.org'], 'Hello', \
                      body='Plain ' + request.user.username) and \
                      ak_send_email('c@example.org', 'Templated', \
                      template='email/password_reset.html', \
                      context={'url': 'https://x/y', 'user': request.user, 'expires': 'soon'})";
    let p = crate::flow_support::create(
        &app,
        "/api/v3/policies/expression/",
        json!({"name": "mailer", "expression": expression}),
    )
    .await;
    let pk = p["pk"].as_str().unwrap();
    let r = app
        .admin(
            "POST",
            &format!("/api/v3/policies/all/{pk}/test/"),
            Some(json!({"user": app.admin_pk})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["passing"], true, "{}", r.text);
    let mail = smtp.wait_for(3).await;
    assert_eq!(mail.len(), 3);
    assert_eq!(mail[0]["text"].as_str().unwrap().trim(), "Plain akadmin");
    assert_eq!(mail[1]["rcpt_tos"], json!(["b@example.org"]));
    assert_eq!(mail[2]["subject"], "Templated");
    assert!(mail[2]["text"].as_str().unwrap().contains("https://x/y"));
});

/// The connection modes reach the server as configured: plain SMTP delivers, STARTTLS is
/// required when `use_tls` is set (aiosmtpd offers none here, so the send fails rather than
/// falling back to plain text), and `use_ssl` speaks TLS from the first byte.
#[tokio::test]
async fn connection_modes() {
    use castellan_web::email::{Outgoing, SmtpSettings, send};
    let smtp = SmtpServer::start();
    let base = SmtpSettings {
        host: "127.0.0.1".into(),
        port: smtp.port,
        from: "castellan@example.org".into(),
        timeout: std::time::Duration::from_secs(5),
        ..SmtpSettings::default()
    };
    let message = Outgoing {
        to_address: "jane@example.org".into(),
        subject: "modes".into(),
        text: "hello".into(),
        ..Outgoing::default()
    };
    send(&base, &message).await.unwrap();
    assert_eq!(smtp.wait_for(1).await.len(), 1);
    let starttls = SmtpSettings {
        use_tls: true,
        ..base.clone()
    };
    let e = send(&starttls, &message).await.unwrap_err().to_string();
    assert!(e.to_lowercase().contains("tls"), "{e}");
    let ssl = SmtpSettings {
        use_ssl: true,
        ..base.clone()
    };
    assert!(send(&ssl, &message).await.is_err());
    assert_eq!(smtp.messages().len(), 1, "nothing sent in clear text");
}

db_test!(
    a_restored_link_serves_only_its_user,
    |app: TestApp| async move {
        let smtp = SmtpServer::start();
        let app = with_smtp(app, smtp.port);
        defaults(&app).await;
        example(&app, "flows-recovery-email-verification.yaml").await;
        set_brand_recovery(&app, "default-recovery-flow").await;
        let heron = user(&app, "heron", "Old-password-1").await;
        user(&app, "olga", "Olga-password-1").await;
        let r = app
            .admin(
                "POST",
                &format!("/api/v3/core/users/{heron}/recovery/"),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let message = json!({"text": r.json["link"]});
        let mut link = open_link(&app, &message);
        let r = link.get().await;
        // The example flow shows identification again on a restored plan (its policy passes
        // when `is_restored` is set); someone holding heron's link names another account, and
        // the email stage refuses.
        assert_eq!(r.json["component"], "ak-stage-identification", "{}", r.text);
        let r = link
            .post(json!({"component": "ak-stage-identification", "uid_field": "olga"}))
            .await;
        assert_eq!(r.json["component"], "ak-stage-access-denied", "{}", r.text);
        assert!(smtp.messages().is_empty());
        let mut login = FlowClient::new(&app, "default-authentication-flow");
        let end = login.login("olga", "Olga-password-1").await;
        assert_eq!(end["component"], "xak-flow-redirect", "{end}");
    }
);

//! authentik's example blueprints, imported unchanged, run end to end: the two-stage
//! enrollment (prompt, prompt, user write, user login) enrolls a user who then logs in through
//! the default authentication flow, and the unenrollment flow deletes the logged-in user; bad
//! answers to the enrollment prompts are field errors and write nothing.
use std::collections::BTreeMap;

use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use castellan_web::blueprints::{self, BlueprintSet};
use serde_json::{Map, Value, json};

use super::me;
use crate::flow_support::{create, defaults, stage_pk, user};

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

/// Number of users.
pub async fn user_count(app: &TestApp) -> u64 {
    let r = app.admin("GET", "/api/v3/core/users/", None).await;
    r.json["pagination"]["count"].as_u64().unwrap()
}

fn first(username: &str, pw: &str, repeat: &str) -> Value {
    json!({"component": "ak-stage-prompt", "username": username, "password": pw,
           "password_repeat": repeat})
}

fn second(name: &str, email: &str) -> Value {
    json!({"component": "ak-stage-prompt", "name": name, "email": email})
}

db_test!(
    example_two_stage_enrollment_then_login,
    |app: TestApp| async move {
        defaults(&app).await;
        example(&app, "flows-enrollment-2-stage.yaml").await;
        let before = user_count(&app).await;
        let mut c = FlowClient::new(&app, "default-enrollment-flow");
        let r = c.get().await;
        assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
        let keys: Vec<&str> = r.json["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field_key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["username", "password", "password_repeat"]);
        let pw = "Enrolled-Heron-42";
        let r = c.post(first("heron", pw, pw)).await;
        assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
        assert_eq!(r.json["fields"][0]["field_key"], "name");
        assert_eq!(r.json["fields"][1]["field_key"], "email");
        let r = c.post(second("Grey Heron", "heron@example.org")).await;
        assert_eq!(
            r.json,
            json!({"component": "xak-flow-redirect", "to": "/"}),
            "{}",
            r.text
        );
        assert_eq!(user_count(&app).await, before + 1);
        let who = me(&app, &c).await;
        assert_eq!(
            who["user"]["username"], "heron",
            "logged in after enrolling"
        );
        assert_eq!(who["user"]["name"], "Grey Heron");
        assert_eq!(who["user"]["email"], "heron@example.org");
        assert_eq!(who["user"]["type"], "external", "user_write's default type");
        // A logged-in visitor may not enroll again (require_unauthenticated).
        assert_eq!(c.get().await.json["component"], "ak-stage-access-denied");
        let mut login = FlowClient::new(&app, "default-authentication-flow");
        let end = login.login("heron", pw).await;
        assert_eq!(end["component"], "xak-flow-redirect", "{end}");
        let mut wrong = FlowClient::new(&app, "default-authentication-flow");
        let end = wrong.login("heron", "not-the-password").await;
        assert_ne!(end["component"], "xak-flow-redirect", "{end}");
    }
);

db_test!(
    example_unenrollment_deletes_the_user,
    |app: TestApp| async move {
        defaults(&app).await;
        example(&app, "flows-unenrollment.yaml").await;
        let pk = user(&app, "leaver", "Leaver-pw-123").await;
        let before = user_count(&app).await;
        let mut session = FlowClient::new(&app, "default-authentication-flow");
        let end = session.login("leaver", "Leaver-pw-123").await;
        assert_eq!(end["component"], "xak-flow-redirect", "{end}");
        // Anonymous visitors are refused.
        let mut anon = FlowClient::new(&app, "default-unenrollment-flow");
        assert_eq!(anon.get().await.json["component"], "ak-stage-access-denied");
        let mut c = FlowClient::new(&app, "default-unenrollment-flow");
        c.cookies = session.cookies.clone();
        let r = c.get().await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        assert_eq!(user_count(&app).await, before - 1);
        let r = app
            .admin("GET", &format!("/api/v3/core/users/{pk}/"), None)
            .await;
        assert_eq!(r.status, 404);
    }
);

/// The example enrollment with a password policy on the first prompt stage and authentik's
/// documented "unique email" expression policy on the second.
async fn guarded_enrollment(app: &TestApp) {
    defaults(app).await;
    example(app, "flows-enrollment-2-stage.yaml").await;
    let pw = create(
        app,
        "/api/v3/policies/password/",
        json!({"name": "enroll-password", "length_min": 12, "amount_digits": 1,
               "error_message": "Use 12 characters or more, with a digit."}),
    )
    .await;
    let unique = create(
        app,
        "/api/v3/policies/expression/",
        json!({"name": "enroll-unique-email", "expression":
            "email = request.context['prompt_data']['email']\nif ak_user_by(email=email):\n    ak_message('Email address in use')\n    return False\nreturn True"}),
    )
    .await;
    for (name, policy) in [
        ("default-enrollment-prompt-first", &pw),
        ("default-enrollment-prompt-second", &unique),
    ] {
        let pk = stage_pk(app, name).await;
        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/stages/prompt/stages/{pk}/"),
                Some(json!({"validation_policies": [policy["pk"]]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

fn errors(r: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (field, list) in r["response_errors"].as_object().into_iter().flatten() {
        for e in list.as_array().into_iter().flatten() {
            out.push((
                field.clone(),
                e["string"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    out
}

db_test!(
    enrollment_bad_answers_write_nothing,
    |app: TestApp| async move {
        guarded_enrollment(&app).await;
        user(&app, "taken", "Taken-pw-12345").await;
        let before = user_count(&app).await;
        let good = "Good-password-2024";
        let long = "a".repeat(151);
        let cases: Vec<(Value, &str, &str)> = vec![
            (
                first("", good, good),
                "username",
                "This field may not be blank.",
            ),
            (
                json!({"component": "ak-stage-prompt", "username": ["x"], "password": good, "password_repeat": good}),
                "username",
                "Not a valid string.",
            ),
            (
                json!({"component": "ak-stage-prompt", "username": "x", "password": 12345678901234_i64, "password_repeat": good}),
                "non_field_errors",
                "Passwords don't match.",
            ),
            (
                json!({"component": "ak-stage-prompt", "username": "x", "password": {"a": 1}, "password_repeat": good}),
                "password",
                "Not a valid string.",
            ),
            (
                first(&long, good, good),
                "username",
                "Ensure this field has no more than 150 characters.",
            ),
            (
                first("taken", good, good),
                "username",
                "Username is already taken.",
            ),
            (
                first("akadmin", good, good),
                "username",
                "Username is already taken.",
            ),
            (
                first("newbie", good, "Good-password-2025"),
                "non_field_errors",
                "Passwords don't match.",
            ),
            (
                first("newbie", "short1", "short1"),
                "non_field_errors",
                "Use 12 characters or more, with a digit.",
            ),
            (
                first("newbie", "no-digits-at-all", "no-digits-at-all"),
                "non_field_errors",
                "Use 12 characters or more, with a digit.",
            ),
            (
                json!({"component": "ak-stage-prompt", "username": "newbie"}),
                "password",
                "This field is required.",
            ),
        ];
        let mut c = FlowClient::new(&app, "default-enrollment-flow");
        c.get().await;
        for (body, field, message) in &cases {
            let r = c.post(body.clone()).await;
            assert_eq!(r.status, 200, "{body}: {}", r.text);
            assert_eq!(r.json["component"], "ak-stage-prompt", "{body}: {}", r.text);
            let got = errors(&r.json);
            assert!(
                got.contains(&(field.to_string(), message.to_string())),
                "{body}: {got:?}"
            );
        }
        assert_eq!(user_count(&app).await, before, "nothing written");
        // The first prompt passes; the second one checks its own answers.
        let r = c.post(first("newbie", good, good)).await;
        assert_eq!(r.json["fields"][0]["field_key"], "name", "{}", r.text);
        let long_mail = format!("{}@example.org", "m".repeat(250));
        let cases: Vec<(Value, &str, &str)> = vec![
            (
                second("New", "not-an-email"),
                "email",
                "Enter a valid email address.",
            ),
            (
                second("New", &long_mail),
                "email",
                "Ensure this field has no more than 254 characters.",
            ),
            (
                second("New", "taken@example.org"),
                "non_field_errors",
                "Email address in use",
            ),
            (
                json!({"component": "ak-stage-prompt", "name": true, "email": "n@example.org"}),
                "name",
                "Not a valid string.",
            ),
            (
                json!({"component": "ak-stage-prompt", "name": null, "email": "n@example.org"}),
                "name",
                "This field may not be null.",
            ),
            (
                json!({"component": "ak-stage-prompt", "email": "n@example.org"}),
                "name",
                "This field is required.",
            ),
        ];
        for (body, field, message) in &cases {
            let r = c.post(body.clone()).await;
            assert_eq!(r.json["component"], "ak-stage-prompt", "{body}: {}", r.text);
            let got = errors(&r.json);
            assert!(
                got.contains(&(field.to_string(), message.to_string())),
                "{body}: {got:?}"
            );
        }
        assert_eq!(user_count(&app).await, before, "nothing written");
        let r = c.post(second("New Bie", "newbie@example.org")).await;
        assert_eq!(r.json["component"], "xak-flow-redirect", "{}", r.text);
        assert_eq!(user_count(&app).await, before + 1);
    }
);

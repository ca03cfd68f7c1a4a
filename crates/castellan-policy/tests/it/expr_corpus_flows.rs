//! Corpus cases: expression policies and prompt expressions of the flow blueprints.
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::expr_corpus::{Case, Expect, case};
use super::expr_support::{group, request, user};

fn plan_request(pending: Value) -> Value {
    let context =
        json!({"flow_plan": {"$type": "flow_plan", "context": {"pending_user": pending}}});
    json!({"request": request(user("alice", vec![]), context.clone()), "context": context})
}

fn settings(prompt: Value, groups: Vec<Value>) -> Value {
    let context = json!({"prompt_data": prompt});
    json!({"request": request(user("alice", groups), context.clone()), "context": context})
}

fn message(vars: Value, value: Value, messages: &'static [&'static str]) -> Case {
    Case {
        vars,
        expect: Expect::Value(value, messages),
    }
}

fn prompt(user_value: Value, expected: &str) -> Vec<Case> {
    vec![
        case(
            json!({"user": user_value, "request": Value::Null, "prompt_context": {}}),
            json!(expected),
        ),
        case(
            json!({"user": null, "request": Value::Null, "prompt_context": {}}),
            json!(""),
        ),
    ]
}

/// Cases of the flow blueprints, keyed like [`super::expr_corpus::corpus`].
pub fn flow_cases() -> BTreeMap<&'static str, Vec<Case>> {
    let alice = user("alice", vec![]);
    let mut with_backend = alice.clone();
    with_backend["backend"] = json!("authentik.core.auth.InbuiltBackend");
    let no_plan = json!({"request": request(alice.clone(), json!({})), "context": {}});
    let same = json!({"email": "alice@example.com", "name": "Alice Example", "username": "alice"});
    let renamed = json!({"email": "alice@example.com", "name": "Alice Example", "username": "bob"});
    let new_mail =
        json!({"email": "new@example.com", "name": "Alice Example", "username": "alice"});
    let may_rename = group(
        "renamers",
        json!({"goauthentik.io/user/can-change-username": true}),
    );
    let no_mail = group(
        "locked",
        json!({"goauthentik.io/user/can-change-email": false}),
    );
    let sso = |on: bool| json!({"ak_is_sso_flow": on, "request": request(alice.clone(), json!({})), "context": {}});
    let ctx = |c: Value| json!({"request": request(alice.clone(), c.clone()), "context": c});
    BTreeMap::from([
        (
            "default-authentication-flow-password-stage#expression",
            vec![
                case(plan_request(alice.clone()), json!(true)),
                case(plan_request(with_backend), json!(false)),
                case(no_plan, json!(true)),
            ],
        ),
        (
            "default-source-authentication-if-sso#expression",
            vec![case(sso(true), json!(true)), case(sso(false), json!(false))],
        ),
        (
            "default-source-enrollment-if-sso#expression",
            vec![case(sso(true), json!(true)), case(sso(false), json!(false))],
        ),
        (
            "default-source-enrollment-if-username#expression",
            vec![
                case(ctx(json!({"prompt_data": {"username": "x"}})), json!(false)),
                case(ctx(json!({"prompt_data": {"email": "x"}})), json!(true)),
                case(ctx(json!({})), json!(true)),
            ],
        ),
        (
            "default-user-settings-field-username#initial_value",
            prompt(alice.clone(), "alice"),
        ),
        (
            "default-user-settings-field-name#initial_value",
            prompt(alice.clone(), "Alice Example"),
        ),
        (
            "default-user-settings-field-email#initial_value",
            prompt(alice.clone(), "alice@example.com"),
        ),
        (
            "default-user-settings-field-locale#initial_value",
            prompt(alice.clone(), "de"),
        ),
        (
            "default-user-settings-authorization#expression",
            vec![
                case(settings(same.clone(), vec![]), json!(true)),
                message(
                    settings(renamed.clone(), vec![]),
                    json!(false),
                    &["Not allowed to change username."],
                ),
                case(settings(renamed, vec![may_rename]), json!(true)),
                case(settings(new_mail.clone(), vec![]), json!(true)),
                message(
                    settings(new_mail, vec![no_mail]),
                    json!(false),
                    &["Not allowed to change email address."],
                ),
            ],
        ),
        (
            "default-oobe-prefill-user#expression",
            vec![case(plan_request(Value::Null), json!(true))],
        ),
        (
            "default-oobe-password-usable#expression",
            vec![case(
                json!({"request": request(alice.clone(), json!({}))}),
                json!(false),
            )],
        ),
        (
            "default-oobe-flow-set-authentication#expression",
            vec![case(ctx(json!({})), json!(true))],
        ),
        (
            "test-not-app-password#expression",
            vec![
                case(ctx(json!({"auth_method": "password"})), json!(true)),
                case(ctx(json!({"auth_method": "app_password"})), json!(false)),
            ],
        ),
        (
            "default-recovery-skip-if-restored#expression",
            vec![
                case(ctx(json!({})), json!(true)),
                case(ctx(json!({"is_restored": false})), json!(false)),
                case(ctx(json!({"is_restored": "token"})), json!(true)),
            ],
        ),
    ])
}

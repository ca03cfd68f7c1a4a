//! The policy engine: all/any, empty, negate, disabled, failure results, group and user
//! bindings, ordering, messages, context hand-over, events and the test endpoint.
use castellan_core::application::PolicyEngineMode::{All, Any};
use castellan_core::policy::{BindingSubject, Policy};
use castellan_policy::engine::{PolicyEngine, evaluate, test_policy};
use castellan_policy::request::{GroupFacts, HttpFacts, PolicyRequest, UserFacts};
use castellan_policy::types::{self, PolicyError};
use serde_json::json;
use uuid::Uuid;

use crate::types_host::{FakeHost, binding, bound, expr, policy, request_with, user};

fn req() -> PolicyRequest {
    request_with(json!({}))
}

#[tokio::test]
async fn no_bindings_pass_in_both_modes_and_empty_result_can_fail() {
    let mut host = FakeHost::default();
    for mode in [All, Any] {
        let result = evaluate(&[], mode, &req(), &mut host).await;
        assert!(result.passing);
        assert!(result.messages.is_empty());
    }
    let result = PolicyEngine::new(Any, &mut host)
        .with_empty_result(false)
        .evaluate(&[], &req())
        .await;
    assert!(!result.passing);
}

#[tokio::test]
async fn all_needs_every_binding_any_needs_one() {
    let mut host = FakeHost::default();
    let mixed = vec![bound(expr("a", "pass"), 0), bound(expr("b", "fail"), 1)];
    let passing = vec![bound(expr("a", "pass"), 0), bound(expr("b", "pass"), 1)];
    let failing = vec![bound(expr("a", "fail"), 0), bound(expr("b", "fail"), 1)];
    assert!(!evaluate(&mixed, All, &req(), &mut host).await.passing);
    assert!(evaluate(&passing, All, &req(), &mut host).await.passing);
    assert!(evaluate(&mixed, Any, &req(), &mut host).await.passing);
    assert!(!evaluate(&failing, Any, &req(), &mut host).await.passing);
}

#[tokio::test]
async fn disabled_bindings_are_ignored_entirely() {
    let mut host = FakeHost::default();
    let mut off = bound(expr("off", "fail;msg:hidden"), 0);
    off.0.enabled = false;
    let result = evaluate(
        &[off.clone(), bound(expr("on", "pass"), 1)],
        All,
        &req(),
        &mut host,
    )
    .await;
    assert!(result.passing);
    assert!(result.messages.is_empty());
    assert_eq!(host.expression_runs, vec!["on"]);
    // Only disabled bindings: the empty result.
    let result = PolicyEngine::new(All, &mut host)
        .with_empty_result(false)
        .evaluate(&[off], &req())
        .await;
    assert!(!result.passing);
    assert_eq!(host.expression_runs, vec!["on"]);
}

#[tokio::test]
async fn negate_inverts_passing_and_keeps_messages() {
    let mut host = FakeHost::default();
    let mut b = bound(expr("n", "fail;msg:nope"), 0);
    b.0.negate = true;
    let result = evaluate(&[b], All, &req(), &mut host).await;
    assert!(result.passing);
    assert_eq!(result.messages, vec!["nope"]);
}

#[tokio::test]
async fn errors_yield_failure_result_with_the_error_text_and_an_event() {
    let mut host = FakeHost::default();
    let mut lenient = bound(expr("boom", "error:division by zero"), 0);
    lenient.0.failure_result = true;
    let result = evaluate(&[lenient.clone()], All, &req(), &mut host).await;
    assert!(result.passing);
    assert_eq!(result.messages, vec!["division by zero"]);
    assert_eq!(
        host.exceptions,
        vec![("boom".to_owned(), "division by zero".to_owned())]
    );
    // failure_result is used as is: negate does not apply to it (as in authentik).
    lenient.0.negate = true;
    assert!(evaluate(&[lenient], All, &req(), &mut host).await.passing);
    let strict = bound(expr("boom", "error:bad"), 0);
    let result = evaluate(&[strict], Any, &req(), &mut host).await;
    assert!(!result.passing);
    assert_eq!(result.messages, vec!["bad"]);
    assert_eq!(host.exceptions.len(), 3);
}

#[tokio::test]
async fn missing_policy_and_unknown_kind_fail_with_failure_result() {
    let mut host = FakeHost::default();
    let dangling = (
        binding(BindingSubject::Policy(Uuid::new_v4()), 0),
        None::<Policy>,
    );
    let result = evaluate(&[dangling], All, &req(), &mut host).await;
    assert!(!result.passing);
    assert_eq!(result.messages, vec!["Policy not found"]);
    assert!(host.exceptions.is_empty());

    let odd = policy("odd", "authentik_policies_foo.foopolicy", json!({}));
    let err = types::evaluate(&odd, &req(), &mut host).await;
    assert_eq!(
        err,
        Err(PolicyError::UnknownKind(
            "authentik_policies_foo.foopolicy".to_owned()
        ))
    );
    let mut b = bound(odd, 0);
    b.0.failure_result = true;
    let result = evaluate(&[b], All, &req(), &mut host).await;
    assert!(result.passing);
    assert_eq!(
        result.messages,
        vec!["Unknown policy type 'authentik_policies_foo.foopolicy'"]
    );
    assert_eq!(host.exceptions.len(), 1);
}

#[tokio::test]
async fn group_bindings_use_recursive_groups_and_user_bindings_the_pk() {
    let mut host = FakeHost::default();
    let parent = Uuid::new_v4();
    let mut request = req();
    request.user.groups = vec![GroupFacts {
        pk: parent,
        name: "admins".to_owned(),
        ..GroupFacts::default()
    }];
    let member = (binding(BindingSubject::Group(parent), 0), None);
    let other = (binding(BindingSubject::Group(Uuid::new_v4()), 0), None);
    assert!(
        evaluate(std::slice::from_ref(&member), All, &request, &mut host)
            .await
            .passing
    );
    assert!(!evaluate(&[other], All, &request, &mut host).await.passing);
    let mut negated = member;
    negated.0.negate = true;
    assert!(!evaluate(&[negated], All, &request, &mut host).await.passing);

    let me = (binding(BindingSubject::User(7), 0), None);
    let someone = (binding(BindingSubject::User(8), 0), None);
    assert!(
        evaluate(std::slice::from_ref(&me), All, &request, &mut host)
            .await
            .passing
    );
    assert!(!evaluate(&[someone], All, &request, &mut host).await.passing);
    let anonymous = PolicyRequest::new(UserFacts::anonymous());
    assert!(!evaluate(&[me], All, &anonymous, &mut host).await.passing);
}

#[tokio::test]
async fn bindings_run_in_order_and_messages_concatenate_in_that_order() {
    let mut host = FakeHost::default();
    let bindings = vec![
        bound(expr("third", "fail;msg:3"), 30),
        bound(expr("first", "fail;msg:1"), -5),
        bound(expr("second", "pass;msg:2a;msg:2b"), 10),
    ];
    let result = evaluate(&bindings, Any, &req(), &mut host).await;
    assert!(result.passing);
    assert_eq!(result.messages, vec!["1", "2a", "2b", "3"]);
    assert_eq!(host.expression_runs, vec!["first", "second", "third"]);
}

#[tokio::test]
async fn context_written_by_an_expression_reaches_later_bindings_and_the_caller() {
    let mut host = FakeHost::default();
    let bindings = vec![
        bound(expr("reader-before", "pass;has:redirect"), 0),
        bound(expr("writer", r#"pass;set:redirect="/next""#), 1),
        bound(expr("reader-after", "pass;has:redirect"), 2),
    ];
    let result = evaluate(&bindings, All, &req(), &mut host).await;
    assert!(!result.passing, "the first reader ran before the write");
    let context = result.context_updates.expect("context returned");
    assert_eq!(context.get("redirect"), Some(&json!("/next")));
    let later_only = vec![bindings[1].clone(), bindings[2].clone()];
    let result = evaluate(&later_only, All, &req(), &mut host).await;
    assert!(result.passing);
    // Nothing written → no context reported.
    let result = evaluate(&[bound(expr("p", "pass"), 0)], All, &req(), &mut host).await;
    assert_eq!(result.context_updates, None);
}

#[tokio::test]
async fn execution_logging_records_the_negated_result_but_not_in_debug() {
    let mut host = FakeHost::default();
    let mut logged = expr("logged", "fail");
    logged.execution_logging = true;
    let mut b = bound(logged, 0);
    b.0.negate = true;
    let bindings = vec![
        b,
        bound(expr("quiet", "pass"), 1),
        bound(expr("err", "error:x"), 2),
    ];
    evaluate(&bindings, All, &req(), &mut host).await;
    assert_eq!(host.executions, vec![("logged".to_owned(), true)]);
    assert_eq!(host.exceptions, vec![("err".to_owned(), "x".to_owned())]);

    let mut debug = req();
    debug.debug = true;
    let result = evaluate(&bindings, All, &debug, &mut host).await;
    assert_eq!(host.executions.len(), 1);
    assert_eq!(host.exceptions.len(), 1);
    assert!(
        result
            .log_messages
            .iter()
            .any(|l| l.contains("using failure result (x)"))
    );
}

#[tokio::test]
async fn http_requests_get_geoip_and_asn_in_the_context() {
    let mut host = FakeHost::default();
    host.geoip
        .insert("192.0.2.1".to_owned(), json!({"country": "DE"}));
    let mut request = req();
    request.http = Some(HttpFacts {
        client_ip: "192.0.2.1".to_owned(),
        ..HttpFacts::default()
    });
    let bindings = vec![
        bound(expr("geo", "pass;has:geoip"), 0),
        bound(expr("asn", "pass;has:asn;set:seen=true"), 1),
    ];
    let result = evaluate(&bindings, All, &request, &mut host).await;
    assert!(result.passing);
    let context = result.context_updates.expect("context");
    assert_eq!(context.get("geoip"), Some(&json!({"country": "DE"})));
    assert_eq!(context.get("asn"), Some(&json!(null)));
    // Without HTTP facts nothing is added.
    let result = evaluate(&bindings[..1], All, &req(), &mut host).await;
    assert!(!result.passing);
}

#[tokio::test]
async fn test_policy_runs_in_debug_and_reports_errors_as_failures() {
    let mut host = FakeHost::default();
    let ok = test_policy(&expr("t", "pass;msg:hi"), &req(), &mut host).await;
    assert!(ok.passing);
    assert_eq!(ok.messages, vec!["hi"]);
    assert!(
        ok.log_messages
            .first()
            .is_some_and(|l| l.contains("Running policy (policy=t)"))
    );
    assert!(
        ok.log_messages
            .last()
            .is_some_and(|l| l.contains("passing=true"))
    );

    let mut failing = expr("e", "error:name 'x' is not defined");
    failing.execution_logging = true;
    let err = test_policy(&failing, &req(), &mut host).await;
    assert!(!err.passing);
    assert_eq!(err.messages, vec!["name 'x' is not defined"]);
    assert!(host.exceptions.is_empty());
    assert!(host.executions.is_empty());
}

#[tokio::test]
async fn user_facts_tagged_json_carries_type_and_groups() {
    let mut u = user(3, "alice");
    u.groups.push(GroupFacts {
        pk: Uuid::nil(),
        name: "staff".to_owned(),
        attributes: json!({"a": 1}),
        is_superuser: true,
    });
    let tagged = u.to_tagged();
    assert_eq!(tagged["$type"], "user");
    assert_eq!(tagged["pk"], 3);
    assert_eq!(tagged["username"], "alice");
    assert_eq!(tagged["is_authenticated"], true);
    assert_eq!(tagged["groups"][0]["$type"], "group");
    assert_eq!(tagged["groups"][0]["name"], "staff");
    assert_eq!(tagged["groups"][0]["attributes"], json!({"a": 1}));
    let anon = UserFacts::anonymous();
    assert_eq!(anon.tagged["is_authenticated"], false);
    assert_eq!(anon.tagged["pk"], json!(null));
}

#[test]
fn engine_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let mut host = FakeHost::default();
    let request = req();
    let bindings = vec![bound(expr("a", "pass"), 0)];
    let run = evaluate(&bindings, All, &request, &mut host);
    assert_send(&run);
    drop(run);
    let dummy = policy("d", types::KIND_DUMMY, json!({}));
    let test = test_policy(&dummy, &request, &mut host);
    assert_send(&test);
}

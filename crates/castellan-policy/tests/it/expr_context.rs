//! Mutations the host must see: `context`, `request.context`, `context["flow_plan"].context`,
//! `user.attributes`; and the OOBE blueprint's host calls.
use serde_json::{Value, json};

use super::expr_corpus::corpus;
use super::expr_support::{TestHost, request, run, run_with, user};

fn plan_vars() -> Value {
    let context = json!({"flow_plan": {"$type": "flow_plan", "context": {"pending_user": null, "keep": 1}}, "other": "x"});
    json!({"request": request(user("alice", vec![]), context.clone()), "context": context})
}

#[tokio::test]
async fn flow_plan_context_mutation_is_returned() {
    let out = run(
        "context[\"flow_plan\"].context[\"redirect\"] = \"https://example.com/next\"\nreturn True",
        plan_vars(),
    )
    .await
    .expect("runs");
    assert_eq!(out.value, json!(true));
    let plan = &out.vars["context"]["flow_plan"];
    assert_eq!(plan["$type"], json!("flow_plan"));
    assert_eq!(
        plan["context"]["redirect"],
        json!("https://example.com/next")
    );
    assert_eq!(plan["context"]["keep"], json!(1), "untouched keys survive");
    assert_eq!(out.vars["context"]["other"], json!("x"));
    assert_eq!(
        out.vars["request"]["context"], out.vars["context"],
        "request.context is context"
    );
}

#[tokio::test]
async fn request_context_and_context_are_the_same_dict() {
    let out = run(
        "request.context[\"a\"] = 1\ncontext[\"b\"] = 2\nreturn request.context is context and context[\"a\"] == 1",
        plan_vars(),
    )
    .await
    .expect("runs");
    assert_eq!(out.value, json!(true));
    assert_eq!(out.vars["context"]["a"], json!(1));
    assert_eq!(out.vars["context"]["b"], json!(2));
    assert_eq!(out.vars["request"]["context"]["b"], json!(2));

    let only_request = run("request.context[\"seen\"] = True\nreturn None", plan_vars())
        .await
        .expect("runs");
    assert_eq!(
        only_request.vars["context"]["seen"],
        json!(true),
        "context follows request.context"
    );
    let only_context = run("context.pop(\"other\")\nreturn None", plan_vars())
        .await
        .expect("runs");
    assert!(
        only_context.vars["request"]["context"]
            .get("other")
            .is_none(),
        "deletions are visible too"
    );
}

#[tokio::test]
async fn user_attribute_writes_come_back_with_groups_intact() {
    let groups = vec![super::expr_support::group("admins", json!({}))];
    let vars = json!({"user": user("alice", groups)});
    let out = run(
        "user.attributes[\"seen\"] = True\nuser.name = \"Renamed\"\nreturn user.attributes",
        vars,
    )
    .await
    .expect("runs");
    assert_eq!(
        out.value,
        json!({"settings": {"locale": "de"}, "seen": true})
    );
    let user_out = &out.vars["user"];
    assert_eq!(user_out["attributes"]["seen"], json!(true));
    assert_eq!(user_out["name"], json!("Renamed"));
    assert_eq!(
        user_out["groups"][0]["name"],
        json!("admins"),
        "keys not copied in survive"
    );
    assert_eq!(user_out["$type"], json!("user"));
    assert!(
        user_out.get("ak_groups").is_none(),
        "synthesized attributes are not written back"
    );
}

#[tokio::test]
async fn pure_expressions_leave_vars_untouched() {
    let vars = plan_vars();
    let out = run("return context.get(\"other\")", vars.clone())
        .await
        .expect("runs");
    assert_eq!(out.value, json!("x"));
    assert_eq!(Value::Object(out.vars), vars);
}

#[tokio::test]
async fn oobe_prefill_sets_pending_user_from_host() {
    let corpus = corpus();
    let source = &corpus["default-oobe-prefill-user#expression"];
    let mut host = TestHost {
        user_by: user("akadmin", vec![]),
        ..TestHost::default()
    };
    let out = run_with(source, plan_vars(), &mut host)
        .await
        .expect("runs");
    assert_eq!(out.value, json!(true));
    assert_eq!(host.calls.len(), 1);
    assert_eq!(host.calls[0].0, "ak_user_by");
    assert_eq!(
        Value::Object(host.calls[0].2.clone()),
        json!({"username": "akadmin"})
    );
    let pending = &out.vars["context"]["flow_plan"]["context"]["pending_user"];
    assert_eq!(pending["username"], json!("akadmin"));
    assert_eq!(pending["$type"], json!("user"));
}

#[tokio::test]
async fn oobe_password_usable_reads_the_host_user() {
    let corpus = corpus();
    let source = &corpus["default-oobe-password-usable#expression"];
    let mut unusable = user("akadmin", vec![]);
    unusable["has_usable_password"] = json!(false);
    let mut host = TestHost {
        user_by: unusable,
        ..TestHost::default()
    };
    let out = run_with(source, json!({}), &mut host).await.expect("runs");
    assert_eq!(out.value, json!(true));
}

#[tokio::test]
async fn oobe_flow_update_calls_model_update() {
    let corpus = corpus();
    let source = &corpus["default-oobe-flow-set-authentication#expression"];
    let mut host = TestHost::default();
    let out = run_with(source, json!({}), &mut host).await.expect("runs");
    assert_eq!(out.value, json!(true));
    assert_eq!(host.calls.len(), 1);
    let (name, args, kwargs) = &host.calls[0];
    assert_eq!(name, "model_update");
    assert_eq!(
        Value::Array(args.clone()),
        json!(["authentik_flows.flow", {"slug": "initial-setup"}, {"authentication": "require_superuser"}])
    );
    assert!(kwargs.is_empty());
}

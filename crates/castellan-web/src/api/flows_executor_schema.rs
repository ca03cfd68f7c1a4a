//! OpenAPI description of the flow executor and its neighbours (served by `crate::flow`):
//! `flows/executor/`, `flows/inspector/`, `flows/instances/{slug}/execute/` and
//! `policies/all/{policy_uuid}/test/`, with their component schemas.
use serde_json::{Value, json};

use super::challenges_schema;
use crate::openapi::{Operation, OperationExtra, RequestBody};

const EXECUTOR: &str = "/flows/executor/{flow_slug}/";
const INSPECTOR: &str = "/flows/inspector/{flow_slug}/";
const EXECUTE: &str = "/flows/instances/{slug}/execute/";
const POLICY_TEST: &str = "/policies/all/{policy_uuid}/test/";

/// Documented operations.
pub const OPERATIONS: &[Operation] = &[
    (
        "get",
        EXECUTOR,
        "flows_executor_get",
        "flows",
        Some("ChallengeTypes"),
        200,
    ),
    (
        "post",
        EXECUTOR,
        "flows_executor_solve",
        "flows",
        Some("ChallengeTypes"),
        200,
    ),
    (
        "get",
        INSPECTOR,
        "flows_inspector_get",
        "flows",
        Some("FlowInspection"),
        200,
    ),
    (
        "get",
        EXECUTE,
        "flows_instances_execute_retrieve",
        "flows",
        Some("Link"),
        200,
    ),
    (
        "post",
        POLICY_TEST,
        "policies_all_test_create",
        "policies",
        Some("PolicyTestResult"),
        200,
    ),
];

/// Request bodies (the executor's is optional: a GET-like POST without one is answered).
pub const REQUEST_BODIES: &[RequestBody] = &[
    ("post", EXECUTOR, "FlowChallengeResponseRequest", false),
    ("post", POLICY_TEST, "PolicyTestRequest", true),
];

fn executor_extra() -> Value {
    json!({
        "parameters": [{"in": "query", "name": "query", "schema": {"type": "string"},
                        "description": "Querystring as received", "required": true}],
        // Anonymous callers run flows too (login).
        "security": [{"authentik": []}, {}],
    })
}

fn bad_request(description: &str) -> Value {
    json!({"responses": {"400": {"description": description}}})
}

fn inspector_extra() -> Value {
    bad_request("No flow plan in session.")
}

fn execute_extra() -> Value {
    bad_request("Flow not applicable")
}

fn policy_test_extra() -> Value {
    bad_request("Invalid parameters")
}

/// What the tables cannot say: the executor's `query` parameter and anonymous access, and the
/// 400 answers without a body.
pub const EXTRAS: &[OperationExtra] = &[
    ("get", EXECUTOR, executor_extra),
    ("post", EXECUTOR, executor_extra),
    ("get", INSPECTOR, inspector_extra),
    ("get", EXECUTE, execute_extra),
    ("post", POLICY_TEST, policy_test_extra),
];

/// Component schemas of these operations (the challenges' come from `challenges_schema`).
pub fn schemas() -> Vec<(String, Value)> {
    let r = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
    let binding = json!({"allOf": [r("FlowStageBinding")], "readOnly": true});
    let mut out = vec![
        (
            "FlowInspection".to_string(),
            json!({"type": "object", "properties": {
                "plans": {"type": "array", "items": r("FlowInspectorPlan")},
                "current_plan": r("FlowInspectorPlan"),
                "is_completed": {"type": "boolean"},
            }, "required": ["is_completed", "plans"]}),
        ),
        (
            "FlowInspectorPlan".to_string(),
            json!({"type": "object", "properties": {
                "current_stage": binding,
                "next_planned_stage": binding,
                "plan_context": {"type": "object", "additionalProperties": {}, "readOnly": true},
                "session_id": {"type": "string", "readOnly": true},
            }, "required": ["current_stage", "next_planned_stage", "plan_context", "session_id"]}),
        ),
        (
            "Link".to_string(),
            json!({"type": "object", "properties": {"link": {"type": "string"}}, "required": ["link"]}),
        ),
        (
            "PolicyTestRequest".to_string(),
            json!({"type": "object", "properties": {
                "user": {"type": "integer"},
                "context": {"type": "object", "additionalProperties": {}},
            }, "required": ["user"]}),
        ),
    ];
    out.extend(challenges_schema::schemas());
    out
}

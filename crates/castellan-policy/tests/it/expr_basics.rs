//! Basic expression behaviour: return values, helpers, messages, errors.
use serde_json::json;

use super::expr_support::{group, request, run, user};

#[tokio::test]
async fn returns_value_and_group_membership() {
    let req = request(
        user(
            "alice",
            vec![group("admins", json!({})), group("staff", json!({}))],
        ),
        json!({}),
    );
    let out = run(
        "return ak_is_group_member(request.user, name=\"admins\")",
        json!({"request": req}),
    )
    .await;
    assert_eq!(out.map(|o| o.value), Ok(json!(true)));
    let out = run(
        "return ak_is_group_member(request.user, name=\"nope\")",
        json!({"request": req}),
    )
    .await;
    assert_eq!(out.map(|o| o.value), Ok(json!(false)));
}

//! The compile cache and the thread-safety of compiled expressions.
use std::sync::Arc;

use castellan_policy::expr::{Budget, ExprCache, ExprInputs, Expression, NoHost};
use serde_json::json;

fn assert_send_sync<T: Send + Sync + Clone>() {}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn expressions_are_send_sync_and_evaluation_futures_are_send() {
    assert_send_sync::<Expression>();
    assert_send_sync::<Arc<ExprCache>>();
    let expr = Expression::compile("return 1").expect("compiles");
    let mut host = NoHost;
    let budget = Budget::default();
    let future = expr.evaluate(ExprInputs::new(), &mut host, &budget);
    assert_send(&future);
}

#[test]
fn cache_compiles_once_and_evicts_oldest() {
    let cache = ExprCache::new(2);
    let a = cache.get("return 1").expect("compiles");
    let again = cache.get("return 1").expect("cached");
    assert_eq!(a.source(), again.source());
    assert_eq!(cache.len(), 1);
    assert!(cache.get("return (").is_err());
    assert_eq!(cache.len(), 1, "errors are not cached");
    cache.get("return 2").expect("compiles");
    cache.get("return 3").expect("compiles");
    assert_eq!(cache.len(), 2);
}

#[tokio::test]
async fn one_expression_serves_many_input_shapes_concurrently() {
    let expr = Expression::compile("return (user.username if user else 'nobody') + str(extra)")
        .expect("compiles");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let expr = expr.clone();
        tasks.push(tokio::spawn(async move {
            let inputs = if i % 2 == 0 {
                ExprInputs::new()
                    .with("user", super::expr_support::user("alice", vec![]))
                    .with("extra", json!(i))
            } else {
                ExprInputs::new()
                    .with("user", json!(null))
                    .with("extra", json!(i))
                    .with("unused", json!({"a": 1}))
            };
            expr.evaluate(inputs, &mut NoHost, &Budget::default())
                .await
                .map(|o| o.value)
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let expected = if i % 2 == 0 {
            format!("alice{i}")
        } else {
            format!("nobody{i}")
        };
        assert_eq!(task.await.expect("joins"), Ok(json!(expected)));
    }
    assert!(expr.is_pure());
    assert!(expr.referenced_names().contains(&"user".to_owned()));
}

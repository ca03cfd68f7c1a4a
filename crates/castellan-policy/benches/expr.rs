//! Expression-engine throughput: compiles `return ak_is_group_member(request.user,
//! name="admins")` once and evaluates it N times on one thread with a realistic request (a
//! user in 5 groups, an HTTP request, a flow context), printing evaluations per second.
//!
//! Run with `cargo bench -p castellan-policy --bench expr` (optionally `-- <iterations>`).
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use castellan_policy::expr::{Budget, ExprInputs, Expression, NoHost};
use serde_json::{Value, json};

/// Polls a future that never waits on I/O (the engine with [`NoHost`]) to completion.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn inputs() -> ExprInputs {
    let groups: Vec<Value> = ["staff", "developers", "vpn-users", "admins", "auditors"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            json!({"$type": "group", "pk": format!("3f1c2a6e-0000-4000-8000-00000000000{i}"), "name": name,
                   "attributes": {"goauthentik.io/user/can-change-name": true, "quota": i}, "is_superuser": false})
        })
        .collect();
    let user = json!({
        "$type": "user", "pk": 42, "uid": "2c5d8f...", "username": "alice", "name": "Alice Example",
        "email": "alice@example.com", "is_active": true, "is_superuser": false,
        "attributes": {"settings": {"locale": "en"}, "department": "R&D"}, "path": "users", "type": "internal",
        "groups": groups, "has_usable_password": true
    });
    let context = json!({
        "pending_user": user.clone(), "prompt_data": {"username": "alice"}, "is_sso": false,
        "geoip": {"continent": "EU", "country": "DE", "lat": 52.5, "long": 13.4, "city": "Berlin"},
        "flow_plan": {"$type": "flow_plan", "context": {"redirect": "/if/user/"}}
    });
    let request = json!({
        "$type": "policy_request", "user": user, "obj": null, "context": context.clone(),
        "http_request": {"$type": "http_request", "client_ip": "10.0.0.1", "path": "/if/flow/default/", "method": "GET",
            "headers": {"user-agent": "bench"}, "tenant": {"default_user_change_email": true}}
    });
    ExprInputs::new()
        .with("request", request)
        .with("context", context)
        .with("ak_is_sso_flow", json!(false))
        .with("ak_client_ip", json!("10.0.0.1"))
}

fn main() {
    let iterations: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50_000);
    let expr = match Expression::compile("return ak_is_group_member(request.user, name=\"admins\")")
    {
        Ok(expr) => expr,
        Err(e) => panic!("compile failed: {e}"),
    };
    let template = inputs();
    let budget = Budget::default();
    let mut host = NoHost;
    // Warm up (first evaluation compiles the module for this input shape).
    for _ in 0..100 {
        let out = block_on(expr.evaluate(template.clone(), &mut host, &budget));
        assert_eq!(out.map(|o| o.value), Ok(json!(true)));
    }
    let started = Instant::now();
    for _ in 0..iterations {
        let out = block_on(expr.evaluate(template.clone(), &mut host, &budget));
        assert!(matches!(out, Ok(ref o) if o.value == json!(true)));
    }
    let elapsed = started.elapsed();
    let clone_started = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(template.clone());
    }
    let clone_time = clone_started.elapsed();
    let per_second = f64::from(iterations) / elapsed.as_secs_f64();
    println!(
        "expr bench: {iterations} evaluations in {elapsed:?}: {per_second:.0} evaluations/s ({:.1} µs each, inputs clone included)",
        elapsed.as_secs_f64() * 1e6 / f64::from(iterations)
    );
    println!(
        "  of which building the inputs (cloning the JSON): {:.1} µs; the engine alone: {:.0} evaluations/s",
        clone_time.as_secs_f64() * 1e6 / f64::from(iterations),
        f64::from(iterations) / (elapsed.saturating_sub(clone_time)).as_secs_f64()
    );
}

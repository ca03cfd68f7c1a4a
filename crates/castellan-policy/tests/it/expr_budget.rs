//! The budget: time (uncatchable), allocation size, recursion, host calls.
use std::time::{Duration, Instant};

use castellan_policy::expr::{Budget, ExprError, ExprInputs, Expression, NoHost};
use serde_json::json;

async fn run_budget(source: &str, budget: &Budget) -> Result<serde_json::Value, ExprError> {
    let expr = Expression::compile(source)?;
    expr.evaluate(ExprInputs::new(), &mut NoHost, budget)
        .await
        .map(|o| o.value)
}

#[tokio::test]
async fn infinite_loops_time_out_within_the_budget() {
    let budget = Budget::with_time(Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(
        run_budget("while True: pass", &budget).await,
        Err(ExprError::Timeout)
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let source = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass";
    assert_eq!(
        run_budget(source, &budget).await,
        Err(ExprError::Timeout),
        "user code cannot catch it"
    );

    let started = Instant::now();
    assert_eq!(
        run_budget(
            "while True:\n    ak_message('x')",
            &Budget {
                max_host_calls: usize::MAX,
                ..budget.clone()
            }
        )
        .await,
        Err(ExprError::Timeout)
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "helper time counts: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn default_budget_is_one_second() {
    let started = Instant::now();
    assert_eq!(
        run_budget("while True: pass", &Budget::default()).await,
        Err(ExprError::Timeout)
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn huge_allocations_fail_without_crashing() {
    let budget = Budget::default();
    for source in [
        "return 'x' * 10**10",
        "return [0] * 10**10",
        "return 2 ** (10**10)",
        "return 'ab'.center(10**10)",
    ] {
        let out = run_budget(source, &budget).await;
        assert!(
            matches!(&out, Err(ExprError::Resource(m)) if m.contains("memory limit")),
            "{source}: {out:?}"
        );
    }
    let out = run_budget(
        "try:\n    x = 'x' * 10**10\nexcept MemoryError:\n    return 'caught'",
        &budget,
    )
    .await;
    assert!(
        matches!(out, Err(ExprError::Resource(_))),
        "not catchable: {out:?}"
    );
}

#[tokio::test]
async fn recursion_and_deep_values_are_bounded() {
    let budget = Budget::default();
    let out = run_budget("def f(n):\n    return f(n + 1)\nreturn f(0)", &budget).await;
    assert!(
        matches!(&out, Err(ExprError::Runtime { message, .. }) if message.starts_with("RecursionError")),
        "{out:?}"
    );
    let out = run_budget(
        "x = []\nfor i in range(100000):\n    x = [x]\nreturn x",
        &budget,
    )
    .await;
    assert!(
        out.is_ok(),
        "a deeply nested result is cut off, not a crash: {out:?}"
    );
    let out = run_budget(
        "x = []\nfor i in range(100000):\n    x = [x]\nreturn len(str(x)) > 0",
        &budget,
    )
    .await;
    assert_eq!(out, Ok(json!(true)));
}

#[tokio::test]
async fn host_call_count_is_bounded() {
    let budget = Budget {
        max_host_calls: 10,
        ..Budget::default()
    };
    let out = run_budget(
        "for i in range(100):\n    ak_message(str(i))\nreturn True",
        &budget,
    )
    .await;
    assert!(
        matches!(&out, Err(ExprError::Resource(m)) if m.contains("host calls")),
        "{out:?}"
    );
    let out = run_budget(
        "for i in range(5):\n    ak_message(str(i))\nreturn True",
        &budget,
    )
    .await;
    assert_eq!(out, Ok(json!(true)));
}

#[tokio::test]
async fn sandbox_has_no_os_access() {
    let out = run_budget(
        "from pathlib import Path\nreturn Path('/etc/passwd').read_text()",
        &Budget::default(),
    )
    .await;
    assert!(matches!(out, Err(ExprError::Compile { .. })), "{out:?}");
    let out = run_budget("return open('/etc/passwd').read()", &Budget::default()).await;
    assert!(matches!(&out, Err(ExprError::Runtime { .. })), "{out:?}");
}

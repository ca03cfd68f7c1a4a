//! Compile errors (with line and hint) and runtime errors (Python-style, with line).
use castellan_policy::expr::{ExprError, Expression};
use serde_json::json;

use super::expr_support::run;

fn compile_error(source: &str) -> (String, u32) {
    match Expression::compile(source) {
        Err(ExprError::Compile { message, line }) => (message, line),
        other => panic!("{source:?}: expected a compile error, got {other:?}"),
    }
}

#[test]
fn syntax_errors_point_at_the_line() {
    let (message, line) = compile_error("x = 1\nif x\n    return 2");
    assert_eq!(line, 2);
    assert!(message.starts_with("SyntaxError:"), "{message}");
}

#[test]
fn unsupported_imports_say_what_to_do() {
    let (message, line) = compile_error("x = 1\nimport requests\nreturn x");
    assert_eq!(line, 2);
    assert!(
        message.contains("module 'requests' is not available")
            && message.contains("outbound network"),
        "{message}"
    );

    let (message, _) =
        compile_error("from authentik.stages.email.models import EmailStage\nreturn 1");
    assert!(
        message.contains("authentik") && message.contains("ak_user_by"),
        "{message}"
    );

    let (message, _) = compile_error("from authentik.core.models import Brand\nreturn 1");
    assert!(
        message.contains("cannot import name 'Brand'")
            && message.contains("USER_ATTRIBUTE_CHANGE_EMAIL"),
        "{message}"
    );

    let (message, line) = compile_error("import os\nreturn os.environ");
    assert_eq!(line, 1);
    assert!(message.contains("sandbox"), "{message}");

    let (message, _) = compile_error("return requests.get('https://example.com').json()");
    assert!(message.contains("`requests`"), "{message}");
}

#[test]
fn unsupported_constructs_fail_at_compile_time() {
    let (message, line) = compile_error("x = 1\ny = yield x\nreturn y");
    assert_eq!(line, 2);
    assert!(
        message.contains("`yield` can only be used as a statement"),
        "{message}"
    );

    let (message, line) = compile_error("a = 1\nmatch a:\n    case 1:\n        return 1");
    assert_eq!(line, 2);
    assert!(message.contains("not supported"), "{message}");

    let (message, line) = compile_error("class A(dict):\n    pass\nreturn A()");
    assert_eq!(line, 1);
    assert!(message.contains("inheritance"), "{message}");
}

#[test]
fn native_modules_and_supported_syntax_compile() {
    for source in [
        "import re, json, datetime, math, base64\nreturn 1",
        "from collections import Counter\nreturn Counter('aab')['a']",
        "from __future__ import annotations\nreturn 1",
        "def helper(x):\n    return x * 2\nreturn helper(2)",
        "x = lambda v: v + 1\nreturn x(1)",
        "global counter\ncounter = 1\nreturn counter",
        "",
        "# only a comment",
    ] {
        assert!(
            Expression::compile(source).is_ok(),
            "{source:?}: {:?}",
            Expression::compile(source)
        );
    }
}

#[tokio::test]
async fn runtime_errors_are_python_style_with_line() {
    let out = run("x = 1\nreturn undefined_name", json!({})).await;
    assert_eq!(
        out,
        Err(ExprError::Runtime {
            message: "NameError: name 'undefined_name' is not defined".to_owned(),
            line: Some(2)
        })
    );
    let out = run("return {}['k']", json!({})).await;
    assert!(
        matches!(&out, Err(ExprError::Runtime { message, line: Some(1) }) if message.starts_with("KeyError")),
        "{out:?}"
    );
    let out = run("def f():\n    return 1 / 0\n\nreturn f()", json!({})).await;
    assert!(
        matches!(&out, Err(ExprError::Runtime { message, line: Some(2) }) if message.starts_with("ZeroDivisionError")),
        "{out:?}"
    );
    let out = run("return request.user", json!({})).await;
    assert!(
        matches!(&out, Err(ExprError::Runtime { message, .. }) if message.contains("'request' is not defined")),
        "{out:?}"
    );
    let out = run(
        "return user.missing",
        json!({"user": super::expr_support::user("a", vec![])}),
    )
    .await;
    assert!(
        matches!(&out, Err(ExprError::Runtime { message, .. }) if message.starts_with("AttributeError")),
        "{out:?}"
    );
}

#[tokio::test]
async fn host_failures_are_catchable_or_reported() {
    let out = run(
        "return reverse_dns('1.2.3.4') + resolve_dns('x')[0]",
        json!({}),
    )
    .await;
    assert_eq!(out.map(|o| o.value), Ok(json!("host.example10.0.0.1")));
    let out = run("return ak_user_by(username='x')", json!({})).await;
    assert_eq!(out.map(|o| o.value), Ok(json!(null)));
    let out = run(
        "user = ak_user_by(username='x')\nreturn user.username",
        json!({}),
    )
    .await;
    assert!(
        matches!(&out, Err(ExprError::Runtime { message, .. }) if message.starts_with("AttributeError")),
        "{out:?}"
    );
    let out = run(
        "from authentik.core.models import User\nreturn User.objects.create(username='x')",
        json!({}),
    )
    .await;
    assert!(
        matches!(&out, Err(ExprError::Runtime { message, .. }) if message.starts_with("NotImplementedError")),
        "{out:?}"
    );
    let out = run(
        "return user.locale_missing_method()",
        json!({"user": super::expr_support::user("a", vec![])}),
    )
    .await;
    assert_eq!(
        out,
        Err(ExprError::Host(
            "unknown host function user.locale_missing_method".to_owned()
        ))
    );
    let out = run(
        "try:\n    user.locale_missing_method()\nexcept Exception as e:\n    return 'caught'",
        json!({"user": super::expr_support::user("a", vec![])}),
    )
    .await;
    assert_eq!(out.map(|o| o.value), Ok(json!("caught")));
}

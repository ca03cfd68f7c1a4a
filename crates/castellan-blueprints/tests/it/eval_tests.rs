//! Tag evaluation semantics, one tag at a time.

use std::collections::BTreeMap;

use castellan_blueprints::{
    EvalContext, EvalError, KeyRef, Mark, Node, RegistryResolver, eval, parse, percent_format,
    py_str, truthy,
};
use serde_json::{Value, json};

use crate::memory::MemoryRegistry;

/// Parses `value` (one line of flow YAML) as an attribute and evaluates it.
async fn ev_with(
    value: &str,
    cx: &mut EvalContext,
    reg: &mut MemoryRegistry,
) -> Result<Value, EvalError> {
    let text = format!(
        "version: 1\nentries:\n- model: a.b\n  identifiers: {{k: 1}}\n  attrs:\n    v: {value}\n"
    );
    let bp = parse(&text).unwrap_or_else(|e| panic!("{value}: {e:?}"));
    let node: Node = bp.entries[0].attrs.get("v").cloned().expect("v");
    eval(&node, cx, &mut RegistryResolver(reg)).await
}

async fn ev(value: &str) -> Result<Value, EvalError> {
    ev_with(
        value,
        &mut EvalContext::default(),
        &mut MemoryRegistry::new(),
    )
    .await
}

async fn ok(value: &str) -> Value {
    ev(value).await.unwrap_or_else(|e| panic!("{value}: {e}"))
}

fn env(pairs: &[(&str, &str)]) -> EvalContext {
    let mut cx = EvalContext::default();
    cx.env = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    cx
}

#[tokio::test]
async fn env_reads_only_the_injected_map() {
    let mut reg = MemoryRegistry::new();
    let mut cx = env(&[("NAME", "value"), ("EMPTY", "")]);
    assert_eq!(
        ev_with("!Env NAME", &mut cx, &mut reg).await,
        Ok(json!("value"))
    );
    assert_eq!(
        ev_with("!Env [NAME, d]", &mut cx, &mut reg).await,
        Ok(json!("value"))
    );
    assert_eq!(
        ev_with("!Env MISSING", &mut cx, &mut reg).await,
        Ok(Value::Null)
    );
    assert_eq!(
        ev_with("!Env [MISSING, 5]", &mut cx, &mut reg).await,
        Ok(json!(5))
    );
    assert_eq!(
        ev_with("!Env [EMPTY, fallback]", &mut cx, &mut reg).await,
        Ok(json!("fallback"))
    );
    assert_eq!(
        ev_with("!Env PATH", &mut cx, &mut reg).await,
        Ok(Value::Null)
    );
}

#[tokio::test]
async fn context_values_and_defaults_with_nested_tags() {
    let mut cx = env(&[("E", "from-env")]);
    let bp =
        parse("version: 1\ncontext:\n  plain: 1\n  tagged: !Env E\nentries: []\n").expect("ctx");
    cx.context = bp.context.clone();
    let mut reg = MemoryRegistry::new();
    assert_eq!(
        ev_with("!Context plain", &mut cx, &mut reg).await,
        Ok(json!(1))
    );
    assert_eq!(
        ev_with("!Context tagged", &mut cx, &mut reg).await,
        Ok(json!("from-env"))
    );
    assert_eq!(
        ev_with("!Context [missing, [a]]", &mut cx, &mut reg).await,
        Ok(json!(["a"]))
    );
    assert_eq!(
        ev_with("!Context missing", &mut cx, &mut reg).await,
        Ok(Value::Null)
    );
}

#[tokio::test]
async fn format_is_python_percent_formatting() {
    assert_eq!(
        ok("!Format ['%s.view_%s', app, flow]").await,
        json!("app.view_flow")
    );
    assert_eq!(
        ok("!Format ['%d%% of %s', 5.7, [1, 'a']]").await,
        json!("5% of [1, 'a']")
    );
    assert_eq!(
        ok("!Format ['%s/%s/%s', null, true, 1.0]").await,
        json!("None/True/1.0")
    );
    let e = ev("!Format ['%s %s', one]").await.expect_err("too few");
    assert_eq!(
        e.message,
        "`!Format`: not enough arguments for format string"
    );
    assert_eq!(e.mark, Mark::new(6, 8));
    let e = ev("!Format ['%s', a, b]").await.expect_err("too many");
    assert!(
        e.message
            .ends_with("not all arguments converted during string formatting")
    );
    assert_eq!(
        percent_format(
            "%05d|%-4s|%.2f|%x",
            &[json!(42), json!("ab"), json!(1.23456), json!(255)]
        ),
        Ok("00042|ab  |1.23|ff".into())
    );
    assert!(percent_format("%d", &[json!("x")]).is_err());
}

#[tokio::test]
async fn if_and_condition() {
    assert_eq!(ok("!If [[]]").await, json!(false));
    assert_eq!(ok("!If [x]").await, json!(true));
    assert_eq!(ok("!If [0, a, b]").await, json!("b"));
    assert_eq!(
        ok("!If [1, {k: !Format ['%s', v]}, b]").await,
        json!({"k": "v"})
    );
    for (mode, expected) in [
        ("AND", [true, false, false, false]),
        ("NAND", [false, true, true, true]),
        ("OR", [true, true, true, false]),
        ("NOR", [false, false, false, true]),
        ("XOR", [false, true, true, false]),
        ("XNOR", [true, false, false, true]),
    ] {
        for (i, (a, b)) in [("1", "x"), ("1", "''"), ("0", "x"), ("null", "[]")]
            .iter()
            .enumerate()
        {
            let got = ok(&format!("!Condition [{mode}, {a}, {b}]")).await;
            assert_eq!(got, json!(expected[i]), "{mode} {a} {b}");
        }
    }
    assert_eq!(ok("!Condition [xor, true, true, true]").await, json!(true));
    assert_eq!(ok("!Condition [NOR, !Env NOPE]").await, json!(true));
}

#[tokio::test]
async fn enumerate_seq_map_and_depth() {
    assert_eq!(
        ok("!Enumerate [[a, b], SEQ, !Format ['%s=%s', !Index 0, !Value 0]]").await,
        json!(["0=a", "1=b"])
    );
    assert_eq!(
        ok("!Enumerate [{x: 1, y: 2}, MAP, [!Format ['k_%s', !Index 0], !Value 0]]").await,
        json!({"k_x": 1, "k_y": 2})
    );
    assert_eq!(
        ok("!Enumerate [[[1, 2], [3]], SEQ, !Enumerate [!Value 1, SEQ, [!Index 1, !Value 0]]]")
            .await,
        json!([[[0, 1], [0, 2]], [[1, 3]]])
    );
    let e = ev("!Index 0").await.expect_err("outside");
    assert_eq!(
        e.message,
        "`!Index` tags are only usable inside an `!Enumerate` tag"
    );
    let e = ev("!Enumerate [[a], SEQ, !Value 1]")
        .await
        .expect_err("too deep");
    assert_eq!(e.message, "`!Value` tag: invalid depth: 1. Max depth: 0");
    let e = ev("!Enumerate [5, SEQ, x]")
        .await
        .expect_err("not iterable");
    assert!(
        e.message
            .starts_with("Enumerate's iterable must be an iterable"),
        "{e}"
    );
    let e = ev("!Enumerate [[a], MAP, x]")
        .await
        .expect_err("bad map item");
    assert_eq!(e.message, "Invalid Enumerate item found: 'x'");
}

#[tokio::test]
async fn enumerate_map_items_deep_merge() {
    assert_eq!(
        ok("!Enumerate [[a, b], MAP, {all: [!Value 0], by: {n: [!Index 0]}}]").await,
        json!({"all": ["a", "b"], "by": {"n": [0, 1]}})
    );
}

#[tokio::test]
async fn at_index_and_parse_json() {
    assert_eq!(ok("!AtIndex [[a, b, c], 1]").await, json!("b"));
    assert_eq!(ok("!AtIndex [[a, b, c], -1]").await, json!("c"));
    assert_eq!(ok("!AtIndex [[a], 5, dflt]").await, json!("dflt"));
    assert_eq!(ok("!AtIndex [{k: v}, k]").await, json!("v"));
    assert_eq!(ok("!AtIndex [{k: v}, z, null]").await, Value::Null);
    assert_eq!(
        ev("!AtIndex [[a], 5]").await.expect_err("range").message,
        "Index out of range: 5"
    );
    assert_eq!(
        ev("!AtIndex [{k: v}, z]").await.expect_err("key").message,
        "Key does not exist: z"
    );
    assert_eq!(
        ev("!AtIndex [[a], x]").await.expect_err("index").message,
        "Invalid index for list: x"
    );
    assert_eq!(
        ok("!ParseJSON '{\"a\": [1, true]}'").await,
        json!({"a": [1, true]})
    );
    assert!(
        ev("!ParseJSON '{nope'")
            .await
            .expect_err("json")
            .message
            .starts_with("`!ParseJSON`: invalid JSON")
    );
}

#[tokio::test]
async fn key_of_and_find() {
    let mut reg = MemoryRegistry::new();
    let pk = reg.insert("authentik_flows.flow", json!({"slug": "s", "name": "N"}));
    let mut cx = EvalContext::default();
    cx.ids = BTreeMap::from([(
        "flow".to_owned(),
        KeyRef {
            model: "authentik_flows.flow".into(),
            pk: pk.clone(),
            placeholder: false,
        },
    )]);
    assert_eq!(
        ev_with("!KeyOf flow", &mut cx, &mut reg).await,
        Ok(pk.clone())
    );
    let e = ev_with("!KeyOf other", &mut cx, &mut reg)
        .await
        .expect_err("unknown id");
    assert_eq!(
        e.message,
        "KeyOf: failed to find entry with `id` of `other` and a model instance"
    );
    assert_eq!(e.mark, Mark::new(6, 8));
    assert_eq!(
        ev_with("!Find [authentik_flows.flow, [slug, s]]", &mut cx, &mut reg).await,
        Ok(pk.clone())
    );
    assert_eq!(
        ev_with(
            "!Find [authentik_flows.flow, [slug, s], [name, X]]",
            &mut cx,
            &mut reg
        )
        .await,
        Ok(Value::Null)
    );
    assert_eq!(
        ev_with(
            "!FindObject [authentik_flows.flow, [slug, !Format ['%s', s]]]",
            &mut cx,
            &mut reg
        )
        .await,
        Ok(json!({"slug": "s", "name": "N", "pk": pk}))
    );
}

#[test]
fn python_truthiness_and_str() {
    for v in [
        json!(null),
        json!(false),
        json!(0),
        json!(0.0),
        json!(""),
        json!([]),
        json!({}),
    ] {
        assert!(!truthy(&v), "{v}");
    }
    for v in [
        json!(true),
        json!(-1),
        json!(0.5),
        json!("0"),
        json!([0]),
        json!({"a": null}),
    ] {
        assert!(truthy(&v), "{v}");
    }
    assert_eq!(
        py_str(&json!({"a": [1, "it's", null]})),
        "{'a': [1, \"it's\", None]}"
    );
}

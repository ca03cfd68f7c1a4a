//! Tagged objects in and out: attributes, methods, conversions of results.
use serde_json::{Value, json};

use super::expr_support::{group, request, run, user};

async fn value(source: &str, vars: Value) -> Value {
    match run(source, vars).await {
        Ok(out) => out.value,
        Err(e) => panic!("{source:?} failed: {e:?}"),
    }
}

#[tokio::test]
async fn anonymous_and_authenticated_users() {
    let anonymous = json!({"$type": "user", "pk": null, "username": "AnonymousUser", "attributes": {}, "groups": []});
    let vars = json!({"request": request(anonymous, json!({}))});
    assert_eq!(
        value(
            "return [request.user.is_authenticated, request.user.is_anonymous, request.user.pk]",
            vars
        )
        .await,
        json!([false, true, null])
    );
    let vars = json!({"user": user("alice", vec![])});
    assert_eq!(
        value(
            "return [user.is_authenticated, user.password.startswith('pbkdf2')]",
            vars.clone()
        )
        .await,
        json!([true, true])
    );
    assert_eq!(
        value("return 'password' in repr(user)", vars).await,
        json!(false),
        "the hash stays out of repr()"
    );
}

#[tokio::test]
async fn group_attributes_merge_in_authentik_order() {
    let groups = vec![
        group(
            "zeta",
            json!({"k": "zeta", "list": ["z"], "nested": {"a": 1}}),
        ),
        group(
            "alpha",
            json!({"k": "alpha", "list": ["a"], "nested": {"b": 2}}),
        ),
    ];
    let mut alice = user("alice", groups);
    alice["attributes"] = json!({"nested": {"c": 3}});
    let mut req = request(alice, json!({}));
    req["http_request"]["brand"] = json!({"attributes": {"k": "brand", "from_brand": true}});
    let vars = json!({"request": req});
    assert_eq!(
        value(
            "return request.user.group_attributes(request.http_request)",
            vars.clone()
        )
        .await,
        json!({"k": "zeta", "from_brand": true, "list": ["a", "z"], "nested": {"b": 2, "a": 1, "c": 3}})
    );
    assert_eq!(
        value("return request.user.group_attributes()", vars).await,
        json!({"k": "zeta", "list": ["a", "z"], "nested": {"b": 2, "a": 1, "c": 3}})
    );
}

#[tokio::test]
async fn lazy_attributes_and_sources() {
    let vars = json!({"user": user("alice", vec![group("admins", json!({}))]),
                      "source": {"$type": "source", "slug": "corp", "user_path_template": "goauthentik.io/sources/%(slug)s/x"}});
    assert_eq!(
        value("u = user\nreturn [g.name for g in u.groups]", vars.clone()).await,
        json!(["admins"])
    );
    assert_eq!(
        value("return source.get_user_path()", vars.clone()).await,
        json!("goauthentik.io/sources/corp/x")
    );
    assert_eq!(
        value(
            "return [hasattr(user, 'backend'), hasattr(user, 'email'), getattr(user, 'nope', 1)]",
            vars
        )
        .await,
        json!([false, true, 1])
    );
}

#[tokio::test]
async fn results_convert_to_json() {
    let vars = json!({"user": user("alice", vec![]), "http_request": {"$type": "http_request", "tenant": {"x": 1}}});
    let source = "from datetime import datetime, date, timedelta\nreturn {\n    'tuple': (1, 'a'),\n    'set': {3},\n    'dt': datetime(2024, 10, 1, 8, 0, 5, 12),\n    'date': date(2024, 1, 2),\n    'delta': timedelta(minutes=1, seconds=30),\n    1: 'int key',\n    'ip': ip_address('10.0.0.1'),\n    'none': None,\n    'float': 1.5,\n    'big': 2 ** 70,\n    'bytes': b'hi',\n}";
    assert_eq!(
        value(source, vars.clone()).await,
        json!({"tuple": [1, "a"], "set": [3], "dt": "2024-10-01T08:00:05.000012", "date": "2024-01-02",
               "delta": 90.0, "1": "int key", "ip": "10.0.0.1", "none": null, "float": 1.5,
               "big": "1180591620717411303424", "bytes": "hi"})
    );
    let out = value("return [user, http_request.tenant.x]", vars).await;
    assert_eq!(out[0]["$type"], json!("user"));
    assert_eq!(
        out[0]["password"],
        json!("pbkdf2_sha256$x"),
        "hidden keys come back from the original"
    );
    assert_eq!(out[1], json!(1));
}

#[tokio::test]
async fn source_text_variants() {
    let vars = json!({"x": 2});
    assert_eq!(
        value("if x:\r\n    return 'crlf'\r\nreturn 'no'", vars.clone()).await,
        json!("crlf")
    );
    assert_eq!(
        value("if x:\n\treturn 'tab'\nreturn 'no'", vars.clone()).await,
        json!("tab")
    );
    assert_eq!(
        value("s = '''a\nb'''\nreturn s", vars.clone()).await,
        json!("a\n    b"),
        "authentik indents continuation lines too"
    );
    assert_eq!(
        value("x = 5\nreturn x", vars.clone()).await,
        json!(5),
        "variables are parameters, assignable"
    );
    assert_eq!(value("", vars).await, Value::Null);
}

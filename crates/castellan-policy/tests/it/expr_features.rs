//! Typical hand-written expressions: Python features and the authentik helpers.
use serde_json::{Value, json};

use super::expr_support::{TestHost, group, request, run, run_with, user};

async fn value(source: &str, vars: Value) -> Value {
    match run(source, vars).await {
        Ok(out) => out.value,
        Err(e) => panic!("{source:?} failed: {e:?}"),
    }
}

fn req_vars() -> Value {
    let alice = user(
        "alice",
        vec![
            group("admins", json!({"level": 3})),
            group("staff", json!({})),
        ],
    );
    let context = json!({"prompt_data": {"email": "Alice@Example.com"}});
    json!({"request": request(alice.clone(), context.clone()), "context": context, "user": alice})
}

#[tokio::test]
async fn regex_helpers_follow_python_re() {
    let v = req_vars();
    assert_eq!(
        value(
            "return regex_match(request.user.email, r'@example\\.com$')",
            v.clone()
        )
        .await,
        json!(true)
    );
    assert_eq!(
        value("return regex_match('abc', '^b')", v.clone()).await,
        json!(false)
    );
    assert_eq!(
        value("return regex_match('abc', 'b')", v.clone()).await,
        json!(true),
        "re.search semantics"
    );
    assert_eq!(
        value(
            "return regex_replace('john.doe@corp', r'(\\w+)\\.(\\w+)@.*', r'\\2, \\1')",
            v.clone()
        )
        .await,
        json!("doe, john")
    );
    let source = "import re\nm = re.match(r'^(?P<user>[^@]+)@(.+)$', request.user.email)\nreturn [m.group('user'), m.group(2)]";
    assert_eq!(value(source, v).await, json!(["alice", "example.com"]));
}

#[tokio::test]
async fn datetime_try_except_comprehensions_fstrings() {
    let v = req_vars();
    let source = "from datetime import datetime, timedelta\nnow = datetime.now()\nreturn (now + timedelta(days=1)) > now and now.year >= 2024";
    assert_eq!(value(source, v.clone()).await, json!(true));
    let source =
        "import datetime\nd = datetime.datetime(2024, 10, 1, 12, 30)\nreturn d.isoformat()";
    assert_eq!(value(source, v.clone()).await, json!("2024-10-01T12:30:00"));
    let source =
        "try:\n    return context['missing']\nexcept KeyError as exc:\n    return f'missing {exc}'";
    assert_eq!(value(source, v.clone()).await, json!("missing 'missing'"));
    let source =
        "return {g.name: len(g.name) for g in request.user.ak_groups.all() if g.name != 'staff'}";
    assert_eq!(value(source, v.clone()).await, json!({"admins": 6}));
    let source = "u = request.user\nreturn f\"{u.username!r} has {len(u.ak_groups.all()):03d} groups, {3.14159:.2f}\"";
    assert_eq!(
        value(source, v.clone()).await,
        json!("'alice' has 002 groups, 3.14")
    );
    let source = "x = context.get('nope')\nreturn x is None and request.obj is None and request.http_request is not None";
    assert_eq!(value(source, v).await, json!(true));
}

#[tokio::test]
async fn messages_and_logger() {
    let source = "ak_logger.info('checking', user=request.user.username)\nak_message('Denied: ' + request.user.username)\nprint('debug', 1)\nreturn False";
    let out = run(source, req_vars()).await.expect("runs");
    assert_eq!(out.value, json!(false));
    assert_eq!(out.messages, vec!["Denied: alice".to_owned()]);
    assert_eq!(
        out.log,
        vec![
            "info: checking user=alice".to_owned(),
            "print: debug 1".to_owned()
        ]
    );
}

#[tokio::test]
async fn yield_bodies_return_lists() {
    let v = req_vars();
    let source = "for g in request.user.ak_groups.all():\n    yield g.name\nyield 'extra'";
    assert_eq!(
        value(source, v.clone()).await,
        json!(["admins", "staff", "extra"])
    );
    let source = "yield from ['a', 'b']\nif True:\n    return\nyield 'never'";
    assert_eq!(value(source, v.clone()).await, json!(["a", "b"]));
    assert_eq!(value("if False:\n    yield 1", v).await, json!([]));
}

#[tokio::test]
async fn group_membership_and_querysets() {
    let v = req_vars();
    assert_eq!(
        value(
            "return ak_is_group_member(request.user, name='admins')",
            v.clone()
        )
        .await,
        json!(true)
    );
    assert_eq!(
        value(
            "return ak_is_group_member(user, name__in=['x', 'staff'])",
            v.clone()
        )
        .await,
        json!(true)
    );
    assert_eq!(
        value(
            "return ak_is_group_member(user, attributes__level=3)",
            v.clone()
        )
        .await,
        json!(true)
    );
    assert_eq!(
        value(
            "return request.user.ak_groups.filter(name='admins').exists()",
            v.clone()
        )
        .await,
        json!(true)
    );
    assert_eq!(
        value(
            "return request.user.ak_groups.filter(name='x').count()",
            v.clone()
        )
        .await,
        json!(0)
    );
    let source = "return [g.name for g in request.user.ak_groups.filter(name__startswith='a')]";
    assert_eq!(value(source, v.clone()).await, json!(["admins"]));
    let source =
        "return list(request.user.ak_groups.order_by('-name').values_list('name', flat=True))";
    assert_eq!(value(source, v.clone()).await, json!(["staff", "admins"]));
    assert_eq!(
        value(
            "return len(user.ak_groups.exclude(name='staff'))",
            v.clone()
        )
        .await,
        json!(1)
    );
    assert_eq!(
        value("return user.ak_groups.get(name='staff').pk", v.clone()).await,
        json!("pk-staff")
    );
    assert_eq!(
        value("return request.user.group_attributes()['level']", v.clone()).await,
        json!(3)
    );
    assert_eq!(
        value(
            "return request.user.is_authenticated and not user.is_anonymous",
            v
        )
        .await,
        json!(true)
    );
}

#[tokio::test]
async fn authentik_imports_bind_placeholders() {
    let v = req_vars();
    let source = "from authentik.core.models import Group, USER_ATTRIBUTE_CHANGE_EMAIL as KEY, UserTypes\nreturn [KEY, UserTypes.EXTERNAL, Group.objects.filter(name='admins').exists()]";
    let mut host = TestHost::default();
    let out = run_with(source, v.clone(), &mut host).await.expect("runs");
    assert_eq!(
        out.value,
        json!(["goauthentik.io/user/can-change-email", "external", true])
    );
    assert_eq!(host.calls[0].0, "model_query");
    assert_eq!(
        Value::Array(host.calls[0].1.clone()),
        json!(["authentik_core.group", {"name": "admins"}])
    );
    let source = "from authentik.core.models import Group\ng = Group.objects.get(name='admins')\nreturn g.name";
    assert_eq!(value(source, v).await, json!("admins"));
}

#[tokio::test]
async fn host_functions_receive_tagged_json() {
    let v = req_vars();
    let source = "if not ak_user_has_authenticator(request.user, device_type='totp'):\n    return False\nak_create_event('login_check', reason='x')\nr = ak_call_policy('other', extra=1)\nreturn [r.passing, r.messages]";
    let mut host = TestHost::default();
    let out = run_with(source, v, &mut host).await.expect("runs");
    assert_eq!(out.value, json!([false, ["nope"]]));
    let (name, args, kwargs) = &host.calls[0];
    assert_eq!(name, "ak_user_has_authenticator");
    assert_eq!(args[0]["$type"], json!("user"));
    assert_eq!(
        args[0]["groups"][0]["name"],
        json!("admins"),
        "the full tagged user"
    );
    assert_eq!(kwargs["device_type"], json!("totp"));
    assert_eq!(host.calls[1].0, "ak_create_event");
    assert_eq!(
        Value::Object(host.calls[1].2.clone()),
        json!({"reason": "x"})
    );
    assert_eq!(host.calls[2].0, "ak_call_policy");
}

#[tokio::test]
async fn percent_formatting_del_slugify_flatten() {
    let v = req_vars();
    assert_eq!(
        value(
            "return 'Hi %s, you are %d (%.1f%%)' % ('alice', 3, 99.5)",
            v.clone()
        )
        .await,
        json!("Hi alice, you are 3 (99.5%)")
    );
    assert_eq!(
        value("return '%(a)s-%(b)05d' % {'a': 'x', 'b': 42}", v.clone()).await,
        json!("x-00042")
    );
    assert_eq!(
        value("return 'user: %r' % request.user.username", v.clone()).await,
        json!("user: 'alice'")
    );
    let out = run(
        "del context['prompt_data']\nx = 1\ndel x\nreturn x",
        v.clone(),
    )
    .await
    .expect("runs");
    assert_eq!(out.value, Value::Null);
    assert!(out.vars["context"].get("prompt_data").is_none());
    assert_eq!(
        value("return slugify('Héllo Wörld!')", v.clone()).await,
        json!("hello-world")
    );
    assert_eq!(
        value(
            "return [list_flatten(['a', 'b']), list_flatten([]), list_flatten('c')]",
            v
        )
        .await,
        json!(["a", null, "c"])
    );
}

#[tokio::test]
async fn ip_addresses() {
    let v = json!({"ak_client_ip": "10.1.2.3"});
    assert_eq!(
        value("return ak_client_ip in ip_network('10.0.0.0/8')", v.clone()).await,
        json!(true)
    );
    assert_eq!(
        value(
            "return ip_address('192.168.1.1') in ip_network('10.0.0.0/8')",
            v.clone()
        )
        .await,
        json!(false)
    );
    assert_eq!(value("import ipaddress\nreturn ipaddress.ip_address('::1') in ipaddress.ip_network('::1/128')", v.clone()).await, json!(true));
    assert_eq!(
        value(
            "return [str(ak_client_ip), ak_client_ip.is_private, ip_address('8.8.8.8').is_global]",
            v.clone()
        )
        .await,
        json!(["10.1.2.3", true, true])
    );
    assert_eq!(
        value("return ip_network('10.1.2.0/24').num_addresses", v.clone()).await,
        json!(256)
    );
    let out = run("return ip_network('10.1.2.3/24')", v).await;
    assert!(
        matches!(out, Err(castellan_policy::expr::ExprError::Runtime { ref message, .. }) if message.contains("has host bits set")),
        "{out:?}"
    );
}

#[tokio::test]
async fn skip_object_and_catching_it() {
    let out = run("raise SkipObject", json!({})).await;
    assert_eq!(out, Err(castellan_policy::expr::ExprError::Skip));
    let out = run(
        "try:\n    raise SkipObject()\nexcept SkipObject:\n    return 'caught'",
        json!({}),
    )
    .await;
    assert_eq!(out.map(|o| o.value), Ok(json!("caught")));
}

//! Token requests arriving together: concurrent code exchanges and refreshes each get their
//! tokens (on SQLite too, where two write transactions that both read first used to collide), and
//! a code presented twice at once is honoured once.
use castellan_testkit::{Response, TestApp, db_test};
use serde_json::json;

use crate::oauth_errors::{code, token_as};
use crate::oauth_support::{Client, setup};

async fn exchange(app: &TestApp, c: &Client, code: &str) -> Response {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", c.redirect_uri.as_str()),
    ];
    token_as(app, &c.client_id, &c.client_secret, &form).await
}

async fn refresh(app: &TestApp, c: &Client, token: &str) -> Response {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
    token_as(app, &c.client_id, &c.client_secret, &form).await
}

db_test!(
    concurrent_token_requests_each_succeed,
    |app: TestApp| async move {
        let app = app;
        let c = setup(&app, "concurrent", json!({})).await;
        let mut codes = Vec::new();
        for _ in 0..4 {
            codes.push(code(&app, &c, None, 0).await);
        }
        let (a, b, d, e) = tokio::join!(
            exchange(&app, &c, &codes[0]),
            exchange(&app, &c, &codes[1]),
            exchange(&app, &c, &codes[2]),
            exchange(&app, &c, &codes[3]),
        );
        let answers = [a, b, d, e];
        for r in &answers {
            assert_eq!(r.status, 200, "{}", r.text);
        }
        let refresh_tokens: Vec<&str> = answers
            .iter()
            .map(|r| r.json["refresh_token"].as_str().unwrap())
            .collect();
        let (a, b, d, e) = tokio::join!(
            refresh(&app, &c, refresh_tokens[0]),
            refresh(&app, &c, refresh_tokens[1]),
            refresh(&app, &c, refresh_tokens[2]),
            refresh(&app, &c, refresh_tokens[3]),
        );
        for r in [a, b, d, e] {
            assert_eq!(r.status, 200, "{}", r.text);
            assert!(r.json["refresh_token"].is_string(), "{}", r.text);
        }
    }
);

db_test!(
    a_code_presented_twice_at_once_is_honoured_once,
    |app: TestApp| async move {
        let app = app;
        let c = setup(&app, "concurrent-reuse", json!({})).await;
        let value = code(&app, &c, None, 0).await;
        let (a, b) = tokio::join!(exchange(&app, &c, &value), exchange(&app, &c, &value));
        let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
        assert_eq!(won.status, 200, "{}", won.text);
        assert_eq!(lost.status, 400, "{}", lost.text);
        assert_eq!(lost.json["error"], "invalid_grant", "{}", lost.text);
        // The second use revoked what the first was given.
        let access = won.json["access_token"].as_str().unwrap();
        let r = crate::oauth_support::userinfo(&app, access).await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
);

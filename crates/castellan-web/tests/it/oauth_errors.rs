//! Bad input at the OAuth2 endpoints (spec §7.1.3–7.1.4, RFC 6749 §4.1.2.1 / §5.2): error pages
//! where the redirect URI is not trusted, error redirects where it is, token endpoint errors with
//! their codes and statuses, PKCE downgrade, code misuse, and the provider isolation of
//! introspection and revocation (CVE-2024-47077).
use castellan_core::oauth2::{AuthorizationCode, TokenGrant};
use castellan_store::oauth2_tokens;
use castellan_testkit::{Response, TestApp, db_test};
use chrono::Duration;
use serde_json::{Value, json};

use crate::oauth_support::{Client, setup};

fn location(r: &Response) -> String {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn authorize(app: &TestApp, query: &str) -> Response {
    app.send(
        "GET",
        &format!("/application/o/authorize/?{query}"),
        None,
        &[],
    )
    .await
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn token(app: &TestApp, c: &Client, form: &[(&str, &str)]) -> Response {
    token_as(app, &c.client_id, &c.client_secret, form).await
}

pub(crate) async fn token_as(
    app: &TestApp,
    id: &str,
    secret: &str,
    form: &[(&str, &str)],
) -> Response {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{id}:{secret}")
        )
    );
    app.send(
        "POST",
        "/application/o/token/",
        Some(&body),
        &[("authorization", &basic)],
    )
    .await
}

pub(crate) async fn code(
    app: &TestApp,
    c: &Client,
    challenge: Option<(&str, &str)>,
    age: i64,
) -> String {
    store_code(app, c, |row| {
        row.grant.expires = app.store.now() + Duration::seconds(60 - age);
        row.code_challenge = challenge.map(|c| c.0.to_string());
        row.code_challenge_method = challenge.map(|c| c.1.to_string());
    })
    .await
}

/// A code of the admin for `c` (scope `openid offline_access`, valid for a minute), as `adjust`
/// leaves it, stored; its value.
pub(crate) async fn store_code(
    app: &TestApp,
    c: &Client,
    adjust: impl FnOnce(&mut AuthorizationCode),
) -> String {
    let mut conn = app.store.conn().await.unwrap();
    let value = format!("code-{}", uuid::Uuid::new_v4().simple());
    let mut row = AuthorizationCode {
        pk: 0,
        code: value.clone(),
        grant: TokenGrant {
            provider: c.provider,
            user: app.admin_pk,
            scope: vec!["openid".into(), "offline_access".into()],
            expires: app.store.now() + Duration::seconds(60),
            auth_time: Some(app.store.now()),
            session: None,
        },
        nonce: None,
        code_challenge: None,
        code_challenge_method: None,
        redirect_uri: c.redirect_uri.clone(),
        used: false,
    };
    adjust(&mut row);
    oauth2_tokens::create_code(&mut conn, &row).await.unwrap();
    value
}

db_test!(
    authorize_errors_before_the_redirect_uri_is_trusted_are_pages,
    |app: TestApp| async move {
        let c = setup(&app, "errors-app", json!({})).await;
        let r = app
            .send("GET", "/application/o/authorize/", None, &[])
            .await;
        assert_eq!(r.status, 404);
        let r = authorize(&app, "client_id=nope&response_type=code").await;
        assert_eq!(r.status, 400);
        assert!(r.text.contains("Client ID Error"), "{}", r.text);
        let base = format!("client_id={}&response_type=code&scope=openid", c.client_id);
        let r = authorize(&app, &base).await;
        assert_eq!((r.status, location(&r)), (400, String::new()));
        assert!(r.text.contains("Redirect URI Error"), "{}", r.text);
        for bad in [
            "https://evil.example/cb".to_string(),
            format!("{}.evil.example", c.redirect_uri),
            format!("{}/../x", c.redirect_uri),
            "javascript:alert(1)".to_string(),
            " JavaScript:alert(1)".to_string(),
            "data:text/html,hi".to_string(),
        ] {
            let r = authorize(&app, &format!("{base}&redirect_uri={}", enc(&bad))).await;
            assert_eq!(r.status, 400, "{bad}: {}", r.text);
            assert_eq!(location(&r), "", "{bad} must not redirect");
            assert!(r.text.contains("Redirect URI Error"), "{bad}: {}", r.text);
        }
    }
);

db_test!(
    regex_redirect_uris_match_whole_uris_only,
    |app: TestApp| async move {
        let c = setup(
        &app,
        "regex-app",
        json!({"redirect_uris": [{"matching_mode": "regex", "url": "https://app\\.example\\.com/cb/[a-z]+"}]}),
    )
    .await;
        let base = format!("client_id={}&response_type=code&scope=openid", c.client_id);
        for bad in [
            "https://app.example.com/cb/abc.evil.org",
            "https://evil.org/?https://app.example.com/cb/abc",
            "https://appXexample.com/cb/abc/../../x",
        ] {
            let r = authorize(&app, &format!("{base}&redirect_uri={}", enc(bad))).await;
            assert_eq!((r.status, location(&r)), (400, String::new()), "{bad}");
        }
        let r = authorize(
            &app,
            &format!(
                "{base}&redirect_uri={}",
                enc("https://app.example.com/cb/abc")
            ),
        )
        .await;
        assert_eq!(r.status, 302, "{}", r.text);
        assert!(
            location(&r).starts_with("/flows/-/default/authentication/?next="),
            "{}",
            location(&r)
        );
    }
);

db_test!(
    authorize_errors_after_the_redirect_uri_redirect,
    |app: TestApp| async move {
        let c = setup(&app, "redirect-errors", json!({})).await;
        let base = format!(
            "client_id={}&redirect_uri={}&state=st%261",
            c.client_id,
            enc(&c.redirect_uri)
        );
        let cases = [
            (
                "response_type=bogus&scope=openid",
                "?error=unsupported_response_type",
            ),
            (
                "response_type=id_token&scope=openid",
                "#error=invalid_request",
            ),
            (
                "response_type=id_token&scope=email&nonce=n",
                "#error=invalid_scope",
            ),
            (
                "response_type=code&scope=openid&request=eyJ",
                "?error=request_not_supported",
            ),
            (
                "response_type=code&scope=openid&code_challenge=abc&code_challenge_method=S512",
                "?error=invalid_request",
            ),
            (
                "response_type=code&scope=openid&prompt=none",
                "?error=login_required",
            ),
            (
                "response_type=code&scope=openid&max_age=soon",
                "?error=invalid_request",
            ),
        ];
        for (query, expected) in cases {
            let r = authorize(&app, &format!("{base}&{query}")).await;
            assert_eq!(r.status, 302, "{query}: {}", r.text);
            let to = location(&r);
            assert!(
                to.starts_with(&format!("{}{expected}", c.redirect_uri)),
                "{query}: {to}"
            );
            assert!(to.contains("state=st%261"), "{query}: {to}");
        }
    }
);

db_test!(token_endpoint_errors, |app: TestApp| async move {
    let c = setup(&app, "token-errors", json!({})).await;
    let r = token(&app, &c, &[]).await;
    assert_eq!(
        (r.status, r.json["error"].clone()),
        (400, json!("invalid_request"))
    );
    let r = token(&app, &c, &[("grant_type", "magic")]).await;
    assert_eq!(
        (r.status, r.json["error"].clone()),
        (400, json!("unsupported_grant_type"))
    );
    let r = token_as(
        &app,
        "unknown",
        "x",
        &[("grant_type", "authorization_code"), ("code", "x")],
    )
    .await;
    assert_eq!(
        (r.status, r.json["error"].clone()),
        (401, json!("invalid_client"))
    );
    let r = token_as(
        &app,
        &c.client_id,
        "wrong",
        &[("grant_type", "authorization_code"), ("code", "x")],
    )
    .await;
    assert_eq!(
        (r.status, r.json["error"].clone()),
        (401, json!("invalid_client"))
    );
    assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
    let r = token(
        &app,
        &c,
        &[
            ("grant_type", "authorization_code"),
            ("code", "nope"),
            ("redirect_uri", &c.redirect_uri),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.json["error"].clone()),
        (400, json!("invalid_grant"))
    );

    let verifier = "a".repeat(43);
    let challenge = {
        use sha2::Digest;
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            sha2::Sha256::digest(verifier.as_bytes()),
        )
    };
    let pkce = code(&app, &c, Some((&challenge, "S256")), 0).await;
    let exchange = |code: String, verifier: Option<String>, redirect: String| {
        let app = &app;
        let c = &c;
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_string()),
                ("code", code),
                ("redirect_uri", redirect),
            ];
            if let Some(v) = verifier {
                form.push(("code_verifier", v));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token(app, c, &form).await
        }
    };
    let r = exchange(pkce.clone(), None, c.redirect_uri.clone()).await;
    assert_eq!(
        r.json["error"], "invalid_grant",
        "missing verifier: {}",
        r.text
    );
    let r = exchange(pkce.clone(), Some("b".repeat(43)), c.redirect_uri.clone()).await;
    assert_eq!(
        r.json["error"], "invalid_grant",
        "wrong verifier: {}",
        r.text
    );
    let r = exchange(
        pkce.clone(),
        Some(verifier.clone()),
        "https://rp.example/other".into(),
    )
    .await;
    assert_eq!(
        r.json["error"], "invalid_grant",
        "other redirect_uri: {}",
        r.text
    );
    let r = exchange(pkce.clone(), Some(verifier.clone()), c.redirect_uri.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["refresh_token"].is_string(), "{}", r.text);
    let plain = code(&app, &c, None, 0).await;
    let r = exchange(plain, Some(verifier.clone()), c.redirect_uri.clone()).await;
    assert_eq!(
        r.json["error"], "invalid_grant",
        "PKCE downgrade: {}",
        r.text
    );
    let expired = code(&app, &c, None, 120).await;
    let r = exchange(expired, None, c.redirect_uri.clone()).await;
    assert_eq!(r.json["error"], "invalid_grant", "expired: {}", r.text);
    let r = token(
        &app,
        &c,
        &[("grant_type", "refresh_token"), ("refresh_token", "nope")],
    )
    .await;
    assert_eq!(r.json["error"], "invalid_grant", "{}", r.text);
});

db_test!(
    client_credentials_scopes_are_restricted_to_the_providers_mappings,
    |app: TestApp| async move {
        let c = setup(&app, "cc-scopes", json!({})).await;
        let r = token(
            &app,
            &c,
            &[
                ("grant_type", "client_credentials"),
                (
                    "scope",
                    "openid profile admin:everything goauthentik.io/api",
                ),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            r.json["scope"], "openid profile goauthentik.io/api",
            "{}",
            r.text
        );
        let r = token_as(
            &app,
            &c.client_id,
            "not-the-secret",
            &[("grant_type", "client_credentials")],
        )
        .await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
);

db_test!(
    introspection_and_revocation_only_see_the_callers_tokens,
    |app: TestApp| async move {
        let a = setup(&app, "intro-a", json!({})).await;
        let b = {
            let authz =
                crate::flow_support::flow(&app, "default-provider-authorization-implicit-consent")
                    .await;
            let p = crate::flow_support::create(
                &app,
                "/api/v3/providers/oauth2/",
                json!({
                    "name": "intro-b provider", "authorization_flow": authz["pk"],
                    "invalidation_flow": authz["pk"], "redirect_uris": [],
                    "property_mappings": crate::oauth_support::managed_scopes(&app).await,
                }),
            )
            .await;
            crate::flow_support::create(
                &app,
                "/api/v3/core/applications/",
                json!({"name": "intro-b", "slug": "intro-b", "provider": p["pk"]}),
            )
            .await;
            Client {
                slug: "intro-b".into(),
                provider: p["pk"].as_i64().unwrap(),
                client_id: p["client_id"].as_str().unwrap().into(),
                client_secret: p["client_secret"].as_str().unwrap().into(),
                redirect_uri: String::new(),
            }
        };
        let r = token(
            &app,
            &a,
            &[("grant_type", "client_credentials"), ("scope", "openid")],
        )
        .await;
        let access = r.json["access_token"].as_str().unwrap().to_string();
        let form = |t: &str| {
            form_urlencoded::Serializer::new(String::new())
                .append_pair("token", t)
                .finish()
        };
        let call = |path: &'static str, client: &Client, body: String| {
            let app = &app;
            let basic = format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("{}:{}", client.client_id, client.client_secret)
                )
            );
            async move {
                app.send("POST", path, Some(&body), &[("authorization", &basic)])
                    .await
            }
        };
        let r = call("/application/o/introspect/", &b, form(&access)).await;
        assert_eq!(r.json, json!({"active": false}), "{}", r.text);
        let r = call("/application/o/revoke/", &b, form(&access)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = call("/application/o/introspect/", &a, form(&access)).await;
        assert_eq!(
            r.json["active"], true,
            "B's revoke must not touch A's token: {}",
            r.text
        );
        let r = app
            .send(
                "POST",
                "/application/o/introspect/",
                Some(&form(&access)),
                &[],
            )
            .await;
        assert_eq!(r.status, 401, "{}", r.text);
        let r = call("/application/o/revoke/", &a, form(&access)).await;
        assert_eq!(r.status, 200);
        let r = call("/application/o/introspect/", &a, form(&access)).await;
        assert_eq!(r.json, json!({"active": false}), "{}", r.text);
    }
);

db_test!(
    userinfo_rejects_missing_and_unknown_tokens,
    |app: TestApp| async move {
        setup(&app, "userinfo-errors", json!({})).await;
        let r = app.send("GET", "/application/o/userinfo/", None, &[]).await;
        assert_eq!(r.status, 401);
        let r = app
            .send(
                "GET",
                "/application/o/userinfo/",
                None,
                &[("authorization", "Bearer nope")],
            )
            .await;
        assert_eq!(r.status, 401);
        let challenge = r.headers.get("www-authenticate").unwrap().to_str().unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        let _: Value = r.json;
    }
);

db_test!(
    token_endpoint_sees_provider_changes_at_once,
    |app: TestApp| async move {
        let c = setup(&app, "cache-app", json!({})).await;
        let grant = [("grant_type", "client_credentials"), ("scope", "openid")];
        let r = token(&app, &c, &grant).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = app
            .admin(
                "PATCH",
                &format!("/api/v3/providers/oauth2/{}/", c.provider),
                Some(json!({"client_secret": "a-brand-new-secret"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = token(&app, &c, &grant).await;
        assert_eq!(
            r.status, 401,
            "the old secret must stop working: {}",
            r.text
        );
        let r = token_as(&app, &c.client_id, "a-brand-new-secret", &grant).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = app
            .admin(
                "DELETE",
                &format!("/api/v3/providers/oauth2/{}/", c.provider),
                None,
            )
            .await;
        assert_eq!(r.status, 204, "{}", r.text);
        let r = token_as(&app, &c.client_id, "a-brand-new-secret", &grant).await;
        assert_eq!(r.status, 401, "a deleted provider: {}", r.text);
    }
);

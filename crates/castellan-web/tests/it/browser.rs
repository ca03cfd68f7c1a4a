//! In a real browser (headless Chromium driven by playwright-core, see castellan-testkit's
//! `browser`): the flow executor API as authentik's web client uses it — `fetch` following the
//! 302s, the session and CSRF cookies kept by the browser — logs a user in, and a wrong password
//! is answered on the password stage.
use castellan_testkit::browser::Browser;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_support::{defaults, user};

/// Logs in through the executor API from a page of Castellan's origin; returns the components
/// seen and the user the session belongs to afterwards.
const LOGIN: &str = r#"
await page.goto(args.base + "/api/v3/root/config/");
return await page.evaluate(async ({ slug, username, password }) => {
  const url = `/api/v3/flows/executor/${slug}/?query=${encodeURIComponent("next=/after")}`;
  const csrf = () => (document.cookie.match(/authentik_csrf=([^;]+)/) || [])[1] || "";
  const call = async (body) => {
    const init = body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-authentik-CSRF": csrf() },
      body: JSON.stringify(body),
    };
    const r = await fetch(url, init);
    return { status: r.status, json: await r.json() };
  };
  const seen = [];
  let ch = await call();
  seen.push(ch.json.component);
  ch = await call({ component: ch.json.component, uid_field: username });
  seen.push(ch.json.component);
  ch = await call({ component: ch.json.component, password });
  seen.push(ch.json.component);
  const me = await fetch("/api/v3/core/users/me/");
  const body = me.status === 200 ? await me.json() : null;
  return {
    seen,
    last: ch.json,
    me: body && body.user ? body.user.username : null,
    cookies: document.cookie,
  };
}, args);
"#;

db_test!(
    browser_logs_in_through_the_executor_api,
    |app: TestApp| async move {
        defaults(&app).await;
        user(&app, "browser-user", "Browser-pw-1").await;
        let browser = Browser::locate().unwrap();
        let (base, server) = app.serve().await;
        let args = json!({"base": base, "slug": "default-authentication-flow",
                      "username": "browser-user", "password": "Browser-pw-1"});
        let out = browser.run(LOGIN, &args).await.unwrap();
        assert_eq!(
            out["seen"],
            json!([
                "ak-stage-identification",
                "ak-stage-password",
                "xak-flow-redirect"
            ]),
            "{out}"
        );
        assert_eq!(out["last"]["to"], "/after", "{out}");
        assert_eq!(out["me"], "browser-user", "{out}");
        // The session cookie is HttpOnly: scripts cannot read it; the CSRF cookie they must read.
        let cookies = out["cookies"].as_str().unwrap();
        assert!(!cookies.contains("authentik_session"), "{cookies}");
        assert!(cookies.contains("authentik_csrf="), "{cookies}");

        let wrong = json!({"base": base, "slug": "default-authentication-flow",
                       "username": "browser-user", "password": "wrong"});
        let out = browser.run(LOGIN, &wrong).await.unwrap();
        assert_eq!(out["seen"][2], "ak-stage-password", "{out}");
        assert_eq!(
            out["last"]["response_errors"]["password"][0]["string"], "Invalid password",
            "{out}"
        );
        assert_eq!(out["me"], serde_json::Value::Null, "{out}");
        server.abort();
    }
);

//! Apache with mod_auth_openidc as the relying party (TESTING.md, OIDC): Chromium opens a page
//! Apache protects with `Require valid-user`, logs in through Castellan's flow pages, sees the
//! page, then logs out through the end-session endpoint and lands on the registered
//! post-logout URI — with the code returned in the query and in an auto-submitted form post.
use castellan_testkit::apache::{self, Apache, OidcClient};
use castellan_testkit::browser::Browser;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::oauth_support::{keypair, setup};

const SCRIPT: &str = r#"
await page.goto(args.app + "/protected/");
const loginUrl = page.url();
await page.fill("input[name=uid_field]", args.username);
await Promise.all([page.waitForNavigation(), page.press("input[name=uid_field]", "Enter")]);
await page.fill("input[name=password]", args.password);
await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);
await page.waitForURL((u) => u.href.startsWith(args.app + "/protected/") && !u.href.includes("redirect_uri"), { timeout: 15000 });
const protectedUrl = page.url();
const protectedText = await page.evaluate(() => document.body.innerText);
await page.goto(args.logout);
await page.waitForURL((u) => u.href.startsWith(args.app + "/logged-out.html"), { timeout: 15000 });
const loggedOutText = await page.evaluate(() => document.body.innerText);
return { loginUrl, protectedUrl, protectedText, loggedOutUrl: page.url(), loggedOutText };
"#;

async fn protects_a_page(app: TestApp, response_mode: Option<&str>) {
    let key = keypair(&app, "apache signing", "rsa").await;
    let port = apache::port();
    let (site, redirect_uri, logged_out) = Apache::uris(port);
    let c = setup(
        &app,
        "apache-app",
        json!({"signing_key": key, "redirect_uris": [
            {"matching_mode": "strict", "url": redirect_uri},
            {"matching_mode": "strict", "url": logged_out},
        ]}),
    )
    .await;
    let (base, server) = app.serve().await;
    let metadata = format!("{base}/application/o/apache-app/.well-known/openid-configuration");
    let apache = Apache::start(
        port,
        &OidcClient {
            metadata_url: &metadata,
            client_id: &c.client_id,
            client_secret: &c.client_secret,
            response_mode,
        },
    );
    let logout: String = form_urlencoded::byte_serialize(logged_out.as_bytes()).collect();
    let args = json!({
        "app": site, "username": "alice", "password": "Alice-pw-1",
        "logout": format!("{redirect_uri}?logout={logout}"),
    });
    let browser = Browser::locate().unwrap();
    let out = browser.run(SCRIPT, &args).await;
    server.abort();
    let out = out.unwrap_or_else(|e| panic!("{e}\napache log:\n{}", apache.error_log()));
    let login = format!("{base}/if/flow/default-authentication-flow/");
    assert!(
        out["loginUrl"].as_str().unwrap().starts_with(&login),
        "{out}"
    );
    assert_eq!(out["protectedUrl"], format!("{site}/protected/"), "{out}");
    let text = |k: &str| out[k].as_str().unwrap_or_default().to_string();
    assert!(text("protectedText").contains("Protected page"), "{out}");
    assert!(
        text("loggedOutText").contains("Logged out of the app"),
        "{out}"
    );
}

db_test!(
    mod_auth_openidc_protects_a_page_and_logs_out,
    |app: TestApp| async move {
        protects_a_page(app, None).await;
    }
);

// The code comes back in an auto-submitted form post (the flow page posts it at once).
db_test!(mod_auth_openidc_with_form_post, |app: TestApp| async move {
    protects_a_page(app, Some("form_post")).await;
});

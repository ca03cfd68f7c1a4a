//! `/device` in a real browser (headless Chromium via playwright-core): a device starts an
//! authorization, the person opens `/device` without the code, logs in through the brand's
//! device-code flow, types a wrong code (told "Invalid code") and then the right one on the
//! code page, passes the provider's authorization flow and reads that the device is signed in;
//! the device's next poll gets its tokens. axe-core checks the code page.
use castellan_testkit::browser::Browser;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::browser_journeys::PRELUDE;
use crate::oauth_support::{brand_device_flow, setup};

const SCRIPT: &str = r#"
await page.goto(args.base + "/device");
const start = page.url();
await page.fill("input[name=uid_field]", "alice");
await Promise.all([page.waitForNavigation(), page.press("input[name=uid_field]", "Enter")]);
await page.fill("input[name=password]", "Alice-pw-1");
await Promise.all([page.waitForNavigation(), page.press("input[name=password]", "Enter")]);
const prompt = await text(page);
const violations = (await helpers.axe([], ["aria-prohibited-attr"])).map((v) => v.id);
await page.fill("input[name=code]", "111111111");
await submit(page, "button[type=submit]");
const wrong = await text(page);
const invalid = await page.getAttribute("input[name=code]", "aria-invalid");
await page.fill("input[name=code]", args.user_code);
await submit(page, "button[type=submit]");
await page.waitForFunction(() => document.body.innerText.includes("authenticated your device"));
return { start, prompt, violations, wrong, invalid, done: await text(page), end: page.url() };
"#;

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(base: &str, body: String, basic: Option<(&str, &str)>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut request = client
        .post(format!("{base}/application/o/token/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some((user, password)) = basic {
        request = request.basic_auth(user, Some(password));
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap()).unwrap(),
    )
}

db_test!(device_code_entry_in_chromium, |app: TestApp| async move {
    let c = setup(&app, "tv-app", json!({})).await;
    brand_device_flow(&app, "default-authentication-flow").await;
    let (base, server) = app.serve().await;
    let start = reqwest::Client::new()
        .post(format!("{base}/application/o/device/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("client_id", &c.client_id),
            ("scope", "openid profile"),
        ]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start: Value = serde_json::from_str(&start).unwrap();
    let device_code = start["device_code"].as_str().unwrap().to_string();
    let poll = || {
        post(
            &base,
            form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("device_code", &device_code),
            ]),
            Some((&c.client_id, &c.client_secret)),
        )
    };
    assert_eq!(poll().await.1["error"], "authorization_pending");

    let browser = Browser::locate().unwrap();
    let out = browser
        .run(
            &format!("{PRELUDE}\n{SCRIPT}"),
            &json!({"base": base, "user_code": start["user_code"]}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, tokens) = poll().await;
    server.abort();

    assert!(
        out["start"]
            .as_str()
            .unwrap()
            .contains("/if/flow/default-authentication-flow/"),
        "{out}"
    );
    assert!(
        out["prompt"]
            .as_str()
            .unwrap()
            .contains("Enter the code shown on your device."),
        "{out}"
    );
    assert_eq!(out["violations"], json!([]), "{out}");
    assert!(
        out["wrong"].as_str().unwrap().contains("Invalid code"),
        "{out}"
    );
    assert_eq!(out["invalid"], "true", "{out}");
    assert!(
        out["done"]
            .as_str()
            .unwrap()
            .contains("You've successfully authenticated your device."),
        "{out}"
    );
    assert!(
        out["end"]
            .as_str()
            .unwrap()
            .contains("/if/flow/default-provider-authorization-implicit-consent/"),
        "{out}"
    );
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["access_token"].is_string(), "{tokens}");
});

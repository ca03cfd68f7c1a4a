//! WebAuthn in a real browser: headless Chromium with a DevTools virtual authenticator (CTAP2,
//! internal, resident keys, user verification) registers a passkey from the user interface's
//! MFA page, then logs in with it as the second factor of the default authentication flow
//! (the page starts the ceremony by itself: the only device is selected) and passwordless; with
//! the passkey on a security key that cannot verify the user, `preferred` accepts it and a stage
//! requiring verification does not let the user in; a rewound signature counter is refused.
use castellan_store::devices_webauthn;
use castellan_testkit::browser::Browser;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::browser_journeys::PRELUDE;
use crate::flow_prompt::{flow, stage};
use crate::flow_support::{defaults, user};

/// `authenticator(page, verifies, verified)` adds a virtual authenticator to `page` (a platform
/// one that verifies the user, or a USB security key without user verification) and returns the DevTools session and its id; `landed(page)` waits until the page is on the user interface.
const HELPERS: &str = r#"
const authenticator = async (p, verifies, verified, session) => {
  const cdp = session || await p.context().newCDPSession(p);
  if (!session) { await cdp.send("WebAuthn.enable"); }
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: {
    protocol: "ctap2", transport: verifies ? "internal" : "usb", hasResidentKey: true,
    hasUserVerification: verifies,
    isUserVerified: verified, automaticPresenceSimulation: true } });
  return { cdp, id: authenticatorId };
};
const landed = (p) => p.waitForURL((u) => u.pathname.startsWith("/if/user/"), { timeout: 20000 });
const settle = async (p) => { await p.waitForLoadState("networkidle"); await p.waitForTimeout(500); };
"#;

const SCRIPT: &str = r#"
const out = {};
try {
const auth = await authenticator(page, true, true);
// 1. Log in with the password (no MFA device yet) and enrol a passkey from /if/user/mfa/.
await login(page, "ann", args.password, "/if/user/");
await page.goto(args.base + "/if/user/mfa/");
const enroll = await page.$$eval("a.ak-enroll", (l) => l.map((a) => a.getAttribute("href")));
out.enroll = enroll;
const link = enroll.find((h) => h.indexOf("webauthn") >= 0);
await page.goto(args.base + link);
await page.waitForURL((u) => u.pathname === "/if/user/mfa/", { timeout: 20000 });
out.mfaPage = await text(page);
out.credentials = (await auth.cdp.send("WebAuthn.getCredentials", { authenticatorId: auth.id })).credentials.length;
// 2. A new session: password, then the passkey as second factor, started by the page itself.
await page.context().clearCookies();
await login(page, "ann", args.password, "/if/user/");
await landed(page);
out.secondFactor = (await me(page)).body.user.username;
// 3. Passwordless: the validation stage first, no user known yet.
await page.context().clearCookies();
await page.goto(args.base + "/if/flow/pwl-login/?next=" + encodeURIComponent("/if/user/"));
await landed(page);
out.passwordless = (await me(page)).body.user.username;
// 4. The passkey moved to a security key that cannot verify the user: the default flow's
// `preferred` lets it in as second factor; a stage that requires verification does not.
const creds = (await auth.cdp.send("WebAuthn.getCredentials", { authenticatorId: auth.id })).credentials;
await auth.cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: auth.id });
const plain = await authenticator(page, false, false, auth.cdp);
await plain.cdp.send("WebAuthn.addCredential", { authenticatorId: plain.id, credential: creds[0] });
await page.context().clearCookies();
await login(page, "ann", args.password, "/if/user/");
await landed(page);
out.preferredUnverified = (await me(page)).body.user.username;
await page.context().clearCookies();
await page.goto(args.base + "/if/flow/pwl-required/?next=" + encodeURIComponent("/if/user/"));
await settle(page);
out.requiredUnverified = { url: page.url(), text: await text(page), me: (await me(page)).status };
// 5. A rewound signature counter (a cloned authenticator) is refused.
const now = (await plain.cdp.send("WebAuthn.getCredentials", { authenticatorId: plain.id })).credentials;
out.signCount = now[0].signCount;
await plain.cdp.send("WebAuthn.removeCredential", { authenticatorId: plain.id, credentialId: now[0].credentialId });
await plain.cdp.send("WebAuthn.addCredential", { authenticatorId: plain.id,
  credential: Object.assign({}, now[0], { signCount: 0 }) });
await page.context().clearCookies();
await login(page, "ann", args.password, "/if/user/");
await settle(page);
out.rewound = { url: page.url(), text: await text(page), me: (await me(page)).status };
} catch (e) {
  // Where the journey stopped, for the failure message.
  out.error = { message: String(e), url: page.url(), text: await text(page) };
}
return out;
"#;

async fn passwordless_flow(app: &TestApp, slug: &str, verification: &str) {
    let validate = stage(
        app,
        "stages/authenticator/validate",
        json!({"name": format!("{slug}-validate"), "device_classes": ["webauthn"],
               "webauthn_user_verification": verification}),
    )
    .await;
    let login = stage(
        app,
        "stages/user_login",
        json!({"name": format!("{slug}-login")}),
    )
    .await;
    flow(
        app,
        slug,
        json!({"designation": "authentication"}),
        &[validate, login],
    )
    .await;
}

db_test!(
    browser_passkey_register_and_log_in,
    |app: TestApp| async move {
        defaults(&app).await;
        let ann = user(&app, "ann", "Ann-pw-1").await;
        passwordless_flow(&app, "pwl-login", "preferred").await;
        passwordless_flow(&app, "pwl-required", "required").await;
        let (base, server) = app.serve().await;
        // WebAuthn needs a domain as RP id: the browser talks to `localhost`.
        let base = base.replace("127.0.0.1", "localhost");
        let browser = Browser::locate().unwrap();
        let args = json!({"base": base, "password": "Ann-pw-1"});
        let out = browser
            .run(&format!("{PRELUDE}\n{HELPERS}\n{SCRIPT}"), &args)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        server.abort();
        assert!(out.get("error").is_none(), "{out}");

        let enroll: Vec<&str> = out["enroll"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            enroll
                .iter()
                .any(|h| h.contains("default-authenticator-webauthn-setup")),
            "{out}"
        );
        assert_eq!(out["credentials"], 1, "{out}");
        let mut conn = app.store.conn().await.unwrap();
        let stored = devices_webauthn::list(&mut conn, Some(ann), true)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1, "{out}");
        assert_eq!(stored[0].rp_id, "localhost");
        assert!(
            out["mfaPage"]
                .as_str()
                .unwrap()
                .contains(&stored[0].common.name),
            "{out}"
        );
        assert_eq!(out["secondFactor"], "ann", "{out}");
        assert_eq!(out["passwordless"], "ann", "{out}");
        assert_eq!(out["preferredUnverified"], "ann", "{out}");
        let required = &out["requiredUnverified"];
        assert_eq!(required["me"], 403, "{out}");
        assert!(
            required["url"]
                .as_str()
                .unwrap()
                .contains("/if/flow/pwl-required/"),
            "{out}"
        );
        let rewound = &out["rewound"];
        assert_eq!(rewound["me"], 403, "{out}");
        assert!(
            rewound["text"]
                .as_str()
                .unwrap()
                .contains("Assertion failed"),
            "{out}"
        );
        // The refused assertion left the stored counter where the last good one put it.
        let after = devices_webauthn::list(&mut conn, Some(ann), true)
            .await
            .unwrap();
        assert_eq!(json!(after[0].sign_count), out["signCount"], "{out}");
    }
);

/// Autoselect (new in 2024.10) in Chromium, with a TOTP device and a passkey: never used, the
/// page offers both and starts nothing; with TOTP used last it opens on the code field and starts
/// nothing; with the passkey used last it starts the ceremony by itself.
const AUTOSELECT: &str = r#"
const out = {};
try {
const auth = await authenticator(page, true, true);
const count = async () =>
  (await auth.cdp.send("WebAuthn.getCredentials", { authenticatorId: auth.id })).credentials[0].signCount;
const state = async () => ({
  autostart: await page.$$eval("form.ak-webauthn[data-autostart]", (l) => l.length),
  focused: await page.evaluate(() => document.activeElement && document.activeElement.id),
  code: await page.$$eval("input[name=code]", (l) => l.length),
  signCount: await count(),
  path: new URL(page.url()).pathname,
});
await login(page, "ann", args.password, "/if/user/");
await page.goto(args.base + "/if/flow/default-authenticator-webauthn-setup/?next=/if/user/mfa/");
await page.waitForURL((u) => u.pathname === "/if/user/mfa/", { timeout: 20000 });
out.registered = await count();
// The test adds a TOTP device once the passkey is stored.
for (let i = 0; i < 100; i++) {
  const r = await page.context().request.get(args.base + "/api/v3/authenticators/all/");
  const list = r.ok() ? await r.json() : [];
  if (list.some((d) => d.type.endsWith("TOTPDevice"))) { break; }
  await page.waitForTimeout(200);
}
// Neither used yet: both offered, nothing started; the TOTP code logs in.
await page.context().clearCookies();
await login(page, "ann", args.password, "/if/user/");
await settle(page);
out.neither = await state();
await page.fill("input[name=code]", args.code);
await page.press("input[name=code]", "Enter");
await landed(page);
// TOTP used last: the code field has the focus, the passkey is not asked.
await page.context().clearCookies();
await login(page, "ann", args.password, "/if/user/");
await settle(page);
out.totpLast = await state();
await page.click("form.ak-webauthn button[type=submit]");
await landed(page);
// The passkey used last: the ceremony starts at once.
const before = await count();
await page.context().clearCookies();
await login(page, "ann", args.password, "/if/user/");
await landed(page);
out.webauthnLast = { before, after: await count(), who: (await me(page)).body.user.username };
} catch (e) {
  out.error = { message: String(e), url: page.url(), text: await text(page) };
}
return out;
"#;

db_test!(
    browser_autoselect_last_used_device,
    |app: TestApp| async move {
        defaults(&app).await;
        let ann = user(&app, "ann", "Ann-pw-1").await;
        let now = app.store.now().timestamp();
        let code = crate::mfa_support::pyotp_codes(&[now]).await.remove(0);
        let (base, server) = app.serve().await;
        let base = base.replace("127.0.0.1", "localhost");
        let browser = Browser::locate().unwrap();
        let args = json!({"base": base, "password": "Ann-pw-1", "code": code});
        let script = format!("{PRELUDE}\n{HELPERS}\n{AUTOSELECT}");
        // Once the browser has registered the passkey, ann gets a TOTP device too.
        let add_totp = async {
            for _ in 0..150 {
                let mut conn = app.store.conn().await.unwrap();
                let passkeys = devices_webauthn::list(&mut conn, Some(ann), true)
                    .await
                    .unwrap();
                drop(conn);
                if !passkeys.is_empty() {
                    crate::mfa_support::totp_device(&app, ann, "phone").await;
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        };
        let (out, ()) = tokio::join!(browser.run(&script, &args), add_totp);
        let out = out.unwrap_or_else(|e| panic!("{e}"));
        server.abort();
        assert!(out.get("error").is_none(), "{out}");
        // Never used: no ceremony, both the code field and the passkey button on the page.
        assert_eq!(out["neither"]["autostart"], 0, "{out}");
        assert_eq!(out["neither"]["code"], 1, "{out}");
        assert_eq!(out["neither"]["signCount"], out["registered"], "{out}");
        // TOTP used last: the code field has the focus and the authenticator was not used.
        assert_eq!(out["totpLast"]["autostart"], 0, "{out}");
        assert_eq!(out["totpLast"]["focused"], "code", "{out}");
        assert_eq!(
            out["totpLast"]["signCount"], out["neither"]["signCount"],
            "{out}"
        );
        // The passkey used last: logged in with no click, one more signature made.
        let before = out["webauthnLast"]["before"].as_i64().unwrap();
        assert_eq!(out["webauthnLast"]["after"], json!(before + 1), "{out}");
        assert_eq!(out["webauthnLast"]["who"], "ann", "{out}");
    }
);

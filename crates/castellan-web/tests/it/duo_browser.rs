//! The Duo setup page in a real browser (headless Chromium, see castellan-testkit's `browser`):
//! the page asks `enrollment_status/` every two seconds (same-origin, with the CSRF header) and
//! continues by itself, without a click, once the local Duo server reports the activation; when
//! Duo answers `invalid` it stops asking and shows why, and the user stays on the stage.
use std::time::Duration;

use castellan_store::devices_duo;
use castellan_testkit::browser::Browser;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::browser_journeys::PRELUDE;
use crate::duo_support::{DuoServer, SKEY, duo_server, duo_stage_body};
use crate::flow_prompt::{flow, stage};
use crate::flow_support::{defaults, user};

const SCRIPT: &str = r#"
const out = {};
// The status questions a page asks: the CSRF header each carried.
const watch = (p) => {
  const polls = [];
  p.on("request", (r) => {
    if (r.url().indexOf("/enrollment_status/") >= 0) {
      polls.push({ method: r.method(), csrf: r.headers()["x-authentik-csrf"] || "" });
    }
  });
  return polls;
};
const enrol = async (p, username) => {
  await p.goto(args.base + "/if/flow/duo-enrol/?next=" + encodeURIComponent("/if/user/"));
  await p.fill("input[name=uid_field]", username);
  await p.fill("input[name=password]", args.password);
  await p.press("input[name=password]", "Enter");
  await p.waitForSelector("form.ak-duo-enroll", { timeout: 20000 });
};
const csrfCookie = async (p) =>
  ((await p.context().cookies()).find((c) => c.name === "authentik_csrf") || {}).value || "";
try {
// 1. Ann: the test's Duo server flips to `success` after the page's first question; the page
// goes on to the next stage (login) and the user interface by itself.
out.annPolls = watch(page);
await enrol(page, "ann");
out.annSetup = page.url();
await page.waitForURL((u) => u.pathname.startsWith("/if/user/"), { timeout: 30000 });
out.annLanded = page.url();
out.annCsrf = await csrfCookie(page);
out.annMe = (await me(page)).body.user.username;
// 2. Bob: Duo answers `invalid`; the page stops asking and says so.
const bob = await fresh();
out.bobPolls = watch(bob);
await enrol(bob, "bob");
await bob.waitForSelector(".ak-duo-status.ak-error", { timeout: 20000 });
out.bobMessage = await bob.textContent(".ak-duo-status");
const asked = out.bobPolls.length;
await bob.waitForTimeout(5000);
out.bobPollsAfter = out.bobPolls.length - asked;
out.bobUrl = bob.url();
out.bobContinue = await bob.isVisible("form.ak-duo-enroll button[type=submit]");
} catch (e) {
  out.error = { message: String(e), url: page.url(), text: await text(page) };
}
return out;
"#;

/// Waits until `count()` reaches `n` (at most 60 s).
async fn until(count: impl Fn() -> usize, n: usize) {
    for _ in 0..1200 {
        if count() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Plays Duo: `success` once Ann's page has asked (still `waiting`), then `invalid` from Bob's
/// enrolment on.
async fn play_duo(duo: &DuoServer) {
    until(|| duo.seen("/auth/v2/enroll_status").len(), 1).await;
    duo.set_status("success");
    until(|| duo.seen("/auth/v2/enroll").len(), 2).await;
    duo.set_status("invalid");
}

db_test!(
    duo_setup_page_polls_in_a_browser,
    |app: TestApp| async move {
        defaults(&app).await;
        let duo = duo_server().await;
        let ann = user(&app, "ann", "Duo-pw-1").await;
        let bob = user(&app, "bob", "Duo-pw-1").await;
        let setup = stage(
            &app,
            "stages/authenticator/duo",
            duo_stage_body("duo-setup", &duo, SKEY),
        )
        .await;
        let pw = stage(
            &app,
            "stages/password",
            json!({"name": "d-pw", "backends": ["authentik.core.auth.InbuiltBackend"]}),
        )
        .await;
        let ident = stage(
            &app,
            "stages/identification",
            json!({"name": "d-ident", "user_fields": ["username"], "password_stage": pw}),
        )
        .await;
        let login = stage(&app, "stages/user_login", json!({"name": "d-login"})).await;
        flow(
            &app,
            "duo-enrol",
            json!({"designation": "authentication"}),
            &[ident, setup, login],
        )
        .await;
        let (base, server) = app.serve().await;
        let browser = Browser::locate().unwrap();
        let args = json!({"base": base, "password": "Duo-pw-1"});
        let script = format!("{PRELUDE}\n{SCRIPT}");
        let (out, ()) = tokio::join!(
            async {
                browser
                    .run(&script, &args)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"))
            },
            play_duo(&duo)
        );
        server.abort();
        assert!(out.get("error").is_none(), "{out}");

        // Ann's page asked with POSTs carrying the CSRF cookie, then went on by itself.
        assert!(
            out["annSetup"]
                .as_str()
                .unwrap()
                .contains("/if/flow/duo-enrol/"),
            "{out}"
        );
        let polls = out["annPolls"].as_array().unwrap();
        assert!(!polls.is_empty(), "{out}");
        for p in polls {
            assert_eq!(p["method"], "POST", "{out}");
            assert_eq!(p["csrf"], out["annCsrf"], "{out}");
        }
        assert_ne!(out["annCsrf"], "", "{out}");
        assert!(
            out["annLanded"].as_str().unwrap().contains("/if/user/"),
            "{out}"
        );
        assert_eq!(out["annMe"], "ann", "{out}");
        let mut conn = app.store.conn().await.unwrap();
        let saved = devices_duo::list(&mut conn, Some(ann), true).await.unwrap();
        assert_eq!(saved.len(), 1, "{out}");
        assert_eq!(saved[0].duo_user_id, "DU-ann");
        assert_eq!(saved[0].common.name, "Duo Authenticator");

        // Bob's page stopped at `invalid`, said so, and left him on the stage with Continue.
        assert_eq!(
            out["bobMessage"], "Duo reports this activation as expired or invalid.",
            "{out}"
        );
        assert!(!out["bobPolls"].as_array().unwrap().is_empty(), "{out}");
        assert_eq!(out["bobPollsAfter"], 0, "{out}");
        assert!(
            out["bobUrl"]
                .as_str()
                .unwrap()
                .contains("/if/flow/duo-enrol/"),
            "{out}"
        );
        assert_eq!(out["bobContinue"], true, "{out}");
        assert!(
            devices_duo::list(&mut conn, Some(bob), false)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

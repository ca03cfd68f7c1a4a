//! Password recovery in a real browser: authentik's example recovery flow (imported unchanged)
//! asks for the identifier on the flow page, mails a link through a real SMTP server (aiosmtpd),
//! and the link opened in the browser lets the user set a new password with plain form posts.
use castellan_testkit::browser::Browser;
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::smtp::{SmtpServer, flow_link};
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::email::{example, with_smtp};
use crate::flow_support::{defaults, user};

/// Asks for a recovery link on the flow page.
const REQUEST: &str = r#"
await page.goto(args.base + "/if/flow/default-recovery-flow/");
await page.fill("input[name=uid_field]", args.uid);
await Promise.all([page.waitForNavigation(), page.press("input[name=uid_field]", "Enter")]);
return { text: await page.evaluate(() => document.body.innerText) };
"#;

/// Opens the emailed link and sets a new password.
const RESET: &str = r#"
await page.goto(args.base + args.path);
const fields = await page.$$eval("input", (l) => l.map((i) => i.name));
await page.fill("input[name=password]", args.password);
await page.fill("input[name=password_repeat]", args.password);
await Promise.all([page.waitForNavigation(), page.press("input[name=password_repeat]", "Enter")]);
return { fields, url: page.url(), text: await page.evaluate(() => document.body.innerText) };
"#;

db_test!(
    browser_recovers_a_password_by_email,
    |app: TestApp| async move {
        let smtp = SmtpServer::start();
        let app = with_smtp(app, smtp.port);
        defaults(&app).await;
        example(&app, "flows-recovery-email-verification.yaml").await;
        user(&app, "heron", "Old-password-1").await;
        let browser = Browser::locate().unwrap();
        let (base, server) = app.serve().await;

        let out = browser
            .run(REQUEST, &json!({"base": base, "uid": "heron@example.org"}))
            .await
            .unwrap();
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail[0]["rcpt_tos"], json!(["heron@example.org"]), "{out}");
        let link = flow_link(&mail[0]).unwrap();
        let path = &link[link.find("/if/flow/").unwrap()..];

        let out = browser
            .run(
                RESET,
                &json!({"base": base, "path": path, "password": "New-password-2"}),
            )
            .await
            .unwrap();
        assert!(
            out["fields"]
                .as_array()
                .unwrap()
                .contains(&json!("password_repeat")),
            "{out}"
        );
        // Finished: the browser lands on the user interface, logged in as the recovered user.
        assert!(out["url"].as_str().unwrap().ends_with("/if/user/"), "{out}");
        assert!(out["text"].as_str().unwrap().contains("heron"), "{out}");
        server.abort();

        let end = FlowClient::new(&app, "default-authentication-flow")
            .login("heron", "New-password-2")
            .await;
        assert_eq!(end["component"], "xak-flow-redirect", "{end}");
        let end = FlowClient::new(&app, "default-authentication-flow")
            .login("heron", "Old-password-1")
            .await;
        assert_ne!(end["component"], "xak-flow-redirect", "{end}");
    }
);

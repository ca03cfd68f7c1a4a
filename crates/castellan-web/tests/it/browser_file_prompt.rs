//! A file prompt without JavaScript: the prompt page's form is `multipart/form-data`, the browser
//! uploads the chosen file, and the user written at the end of an enrolment flow carries it as the
//! `data:` URI authentik's file prompt produces. A malformed multipart body is a 400 page.
use castellan_testkit::browser::Browser;
use castellan_testkit::{TestApp, db_test};
use serde_json::json;

use crate::flow_prompt::{flow, prompt, stage};
use crate::flow_support::defaults;

const UPLOAD: &str = r##"
const p = page;
await p.goto(args.base + "/if/flow/upload-enroll/");
const enctype = await p.getAttribute("form.ak-form", "enctype");
await p.fill("input[name=username]", "uploader");
await p.fill("input[name=password]", "Upload-pw-1");
await p.setInputFiles("input[name='attributes.avatar']", {
  name: "avatar.png", mimeType: "image/png", buffer: Buffer.from("fake-png-bytes"),
});
await Promise.all([p.waitForNavigation(), p.click("form.ak-form button[type=submit]")]);
return { enctype, url: p.url() };
"##;

db_test!(
    browser_uploads_a_file_prompt_without_javascript,
    |app: TestApp| async move {
        defaults(&app).await;
        let fields = vec![
            prompt(
                &app,
                "u-user",
                json!({"field_key": "username", "type": "username"}),
            )
            .await,
            prompt(
                &app,
                "u-pw",
                json!({"field_key": "password", "type": "password"}),
            )
            .await,
            prompt(
                &app,
                "u-avatar",
                json!({"field_key": "attributes.avatar", "type": "file"}),
            )
            .await,
        ];
        let p = stage(
            &app,
            "stages/prompt/stages",
            json!({"name": "upload", "fields": fields}),
        )
        .await;
        let w = stage(
            &app,
            "stages/user_write",
            json!({"name": "upload-write", "user_creation_mode": "always_create"}),
        )
        .await;
        flow(&app, "upload-enroll", json!({}), &[p, w]).await;
        let browser = Browser::locate().unwrap();
        let (base, server) = app.serve().await;
        let out = browser
            .run(UPLOAD, &json!({"base": base, "javascript": false}))
            .await
            .unwrap();
        server.abort();
        assert_eq!(out["enctype"], "multipart/form-data", "{out}");
        let r = app
            .admin("GET", "/api/v3/core/users/?username=uploader", None)
            .await;
        assert_eq!(r.json["pagination"]["count"], 1, "{out} {}", r.text);
        assert_eq!(
            r.json["results"][0]["attributes"]["avatar"],
            "data:image/png;base64,ZmFrZS1wbmctYnl0ZXM=",
            "{out}"
        );
        // A cut multipart body is refused with a clear page and writes nothing.
        let before =
            app.admin("GET", "/api/v3/core/users/", None).await.json["pagination"]["count"].clone();
        let r = app
            .send(
                "POST",
                "/if/flow/upload-enroll/",
                Some(
                    "--B\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\nx",
                ),
                &[("content-type", "multipart/form-data; boundary=B")],
            )
            .await;
        assert_eq!(r.status, 400);
        assert!(
            r.text.contains("a multipart part is not closed"),
            "{}",
            r.text
        );
        let after =
            app.admin("GET", "/api/v3/core/users/", None).await.json["pagination"]["count"].clone();
        assert_eq!(before, after);
    }
);

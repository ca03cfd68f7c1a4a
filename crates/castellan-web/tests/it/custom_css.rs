//! `web.custom_css` (authentik's `custom.css`): every interface links `/static/dist/custom.css`
//! after Castellan's stylesheet; it serves the configured file as it is now, and an empty
//! stylesheet when none is configured or the file cannot be read.
use castellan_testkit::{TestApp, db_test};

use crate::flow_support::defaults;

db_test!(
    custom_css_is_served_and_linked_by_every_interface,
    |app: TestApp| async move {
        defaults(&app).await;
        let r = app.send("GET", "/static/dist/custom.css", None, &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.text, "");
        assert_eq!(r.headers["content-type"], "text/css; charset=utf-8");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("custom.css");
        std::fs::write(&path, ".ak-card { border: 2px solid hotpink; }\n").unwrap();
        let app = app.with_web_settings(|w| w.custom_css = Some(path.clone()));
        let r = app.send("GET", "/static/dist/custom.css", None, &[]).await;
        assert_eq!(r.text, ".ak-card { border: 2px solid hotpink; }\n");
        // Edits show without a restart.
        std::fs::write(&path, "body { color: teal; }\n").unwrap();
        let r = app.send("GET", "/static/dist/custom.css", None, &[]).await;
        assert_eq!(r.text, "body { color: teal; }\n");
        // A missing file is an empty stylesheet, not an error page.
        std::fs::remove_file(&path).unwrap();
        let r = app.send("GET", "/static/dist/custom.css", None, &[]).await;
        assert_eq!((r.status, r.text.as_str()), (200, ""));
        // The flow page links it after castellan.css.
        let r = app
            .send("GET", "/if/flow/default-authentication-flow/", None, &[])
            .await;
        let own = r.text.find("/static/dist/castellan.css").expect("own css");
        let custom = r.text.find("/static/dist/custom.css").expect("custom css");
        assert!(own < custom);
    }
);

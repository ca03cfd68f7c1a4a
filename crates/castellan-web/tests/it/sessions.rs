//! `/core/authenticated_sessions/`.
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};
use uuid::Uuid;

const BASE: &str = "/api/v3/core/authenticated_sessions/";
const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36";
const FIREFOX_LINUX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";

/// A session row plus its authenticated-session record; returns the record id.
async fn login(app: &TestApp, key: &str, user: i64, ip: &str, ua: &str) -> Uuid {
    let login = castellan_testkit::sessions::Login {
        key,
        user,
        data: json!({}),
        expires: app.store.now() + chrono::Duration::hours(8),
        ip,
        user_agent: ua,
    };
    castellan_testkit::sessions::login(app, login).await
}

fn cookie(sid: &str) -> String {
    let key = castellan_crypto::hs256::session_signing_key(castellan_testkit::app::TEST_SECRET_KEY);
    let jwt = castellan_crypto::hs256::sign(
        &json!({"sid": sid, "iss": "authentik", "sub": "x", "authenticated": true, "acr": "goauthentik.io/core/default"}),
        &key,
    )
    .unwrap();
    format!("authentik_session={jwt}")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn find(list: &Value, id: Uuid) -> &Value {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["uuid"] == id.to_string())
        .unwrap()
}

db_test!(list_retrieve_visibility, |app: TestApp| async move {
    let (bob, bob_token) = app.user_with_token("bob").await;
    let admin_sid = login(&app, "admin-key", app.admin_pk, "192.0.2.1", CHROME_WIN).await;
    let bob_sid = login(&app, "bob-key", bob, "198.51.100.7", FIREFOX_LINUX).await;

    // Superuser by token: every session, none current.
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 2);
    // Default order: owner username (akadmin, bob).
    assert_eq!(r.json["results"][0]["uuid"], admin_sid.to_string());
    let a = find(&r.json, admin_sid);
    let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "uuid",
            "current",
            "user_agent",
            "geo_ip",
            "asn",
            "user",
            "last_ip",
            "last_user_agent",
            "last_used",
            "expires"
        ]
    );
    assert_eq!(a["current"], false);
    assert_eq!(a["user"], app.admin_pk);
    assert_eq!(a["last_ip"], "192.0.2.1");
    assert_eq!(a["last_user_agent"], CHROME_WIN);
    assert_eq!(a["geo_ip"], Value::Null);
    assert_eq!(a["asn"], Value::Null);
    assert_eq!(
        a["user_agent"],
        json!({
            "device": {"brand": "", "family": "Other", "model": ""},
            "os": {"family": "Windows", "major": "10", "minor": "", "patch": "", "patch_minor": ""},
            "user_agent": {"family": "Chrome", "major": "120", "minor": "0", "patch": "6099"},
            "string": CHROME_WIN,
        })
    );
    assert!(a["expires"].is_string());
    assert!(a["last_used"].is_string());
    assert!(
        !r.text.contains("admin-key"),
        "session keys are never exposed"
    );
    let b = find(&r.json, bob_sid);
    assert_eq!(b["user_agent"]["user_agent"]["family"], "Firefox");
    assert_eq!(b["user_agent"]["os"]["family"], "Linux");

    // Filters and search.
    let r = app
        .admin("GET", &format!("{BASE}?user__username=bob"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(r.json["results"][0]["uuid"], bob_sid.to_string());
    let r = app
        .admin("GET", &format!("{BASE}?last_ip=192.0.2.1"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin(
            "GET",
            &format!("{BASE}?last_user_agent={}", urlencode(FIREFOX_LINUX)),
            None,
        )
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", &format!("{BASE}?search=firefox"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", &format!("{BASE}?search=AKADM"), None)
        .await;
    assert_eq!(r.json["pagination"]["count"], 1);
    let r = app
        .admin("GET", &format!("{BASE}?ordering=-user__username"), None)
        .await;
    assert_eq!(r.json["results"][0]["uuid"], bob_sid.to_string());

    // Superuser by cookie: their own session is current.
    let r = app
        .send("GET", BASE, None, &[("cookie", &cookie("admin-key"))])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(find(&r.json, admin_sid)["current"], true);
    assert_eq!(find(&r.json, bob_sid)["current"], false);
    let r = app
        .send(
            "GET",
            &format!("{BASE}{admin_sid}/"),
            None,
            &[("cookie", &cookie("admin-key"))],
        )
        .await;
    assert_eq!(r.json["current"], true);

    // A normal user sees only their own.
    let auth = bearer(&bob_token);
    let r = app
        .send("GET", BASE, None, &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 1);
    assert_eq!(r.json["results"][0]["uuid"], bob_sid.to_string());
    let r = app
        .send(
            "GET",
            &format!("{BASE}{bob_sid}/"),
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["user"], bob);
    for (method, path) in [
        ("GET", format!("{BASE}{admin_sid}/")),
        ("DELETE", format!("{BASE}{admin_sid}/")),
        ("GET", format!("{BASE}{admin_sid}/used_by/")),
        ("GET", format!("{BASE}{}/", Uuid::new_v4())),
        ("GET", format!("{BASE}not-a-uuid/")),
    ] {
        let r = app
            .send(method, &path, None, &[("authorization", &auth)])
            .await;
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(r.json["detail"], "Not found.");
    }
    let r = app
        .send(
            "GET",
            &format!("{BASE}{bob_sid}/used_by/"),
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.json, json!([]));
    // The admin's session is untouched.
    let r = app.admin("GET", &format!("{BASE}{admin_sid}/"), None).await;
    assert_eq!(r.status, 200);
    // Anonymous: 403.
    let r = app.send("GET", BASE, None, &[]).await;
    assert_eq!(r.status, 403);
});

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

db_test!(delete_ends_the_session, |app: TestApp| async move {
    let (bob, bob_token) = app.user_with_token("bob").await;
    let first = login(&app, "bob-1", bob, "198.51.100.7", FIREFOX_LINUX).await;
    let second = login(&app, "bob-2", bob, "198.51.100.8", "curl/8.4.0").await;
    let me = "/api/v3/core/users/me/";
    let r = app
        .send("GET", me, None, &[("cookie", &cookie("bob-1"))])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["user"]["username"], "bob");

    // The owner deletes one session (by token: no CSRF needed).
    let auth = bearer(&bob_token);
    let r = app
        .send(
            "DELETE",
            &format!("{BASE}{first}/"),
            None,
            &[("authorization", &auth)],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app
        .send("GET", me, None, &[("cookie", &cookie("bob-1"))])
        .await;
    assert_eq!(r.status, 403, "the deleted session no longer authenticates");
    let mut conn = app.store.conn().await.unwrap();
    assert!(
        castellan_store::sessions::get(&mut conn, "bob-1", app.store.now())
            .await
            .unwrap()
            .is_none()
    );
    drop(conn);
    let r = app.admin("GET", &format!("{BASE}{first}/"), None).await;
    assert_eq!(r.status, 404);

    // Deleting through the session itself needs CSRF, as every unsafe cookie request.
    let r = app
        .send(
            "DELETE",
            &format!("{BASE}{second}/"),
            None,
            &[("cookie", &cookie("bob-2"))],
        )
        .await;
    assert_eq!(r.status, 403);
    let with_csrf = format!("{}; authentik_csrf=tok", cookie("bob-2"));
    let r = app
        .send(
            "GET",
            &format!("{BASE}{second}/"),
            None,
            &[("cookie", &with_csrf)],
        )
        .await;
    assert_eq!(r.json["current"], true);
    assert_eq!(r.json["user_agent"]["user_agent"]["family"], "curl");
    // A superuser deletes someone else's session.
    let r = app.admin("DELETE", &format!("{BASE}{second}/"), None).await;
    assert_eq!(r.status, 204);
    let r = app.send("GET", me, None, &[("cookie", &with_csrf)]).await;
    assert_eq!(r.status, 403);
    let r = app.admin("GET", BASE, None).await;
    assert_eq!(r.json["pagination"]["count"], 0);
    let r = app.admin("DELETE", &format!("{BASE}{second}/"), None).await;
    assert_eq!(r.status, 404);
});

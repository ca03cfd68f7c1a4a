//! Session binding (spec §4.11): a session logged in with a network or GeoIP binding survives
//! requests from IPs that keep the binding and ends — `logout` event "Session binding broken",
//! served as anonymous, cookie dead from then on — on the first request that breaks it, both on
//! the API and on the flow executor.
use castellan_testkit::TestApp;
use castellan_testkit::db_test;
use castellan_testkit::flow_client::FlowClient;
use serde_json::{Value, json};

use crate::flow_support::{defaults, stage_pk, user};
use crate::geoip::{DE, NOWHERE, US, client, with_databases};

/// Another address in the German network of the test databases.
const DE_NEIGHBOUR: &str = "203.0.113.8";

async fn bind(app: &TestApp, body: Value) {
    let pk = stage_pk(app, "default-authentication-login").await;
    let r = app
        .admin(
            "PATCH",
            &format!("/api/v3/stages/user_login/{pk}/"),
            Some(body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn logged_in_from<'a>(app: &'a TestApp, ip: &str) -> FlowClient<'a> {
    let mut c = client(app, ip);
    let end = c.login("bound", "Bound-pw-1").await;
    assert_eq!(end["component"], "xak-flow-redirect", "{end}");
    c
}

/// `GET /core/users/me/` with the client's session from `ip`: the username, or None.
async fn me(app: &TestApp, c: &FlowClient<'_>, ip: &str) -> Option<String> {
    let cookie = format!("authentik_session={}", c.session_cookie().unwrap());
    let r = app
        .send(
            "GET",
            "/api/v3/core/users/me/",
            None,
            &[("cookie", &cookie), ("x-forwarded-for", ip)],
        )
        .await;
    (r.status == 200).then(|| r.json["user"]["username"].as_str().unwrap().to_string())
}

async fn broken_events(app: &TestApp) -> Vec<Value> {
    let r = app
        .admin("GET", "/api/v3/events/events/?action=logout", None)
        .await;
    r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["context"]["logout_reason"] == "Session binding broken")
        .cloned()
        .collect()
}

db_test!(
    geoip_binding_follows_the_country,
    |app: TestApp| async move {
        let (app, _dir) = with_databases(app);
        defaults(&app).await;
        user(&app, "bound", "Bound-pw-1").await;
        bind(&app, json!({"geoip_binding": "bind_continent_country"})).await;
        let c = logged_in_from(&app, DE).await;
        assert_eq!(me(&app, &c, DE).await.as_deref(), Some("bound"));
        // Same country, another address: still logged in, and the session moves there.
        assert_eq!(me(&app, &c, DE_NEIGHBOUR).await.as_deref(), Some("bound"));
        assert!(broken_events(&app).await.is_empty());
        // Another country: logged out for good.
        assert_eq!(me(&app, &c, US).await, None);
        assert_eq!(me(&app, &c, DE).await, None);
        let events = broken_events(&app).await;
        assert_eq!(events.len(), 1, "{events:?}");
        let binding = &events[0]["context"]["binding"];
        assert_eq!(binding["reason"], "geoip.continent");
        assert_eq!(binding["previous_ip"], DE_NEIGHBOUR);
        assert_eq!(binding["new_ip"], US);
        assert_eq!(events[0]["user"]["username"], "bound");
    }
);

db_test!(network_binding_to_the_ip, |app: TestApp| async move {
    let (app, _dir) = with_databases(app);
    defaults(&app).await;
    user(&app, "bound", "Bound-pw-1").await;
    bind(&app, json!({"network_binding": "bind_asn_network_ip"})).await;
    let c = logged_in_from(&app, DE).await;
    assert_eq!(me(&app, &c, DE).await.as_deref(), Some("bound"));
    assert_eq!(me(&app, &c, DE_NEIGHBOUR).await, None);
    let events = broken_events(&app).await;
    assert_eq!(events[0]["context"]["binding"]["reason"], "network.ip");
});

db_test!(
    unknown_addresses_break_bound_sessions,
    |app: TestApp| async move {
        let (app, _dir) = with_databases(app);
        defaults(&app).await;
        user(&app, "bound", "Bound-pw-1").await;
        bind(&app, json!({"network_binding": "bind_asn"})).await;
        // The executor path: a bound session seen from an address with no ASN data is ended there.
        let mut c = logged_in_from(&app, DE).await;
        c.headers.retain(|(k, _)| k != "x-forwarded-for");
        c.headers.push(("x-forwarded-for".into(), NOWHERE.into()));
        let r = c.get().await;
        assert_eq!(r.status, 200, "{}", r.text);
        let events = broken_events(&app).await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["context"]["binding"]["reason"], "network.missing");
        assert_eq!(me(&app, &c, DE).await, None);
    }
);

db_test!(unbound_sessions_roam, |app: TestApp| async move {
    let (app, _dir) = with_databases(app);
    defaults(&app).await;
    user(&app, "bound", "Bound-pw-1").await;
    let c = logged_in_from(&app, DE).await;
    assert_eq!(me(&app, &c, US).await.as_deref(), Some("bound"));
    assert_eq!(me(&app, &c, NOWHERE).await.as_deref(), Some("bound"));
    assert!(broken_events(&app).await.is_empty());
});

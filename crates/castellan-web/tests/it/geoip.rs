//! GeoIP and ASN from MaxMind databases written by the testkit's writer: GeoIP policies in the
//! default authentication flow, `request.context["geoip"]` in expressions, `can_geo_ip` /
//! `can_asn`, `geo` / `asn` on login events, sessions and reputation scores, corrupt and
//! replaced files.
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::mmdb::{MmdbWriter, asn_record, city_record};
use castellan_testkit::{TestApp, db_test};
use castellan_web::geoip::GeoIp;
use serde_json::{Value, json};

use crate::flow_support::{bind_expression, create, defaults, flow, user};

const AUTH: &str = "default-authentication-flow";
/// In Germany (Berlin), AS 64500.
pub const DE: &str = "203.0.113.7";
/// In Germany (no city), AS 64500.
const DE6: &str = "2001:db8:de::5";
/// In the United States, AS 64501.
pub const US: &str = "198.51.100.7";
/// In neither database.
pub const NOWHERE: &str = "192.0.2.1";

fn city_db() -> MmdbWriter {
    let mut w = MmdbWriter::city();
    w.insert(
        "203.0.113.0/24",
        city_record("EU", "DE", Some("Berlin"), 52.52, 13.405),
    )
    .insert("2001:db8:de::/48", city_record("EU", "DE", None, 51.0, 9.0))
    .insert(
        "198.51.100.0/24",
        city_record("NA", "US", Some("Ashburn"), 39.04, -77.49),
    );
    w
}

fn asn_db() -> MmdbWriter {
    let mut w = MmdbWriter::asn();
    w.insert("203.0.113.0/24", asn_record(64_500, "Allowed Net"))
        .insert("2001:db8:de::/48", asn_record(64_500, "Allowed Net"))
        .insert("198.51.100.0/24", asn_record(64_501, "Other Net"));
    w
}

/// Writes both databases into `dir`; returns (city, asn) paths.
fn write_databases(dir: &Path) -> (PathBuf, PathBuf) {
    let city = dir.join("GeoLite2-City.mmdb");
    let asn = dir.join("GeoLite2-ASN.mmdb");
    city_db().write(&city).unwrap();
    asn_db().write(&asn).unwrap();
    (city, asn)
}

/// The app with both databases (kept in the returned directory).
pub fn with_databases(app: TestApp) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (city, asn) = write_databases(dir.path());
    (app.with_geoip(Some(&city), Some(&asn)), dir)
}

pub fn client<'a>(app: &'a TestApp, ip: &str) -> FlowClient<'a> {
    let mut c = FlowClient::new(app, AUTH);
    c.headers.push(("x-forwarded-for".into(), ip.into()));
    c
}

/// Binds a GeoIP policy to the default authentication flow.
async fn bind_geoip(app: &TestApp, body: Value, failure_result: bool) -> String {
    let policy = create(app, "/api/v3/policies/geoip/", body).await;
    let pk = policy["pk"].as_str().unwrap().to_string();
    let f = flow(app, AUTH).await;
    create(
        app,
        "/api/v3/policies/bindings/",
        json!({"target": f["policybindingmodel_ptr_id"], "policy": pk, "order": 0,
               "failure_result": failure_result}),
    )
    .await;
    pk
}

/// The first challenge of the authentication flow for a client at `ip`.
async fn first_challenge(app: &TestApp, ip: &str) -> Value {
    client(app, ip).get().await.json
}

/// `POST /policies/all/{pk}/test/` for a client at `ip`.
async fn test_policy(app: &TestApp, pk: &str, ip: &str) -> castellan_testkit::Response {
    let path = format!("/api/v3/policies/all/{pk}/test/");
    let body = json!({"user": app.admin_pk}).to_string();
    let auth = format!("Bearer {}", app.admin_token);
    app.send(
        "POST",
        &path,
        Some(&body),
        &[("authorization", &auth), ("x-forwarded-for", ip)],
    )
    .await
}

async fn capabilities(app: &TestApp) -> Vec<String> {
    let r = app.send("GET", "/api/v3/root/config/", None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    serde_json::from_value(r.json["capabilities"].clone()).unwrap()
}

#[test]
fn lookups_give_authentiks_dict_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let (city, asn) = write_databases(dir.path());
    let geo = GeoIp::open(Some(&city), Some(&asn));
    assert_eq!(
        geo.city_dict(DE),
        Some(
            json!({"continent": "EU", "country": "DE", "lat": 52.52, "long": 13.405, "city": "Berlin"})
        )
    );
    assert_eq!(
        geo.city_dict(DE6),
        Some(json!({"continent": "EU", "country": "DE", "lat": 51.0, "long": 9.0, "city": ""}))
    );
    assert_eq!(
        geo.asn_dict(US),
        Some(json!({"asn": 64501, "as_org": "Other Net", "network": "198.51.100.0/24"}))
    );
    assert_eq!(geo.asn_dict(DE6).unwrap()["network"], "2001:db8:de::/48");
    assert_eq!(
        geo.city_dict("::ffff:203.0.113.7").unwrap()["country"],
        "DE"
    );
    assert_eq!(geo.city_dict(NOWHERE), None);
    assert_eq!(geo.asn_dict(NOWHERE), None);
    assert_eq!(geo.city_dict("not-an-ip"), None);
    assert_eq!(geo.asn_dict("255.255.255.255"), None);
    assert!(geo.can_geo_ip() && geo.can_asn());
    let none = GeoIp::open(None, Some(&dir.path().join("missing.mmdb")));
    assert!(!none.can_geo_ip() && !none.can_asn());
    assert_eq!(none.city_dict(DE), None);
    assert_eq!(none.asn_dict(DE), None);
}

#[test]
fn updates_are_checked_at_most_once_per_interval() {
    let dir = tempfile::tempdir().unwrap();
    let (city, _) = write_databases(dir.path());
    let slow = GeoIp::open_with_interval(Some(&city), None, Duration::from_secs(3600));
    let fast = GeoIp::open_with_interval(Some(&city), None, Duration::ZERO);
    replace_with_france(&city);
    assert_eq!(slow.city_dict(DE).unwrap()["country"], "DE");
    assert_eq!(fast.city_dict(DE).unwrap()["country"], "FR");
}

/// Rewrites the City database so 203.0.113.0/24 is in France, with a later mtime.
fn replace_with_france(path: &Path) {
    let mut w = MmdbWriter::city();
    w.insert(
        "203.0.113.0/24",
        city_record("EU", "FR", Some("Paris"), 48.85, 2.35),
    );
    w.write(path).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() + Duration::from_secs(60))
        .unwrap();
}

db_test!(
    geoip_policy_admits_allowed_countries,
    |app: TestApp| async move {
        let (app, _dir) = with_databases(app);
        defaults(&app).await;
        user(&app, "gerda", "Gerda-pw-1").await;
        bind_geoip(&app, json!({"name": "de-only", "countries": ["DE"]}), false).await;
        let r = first_challenge(&app, DE).await;
        assert_eq!(r["component"], "ak-stage-identification", "{r}");
        let r = first_challenge(&app, DE6).await;
        assert_eq!(r["component"], "ak-stage-identification", "{r}");
        let done = client(&app, DE).login("gerda", "Gerda-pw-1").await;
        assert_eq!(done["component"], "xak-flow-redirect", "{done}");
        let r = first_challenge(&app, US).await;
        assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
        assert_eq!(
            r["error_message"],
            "Client IP is not in an allowed country."
        );
        // No data for the IP: the policy errors and the binding's failure_result (false) holds.
        let r = first_challenge(&app, NOWHERE).await;
        assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
        assert_eq!(
            r["error_message"],
            "GeoIP: client IP address not found in City database."
        );
    }
);

db_test!(
    geoip_policy_checks_autonomous_systems,
    |app: TestApp| async move {
        let (app, _dir) = with_databases(app);
        defaults(&app).await;
        bind_geoip(
            &app,
            json!({"name": "as-only", "asns": [64500], "countries": []}),
            false,
        )
        .await;
        let r = first_challenge(&app, DE).await;
        assert_eq!(r["component"], "ak-stage-identification", "{r}");
        let r = first_challenge(&app, US).await;
        assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
        assert_eq!(
            r["error_message"],
            "Client IP is not part of an allowed autonomous system."
        );
        let r = first_challenge(&app, NOWHERE).await;
        assert_eq!(
            r["error_message"],
            "GeoIP: client IP not found in ASN database."
        );
    }
);

db_test!(
    missing_geoip_data_yields_the_failure_result,
    |app: TestApp| async move {
        let (app, _dir) = with_databases(app);
        defaults(&app).await;
        bind_geoip(
            &app,
            json!({"name": "de-or-unknown", "countries": ["DE"]}),
            true,
        )
        .await;
        let r = first_challenge(&app, NOWHERE).await;
        assert_eq!(r["component"], "ak-stage-identification", "{r}");
        let r = first_challenge(&app, US).await;
        assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
    }
);

db_test!(
    geoip_policy_without_databases_fails_closed,
    |app: TestApp| async move {
        defaults(&app).await;
        bind_geoip(&app, json!({"name": "de-only", "countries": ["DE"]}), false).await;
        let r = first_challenge(&app, DE).await;
        assert_eq!(r["component"], "ak-stage-access-denied", "{r}");
    }
);

db_test!(
    expressions_read_request_context_geoip,
    |app: TestApp| async move {
        let (app, _dir) = with_databases(app);
        defaults(&app).await;
        let f = flow(&app, AUTH).await;
        bind_expression(
            &app,
            f["policybindingmodel_ptr_id"].as_str().unwrap(),
            "germany-via-expression",
            "geo = request.context[\"geoip\"]\n\
             if not geo or geo[\"country\"] != \"DE\":\n    \
                 ak_message(\"not from Germany\")\n    \
                 return False\n\
             return context[\"asn\"][\"asn\"] == 64500",
            false,
        )
        .await;
        let r = first_challenge(&app, DE).await;
        assert_eq!(r["component"], "ak-stage-identification", "{r}");
        let r = first_challenge(&app, US).await;
        assert_eq!(r["error_message"], "not from Germany", "{r}");
        let r = first_challenge(&app, NOWHERE).await;
        assert_eq!(r["error_message"], "not from Germany", "{r}");
    }
);

db_test!(
    capabilities_follow_the_loaded_databases,
    |app: TestApp| async move {
        let caps = capabilities(&app).await;
        assert!(!caps.contains(&"can_geo_ip".to_string()), "{caps:?}");
        assert!(!caps.contains(&"can_asn".to_string()), "{caps:?}");
        let dir = tempfile::tempdir().unwrap();
        let (city, asn) = write_databases(dir.path());
        let app = app.with_geoip(Some(&city), None);
        let caps = capabilities(&app).await;
        assert!(caps.contains(&"can_geo_ip".to_string()), "{caps:?}");
        assert!(!caps.contains(&"can_asn".to_string()), "{caps:?}");
        let app = app.with_geoip(Some(&city), Some(&asn));
        let caps = capabilities(&app).await;
        assert!(caps.contains(&"can_geo_ip".to_string()), "{caps:?}");
        assert!(caps.contains(&"can_asn".to_string()), "{caps:?}");
        let missing = dir.path().join("absent.mmdb");
        let app = app.with_geoip(Some(&missing), Some(&missing));
        assert!(
            !capabilities(&app)
                .await
                .iter()
                .any(|c| c.starts_with("can_geo") || c == "can_asn")
        );
        // A file that appears later is picked up.
        std::fs::copy(&city, &missing).unwrap();
        assert!(capabilities(&app).await.contains(&"can_geo_ip".to_string()));
    }
);

db_test!(logins_record_geo_and_asn, |app: TestApp| async move {
    let (app, _dir) = with_databases(app);
    defaults(&app).await;
    user(&app, "gerda", "Gerda-pw-1").await;
    let mut c = client(&app, DE);
    c.get().await;
    c.post(json!({"component": "ak-stage-identification", "uid_field": "gerda"}))
        .await;
    c.post(json!({"component": "ak-stage-password", "password": "wrong"}))
        .await;
    let done = c
        .post(json!({"component": "ak-stage-password", "password": "Gerda-pw-1"}))
        .await;
    assert_eq!(done.json["component"], "xak-flow-redirect", "{}", done.text);
    let events = app
        .admin("GET", "/api/v3/events/events/?action=login", None)
        .await;
    let login = &events.json["results"][0];
    assert_eq!(login["client_ip"], DE);
    assert_eq!(
        login["context"]["geo"],
        json!({"continent": "EU", "country": "DE", "lat": 52.52, "long": 13.405, "city": "Berlin"})
    );
    assert_eq!(
        login["context"]["asn"],
        json!({"asn": 64500, "as_org": "Allowed Net", "network": "203.0.113.0/24"})
    );
    let failed = app
        .admin("GET", "/api/v3/events/events/?action=login_failed", None)
        .await;
    assert_eq!(failed.json["results"][0]["context"]["geo"]["country"], "DE");
    // Sessions show the data of their last IP.
    let sessions = app
        .admin("GET", "/api/v3/core/authenticated_sessions/", None)
        .await;
    let s = &sessions.json["results"][0];
    assert_eq!(s["last_ip"], DE);
    assert_eq!(
        s["geo_ip"],
        json!({"continent": "EU", "country": "DE", "lat": 52.52, "long": 13.405, "city": "Berlin"})
    );
    assert_eq!(
        s["asn"],
        json!({"asn": 64500, "as_org": "Allowed Net", "network": "203.0.113.0/24"})
    );
    // Reputation rows keep the IP's data.
    let scores = app
        .admin(
            "GET",
            "/api/v3/policies/reputation/scores/?identifier=gerda",
            None,
        )
        .await;
    let row = &scores.json["results"][0];
    assert_eq!(row["score"], 0, "{}", scores.text);
    assert_eq!(row["ip_geo_data"]["city"], "Berlin");
    assert_eq!(row["ip_asn_data"]["asn"], 64500);
    // A login from an IP without data records neither.
    let done = client(&app, NOWHERE).login("gerda", "Gerda-pw-1").await;
    assert_eq!(done["component"], "xak-flow-redirect", "{done}");
    let events = app
        .admin(
            "GET",
            &format!("/api/v3/events/events/?action=login&client_ip={NOWHERE}"),
            None,
        )
        .await;
    let login = &events.json["results"][0];
    assert_eq!(login["client_ip"], NOWHERE, "{}", events.text);
    assert!(login["context"].get("geo").is_none(), "{login}");
    assert!(login["context"].get("asn").is_none(), "{login}");
    let scores = app
        .admin(
            "GET",
            &format!("/api/v3/policies/reputation/scores/?ip={NOWHERE}"),
            None,
        )
        .await;
    assert_eq!(scores.json["results"][0]["ip_geo_data"], json!({}));
    assert_eq!(scores.json["results"][0]["ip_asn_data"], json!({}));
});

db_test!(
    corrupt_databases_disable_lookups_only,
    |app: TestApp| async move {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("corrupt.mmdb");
        let mut bytes = b"\x00\x01 not a database ".repeat(100);
        // A metadata marker followed by garbage: found, then rejected.
        bytes.extend_from_slice(castellan_testkit::mmdb::METADATA_MARKER);
        bytes.extend_from_slice(b"\xff\xff\xff");
        std::fs::write(&bad, bytes).unwrap();
        let truncated = dir.path().join("truncated.mmdb");
        let good = city_db().to_bytes();
        std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
        let app = app.with_geoip(Some(&bad), Some(&truncated));
        let caps = capabilities(&app).await;
        assert!(!caps.contains(&"can_geo_ip".to_string()), "{caps:?}");
        assert!(!caps.contains(&"can_asn".to_string()), "{caps:?}");
        defaults(&app).await;
        user(&app, "gerda", "Gerda-pw-1").await;
        let done = client(&app, DE).login("gerda", "Gerda-pw-1").await;
        assert_eq!(done["component"], "xak-flow-redirect", "{done}");
        let sessions = app
            .admin("GET", "/api/v3/core/authenticated_sessions/", None)
            .await;
        assert_eq!(sessions.status, 200);
        assert_eq!(sessions.json["results"][0]["geo_ip"], Value::Null);
    }
);

db_test!(replaced_database_is_picked_up, |app: TestApp| async move {
    let (app, dir) = with_databases(app);
    let pk = create(
        &app,
        "/api/v3/policies/geoip/",
        json!({"name": "de-only", "countries": ["DE"]}),
    )
    .await["pk"]
        .as_str()
        .unwrap()
        .to_string();
    let r = test_policy(&app, &pk, DE).await;
    assert_eq!(r.json["passing"], true, "{}", r.text);
    replace_with_france(&dir.path().join("GeoLite2-City.mmdb"));
    let r = test_policy(&app, &pk, DE).await;
    assert_eq!(r.json["passing"], false, "{}", r.text);
    assert_eq!(
        r.json["messages"],
        json!(["Client IP is not in an allowed country."])
    );
    // A corrupt replacement keeps the last good copy.
    let city = dir.path().join("GeoLite2-City.mmdb");
    std::fs::write(&city, b"garbage").unwrap();
    let r = test_policy(&app, &pk, DE).await;
    assert_eq!(
        r.json["messages"],
        json!(["Client IP is not in an allowed country."])
    );
});

//! `events.context_processors.geoip` / `.asn`: a corrupt or missing database never stops
//! `castellan serve`; it is logged, and a valid file put in its place later is picked up.
use std::time::{Duration, Instant};

use castellan_testkit::mmdb::{MmdbWriter, city_record};
use serde_json::Value;

use crate::support::{Server, TempDir, get};

/// The capabilities `GET /api/v3/root/config/` reports.
async fn capabilities(port: u16) -> Vec<String> {
    let (status, body) = get(port, "/api/v3/root/config/", &[]).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let value: Value = serde_json::from_str(&body).unwrap();
    serde_json::from_value(value["capabilities"].clone()).unwrap()
}

#[tokio::test]
async fn broken_databases_are_logged_and_replacements_picked_up() {
    let dir = TempDir::new("geoip");
    let city = dir.path().join("GeoLite2-City.mmdb");
    std::fs::write(&city, b"this is not a MaxMind database").unwrap();
    let asn = dir.path().join("missing").join("GeoLite2-ASN.mmdb");
    let env = [
        (
            "CASTELLAN_EVENTS__CONTEXT_PROCESSORS__GEOIP",
            city.display().to_string(),
        ),
        (
            "CASTELLAN_EVENTS__CONTEXT_PROCESSORS__ASN",
            asn.display().to_string(),
        ),
    ];
    let server = Server::start(dir.path(), "serve.log", &env).await;
    let caps = capabilities(server.ports.http).await;
    assert!(
        !caps.iter().any(|c| c == "can_geo_ip" || c == "can_asn"),
        "{caps:?}"
    );
    let lines = server.log_lines();
    let warning = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("GeoIP database is not a valid MaxMind DB file"))
        })
        .unwrap_or_else(|| panic!("no warning:\n{}", server.log()));
    assert_eq!(warning["level"], "WARN", "{warning}");
    assert_eq!(warning["path"], city.display().to_string(), "{warning}");
    assert!(warning["error"].is_string(), "{warning}");
    assert!(
        lines.iter().any(
            |l| l["message"] == "ASN database not found; ASN lookups are disabled"
                && l["level"] == "INFO"
        ),
        "{}",
        server.log()
    );

    // A valid file replaces the corrupt one: picked up within the check interval.
    let mut w = MmdbWriter::city();
    w.insert(
        "203.0.113.0/24",
        city_record("EU", "DE", Some("Berlin"), 52.52, 13.405),
    );
    w.write(&city).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if capabilities(server.ports.http)
            .await
            .iter()
            .any(|c| c == "can_geo_ip")
        {
            break;
        }
        assert!(Instant::now() < deadline, "not reloaded:\n{}", server.log());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        server
            .log_lines()
            .iter()
            .any(|l| l["message"] == "GeoIP database loaded"
                && l["database_type"] == "GeoLite2-City"),
        "{}",
        server.log()
    );
    let status = server.stop().await;
    assert!(status.success());
}

//! The writer checked by an independent reader: the `maxminddb` crate.
#![allow(clippy::unwrap_used)]
use std::net::IpAddr;

use maxminddb::{Reader, geoip2};
use serde_json::{Value, json};

use super::*;

/// A `bytes` value (serde_json has no bytes type).
struct Bytes(Vec<u8>);

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
        }
        d.deserialize_bytes(V)
    }
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn reader(writer: &MmdbWriter) -> Reader<Vec<u8>> {
    Reader::from_source(writer.to_bytes()).unwrap()
}

fn lookup(reader: &Reader<Vec<u8>>, addr: &str) -> Option<Value> {
    reader.lookup(ip(addr)).unwrap().decode::<Value>().unwrap()
}

fn network(reader: &Reader<Vec<u8>>, addr: &str) -> String {
    reader
        .lookup(ip(addr))
        .unwrap()
        .network()
        .unwrap()
        .to_string()
}

#[test]
fn city_records_read_back_for_ipv4_and_ipv6() {
    let mut w = MmdbWriter::city();
    w.insert(
        "203.0.113.0/24",
        city_record("EU", "DE", Some("Berlin"), 52.5, 13.4),
    )
    .insert(
        "2001:db8::/32",
        city_record("NA", "US", None, 37.751, -97.822),
    );
    let r = reader(&w);
    let meta = r.metadata();
    assert_eq!(meta.database_type, "GeoLite2-City");
    assert_eq!(meta.ip_version, 6);
    assert_eq!(meta.record_size, 24);
    assert_eq!(meta.binary_format_major_version, 2);
    assert_eq!(meta.languages, ["en"]);
    assert_eq!(meta.build_epoch, 1_700_000_000);
    assert!(meta.description["en"].contains("GeoLite2-City"));
    r.verify().unwrap();

    let berlin: geoip2::City = r
        .lookup(ip("203.0.113.77"))
        .unwrap()
        .decode()
        .unwrap()
        .unwrap();
    assert_eq!(berlin.continent.code, Some("EU"));
    assert_eq!(berlin.country.iso_code, Some("DE"));
    assert_eq!(berlin.city.names.english, Some("Berlin"));
    assert_eq!(berlin.location.latitude, Some(52.5));
    assert_eq!(berlin.location.longitude, Some(13.4));
    assert_eq!(network(&r, "203.0.113.77"), "203.0.113.0/24");

    let v6: geoip2::City = r
        .lookup(ip("2001:db8::1"))
        .unwrap()
        .decode()
        .unwrap()
        .unwrap();
    assert_eq!(v6.country.iso_code, Some("US"));
    assert_eq!(v6.city.names.english, None);
    assert_eq!(v6.location.longitude, Some(-97.822));
    assert_eq!(network(&r, "2001:db8:ffff::9"), "2001:db8::/32");
    // IPv4-mapped addresses reach the IPv4 subtree through the ::ffff:0:0/96 alias.
    let mapped = lookup(&r, "::ffff:203.0.113.5").unwrap();
    assert_eq!(mapped["country"]["iso_code"], "DE");
}

#[test]
fn a_miss_has_no_data() {
    let mut w = MmdbWriter::asn();
    w.insert("198.51.100.0/24", asn_record(64_500, "Example Net"));
    let r = reader(&w);
    let miss = r.lookup(ip("192.0.2.1")).unwrap();
    assert!(!miss.has_data());
    assert_eq!(lookup(&r, "2001:db8::1"), None);
    assert_eq!(lookup(&r, "198.51.99.255"), None);
    assert_eq!(lookup(&r, "198.51.101.0"), None);
    let hit: geoip2::Asn = r
        .lookup(ip("198.51.100.0"))
        .unwrap()
        .decode()
        .unwrap()
        .unwrap();
    assert_eq!(hit.autonomous_system_number, Some(64_500));
    assert_eq!(hit.autonomous_system_organization, Some("Example Net"));
}

#[test]
fn nested_networks_prefer_the_most_specific_in_any_order() {
    let mut w = MmdbWriter::asn();
    w.insert("10.1.2.0/24", asn_record(3, "inner"))
        .insert("10.0.0.0/8", asn_record(1, "outer"))
        .insert("10.1.0.0/16", asn_record(2, "middle"))
        .insert("10.1.2.3", asn_record(4, "host"));
    let r = reader(&w);
    r.verify().unwrap();
    let asn = |a: &str| lookup(&r, a).unwrap()["autonomous_system_number"].clone();
    assert_eq!(asn("10.200.0.1"), 1);
    assert_eq!(asn("10.1.200.1"), 2);
    assert_eq!(asn("10.1.2.200"), 3);
    assert_eq!(asn("10.1.2.3"), 4);
    assert_eq!(network(&r, "10.1.2.3"), "10.1.2.3/32");
    assert_eq!(network(&r, "10.1.2.4"), "10.1.2.4/30");
    assert_eq!(network(&r, "10.9.0.0"), "10.8.0.0/13");
}

#[test]
fn record_sizes_28_and_32_and_no_pointers() {
    for (size, pointers) in [(28, true), (32, false), (24, false)] {
        let mut w = MmdbWriter::city().record_size(size).pointers(pointers);
        for i in 0..40u32 {
            w.insert(
                &format!("100.64.{i}.0/24"),
                city_record(
                    "AS",
                    "JP",
                    Some(&format!("City {i}")),
                    35.0,
                    139.0 + f64::from(i),
                ),
            );
        }
        let r = reader(&w);
        assert_eq!(r.metadata().record_size, size);
        r.verify().unwrap();
        let v = lookup(&r, "100.64.39.1").unwrap();
        assert_eq!(v["city"]["names"]["en"], "City 39");
        assert_eq!(v["location"]["longitude"], 178.0);
        assert_eq!(lookup(&r, "100.64.40.1"), None);
    }
}

#[test]
fn ipv4_only_databases_and_all_value_types() {
    let mut w = MmdbWriter::new("Castellan-Types").ipv4_only();
    let long = "x".repeat(70_000);
    w.insert(
        "0.0.0.0/1",
        MmdbValue::map([
            ("bool", MmdbValue::Bool(true)),
            ("i32", MmdbValue::I32(-7)),
            ("u64", MmdbValue::U64(u64::MAX)),
            ("float", MmdbValue::Float(1.5)),
            (
                "array",
                MmdbValue::Array(vec![MmdbValue::U16(7), MmdbValue::str("b")]),
            ),
            ("long", MmdbValue::Utf8(long.clone())),
            ("mid", MmdbValue::Utf8("y".repeat(300))),
        ]),
    )
    .insert(
        "128.0.0.0/2",
        MmdbValue::map([("bytes", MmdbValue::Bytes(vec![1, 2, 3]))]),
    );
    let r = reader(&w);
    assert_eq!(r.metadata().ip_version, 4);
    r.verify().unwrap();
    let v = lookup(&r, "1.2.3.4").unwrap();
    assert_eq!(v["bool"], true);
    assert_eq!(v["i32"], -7);
    assert_eq!(v["u64"], json!(u64::MAX));
    assert_eq!(v["float"], 1.5);
    assert_eq!(v["array"], json!([7, "b"]));
    assert_eq!(v["long"].as_str().unwrap().len(), long.len());
    assert_eq!(v["mid"].as_str().unwrap().len(), 300);
    let found = r.lookup(ip("130.0.0.1")).unwrap();
    let bytes: Option<Bytes> = found.decode_path(&maxminddb::path!["bytes"]).unwrap();
    assert_eq!(bytes.unwrap().0, [1, 2, 3]);
    assert_eq!(network(&r, "130.0.0.1"), "128.0.0.0/2");
    assert_eq!(lookup(&r, "200.0.0.1"), None);
    assert!(r.lookup(ip("::1")).is_err());
}

#[test]
fn an_empty_database_opens() {
    let r = reader(&MmdbWriter::city());
    assert_eq!(lookup(&r, "1.1.1.1"), None);
    assert_eq!(lookup(&r, "2001:db8::1"), None);
}

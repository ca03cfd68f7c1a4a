//! A small MaxMind DB (format 2.0) writer for tests: GeoLite2-City- and ASN-shaped databases
//! without downloading MaxMind's files. Networks go into a binary search tree over the IPv6
//! space (IPv4 at `::/96`, aliased from `::ffff:0:0/96`) or the IPv4 space, records of 24, 28 or
//! 32 bits, a 16-byte zero separator, the data section, then the metadata map after
//! `"\xAB\xCD\xEFMaxMind.com"`.
mod data;
mod tree;

use std::net::IpAddr;
use std::path::Path;

pub use data::MmdbValue;
use data::{DataSection, encode};
use tree::Tree;

/// The marker before the metadata section.
pub const METADATA_MARKER: &[u8] = b"\xAB\xCD\xEFMaxMind.com";

/// Builds a MaxMind DB file in memory.
#[derive(Debug, Clone)]
pub struct MmdbWriter {
    database_type: String,
    description: String,
    languages: Vec<String>,
    ip_version: u16,
    record_size: Option<u16>,
    build_epoch: u64,
    pointers: bool,
    networks: Vec<(u128, u32, MmdbValue)>,
}

impl MmdbWriter {
    /// An empty IPv6 database of `database_type` (IPv4 networks go to `::/96`).
    pub fn new(database_type: &str) -> Self {
        Self {
            database_type: database_type.to_owned(),
            description: format!("Castellan test database ({database_type})"),
            languages: vec!["en".to_owned()],
            ip_version: 6,
            record_size: None,
            build_epoch: 1_700_000_000,
            pointers: true,
            networks: Vec::new(),
        }
    }

    /// An empty `GeoLite2-City` database.
    pub fn city() -> Self {
        Self::new("GeoLite2-City")
    }

    /// An empty `GeoLite2-ASN` database.
    pub fn asn() -> Self {
        Self::new("GeoLite2-ASN")
    }

    /// An IPv4-only database (`ip_version` 4; IPv6 networks are refused).
    pub fn ipv4_only(mut self) -> Self {
        self.ip_version = 4;
        self
    }

    /// Forces the record size (24, 28 or 32); by default the smallest that fits.
    pub fn record_size(mut self, bits: u16) -> Self {
        assert!(
            matches!(bits, 24 | 28 | 32),
            "record size must be 24, 28 or 32"
        );
        self.record_size = Some(bits);
        self
    }

    /// Turns pointer compression of repeated map keys on (the default) or off.
    pub fn pointers(mut self, on: bool) -> Self {
        self.pointers = on;
        self
    }

    /// The `build_epoch` stored in the metadata.
    pub fn build_epoch(mut self, epoch: u64) -> Self {
        self.build_epoch = epoch;
        self
    }

    /// Adds `network` (`"203.0.113.0/24"`, `"2001:db8::/32"`, or a single address) with
    /// `value`. More specific networks win over the networks that contain them, whatever the
    /// order of insertion.
    ///
    /// # Panics
    /// When `network` does not parse, or is IPv6 in an IPv4-only database.
    pub fn insert(&mut self, network: &str, value: MmdbValue) -> &mut Self {
        let (addr, prefix) = match network.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (network, None),
        };
        let addr: IpAddr = addr
            .parse()
            .unwrap_or_else(|_| panic!("not an IP network: {network}"));
        let (key, max) = match addr {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => {
                assert!(self.ip_version == 6, "IPv6 network in an IPv4 database");
                (u128::from(v6), 128)
            }
        };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= max)
                .unwrap_or_else(|| panic!("bad prefix length: {network}")),
            None => max,
        };
        let depth = if self.ip_version == 6 && max == 32 {
            prefix + 96
        } else {
            prefix
        };
        self.networks.push((key, depth, value));
        self
    }

    /// The database file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let bits = if self.ip_version == 6 { 128 } else { 32 };
        let mut tree = Tree::new(bits);
        let mut section = DataSection::new(self.pointers);
        let mut order: Vec<&(u128, u32, MmdbValue)> = self.networks.iter().collect();
        order.sort_by_key(|(_, depth, _)| *depth);
        for (key, depth, value) in order {
            let offset = section.add(value);
            tree.insert(*key, *depth, offset);
        }
        if self.ip_version == 6 {
            tree.alias_ipv4_mapped();
        }
        let layout = tree.layout(section.bytes.len(), self.record_size);
        let mut out = layout.bytes;
        out.extend_from_slice(&[0u8; 16]);
        out.extend_from_slice(&section.bytes);
        out.extend_from_slice(METADATA_MARKER);
        encode(
            &self.metadata(layout.node_count, layout.record_size),
            &mut out,
            None,
        );
        out
    }

    /// Writes the database to `path`.
    ///
    /// # Errors
    /// IO errors.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_bytes())
    }

    fn metadata(&self, node_count: u32, record_size: u16) -> MmdbValue {
        let languages = self.languages.iter().map(|l| MmdbValue::str(l)).collect();
        MmdbValue::map([
            ("node_count", MmdbValue::U32(node_count)),
            ("record_size", MmdbValue::U16(record_size)),
            ("ip_version", MmdbValue::U16(self.ip_version)),
            ("database_type", MmdbValue::str(&self.database_type)),
            ("languages", MmdbValue::Array(languages)),
            ("binary_format_major_version", MmdbValue::U16(2)),
            ("binary_format_minor_version", MmdbValue::U16(0)),
            ("build_epoch", MmdbValue::U64(self.build_epoch)),
            (
                "description",
                MmdbValue::map([("en", MmdbValue::str(&self.description))]),
            ),
        ])
    }
}

/// `{"en": name}`.
fn names(name: &str) -> MmdbValue {
    MmdbValue::map([("en", MmdbValue::str(name))])
}

/// A GeoLite2-City-shaped record: `continent.code`, `country.iso_code`, `city.names.en` (left
/// out when `city` is `None`), `location.latitude` / `longitude`.
pub fn city_record(
    continent: &str,
    country: &str,
    city: Option<&str>,
    latitude: f64,
    longitude: f64,
) -> MmdbValue {
    let mut pairs = Vec::new();
    if let Some(city) = city {
        pairs.push((
            "city",
            MmdbValue::map([("geoname_id", MmdbValue::U32(1)), ("names", names(city))]),
        ));
    }
    pairs.push((
        "continent",
        MmdbValue::map([
            ("code", MmdbValue::str(continent)),
            ("names", names(continent)),
        ]),
    ));
    let country_map = MmdbValue::map([
        ("iso_code", MmdbValue::str(country)),
        ("names", names(country)),
    ]);
    pairs.push(("country", country_map.clone()));
    pairs.push((
        "location",
        MmdbValue::map([
            ("accuracy_radius", MmdbValue::U16(100)),
            ("latitude", MmdbValue::Double(latitude)),
            ("longitude", MmdbValue::Double(longitude)),
        ]),
    ));
    pairs.push(("registered_country", country_map));
    MmdbValue::map(pairs)
}

/// A GeoLite2-ASN-shaped record.
pub fn asn_record(number: u32, organization: &str) -> MmdbValue {
    MmdbValue::map([
        ("autonomous_system_number", MmdbValue::U32(number)),
        (
            "autonomous_system_organization",
            MmdbValue::str(organization),
        ),
    ])
}

#[cfg(test)]
mod tests;

//! GeoIP and ASN lookups from MaxMind `.mmdb` databases (GeoLite2 City and ASN), as authentik's
//! `events.context_processors.geoip` / `.asn`: used for policy request context, GeoIP policies,
//! event context, sessions and reputation scores. Each database is optional.
mod dicts;
mod file;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

pub use dicts::parse_ip;
pub use file::{MmdbFile, MmdbReader};

/// How often a database file is checked for updates (mtime or size changed).
pub const CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// The City and ASN databases; either may be absent (lookups then give `None`).
#[derive(Debug, Default)]
pub struct GeoIp {
    city: Option<MmdbFile>,
    asn: Option<MmdbFile>,
}

impl GeoIp {
    /// No databases: every lookup gives `None`.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// Opens the configured databases (`None`: not configured), checking the files for updates
    /// every [`CHECK_INTERVAL`]. Never fails: problems are logged and disable the lookup.
    pub fn open(city: Option<&Path>, asn: Option<&Path>) -> Self {
        Self::open_with_interval(city, asn, CHECK_INTERVAL)
    }

    /// [`GeoIp::open`] with another update-check interval (tests use zero).
    pub fn open_with_interval(city: Option<&Path>, asn: Option<&Path>, interval: Duration) -> Self {
        Self {
            city: city.map(|p| MmdbFile::open("GeoIP", p, interval)),
            asn: asn.map(|p| MmdbFile::open("ASN", p, interval)),
        }
    }

    /// The databases of `settings` (`geoip_database`, `asn_database`).
    pub fn from_settings(settings: &crate::WebSettings) -> Self {
        Self::open(
            settings.geoip_database.as_deref(),
            settings.asn_database.as_deref(),
        )
    }

    /// `{continent, country, lat, long, city}` for `ip`; `None` without a City database, for
    /// an unparsable IP, or when the database has no record.
    pub fn city_dict(&self, ip: &str) -> Option<Value> {
        let reader = self.city.as_ref()?.reader()?;
        dicts::city_dict(&reader, parse_ip(ip)?)
    }

    /// `{asn, as_org, network}` for `ip`; `None` as for [`GeoIp::city_dict`].
    pub fn asn_dict(&self, ip: &str) -> Option<Value> {
        let reader = self.asn.as_ref()?.reader()?;
        dicts::asn_dict(&reader, parse_ip(ip)?)
    }

    /// A City database is loaded (`can_geo_ip`).
    pub fn can_geo_ip(&self) -> bool {
        self.city.as_ref().is_some_and(|f| f.reader().is_some())
    }

    /// An ASN database is loaded (`can_asn`).
    pub fn can_asn(&self) -> bool {
        self.asn.as_ref().is_some_and(|f| f.reader().is_some())
    }
}

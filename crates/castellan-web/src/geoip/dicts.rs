//! authentik's GeoIP/ASN dict shapes from a lookup: City → `{continent, country, lat, long,
//! city}` (`city` is the English name or `""`), ASN → `{asn, as_org, network}` (`network` is the
//! CIDR of the matching database record).
use std::net::IpAddr;

use maxminddb::geoip2;
use serde_json::{Value, json};

use super::file::MmdbReader;

/// The client IP as a lookup key: `None` when it does not parse; IPv4-mapped IPv6 addresses
/// become IPv4.
pub fn parse_ip(ip: &str) -> Option<IpAddr> {
    ip.trim()
        .parse::<IpAddr>()
        .ok()
        .map(|addr| addr.to_canonical())
}

/// The City dict for `ip`, `None` when the database has no record for it.
pub fn city_dict(reader: &MmdbReader, ip: IpAddr) -> Option<Value> {
    let found = reader.lookup(ip).ok()?;
    let city: geoip2::City<'_> = found.decode().ok()??;
    Some(json!({
        "continent": city.continent.code,
        "country": city.country.iso_code,
        "lat": city.location.latitude,
        "long": city.location.longitude,
        "city": city.city.names.english.unwrap_or_default(),
    }))
}

/// The ASN dict for `ip`, `None` when the database has no record for it.
pub fn asn_dict(reader: &MmdbReader, ip: IpAddr) -> Option<Value> {
    let found = reader.lookup(ip).ok()?;
    let asn: geoip2::Asn<'_> = found.decode().ok()??;
    let network = found.network().ok().map(|n| n.to_string());
    Some(json!({
        "asn": asn.autonomous_system_number,
        "as_org": asn.autonomous_system_organization,
        "network": network,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ips_parse_or_are_skipped() {
        assert_eq!(parse_ip("203.0.113.9"), "203.0.113.9".parse().ok());
        assert_eq!(parse_ip("::ffff:203.0.113.9"), "203.0.113.9".parse().ok());
        assert_eq!(parse_ip("2001:db8::1"), "2001:db8::1".parse().ok());
        assert_eq!(parse_ip("not-an-ip"), None);
        assert_eq!(parse_ip(""), None);
    }
}

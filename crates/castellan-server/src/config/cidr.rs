//! IP networks in CIDR notation (`10.0.0.0/8`, `::1/128`).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IP network: an address and a prefix length.
///
/// A bare address is accepted as a host network (`/32` or `/128`); host bits
/// beyond the prefix are allowed and ignored by [`IpNet::contains`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a string is not a CIDR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid CIDR network (expected e.g. 10.0.0.0/8 or fe80::/10)")]
pub struct InvalidCidr;

impl IpNet {
    /// The network address as written.
    #[must_use]
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    #[must_use]
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies in this network. IPv4-mapped IPv6 addresses
    /// (`::ffff:a.b.c.d`) match IPv4 networks.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => masked(
                u128::from(u32::from(net)),
                u128::from(u32::from(ip)),
                self.prefix,
                32,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

/// Compares the top `prefix` bits of two `width`-bit numbers.
fn masked(a: u128, b: u128, prefix: u8, width: u32) -> bool {
    let shift = width.saturating_sub(u32::from(prefix));
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

impl FromStr for IpNet {
    type Err = InvalidCidr;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| InvalidCidr)?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| InvalidCidr)?
            }
            Some(_) => return Err(InvalidCidr),
            None => max,
        };
        if prefix > max {
            return Err(InvalidCidr);
        }
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn parses_v4_v6_and_bare_addresses() {
        assert_eq!(net("10.0.0.0/8").prefix(), 8);
        assert_eq!(net("fe80::/10").to_string(), "fe80::/10");
        assert_eq!(net("192.168.1.1").prefix(), 32);
        assert_eq!(net("::1").prefix(), 128);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "abc",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "1.2.3.4/8/9",
        ] {
            assert_eq!(bad.parse::<IpNet>(), Err(InvalidCidr), "{bad}");
        }
    }

    #[test]
    fn contains() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(net("10.0.0.0/8").contains(ip("10.1.2.3")));
        assert!(!net("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(net("172.16.0.0/12").contains(ip("172.31.255.255")));
        assert!(!net("172.16.0.0/12").contains(ip("172.32.0.0")));
        assert!(net("fe80::/10").contains(ip("fe80::1")));
        assert!(net("::1/128").contains(ip("::1")));
        assert!(net("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(net("127.0.0.0/8").contains(ip("::ffff:127.0.0.1")));
        assert!(!net("::1/128").contains(ip("127.0.0.1")));
    }
}

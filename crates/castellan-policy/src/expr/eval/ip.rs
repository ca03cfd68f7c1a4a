//! The `_ak_ip` helper behind the `ipaddress` prelude: parses addresses and networks and
//! returns the facts the Python classes store (comparison keys are fixed-width hex strings,
//! so membership is a string comparison that works for IPv4 and IPv6 alike).
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use monty_types::{ExcType, MontyObject};

type IpError = (ExcType, String);

fn s(text: impl Into<String>) -> MontyObject {
    MontyObject::String(text.into())
}

fn key(value: u128, version: u8) -> String {
    if version == 4 {
        format!("{value:08x}")
    } else {
        format!("{value:032x}")
    }
}

fn bits(ip: IpAddr) -> (u128, u8, u32) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 4, 32),
        IpAddr::V6(v6) => (u128::from(v6), 6, 128),
    }
}

fn from_bits(value: u128, version: u8) -> IpAddr {
    if version == 4 {
        IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(u32::MAX)))
    } else {
        IpAddr::V6(Ipv6Addr::from(value))
    }
}

fn in_net(ip: IpAddr, net: &str) -> bool {
    let Some((addr, prefix)) = net.split_once('/') else {
        return false;
    };
    let (Ok(addr), Ok(prefix)) = (addr.parse::<IpAddr>(), prefix.parse::<u32>()) else {
        return false;
    };
    let (a, va, width) = bits(ip);
    let (n, vn, _) = bits(addr);
    if va != vn {
        return false;
    }
    let shift = width - prefix;
    shift >= width || (a >> shift) == (n >> shift)
}

const PRIVATE: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/29",
    "192.0.0.170/31",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "240.0.0.0/4",
    "255.255.255.255/32",
    "::1/128",
    "::/128",
    "::ffff:0:0/96",
    "100::/64",
    "2001::/23",
    "2001:db8::/32",
    "2001:10::/28",
    "fc00::/7",
    "fe80::/10",
];

fn is_private(ip: IpAddr) -> bool {
    PRIVATE.iter().any(|net| in_net(ip, net))
}

fn exploded(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6
            .segments()
            .iter()
            .map(|seg| format!("{seg:04x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

fn parse_addr(text: &str) -> Result<IpAddr, IpError> {
    text.trim().parse::<IpAddr>().map_err(|_| {
        (
            ExcType::ValueError,
            format!("'{text}' does not appear to be an IPv4 or IPv6 address"),
        )
    })
}

fn address(text: &str) -> Result<MontyObject, IpError> {
    let ip = parse_addr(text)?;
    let (value, version, _) = bits(ip);
    let private = is_private(ip);
    let shared = in_net(ip, "100.64.0.0/10");
    let (loopback, link_local, multicast, unspecified, reserved) = match ip {
        IpAddr::V4(v4) => (
            v4.is_loopback(),
            v4.is_link_local(),
            v4.is_multicast(),
            v4.is_unspecified(),
            in_net(ip, "240.0.0.0/4"),
        ),
        IpAddr::V6(v6) => (
            v6.is_loopback(),
            in_net(ip, "fe80::/10"),
            v6.is_multicast(),
            v6.is_unspecified(),
            false,
        ),
    };
    Ok(MontyObject::Tuple(vec![
        MontyObject::Int(i64::from(version)),
        s(ip.to_string()),
        s(exploded(ip)),
        s(key(value, version)),
        MontyObject::Bool(private),
        MontyObject::Bool(!private && !shared),
        MontyObject::Bool(loopback),
        MontyObject::Bool(link_local),
        MontyObject::Bool(multicast),
        MontyObject::Bool(reserved),
        MontyObject::Bool(unspecified),
    ]))
}

fn network(text: &str, strict: bool) -> Result<MontyObject, IpError> {
    let (addr, prefix) = match text.trim().split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text.trim(), None),
    };
    let ip = parse_addr(addr)?;
    let (value, version, width) = bits(ip);
    let prefix = match prefix {
        None => width,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|p| *p <= width)
            .ok_or_else(|| {
                (
                    ExcType::ValueError,
                    format!("'{text}' does not appear to be an IPv4 or IPv6 network"),
                )
            })?,
    };
    let host_mask: u128 = if prefix == 0 {
        if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        }
    } else {
        (1u128 << (width - prefix)) - 1
    };
    let lo = value & !host_mask;
    if strict && lo != value {
        return Err((ExcType::ValueError, format!("{text} has host bits set")));
    }
    let hi = lo | host_mask;
    let network = from_bits(lo, version);
    Ok(MontyObject::Tuple(vec![
        MontyObject::Int(i64::from(version)),
        s(format!("{network}/{prefix}")),
        MontyObject::Int(i64::from(prefix)),
        s(key(lo, version)),
        s(key(hi, version)),
        s(network.to_string()),
        s(from_bits(hi, version).to_string()),
        MontyObject::Bool(is_private(network) && is_private(from_bits(hi, version))),
    ]))
}

/// `_ak_ip(value, mode)`: mode 0 parses an address, 1 a network (strict), 2 a network
/// (non-strict).
pub(crate) fn ip_info(args: &[MontyObject]) -> Result<MontyObject, IpError> {
    let text = match args.first() {
        Some(MontyObject::String(text)) => text.clone(),
        Some(MontyObject::Int(n)) => match u32::try_from(*n) {
            Ok(n) => Ipv4Addr::from(n).to_string(),
            Err(_) => {
                return Err((
                    ExcType::ValueError,
                    format!("{n} does not appear to be an IPv4 address"),
                ));
            }
        },
        Some(MontyObject::ClassInstance(inst)) => (&inst.attrs)
            .into_iter()
            .find(|(k, _)| matches!(k, MontyObject::String(k) if k == "compressed"))
            .map(|(_, v)| v.to_string())
            .unwrap_or_default(),
        other => {
            return Err((
                ExcType::ValueError,
                format!(
                    "{} does not appear to be an IPv4 or IPv6 address",
                    other.map_or_else(String::new, MontyObject::py_repr)
                ),
            ));
        }
    };
    match args.get(1) {
        Some(MontyObject::Int(1)) => network(&text, true),
        Some(MontyObject::Int(2)) => network(&text, false),
        _ => address(&text),
    }
}

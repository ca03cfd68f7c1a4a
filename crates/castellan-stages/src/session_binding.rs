//! Session binding (spec §4.11, authentik's user-login middleware): a session logged in by a user
//! login stage with `network_binding` / `geoip_binding` stays valid only while the client's
//! autonomous system / network / IP and continent / country / city match those of the IP it logged
//! in from. Pure comparison: the HTTP layer looks the IPs up and ends broken sessions.
use serde_json::{Map, Value, json};

/// Session key: the client IP the session was last seen from.
pub const SESSION_LAST_IP: &str = "authentik/stages/user_login/last_ip";
/// Session key: the network binding mode.
pub const SESSION_BINDING_NET: &str = "authentik/stages/user_login/binding/net";
/// Session key: the GeoIP binding mode.
pub const SESSION_BINDING_GEO: &str = "authentik/stages/user_login/binding/geo";
/// `logout_reason` of the event recorded when a binding breaks.
pub const LOGOUT_REASON: &str = "Session binding broken";

/// What is known about one client IP.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IpFacts {
    /// The IP as text.
    pub ip: String,
    /// ASN dict (`asn`, `as_org`, `network`), when the ASN database knows the IP.
    pub asn: Option<Value>,
    /// City dict (`continent`, `country`, `city`, …), when the City database knows the IP.
    pub geo: Option<Value>,
}

/// Why a bound session is no longer valid.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingBroken {
    /// `network.missing`, `network.asn`, `network.asn_network`, `network.ip`, `geoip.missing`,
    /// `geoip.continent`, `geoip.country` or `geoip.city`.
    pub reason: &'static str,
    /// The binding mode that broke.
    pub binding: String,
}

impl BindingBroken {
    /// The logout event's context.
    pub fn event_context(&self, last: &IpFacts, new: &IpFacts) -> Map<String, Value> {
        let mut context = Map::new();
        context.insert("logout_reason".into(), Value::String(LOGOUT_REASON.into()));
        context.insert(
            "binding".into(),
            json!({
                "reason": self.reason,
                "binding": self.binding,
                "previous_ip": last.ip,
                "new_ip": new.ip,
                "previous_asn": last.asn,
                "new_asn": new.asn,
                "previous_geo": last.geo,
                "new_geo": new.geo,
            }),
        );
        context
    }
}

fn field<'a>(dict: &'a Value, key: &str) -> &'a Value {
    dict.get(key).unwrap_or(&Value::Null)
}

fn check_network(binding: &str, last: &IpFacts, new: &IpFacts) -> Result<(), &'static str> {
    let (Some(a), Some(b)) = (&last.asn, &new.asn) else {
        return Err("network.missing");
    };
    if field(a, "asn") != field(b, "asn") {
        return Err("network.asn");
    }
    if matches!(binding, "bind_asn_network" | "bind_asn_network_ip")
        && field(a, "network") != field(b, "network")
    {
        return Err("network.asn_network");
    }
    if binding == "bind_asn_network_ip" && last.ip != new.ip {
        return Err("network.ip");
    }
    Ok(())
}

fn check_geo(binding: &str, last: &IpFacts, new: &IpFacts) -> Result<(), &'static str> {
    let (Some(a), Some(b)) = (&last.geo, &new.geo) else {
        return Err("geoip.missing");
    };
    if field(a, "continent") != field(b, "continent") {
        return Err("geoip.continent");
    }
    if matches!(
        binding,
        "bind_continent_country" | "bind_continent_country_city"
    ) && field(a, "country") != field(b, "country")
    {
        return Err("geoip.country");
    }
    if binding == "bind_continent_country_city" && field(a, "city") != field(b, "city") {
        return Err("geoip.city");
    }
    Ok(())
}

/// The binding modes stored in a session, `no_binding` when absent.
pub fn modes(session: &Map<String, Value>) -> (String, String) {
    let mode = |key: &str| {
        session
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("no_binding")
            .to_string()
    };
    (mode(SESSION_BINDING_NET), mode(SESSION_BINDING_GEO))
}

/// Whether a session needs checking for a request from `ip`: bound, and seen from another IP.
pub fn needs_check(session: &Map<String, Value>, ip: &str) -> bool {
    let (net, geo) = modes(session);
    (net != "no_binding" || geo != "no_binding")
        && session.get(SESSION_LAST_IP).and_then(Value::as_str) != Some(ip)
}

/// Checks a request from `new` against the session's last IP `last` under the session's modes.
///
/// # Errors
/// The broken binding.
pub fn check(
    session: &Map<String, Value>,
    last: &IpFacts,
    new: &IpFacts,
) -> Result<(), BindingBroken> {
    if last.ip == new.ip {
        return Ok(());
    }
    let (net, geo) = modes(session);
    if net != "no_binding" {
        check_network(&net, last, new).map_err(|reason| BindingBroken {
            reason,
            binding: net.clone(),
        })?;
    }
    if geo != "no_binding" {
        check_geo(&geo, last, new).map_err(|reason| BindingBroken {
            reason,
            binding: geo.clone(),
        })?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn facts(ip: &str, asn: i64, network: &str, country: &str, city: &str) -> IpFacts {
        IpFacts {
            ip: ip.into(),
            asn: Some(json!({"asn": asn, "as_org": "x", "network": network})),
            geo: Some(json!({"continent": "EU", "country": country, "city": city})),
        }
    }

    fn session(net: &str, geo: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(SESSION_BINDING_NET.into(), json!(net));
        m.insert(SESSION_BINDING_GEO.into(), json!(geo));
        m.insert(SESSION_LAST_IP.into(), json!("192.0.2.1"));
        m
    }

    #[test]
    fn network_levels() {
        let last = facts("192.0.2.1", 64500, "192.0.2.0/24", "DE", "Berlin");
        let same_net = facts("192.0.2.9", 64500, "192.0.2.0/24", "DE", "Berlin");
        let other_net = facts("198.51.100.1", 64500, "198.51.100.0/24", "DE", "Berlin");
        let other_as = facts("203.0.113.1", 64501, "203.0.113.0/24", "DE", "Berlin");
        let s = session("bind_asn", "no_binding");
        assert!(check(&s, &last, &other_net).is_ok());
        assert_eq!(
            check(&s, &last, &other_as).unwrap_err().reason,
            "network.asn"
        );
        let s = session("bind_asn_network", "no_binding");
        assert!(check(&s, &last, &same_net).is_ok());
        let broken = check(&s, &last, &other_net).unwrap_err();
        assert_eq!(broken.reason, "network.asn_network");
        assert_eq!(broken.binding, "bind_asn_network");
        let s = session("bind_asn_network_ip", "no_binding");
        assert_eq!(
            check(&s, &last, &same_net).unwrap_err().reason,
            "network.ip"
        );
        let unknown = IpFacts {
            ip: "10.0.0.1".into(),
            ..IpFacts::default()
        };
        assert_eq!(
            check(&session("bind_asn", "no_binding"), &last, &unknown)
                .unwrap_err()
                .reason,
            "network.missing"
        );
    }

    #[test]
    fn geo_levels_and_unbound_sessions() {
        let last = facts("192.0.2.1", 1, "192.0.2.0/24", "DE", "Berlin");
        let munich = facts("192.0.2.2", 1, "192.0.2.0/24", "DE", "Munich");
        let paris = facts("192.0.2.3", 1, "192.0.2.0/24", "FR", "Paris");
        let s = session("no_binding", "bind_continent");
        assert!(check(&s, &last, &paris).is_ok());
        let s = session("no_binding", "bind_continent_country");
        assert!(check(&s, &last, &munich).is_ok());
        assert_eq!(
            check(&s, &last, &paris).unwrap_err().reason,
            "geoip.country"
        );
        let s = session("no_binding", "bind_continent_country_city");
        assert_eq!(check(&s, &last, &munich).unwrap_err().reason, "geoip.city");
        assert!(!needs_check(
            &session("no_binding", "no_binding"),
            "203.0.113.1"
        ));
        assert!(!needs_check(&s, "192.0.2.1"));
        assert!(needs_check(&s, "192.0.2.2"));
        let ctx = check(&s, &last, &munich)
            .unwrap_err()
            .event_context(&last, &munich);
        assert_eq!(ctx["logout_reason"], LOGOUT_REASON);
        assert_eq!(ctx["binding"]["new_ip"], "192.0.2.2");
    }
}

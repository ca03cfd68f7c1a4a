//! Facts about the HTTP request that events and policies record: client IP (🔒 only a trusted
//! proxy's `X-Forwarded-For` is honoured, and an unparsable value becomes `255.255.255.255`),
//! user agent, path, method, query and request id.
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;
use serde_json::{Value, json};

use crate::state::AppState;

/// Fallback client IP when the address cannot be parsed (authentik's value).
pub const FALLBACK_IP: &str = "255.255.255.255";

/// Request facts.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Client IP as text.
    pub client_ip: String,
    /// Path.
    pub path: String,
    /// Method.
    pub method: String,
    /// Query pairs.
    pub args: serde_json::Map<String, Value>,
    /// User agent.
    pub user_agent: String,
    /// Request id.
    pub request_id: String,
    /// Host header.
    pub host: String,
    /// `scheme://host` as the client addressed this server ([`base_url`]).
    pub base_url: String,
    /// GeoIP/ASN databases, for the `geo` and `asn` of events.
    pub geoip: std::sync::Arc<crate::geoip::GeoIp>,
    /// While the authenticated caller impersonates: events name the original user as `user`
    /// and the impersonated one as `on_behalf_of` (spec §10.1).
    pub impersonation: Option<std::sync::Arc<crate::auth::Impersonation>>,
}

/// Whether `ip` is inside one of `cidrs`.
pub fn in_cidrs(ip: IpAddr, cidrs: &[(IpAddr, u8)]) -> bool {
    cidrs.iter().any(|(net, len)| match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let len = u32::from((*len).min(32));
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(*n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let len = u32::from((*len).min(128));
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(a) & mask == u128::from(*n) & mask
        }
        _ => false,
    })
}

/// Determines the client IP from the peer and, when the peer is a trusted proxy, the first
/// `X-Forwarded-For` entry, parsed as an IP address.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[(IpAddr, u8)],
) -> String {
    let peer_trusted = peer.is_none_or(|p| in_cidrs(p, trusted));
    if peer_trusted && let Some(xff) = forwarded_for {
        let first = xff.split(',').next().unwrap_or_default().trim();
        return first
            .parse::<IpAddr>()
            .map(|ip| ip.to_string())
            .unwrap_or_else(|_| FALLBACK_IP.into());
    }
    peer.map(|p| p.to_string())
        .unwrap_or_else(|| "127.0.0.1".into())
}

fn header(parts: &Parts, name: &str) -> String {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

impl FromRequestParts<AppState> for RequestContext {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts, state))
    }
}

/// Request extension the HTTPS listener adds: the request arrived over TLS.
#[derive(Debug, Clone, Copy)]
pub struct Https;

/// `https://host` or `http://host` as the client addressed this server: `https` when the request
/// came over the TLS listener or a trusted proxy says `X-Forwarded-Proto: https`.
pub fn base_url(parts: &Parts, state: &AppState) -> String {
    let host = header(parts, "host");
    let tls = parts.extensions.get::<Https>().is_some();
    let forwarded = || {
        let proto = header(parts, "x-forwarded-proto");
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        proto.eq_ignore_ascii_case("https")
            && peer.is_some_and(|ip| in_cidrs(ip, &state.settings.trusted_proxies))
    };
    let scheme = if tls || forwarded() { "https" } else { "http" };
    format!("{scheme}://{host}")
}

impl RequestContext {
    /// The client IP of a request (the peer, or a trusted proxy's `X-Forwarded-For`).
    pub fn client_ip_of(parts: &Parts, state: &AppState) -> String {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let xff = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        client_ip(peer, xff, &state.settings.trusted_proxies)
    }

    /// The facts of a request.
    pub fn of(parts: &Parts, state: &AppState) -> Self {
        let args = parts
            .uri
            .query()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            client_ip: Self::client_ip_of(parts, state),
            // The full path: routers nested under `/api/v3` see only the rest in `uri`.
            path: parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map(|o| o.0.path())
                .unwrap_or(parts.uri.path())
                .to_string(),
            method: parts.method.to_string(),
            args,
            user_agent: header(parts, "user-agent"),
            request_id: header(parts, "x-request-id"),
            host: header(parts, "host"),
            base_url: base_url(parts, state),
            geoip: state.geoip.clone(),
            impersonation: crate::auth::impersonation_of(parts),
        }
    }

    /// The `http_request` object events carry.
    pub fn http_request(&self) -> Value {
        json!({
            "path": self.path,
            "method": self.method,
            "args": self.args,
            "user_agent": self.user_agent,
            "request_id": self.request_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUSTED: [(IpAddr, u8); 1] = [(IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 0)), 8)];

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let lo: IpAddr = [127, 0, 0, 1].into();
        let ext: IpAddr = [203, 0, 113, 9].into();
        assert_eq!(
            client_ip(Some(lo), Some("198.51.100.7, 10.0.0.1"), &TRUSTED),
            "198.51.100.7"
        );
        assert_eq!(
            client_ip(Some(ext), Some("198.51.100.7"), &TRUSTED),
            "203.0.113.9"
        );
        assert_eq!(client_ip(Some(lo), None, &TRUSTED), "127.0.0.1");
    }

    #[test]
    fn unparsable_forwarded_for_becomes_fallback() {
        let lo: IpAddr = [127, 0, 0, 1].into();
        assert_eq!(
            client_ip(Some(lo), Some("not-an-ip"), &TRUSTED),
            FALLBACK_IP
        );
        assert_eq!(
            client_ip(Some(lo), Some("1.2.3.4' OR 1=1"), &TRUSTED),
            FALLBACK_IP
        );
    }
}

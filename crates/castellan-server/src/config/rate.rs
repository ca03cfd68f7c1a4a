//! Throttle rates in Django REST framework notation (`1000/second`).

use std::fmt;
use std::str::FromStr;

/// A request rate: `requests` per `period_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Number of requests allowed per period.
    pub requests: u32,
    /// Length of the period in seconds (1, 60, 3600 or 86400).
    pub period_seconds: u64,
}

/// Why a string is not a rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a rate like 1000/second (period: second, minute, hour or day)")]
pub struct InvalidRate;

impl FromStr for RateLimit {
    type Err = InvalidRate;

    /// Like DRF, only the first letter of the period counts (`s`, `m`, `h`, `d`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (count, period) = s.trim().split_once('/').ok_or(InvalidRate)?;
        let requests = count.trim().parse::<u32>().map_err(|_| InvalidRate)?;
        let period_seconds = match period.trim().chars().next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86_400,
            _ => return Err(InvalidRate),
        };
        Ok(Self {
            requests,
            period_seconds,
        })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let period = match self.period_seconds {
            1 => "second",
            60 => "minute",
            3600 => "hour",
            86_400 => "day",
            other => return write!(f, "{}/{other}s", self.requests),
        };
        write!(f, "{}/{period}", self.requests)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_drf_rates() {
        let r: RateLimit = "1000/second".parse().unwrap();
        assert_eq!((r.requests, r.period_seconds), (1000, 1));
        assert_eq!(r.to_string(), "1000/second");
        assert_eq!("10/min".parse::<RateLimit>().unwrap().period_seconds, 60);
        assert_eq!("5/h".parse::<RateLimit>().unwrap().period_seconds, 3600);
        assert_eq!("5/day".parse::<RateLimit>().unwrap().to_string(), "5/day");
        for bad in ["", "1000", "x/second", "10/week", "-1/s"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }
}

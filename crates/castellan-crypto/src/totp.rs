//! One-time passwords: HOTP (RFC 4226 §5) and TOTP (RFC 6238 §4) with HMAC-SHA1, verification
//! with a tolerance window around a learnt drift and replay protection, and the RFC 4648 base32
//! form of keys used in `otpauth://` URLs.
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::token::constant_time_eq;

/// The time step authentik's devices use (seconds).
pub const DEFAULT_STEP: i64 = 30;

/// A TOTP device's verification state (spec §5.1: `key`, `step`, `t0`, `digits`,
/// `tolerance`, `drift`, `last_t`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpParams<'a> {
    /// The shared secret.
    pub key: &'a [u8],
    /// Time step in seconds (30).
    pub step: i64,
    /// Unix time the counting starts at (0).
    pub t0: i64,
    /// Code length (6 or 8).
    pub digits: u32,
    /// Steps accepted on either side of the expected one.
    pub tolerance: i64,
    /// Learnt offset of the device's clock, in steps.
    pub drift: i64,
    /// The newest step already accepted (-1: none); only later steps are accepted.
    pub last_t: i64,
}

/// A successful verification: the step that matched and the drift to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpMatch {
    /// The accepted step (store it as `last_t`).
    pub t: i64,
    /// The new drift.
    pub drift: i64,
}

/// The HOTP value of `counter` (RFC 4226 §5.3: dynamic truncation, modulo 10^digits).
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = (u32::from(hash[offset] & 0x7f) << 24)
        | (u32::from(hash[offset + 1]) << 16)
        | (u32::from(hash[offset + 2]) << 8)
        | u32::from(hash[offset + 3]);
    binary % 10u32.pow(digits.min(9))
}

/// The step number of unix time `unix` (RFC 6238 §4.2: `T = (now - T0) / X`).
pub fn step_at(unix: i64, step: i64, t0: i64) -> i64 {
    (unix - t0).div_euclid(step.max(1))
}

/// The code for step `t`, zero-padded to `digits`.
pub fn code_at(key: &[u8], t: i64, digits: u32) -> String {
    let value = hotp(key, u64::try_from(t).unwrap_or(0), digits);
    format!("{value:0width$}", width = digits as usize)
}

/// The TOTP code at unix time `unix`.
pub fn totp(key: &[u8], unix: i64, step: i64, t0: i64, digits: u32) -> String {
    code_at(key, step_at(unix, step, t0), digits)
}

/// Normalises a submitted code: surrounding whitespace is ignored, only ASCII digits are
/// accepted, and shorter numbers are zero-padded (an integer response loses leading zeros).
fn normalise(code: &str, digits: u32) -> Option<String> {
    let code = code.trim();
    let width = digits as usize;
    if code.is_empty() || code.len() > width || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{code:0>width$}"))
}

/// Verifies `code` at unix time `unix`: every step from `drift - tolerance` to
/// `drift + tolerance` around the current one is tried, nearest first; a step is accepted only
/// when it is later than `last_t`. Codes are compared in constant time.
pub fn verify(params: &TotpParams<'_>, code: &str, unix: i64) -> Option<TotpMatch> {
    let code = normalise(code, params.digits)?;
    let now_t = step_at(unix, params.step, params.t0);
    let tolerance = params.tolerance.max(0);
    let mut offsets: Vec<i64> = (-tolerance..=tolerance).collect();
    offsets.sort_by_key(|o| o.abs());
    let mut found = None;
    for offset in offsets {
        let t = now_t + params.drift + offset;
        if t < 0 || t <= params.last_t {
            continue;
        }
        let expected = code_at(params.key, t, params.digits);
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(TotpMatch {
                t,
                drift: params.drift + offset,
            });
        }
    }
    found
}

/// A new device key: 20 random bytes, hex (as authentik stores `TOTPDevice.key`).
pub fn new_key_hex() -> String {
    crate::token::random_hex(20)
}

/// Decodes a stored hex key; `None` when it is not hex.
pub fn key_from_hex(key: &str) -> Option<Vec<u8>> {
    hex::decode(key).ok()
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 §6 base32 without padding (the `secret` of `otpauth://` URLs).
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 0x1f) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! RFC 4226 Appendix D and RFC 6238 Appendix B (SHA1) vectors, windows and replay.

    use super::*;

    const KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc4226_hotp_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, value) in expected.iter().enumerate() {
            assert_eq!(hotp(KEY, counter as u64, 6), *value);
        }
    }

    #[test]
    fn rfc6238_sha1_vectors() {
        let cases = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        for (time, code) in cases {
            assert_eq!(totp(KEY, time, 30, 0, 8), code, "time {time}");
        }
    }

    fn params(last_t: i64, drift: i64) -> TotpParams<'static> {
        TotpParams {
            key: KEY,
            step: 30,
            t0: 0,
            digits: 6,
            tolerance: 1,
            drift,
            last_t,
        }
    }

    #[test]
    fn verify_accepts_current_and_neighbours() {
        let now = 1_700_000_000;
        let t = step_at(now, 30, 0);
        let m = verify(&params(-1, 0), &totp(KEY, now, 30, 0, 6), now).unwrap();
        assert_eq!(m, TotpMatch { t, drift: 0 });
        let m = verify(&params(-1, 0), &code_at(KEY, t + 1, 6), now).unwrap();
        assert_eq!(m, TotpMatch { t: t + 1, drift: 1 });
        let m = verify(&params(-1, 0), &code_at(KEY, t - 1, 6), now).unwrap();
        assert_eq!(m.drift, -1);
        assert!(verify(&params(-1, 0), &code_at(KEY, t + 2, 6), now).is_none());
        // A learnt drift moves the window.
        let m = verify(&params(-1, 1), &code_at(KEY, t + 2, 6), now).unwrap();
        assert_eq!(m, TotpMatch { t: t + 2, drift: 2 });
    }

    #[test]
    fn verify_refuses_replay_and_garbage() {
        let now = 1_700_000_000;
        let t = step_at(now, 30, 0);
        let code = totp(KEY, now, 30, 0, 6);
        assert!(verify(&params(t, 0), &code, now).is_none());
        assert!(verify(&params(t - 1, 0), &code, now).is_some());
        assert!(verify(&params(-1, 0), "", now).is_none());
        assert!(verify(&params(-1, 0), "12a456", now).is_none());
        assert!(verify(&params(-1, 0), "1234567", now).is_none());
        assert!(verify(&params(-1, 0), &format!(" {code} "), now).is_some());
    }

    #[test]
    fn leading_zeros_may_be_dropped() {
        // 1111111109 → 07081804 with 8 digits.
        let p = TotpParams {
            digits: 8,
            ..params(-1, 0)
        };
        assert!(verify(&p, "7081804", 1111111109).is_some());
    }

    #[test]
    fn base32_rfc4648_vectors() {
        assert_eq!(base32_encode(b""), "");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(base32_encode(b"fo"), "MZXQ");
        assert_eq!(base32_encode(b"foo"), "MZXW6");
        assert_eq!(base32_encode(b"foob"), "MZXW6YQ");
        assert_eq!(base32_encode(b"fooba"), "MZXW6YTB");
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(KEY), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }
}

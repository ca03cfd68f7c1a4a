//! The signing-only ceiling: `JwtSigner::sign` of one ID-token claim set in a loop (RS256,
//! ES256), and RS256 followed by `JweEncrypter::encrypt`, with the providers' own keys. The claim
//! set is the payload of an ID token the RS256 provider issued in this run.
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Map, Value};

use super::measure::{Figure, Row};
use super::setup::Bench;
use super::{Alg, Budget, cpu};

/// How many signatures run between two looks at the clock.
const BATCH: u64 = 16;

/// The claims of a compact JWS (its payload).
///
/// # Errors
/// Not a JWS with a JSON object payload.
pub fn claims_of(jws: &str) -> Result<Map<String, Value>, String> {
    let payload = jws.split('.').nth(1).ok_or("not a compact JWS")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|e| e.to_string())?;
    match serde_json::from_slice(&bytes).map_err(|e| e.to_string())? {
        Value::Object(m) => Ok(m),
        other => Err(format!("JWS payload is not an object: {other}")),
    }
}

/// One signature (and encryption) with `alg`'s keys.
fn once(bench: &Bench, alg: Alg, claims: &Map<String, Value>) -> Result<(), String> {
    let err = |e: castellan_crypto::CryptoError| e.to_string();
    match alg {
        Alg::Rs256 => bench.rs256.sign(claims).map(drop).map_err(err),
        Alg::Es256 => bench.es256.sign(claims).map(drop).map_err(err),
        Alg::Rs256Jwe => {
            let jws = bench.rs256.sign(claims).map_err(err)?;
            bench.jwe.encrypt(&jws).map(drop).map_err(err)
        }
    }
}

/// Signs `claims` with `alg` until `budget` is spent (after one untimed signature).
///
/// # Errors
/// Signing failed.
pub fn measure(
    bench: &Bench,
    alg: Alg,
    claims: &Map<String, Value>,
    budget: Budget,
) -> Result<Figure, String> {
    once(bench, alg, claims)?;
    let cpu0 = cpu::process();
    let start = Instant::now();
    let mut count = 0;
    let mut elapsed = Duration::ZERO;
    while !budget.finished(count, elapsed) {
        let n = budget.next_batch(count, BATCH);
        for _ in 0..n {
            once(bench, alg, claims)?;
        }
        count += n;
        elapsed = start.elapsed();
    }
    let cpu = cpu::process().zip(cpu0).map(|(b, a)| b.saturating_sub(a));
    Ok(Figure {
        row: Row::Sign(alg),
        count,
        ok: count,
        elapsed,
        cpu,
        db_cpu: None,
        first_failure: None,
    })
}

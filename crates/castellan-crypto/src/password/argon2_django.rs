//! Argon2 hashes: Django's `argon2$<PHC>` format and bare PHC strings.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use subtle::ConstantTimeEq;

use super::{Verification, parse_decimal};
use crate::CryptoError;
use crate::token::fill_random;

/// Django's algorithm name for `Argon2PasswordHasher`.
pub(super) const ALGORITHM: &str = "argon2";

/// Memory cost of new hashes, in KiB (OWASP recommendation).
const MEMORY_KIB: u32 = 19_456;
/// Number of passes of new hashes.
const TIME_COST: u32 = 2;
/// Lanes of new hashes.
const PARALLELISM: u32 = 1;
/// Random salt length of new hashes.
const SALT_LEN: usize = 16;
/// Output length of new hashes (same as Django's).
const HASH_LEN: usize = 32;

/// Upper bounds accepted when verifying, so a hostile stored hash cannot make
/// verification allocate or compute without limit.
const MAX_MEMORY_KIB: u32 = 1 << 20;
const MAX_TIME_COST: u32 = 64;
const MAX_PARALLELISM: u32 = 64;
const MAX_SALT_LEN: usize = 1024;
const MAX_HASH_LEN: usize = 1024;

/// Where the PHC string came from; only Django's prefixed form is preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// `argon2$argon2id$…`
    Django,
    /// `$argon2id$…`
    BarePhc,
}

/// A parsed argon2 PHC string.
struct Phc {
    algorithm: Algorithm,
    version: Version,
    memory_kib: u32,
    time_cost: u32,
    parallelism: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

/// Hashes with the preferred parameters in Django's format.
pub(super) fn hash(password: &str) -> Result<String, CryptoError> {
    let mut salt = [0u8; SALT_LEN];
    fill_random(&mut salt)?;
    let params = Params::new(MEMORY_KIB, TIME_COST, PARALLELISM, Some(HASH_LEN))
        .map_err(|_| CryptoError::PasswordHashing)?;
    let mut output = [0u8; HASH_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), &salt, &mut output)
        .map_err(|_| CryptoError::PasswordHashing)?;
    Ok(format!(
        "{ALGORITHM}$argon2id$v=19$m={MEMORY_KIB},t={TIME_COST},p={PARALLELISM}${}${}",
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(output)
    ))
}

/// Verifies `password` against `phc`, the PHC string without its leading `$`
/// (e.g. `argon2id$v=19$m=…,t=…,p=…$salt$hash`).
pub(super) fn verify(password: &str, phc: &str, origin: Origin) -> Verification {
    let Some(parsed) = parse(phc) else {
        return Verification::FAILED;
    };
    let Ok(params) = Params::new(
        parsed.memory_kib,
        parsed.time_cost,
        parsed.parallelism,
        Some(parsed.hash.len()),
    ) else {
        return Verification::FAILED;
    };
    let mut output = vec![0u8; parsed.hash.len()];
    if Argon2::new(parsed.algorithm, parsed.version, params)
        .hash_password_into(password.as_bytes(), &parsed.salt, &mut output)
        .is_err()
    {
        return Verification::FAILED;
    }
    Verification {
        matched: output.ct_eq(&parsed.hash).into(),
        preferred: origin == Origin::Django && is_preferred(&parsed),
    }
}

/// Whether the hash already uses the parameters [`hash`] would choose.
fn is_preferred(phc: &Phc) -> bool {
    phc.algorithm == Algorithm::Argon2id
        && phc.version == Version::V0x13
        && phc.memory_kib == MEMORY_KIB
        && phc.time_cost == TIME_COST
        && phc.parallelism == PARALLELISM
        && phc.hash.len() == HASH_LEN
        && phc.salt.len() >= SALT_LEN
}

/// Parses `variant[$v=N]$m=..,t=..,p=..$salt$hash`; `None` if malformed or
/// beyond the accepted bounds. A missing version means 0x10 (argon2 1.0).
fn parse(phc: &str) -> Option<Phc> {
    let fields: Vec<&str> = phc.split('$').collect();
    let (variant, version, params, salt, hash) = match fields.as_slice() {
        [variant, version, params, salt, hash] => {
            (*variant, parse_version(version)?, *params, *salt, *hash)
        }
        [variant, params, salt, hash] => (*variant, Version::V0x10, *params, *salt, *hash),
        _ => return None,
    };
    let algorithm = match variant {
        "argon2id" => Algorithm::Argon2id,
        "argon2i" => Algorithm::Argon2i,
        "argon2d" => Algorithm::Argon2d,
        _ => return None,
    };
    let (memory_kib, time_cost, parallelism) = parse_params(params)?;
    if memory_kib > MAX_MEMORY_KIB || time_cost > MAX_TIME_COST || parallelism > MAX_PARALLELISM {
        return None;
    }
    let salt = STANDARD_NO_PAD.decode(salt).ok()?;
    let hash = STANDARD_NO_PAD.decode(hash).ok()?;
    if salt.len() > MAX_SALT_LEN || hash.len() > MAX_HASH_LEN {
        return None;
    }
    Some(Phc {
        algorithm,
        version,
        memory_kib,
        time_cost,
        parallelism,
        salt,
        hash,
    })
}

/// Parses the `v=19` / `v=16` field.
fn parse_version(field: &str) -> Option<Version> {
    match field.strip_prefix("v=")? {
        "19" => Some(Version::V0x13),
        "16" => Some(Version::V0x10),
        _ => None,
    }
}

/// Parses `m=<kib>,t=<passes>,p=<lanes>` (in this order, nothing else).
fn parse_params(field: &str) -> Option<(u32, u32, u32)> {
    let mut parts = field.split(',');
    let memory = parse_decimal(parts.next()?.strip_prefix("m=")?)?;
    let time = parse_decimal(parts.next()?.strip_prefix("t=")?)?;
    let lanes = parse_decimal(parts.next()?.strip_prefix("p=")?)?;
    if parts.next().is_some() {
        return None;
    }
    Some((memory, time, lanes))
}

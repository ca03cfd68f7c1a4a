//! Validation of the registered time claims `exp` and `nbf`.

use serde_json::{Map, Value};

use crate::CryptoError;

/// Checks `exp` (expired when `exp <= now`) and `nbf` (not yet valid when
/// `nbf > now`), like PyJWT with zero leeway. Absent claims are fine; other
/// claims (including `iat`) are not interpreted.
pub(super) fn validate(claims: &Map<String, Value>, now: i64) -> Result<(), CryptoError> {
    if let Some(exp) = claims.get("exp") {
        let exp = numeric_date(exp).ok_or(CryptoError::InvalidClaim("exp"))?;
        if exp <= now {
            return Err(CryptoError::TokenExpired);
        }
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = numeric_date(nbf).ok_or(CryptoError::InvalidClaim("nbf"))?;
        if nbf > now {
            return Err(CryptoError::TokenNotYetValid);
        }
    }
    Ok(())
}

/// A JSON number as whole Unix seconds; fractions are truncated like
/// Python's `int()`, out-of-range values saturate.
fn numeric_date(value: &Value) -> Option<i64> {
    let number = value.as_number()?;
    if let Some(int) = number.as_i64() {
        return Some(int);
    }
    // Saturating float-to-int conversion (u64 beyond i64::MAX, floats).
    number.as_f64().map(|float| float.trunc() as i64)
}

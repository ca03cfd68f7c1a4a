//! authentik's duration strings (`hours=1;minutes=30`, `days=-1`).
use chrono::Duration;

/// Parses `key=value;key=value` with keys `microseconds, milliseconds, seconds, minutes, hours,
/// days, weeks` and float values. Unknown keys are ignored; a string without any valid key is an
/// error (as authentik's `timedelta_string_validator`).
pub fn parse_timedelta(input: &str) -> Result<Duration, String> {
    let mut total_micros: f64 = 0.0;
    let mut found = false;
    for part in input.split(';') {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let factor: f64 = match key.trim() {
            "microseconds" => 1.0,
            "milliseconds" => 1e3,
            "seconds" => 1e6,
            "minutes" => 60e6,
            "hours" => 3600e6,
            "days" => 86_400e6,
            "weeks" => 604_800e6,
            _ => continue,
        };
        let Ok(number) = value.trim().parse::<f64>() else {
            return Err(format!("{value:?} is not a number"));
        };
        if !number.is_finite() {
            return Err(format!("{value:?} is not a finite number"));
        }
        total_micros += number * factor;
        found = true;
    }
    if !found {
        return Err("No valid keys to pass to timedelta".to_string());
    }
    // Bound to ±10,000 years so conversions cannot overflow.
    let limit = 10_000.0 * 365.0 * 86_400e6;
    if total_micros.abs() > limit {
        return Err("duration out of range".to_string());
    }
    Ok(Duration::microseconds(total_micros.round() as i64))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_compound_and_negative() {
        assert_eq!(
            parse_timedelta("hours=1;minutes=30").unwrap(),
            Duration::minutes(90)
        );
        assert_eq!(parse_timedelta("days=-1").unwrap(), Duration::days(-1));
        assert_eq!(
            parse_timedelta("seconds=1.5").unwrap(),
            Duration::milliseconds(1500)
        );
        assert_eq!(parse_timedelta("foo=1;days=1").unwrap(), Duration::days(1));
    }

    #[test]
    fn rejects_strings_without_keys() {
        assert!(parse_timedelta("").is_err());
        assert!(parse_timedelta("foo=1").is_err());
        assert!(parse_timedelta("days=abc").is_err());
        assert!(parse_timedelta("days=1e30").is_err());
    }
}

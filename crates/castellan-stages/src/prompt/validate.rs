//! One prompt field's response value checked as authentik's DRF field for its type would
//! (spec §4.9): required/null/blank rules, then the type's own parsing. Forced fields (hidden,
//! static, read-only) are not read here; the stage sets their configured value afterwards.
use castellan_core::model_spec::valid_email;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::field::{Resolved, py_str};

/// A DRF error: message and code.
pub type FieldError = (String, &'static str);

fn fail(message: &str, code: &'static str) -> FieldError {
    (message.to_string(), code)
}

const DATE_FORMAT_ERROR: &str =
    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
const DATETIME_FORMAT_ERROR: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

/// The validated value of a field (`None`: left out of the prompt data).
pub fn field_value(r: &Resolved, raw: Option<&Value>) -> Result<Option<Value>, FieldError> {
    let f = &r.field;
    if f.is_forced() {
        return Ok(None);
    }
    let default = r.default();
    let required = f.required && !matches!(f.kind.as_str(), "checkbox" | "separator");
    let Some(data) = raw else {
        if required && default.is_none() {
            return Err(fail("This field is required.", "required"));
        }
        return Ok(default);
    };
    if data.is_null() {
        return Err(fail("This field may not be null.", "null"));
    }
    let value = match f.kind.as_str() {
        "text" | "text_area" => char_field(data, false, !f.required)?,
        "email" => {
            let v = char_field(data, true, !f.required)?;
            let text = v.as_str().unwrap_or_default();
            if !text.is_empty() && !valid_email(text) {
                return Err(fail("Enter a valid email address.", "invalid"));
            }
            v
        }
        "number" => integer(data)?,
        "checkbox" => boolean(data)?,
        "date" => date(data)?,
        "date-time" => datetime(data)?,
        "file" => file(data)?,
        "radio-button-group" | "dropdown" => choice(data, r.choices.as_deref().unwrap_or(&[]))?,
        "ak-locale" => char_field(data, true, true)?,
        _ => char_field(data, true, false)?,
    };
    if let Some(max) = max_length(&f.kind)
        && value.as_str().is_some_and(|v| v.chars().count() > max)
    {
        return Err((
            format!("Ensure this field has no more than {max} characters."),
            "max_length",
        ));
    }
    Ok(Some(value))
}

/// ⚠ The user model's column lengths for `username` (150) and `email` (254), checked here so an
/// over-long value is a field error; authentik accepts it and its user write stage fails.
fn max_length(kind: &str) -> Option<usize> {
    match kind {
        "username" => Some(150),
        "email" => Some(254),
        _ => None,
    }
}

/// `CharField`: strings and numbers, blank rules, optional trimming, no NUL characters.
fn char_field(data: &Value, trim: bool, allow_blank: bool) -> Result<Value, FieldError> {
    let text = match data {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(fail("Not a valid string.", "invalid")),
    };
    if text.is_empty() || (trim && text.trim().is_empty()) {
        if !allow_blank {
            return Err(fail("This field may not be blank.", "blank"));
        }
        return Ok(Value::String(String::new()));
    }
    let value = if trim { text.trim().to_string() } else { text };
    if value.contains('\0') {
        return Err(fail(
            "Null characters are not allowed.",
            "null_characters_not_allowed",
        ));
    }
    Ok(Value::String(value))
}

/// `IntegerField`: integers, integral floats and numeric strings (`"7"`, `" 7.0 "`).
fn integer(data: &Value) -> Result<Value, FieldError> {
    let invalid = || fail("A valid integer is required.", "invalid");
    match data {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(json!(i)),
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| json!(f as i64))
                .ok_or_else(invalid),
        },
        Value::String(s) if s.len() > 1000 => {
            Err(fail("String value too large.", "max_string_length"))
        }
        Value::String(s) => {
            let trimmed = s.trim_end();
            let without_decimal = match trimmed.rfind('.') {
                Some(dot) if trimmed[dot + 1..].chars().all(|c| c == '0') => &trimmed[..dot],
                _ => trimmed,
            };
            without_decimal
                .trim()
                .parse::<i64>()
                .map(|i| json!(i))
                .map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
}

/// `BooleanField`: DRF's true and false spellings.
fn boolean(data: &Value) -> Result<Value, FieldError> {
    const TRUE: [&str; 14] = [
        "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1",
    ];
    const FALSE: [&str; 14] = [
        "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0",
    ];
    match data {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Number(n) if n.as_f64() == Some(1.0) => Ok(Value::Bool(true)),
        Value::Number(n) if n.as_f64() == Some(0.0) => Ok(Value::Bool(false)),
        Value::String(s) if TRUE.contains(&s.as_str()) => Ok(Value::Bool(true)),
        Value::String(s) if FALSE.contains(&s.as_str()) => Ok(Value::Bool(false)),
        _ => Err(fail("Must be a valid boolean.", "invalid")),
    }
}

/// `DateField`: `YYYY-MM-DD`.
fn date(data: &Value) -> Result<Value, FieldError> {
    let s = data.as_str().map(str::trim).unwrap_or_default();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() <= 10)
        .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
        .ok_or_else(|| fail(DATE_FORMAT_ERROR, "invalid"))
}

/// `DateTimeField`: ISO 8601 with `T` or a space, optional seconds and offset (naive times
/// are UTC); stored in UTC.
fn datetime(data: &Value) -> Result<Value, FieldError> {
    let s = data.as_str().map(str::trim).unwrap_or_default();
    parse_datetime(s)
        .map(|d| Value::String(d.to_rfc3339()))
        .ok_or_else(|| fail(DATETIME_FORMAT_ERROR, "invalid"))
}

fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, format) {
            return Some(d.with_timezone(&Utc));
        }
    }
    let naive = s.strip_suffix('Z').unwrap_or(s);
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(naive, format) {
            return Some(d.and_utc());
        }
    }
    None
}

/// `InlineFileField`: a `data:` URI whose header ends in `;base64`.
fn file(data: &Value) -> Result<Value, FieldError> {
    let value = char_field(data, true, false)?;
    let text = value.as_str().unwrap_or_default();
    let Some((scheme, rest)) = text.split_once(':') else {
        return Err(fail("Invalid scheme", "invalid"));
    };
    if !scheme.eq_ignore_ascii_case("data") {
        return Err(fail("Invalid scheme", "invalid"));
    }
    let Some((header, _)) = rest.split_once(',') else {
        return Err(fail("Invalid encoding", "invalid"));
    };
    let encoding = header.split_once(';').map(|(_, e)| e).unwrap_or_default();
    if encoding != "base64" {
        return Err(fail("Invalid encoding", "invalid"));
    }
    Ok(value)
}

/// `ChoiceField`: the input's text must be one of the choices'; the choice itself is stored.
fn choice(data: &Value, choices: &[Value]) -> Result<Value, FieldError> {
    let key = py_str(data);
    choices
        .iter()
        .find(|c| py_str(c) == key)
        .cloned()
        .ok_or_else(|| {
            (
                format!("\"{key}\" is not a valid choice."),
                "invalid_choice",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(integer(&json!(" 7.00 ")), Ok(json!(7)));
        assert_eq!(integer(&json!(5.0)), Ok(json!(5)));
        assert!(integer(&json!(5.5)).is_err());
        assert!(integer(&json!(true)).is_err());
        assert!(integer(&json!("7a")).is_err());
    }

    #[test]
    fn dates_and_files() {
        assert_eq!(date(&json!("2024-02-03")), Ok(json!("2024-02-03")));
        assert!(date(&json!("2024-02-30")).is_err());
        assert_eq!(
            datetime(&json!("2024-02-03T10:00")),
            Ok(json!("2024-02-03T10:00:00+00:00"))
        );
        assert_eq!(
            datetime(&json!("2024-02-03T10:00:00+02:00")),
            Ok(json!("2024-02-03T08:00:00+00:00"))
        );
        assert!(file(&json!("data:text/plain;base64,aGk=")).is_ok());
        assert_eq!(
            file(&json!("https://x/")),
            Err(fail("Invalid scheme", "invalid"))
        );
        assert_eq!(
            file(&json!("data:text/plain,hi")),
            Err(fail("Invalid encoding", "invalid"))
        );
    }

    #[test]
    fn strings_and_choices() {
        assert_eq!(char_field(&json!("  a "), true, false), Ok(json!("a")));
        assert_eq!(char_field(&json!("  a "), false, false), Ok(json!("  a ")));
        assert!(char_field(&json!("   "), true, false).is_err());
        assert!(char_field(&json!(["a"]), true, false).is_err());
        assert!(char_field(&json!("a\u{0}"), true, false).is_err());
        assert_eq!(
            choice(&json!("b"), &[json!("a"), json!("b")]),
            Ok(json!("b"))
        );
        assert_eq!(
            choice(&json!("c"), &[json!("a")]),
            Err(("\"c\" is not a valid choice.".to_string(), "invalid_choice"))
        );
    }
}

//! Password policy (spec §6.3.2): static rules, HaveIBeenPwned k-anonymity lookup and zxcvbn.
//!
//! Difference from authentik 2024.10 (⚠ in the spec): authentik compares the uppercase count
//! against `amount_lowercase`; Castellan compares it against `amount_uppercase`.
use serde_json::Value;
use sha1::{Digest, Sha1};

use super::PolicyError;
use super::config::{Config, bool_or, count_or, str_or};
use crate::host::PolicyHost;
use crate::request::PolicyRequest;
use crate::result::PolicyResult;

/// Default `symbol_charset`: ASCII punctuation and the space.
pub const DEFAULT_SYMBOL_CHARSET: &str = "!\\\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ";
/// Default HaveIBeenPwned range API base; the `hibp_base_url` setting overrides it.
pub const DEFAULT_HIBP_BASE_URL: &str = "https://api.pwnedpasswords.com";
/// zxcvbn only looks at this many characters.
const ZXCVBN_MAX_CHARS: usize = 100;

/// The password policy's settings with authentik's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct PasswordSettings {
    /// Context key holding the password.
    pub password_field: String,
    /// Run the static rules.
    pub check_static_rules: bool,
    /// Query HaveIBeenPwned.
    pub check_have_i_been_pwned: bool,
    /// Run zxcvbn.
    pub check_zxcvbn: bool,
    /// Minimum count of `[0-9]`.
    pub amount_digits: usize,
    /// Minimum count of `[A-Z]`.
    pub amount_uppercase: usize,
    /// Minimum count of `[a-z]`.
    pub amount_lowercase: usize,
    /// Minimum count of characters from `symbol_charset`.
    pub amount_symbols: usize,
    /// Minimum length in characters.
    pub length_min: usize,
    /// Characters that count as symbols.
    pub symbol_charset: String,
    /// Message returned when a static rule fails.
    pub error_message: String,
    /// How many HIBP occurrences are tolerated.
    pub hibp_allowed_count: u64,
    /// Fail when the zxcvbn score is at most this.
    pub zxcvbn_score_threshold: u8,
    /// HIBP API base URL (Castellan setting, for tests and mirrors).
    pub hibp_base_url: String,
}

impl PasswordSettings {
    /// Reads the settings from a policy's config.
    pub fn from_config(config: &Config) -> Result<Self, PolicyError> {
        Ok(Self {
            password_field: str_or(config, "password_field", "password")?,
            check_static_rules: bool_or(config, "check_static_rules", true)?,
            check_have_i_been_pwned: bool_or(config, "check_have_i_been_pwned", false)?,
            check_zxcvbn: bool_or(config, "check_zxcvbn", false)?,
            amount_digits: count_or(config, "amount_digits", 0)?,
            amount_uppercase: count_or(config, "amount_uppercase", 0)?,
            amount_lowercase: count_or(config, "amount_lowercase", 0)?,
            amount_symbols: count_or(config, "amount_symbols", 0)?,
            length_min: count_or(config, "length_min", 0)?,
            symbol_charset: str_or(config, "symbol_charset", DEFAULT_SYMBOL_CHARSET)?,
            error_message: str_or(config, "error_message", "")?,
            hibp_allowed_count: count_or(config, "hibp_allowed_count", 0)? as u64,
            zxcvbn_score_threshold: u8::try_from(count_or(config, "zxcvbn_score_threshold", 2)?)
                .unwrap_or(u8::MAX),
            hibp_base_url: str_or(config, "hibp_base_url", DEFAULT_HIBP_BASE_URL)?,
        })
    }
}

/// Runs the password policy: the password comes from `context["prompt_data"][field]`, else
/// `context[field]`; the checks run in order static → HIBP → zxcvbn and the first failure wins.
pub async fn evaluate(
    config: &Config,
    request: &PolicyRequest,
    host: &mut dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let settings = PasswordSettings::from_config(config)?;
    let Some(password) = find_password(request, &settings.password_field) else {
        let mut result = PolicyResult::with_message(false, "Password not set in context");
        result.push_log(format!(
            "Password field not set in Policy Request (field={})",
            settings.password_field
        ));
        return Ok(result);
    };
    if settings.check_static_rules {
        let result = check_static(&settings, &password);
        if !result.passing {
            return Ok(result);
        }
    }
    if settings.check_have_i_been_pwned {
        let result = check_hibp(&settings, &password, host).await?;
        if !result.passing {
            return Ok(result);
        }
    }
    if settings.check_zxcvbn {
        let result = check_zxcvbn(&settings, &password, request);
        if !result.passing {
            return Ok(result);
        }
    }
    Ok(PolicyResult::new(true))
}

/// The password as authentik reads it; falsy values (missing, `null`, `""`, `0`, `false`, empty
/// containers) count as not set.
fn find_password(request: &PolicyRequest, field: &str) -> Option<String> {
    let from_prompt = match request.context.get("prompt_data") {
        Some(Value::Object(prompt)) => prompt.get(field),
        _ => None,
    };
    let value = from_prompt.or_else(|| request.context.get(field))?;
    match value {
        Value::Null | Value::Bool(false) => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        Value::Object(o) if o.is_empty() => None,
        Value::Number(n) if n.as_f64() == Some(0.0) => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some("True".to_owned()),
        other => Some(other.to_string()),
    }
}

fn static_failure(settings: &PasswordSettings, reason: &str) -> PolicyResult {
    let mut result = PolicyResult::new(false);
    if !settings.error_message.is_empty() {
        result.push_message(settings.error_message.clone());
    }
    result.push_log(format!("password failed (check=static, reason={reason})"));
    result
}

/// The static rules, in authentik's order: length, digits, lowercase, uppercase, symbols.
pub fn check_static(settings: &PasswordSettings, password: &str) -> PolicyResult {
    let count = |pred: fn(&char) -> bool| password.chars().filter(pred).count();
    if password.chars().count() < settings.length_min {
        return static_failure(settings, "length");
    }
    if settings.amount_digits > 0 && count(char::is_ascii_digit) < settings.amount_digits {
        return static_failure(settings, "amount_digits");
    }
    if settings.amount_lowercase > 0 && count(char::is_ascii_lowercase) < settings.amount_lowercase
    {
        return static_failure(settings, "amount_lowercase");
    }
    // authentik compares against amount_lowercase here (spec ⚠); fixed.
    if settings.amount_uppercase > 0 && count(char::is_ascii_uppercase) < settings.amount_uppercase
    {
        return static_failure(settings, "amount_uppercase");
    }
    if settings.amount_symbols > 0 {
        let symbols: usize = settings
            .symbol_charset
            .chars()
            .map(|symbol| password.chars().filter(|c| *c == symbol).count())
            .sum();
        if symbols < settings.amount_symbols {
            return static_failure(settings, "amount_symbols");
        }
    }
    PolicyResult::new(true)
}

/// SHA-1 of the password as upper-case hex (the HIBP range API's form).
pub fn sha1_upper_hex(password: &str) -> String {
    hex::encode_upper(Sha1::digest(password.as_bytes()))
}

/// Finds `suffix` in a range response (`SUFFIX:COUNT` lines, any line ending, any case);
/// 0 when absent. Padding lines (`…:0`) count as absent.
pub fn hibp_count(body: &str, suffix: &str) -> u64 {
    body.lines()
        .filter_map(|line| line.trim().split_once(':'))
        .find(|(hash, _)| hash.trim().eq_ignore_ascii_case(suffix))
        .and_then(|(_, count)| count.trim().parse().ok())
        .unwrap_or(0)
}

/// HaveIBeenPwned k-anonymity check: only the first five hex digits leave the server.
async fn check_hibp(
    settings: &PasswordSettings,
    password: &str,
    host: &mut dyn PolicyHost,
) -> Result<PolicyResult, PolicyError> {
    let hash = sha1_upper_hex(password);
    let (prefix, suffix) = hash.split_at(5);
    let url = format!(
        "{}/range/{prefix}",
        settings.hibp_base_url.trim_end_matches('/')
    );
    let (status, body) = host
        .http_get(&url)
        .await
        .map_err(|e| PolicyError::Failed(format!("HaveIBeenPwned request failed: {e}")))?;
    if !(200..300).contains(&status) {
        return Err(PolicyError::Failed(format!(
            "HaveIBeenPwned request failed: HTTP {status}"
        )));
    }
    let count = hibp_count(&body, suffix);
    let mut result = PolicyResult::new(count <= settings.hibp_allowed_count);
    result.push_log(format!("got hibp result (count={count}, hash={prefix})"));
    if !result.passing {
        result.push_message(format!("Password exists on {count} online lists."));
    }
    Ok(result)
}

/// zxcvbn on the first 100 characters, with the user's username, name and email as inputs.
/// On failure: "Password is too weak." followed by zxcvbn's warning and suggestions.
fn check_zxcvbn(
    settings: &PasswordSettings,
    password: &str,
    request: &PolicyRequest,
) -> PolicyResult {
    let truncated: String = password.chars().take(ZXCVBN_MAX_CHARS).collect();
    let user = &request.user;
    let inputs: Vec<&str> = if user.is_authenticated() {
        [&user.username, &user.name, &user.email]
            .into_iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect()
    } else {
        Vec::new()
    };
    let entropy = zxcvbn::zxcvbn(&truncated, &inputs);
    let score = u8::from(entropy.score());
    let mut result = PolicyResult::new(score > settings.zxcvbn_score_threshold);
    result.push_log(format!("zxcvbn (score={score})"));
    if !result.passing {
        result.push_message("Password is too weak.");
        if let Some(feedback) = entropy.feedback() {
            if let Some(warning) = feedback.warning() {
                result.push_message(warning.to_string());
            }
            for suggestion in feedback.suggestions() {
                result.push_message(suggestion.to_string());
            }
        }
    }
    result
}

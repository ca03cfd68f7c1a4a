//! The device autoselect of the authenticator validation page (spec §5.3, new in 2024.10),
//! applied on the server so the page works without JavaScript: one device challenge → that one;
//! else the challenge with the latest `last_used`, unless it is `static`; else the picker.
//! (The browser-only rule — a password manager pre-filled a TOTP code — cannot apply here.)
use serde_json::Value;

/// The `device_class` to preselect, or `None` to show the picker.
pub fn autoselect(challenge: &Value) -> Option<String> {
    let list = challenge.get("device_challenges")?.as_array()?;
    let class = |d: &Value| d.get("device_class")?.as_str().map(str::to_string);
    if let [only] = list.as_slice() {
        return class(only);
    }
    let latest = list
        .iter()
        .filter_map(|d| {
            let used = d.get("last_used")?.as_str()?;
            let at = chrono::DateTime::parse_from_rfc3339(used).ok()?;
            Some((at, d))
        })
        .max_by_key(|(at, _)| *at)?;
    class(latest.1).filter(|c| c != "static")
}

#[cfg(test)]
mod tests {
    //! The three server-side rules.

    use super::*;
    use serde_json::json;

    fn dc(class: &str, used: Option<&str>) -> Value {
        json!({"device_class": class, "device_uid": "1", "challenge": {}, "last_used": used})
    }

    #[test]
    fn rules() {
        let one = json!({"device_challenges": [dc("static", None)]});
        assert_eq!(autoselect(&one).as_deref(), Some("static"));
        let totp_last = json!({"device_challenges": [
            dc("static", Some("2024-01-01T00:00:00Z")), dc("totp", Some("2024-02-01T00:00:00Z"))]});
        assert_eq!(autoselect(&totp_last).as_deref(), Some("totp"));
        let static_last = json!({"device_challenges": [
            dc("static", Some("2024-03-01T00:00:00Z")), dc("totp", Some("2024-02-01T00:00:00Z"))]});
        assert_eq!(autoselect(&static_last), None);
        let never = json!({"device_challenges": [dc("static", None), dc("totp", None)]});
        assert_eq!(autoselect(&never), None);
    }
}

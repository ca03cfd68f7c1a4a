//! Form posts of the flow pages: the CSRF double-submit check and the conversion of
//! `application/x-www-form-urlencoded` fields into the challenge response JSON the API takes.
use castellan_crypto::token::constant_time_eq;
use serde_json::{Map, Number, Value};

/// The hidden input carrying the CSRF token (compared with the `authentik_csrf` cookie).
pub const CSRF_FIELD: &str = "csrfmiddlewaretoken";
/// Hidden inputs naming the fields that are booleans (checkboxes: absent means `false`).
pub const BOOL_FIELDS: &str = "_bool";
/// Hidden inputs naming the fields that are integers.
pub const NUMBER_FIELDS: &str = "_number";

/// The decoded form fields, in order.
pub fn parse(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Whether the form's CSRF token is present and equals the cookie's (constant time).
pub fn csrf_ok(fields: &[(String, String)], cookie: &str) -> bool {
    let token = fields
        .iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    !token.is_empty() && !cookie.is_empty() && constant_time_eq(token.as_bytes(), cookie.as_bytes())
}

/// The request's CSRF token (the `authentik_csrf` cookie), or a new one with the `Set-Cookie`
/// header that stores it added to `headers`; the token goes into every form's hidden input.
pub fn ensure_csrf(cookie: Option<String>, headers: &mut http::HeaderMap) -> String {
    if let Some(c) = cookie.filter(|c| !c.is_empty()) {
        return c;
    }
    let token = castellan_crypto::token::random_hex(16);
    let value = format!("{}={token}; Path=/; SameSite=Lax", crate::auth::CSRF_COOKIE);
    if let Ok(v) = http::HeaderValue::from_str(&value) {
        headers.append(http::header::SET_COOKIE, v);
    }
    token
}

/// The challenge response body: every field as a string except those the page declared
/// boolean (a checkbox: present and not `false` means `true`) or integer (empty means absent).
pub fn to_json(fields: &[(String, String)]) -> Value {
    let declared = |name: &str| -> Vec<&str> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let bools = declared(BOOL_FIELDS);
    let numbers = declared(NUMBER_FIELDS);
    let mut out = Map::new();
    for name in &bools {
        out.insert((*name).to_string(), Value::Bool(false));
    }
    for (k, v) in fields {
        if k == CSRF_FIELD || k.starts_with('_') {
            continue;
        }
        let value = if bools.contains(&k.as_str()) {
            Value::Bool(!matches!(v.as_str(), "" | "false" | "off" | "0"))
        } else if numbers.contains(&k.as_str()) {
            match v.trim().parse::<i64>() {
                Ok(n) => Value::Number(Number::from(n)),
                Err(_) if v.trim().is_empty() => continue,
                Err(_) => Value::String(v.clone()),
            }
        } else {
            Value::String(v.clone())
        };
        out.insert(k.clone(), value);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn converts_by_declared_types() {
        let form = f(&[
            ("csrfmiddlewaretoken", "t"),
            ("component", "ak-stage-prompt"),
            ("_bool", "agree"),
            ("_bool", "news"),
            ("_number", "age"),
            ("agree", "true"),
            ("age", "42"),
            ("name", "<b>"),
        ]);
        assert_eq!(
            to_json(&form),
            json!({"component": "ak-stage-prompt", "agree": true, "news": false,
                   "age": 42, "name": "<b>"})
        );
    }

    #[test]
    fn csrf_needs_equal_non_empty_tokens() {
        assert!(csrf_ok(&f(&[(CSRF_FIELD, "abc")]), "abc"));
        assert!(!csrf_ok(&f(&[(CSRF_FIELD, "abd")]), "abc"));
        assert!(!csrf_ok(&f(&[]), "abc"));
        assert!(!csrf_ok(&f(&[(CSRF_FIELD, "")]), ""));
    }
}

//! Password policy: lookup of the password, static rules (with the uppercase fix), the
//! HaveIBeenPwned range API and zxcvbn.
use castellan_policy::request::PolicyRequest;
use castellan_policy::types::PolicyError;
use castellan_policy::types::password::{self, hibp_count, sha1_upper_hex};
use serde_json::{Value, json};

use crate::types_host::{FakeHost, request_with};

async fn run(
    config: Value,
    request: &PolicyRequest,
    host: &mut FakeHost,
) -> castellan_policy::result::PolicyResult {
    let config = config.as_object().cloned().unwrap_or_default();
    password::evaluate(&config, request, host)
        .await
        .expect("password policy ran")
}

fn pw(password: &str) -> PolicyRequest {
    request_with(json!({ "prompt_data": { "password": password } }))
}

#[tokio::test]
async fn missing_password_fails_and_prompt_data_wins_over_top_level() {
    let mut host = FakeHost::default();
    let result = run(json!({}), &request_with(json!({})), &mut host).await;
    assert!(!result.passing);
    assert_eq!(result.messages, vec!["Password not set in context"]);
    let empty = request_with(json!({ "password": "" }));
    assert!(!run(json!({}), &empty, &mut host).await.passing);

    let config = json!({ "length_min": 6, "error_message": "too short" });
    let both =
        request_with(json!({ "prompt_data": { "password": "abc" }, "password": "abcdefgh" }));
    assert_eq!(
        run(config.clone(), &both, &mut host).await.messages,
        vec!["too short"]
    );
    let top = request_with(json!({ "password": "abcdefgh" }));
    assert!(run(config.clone(), &top, &mut host).await.passing);
    let custom = request_with(json!({ "prompt_data": { "pw2": "abcdefgh" } }));
    let config = json!({ "password_field": "pw2", "length_min": 6 });
    assert!(run(config, &custom, &mut host).await.passing);
}

#[tokio::test]
async fn defaults_accept_any_password() {
    let mut host = FakeHost::default();
    let result = run(json!({}), &pw("a"), &mut host).await;
    assert!(result.passing);
    assert!(host.http_calls.is_empty());
}

#[tokio::test]
async fn static_rules_count_each_character_class() {
    let mut host = FakeHost::default();
    let config = json!({
        "length_min": 8, "amount_digits": 2, "amount_lowercase": 2, "amount_uppercase": 1,
        "amount_symbols": 1, "error_message": "Weak password."
    });
    for (password, passing) in [
        ("aB3$5xyz", true),
        ("aB3$5xy", false),  // length 7
        ("aB3$xyzw", false), // one digit
        ("AB34$XYZ", false), // no lowercase
        ("ab34$xyz", false), // no uppercase
        ("aB345xyz", false), // no symbol
        ("aB3 5xyz", true),  // space is a symbol
    ] {
        let result = run(config.clone(), &pw(password), &mut host).await;
        assert_eq!(result.passing, passing, "{password}");
        if !passing {
            assert_eq!(result.messages, vec!["Weak password."]);
        }
    }
}

#[tokio::test]
async fn uppercase_is_compared_against_amount_uppercase() {
    // authentik 2024.10 compares the uppercase count against amount_lowercase, so "Abcdef"
    // (1 uppercase, 5 lowercase) would pass here; Castellan requires 3 uppercase letters.
    let mut host = FakeHost::default();
    let config = json!({ "amount_uppercase": 3, "amount_lowercase": 1 });
    assert!(!run(config.clone(), &pw("Abcdef"), &mut host).await.passing);
    assert!(run(config.clone(), &pw("ABCdef"), &mut host).await.passing);
    // And the reverse: many lowercase required, few uppercase: passes with enough of each.
    let config = json!({ "amount_uppercase": 1, "amount_lowercase": 4 });
    assert!(run(config, &pw("Abcde"), &mut host).await.passing);
}

#[tokio::test]
async fn symbols_use_the_configured_charset() {
    let mut host = FakeHost::default();
    let config = json!({ "amount_symbols": 2, "symbol_charset": "#" });
    assert!(!run(config.clone(), &pw("a!b$c"), &mut host).await.passing);
    assert!(run(config, &pw("a#b#c"), &mut host).await.passing);
}

// A real range response for 5BAA6 (CRLF line endings), trimmed, with padding lines.
const RANGE_5BAA6: &str = "003D68EB55068C33ACE09247EE4C639306B:3\r\n\
1E2AAA439972480CEC7F16C795BBB429372:1\r\n\
1E4C9B93F3F0682250B6CF8331B7EE68FD8:10434004\r\n\
1F2B668E8AABEF1C59E9EC6F82E3F3CD786:1\r\n\
FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0:0";

#[test]
fn hibp_hash_and_range_parsing() {
    assert_eq!(
        sha1_upper_hex("password"),
        "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"
    );
    assert_eq!(
        hibp_count(RANGE_5BAA6, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"),
        10_434_004
    );
    assert_eq!(
        hibp_count(RANGE_5BAA6, "1e4c9b93f3f0682250b6cf8331b7ee68fd8"),
        10_434_004
    );
    assert_eq!(
        hibp_count(RANGE_5BAA6, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0"),
        0
    );
    assert_eq!(
        hibp_count(RANGE_5BAA6, "0000000000000000000000000000000000A"),
        0
    );
    assert_eq!(hibp_count("abc:2\nDEF:5\n", "def"), 5);
}

#[tokio::test]
async fn hibp_fails_listed_passwords_above_the_allowed_count() {
    let mut host = FakeHost::default();
    let url = "https://api.pwnedpasswords.com/range/5BAA6";
    host.http
        .insert(url.to_owned(), Ok((200, RANGE_5BAA6.to_owned())));
    let config = json!({ "check_have_i_been_pwned": true });
    let result = run(config, &pw("password"), &mut host).await;
    assert!(!result.passing);
    assert_eq!(
        result.messages,
        vec!["Password exists on 10434004 online lists."]
    );
    assert_eq!(host.http_calls, vec![url]);

    let config = json!({ "check_have_i_been_pwned": true, "hibp_allowed_count": 10_434_004 });
    assert!(run(config, &pw("password"), &mut host).await.passing);
}

#[tokio::test]
async fn hibp_passes_unlisted_and_padded_entries_and_honours_the_base_url() {
    let mut host = FakeHost::default();
    // SHA-1("Tr0ub4dor&3") = 874572E7A5AE6A49466A6AC578B98ADBA78C6AA6; served only as padding.
    let body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\nE7A5AE6A49466A6AC578B98ADBA78C6AA6:0";
    host.http.insert(
        "http://127.0.0.1:9/hibp/range/87457".to_owned(),
        Ok((200, body.to_owned())),
    );
    let config =
        json!({ "check_have_i_been_pwned": true, "hibp_base_url": "http://127.0.0.1:9/hibp/" });
    let result = run(config, &pw("Tr0ub4dor&3"), &mut host).await;
    assert!(result.passing);
    assert_eq!(host.http_calls, vec!["http://127.0.0.1:9/hibp/range/87457"]);
}

#[tokio::test]
async fn hibp_errors_and_static_failures_short_circuit() {
    let mut host = FakeHost::default();
    let url = "https://api.pwnedpasswords.com/range/5BAA6".to_owned();
    host.http.insert(url.clone(), Ok((503, "busy".to_owned())));
    let config = json!({ "check_have_i_been_pwned": true });
    let config = config.as_object().cloned().unwrap_or_default();
    let err = password::evaluate(&config, &pw("password"), &mut host).await;
    assert_eq!(
        err,
        Err(PolicyError::Failed(
            "HaveIBeenPwned request failed: HTTP 503".to_owned()
        ))
    );
    host.http.insert(url, Err("connection refused".to_owned()));
    let err = password::evaluate(&config, &pw("password"), &mut host).await;
    assert!(matches!(err, Err(PolicyError::Failed(m)) if m.contains("connection refused")));

    host.http_calls.clear();
    let config = json!({ "check_have_i_been_pwned": true, "length_min": 20 });
    assert!(!run(config, &pw("password"), &mut host).await.passing);
    assert!(host.http_calls.is_empty());
}

#[tokio::test]
async fn zxcvbn_fails_weak_passwords_with_feedback() {
    let mut host = FakeHost::default();
    let config = json!({ "check_static_rules": false, "check_zxcvbn": true });
    let weak = run(config.clone(), &pw("password"), &mut host).await;
    assert!(!weak.passing);
    assert_eq!(
        weak.messages.first().map(String::as_str),
        Some("Password is too weak.")
    );
    assert!(
        weak.messages
            .contains(&"This is a top-10 common password.".to_owned())
    );
    assert!(weak.messages.len() >= 3, "{:?}", weak.messages);

    let strong = run(
        config.clone(),
        &pw("correct-horse-battery-staple-9!Zq"),
        &mut host,
    )
    .await;
    assert!(strong.passing);
    assert!(strong.messages.is_empty());
    // Threshold 4 fails every password.
    let config = json!({ "check_zxcvbn": true, "zxcvbn_score_threshold": 4 });
    assert!(
        !run(config, &pw("correct-horse-battery-staple-9!Zq"), &mut host)
            .await
            .passing
    );
}

#[tokio::test]
async fn zxcvbn_uses_the_users_details_as_inputs() {
    let mut host = FakeHost::default();
    let config = json!({ "check_zxcvbn": true });
    let secret = "qzvkxwjmbtfh";
    let mut request = pw(secret);
    request.user.username = secret.to_owned();
    assert!(!run(config.clone(), &request, &mut host).await.passing);
    // The anonymous request user contributes no inputs.
    request.user.pk = None;
    assert!(run(config, &request, &mut host).await.passing);
}

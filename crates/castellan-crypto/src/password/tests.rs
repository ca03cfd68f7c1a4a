//! Tests for Django-compatible password hashing, using vectors produced by
//! Django 5.2.19 (argon2-cffi 25.1.0, bcrypt 5.0.0) `make_password`.
//!
//! Vectors named `*_LOW` come from subclasses of Django's hashers with lower
//! cost attributes (iterations / rounds / memory) so that the debug-mode test
//! suite stays fast; the encoding is otherwise exactly Django's. Each vector
//! was checked with Django's `check_password` for the right and a wrong
//! password before being pasted here.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use super::*;

const PASSWORD: &str = "correct horse battery staple";
const WRONG: &str = "wrong";

/// `Argon2PasswordHasher` with Django's default parameters.
const DJANGO_ARGON2_DEFAULT: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$bFRXTUlLeUV0anJwSVR2YU5Hd2VLTg$IfcOaFEw7MTMYTXm5dyUNG8EvOatb2OYYI3nBiDwNog";
/// `PBKDF2PasswordHasher` with Django's default 1,000,000 iterations.
const DJANGO_PBKDF2_SHA256_DEFAULT: &str =
    "pbkdf2_sha256$1000000$sBhvg5MDnGPb6e2PZu9sUL$2MOs6AEBRJ1q5MBzdtx+OMVznww+3y4J+wzdoNbA55I=";
/// `PBKDF2SHA1PasswordHasher` with Django's default 1,000,000 iterations.
const DJANGO_PBKDF2_SHA1_DEFAULT: &str =
    "pbkdf2_sha1$1000000$lzSB6CZjyzNQectDnaZoEM$WXzLhITvsJ4W0cdBSnnlELyK7Uc=";
/// `BCryptSHA256PasswordHasher` with Django's default 12 rounds.
const DJANGO_BCRYPT_SHA256_DEFAULT: &str =
    "bcrypt_sha256$$2b$12$yvSsiBqjQfSxILRYjaCyO.2kk8KNF4.NTna9Rjh07QzVPulM/SkmK";
/// `BCryptPasswordHasher` with Django's default 12 rounds.
const DJANGO_BCRYPT_DEFAULT: &str =
    "bcrypt$$2b$12$2Eijo48zpQzhV4cDriFD1OkfLkNGMxM9wL3iFfTATPRzoIfkItK4i";

/// `Argon2PasswordHasher` with memory_cost=1024, time_cost=1, parallelism=2.
const DJANGO_ARGON2ID_LOW: &str = "argon2$argon2id$v=19$m=1024,t=1,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk";
/// `Argon2PasswordHasher` configured with exactly our parameters.
const DJANGO_ARGON2ID_OURS: &str = "argon2$argon2id$v=19$m=19456,t=2,p=1$ZXdXNWFTbVNhVVdrTjFhcTVqa2dTTg$rxV2h6D5s6VdgvpMK+EfEi43gykz8uZcLaiuQ/W9D7U";
/// argon2-cffi `Type.I` hash with Django's `argon2` prefix (Django verifies it).
const DJANGO_ARGON2I: &str = "argon2$argon2i$v=19$m=1024,t=1,p=1$Ip8oPiLqb/5SQ6F6zdHecw$JHLobn09M6cWByEtuYDmj8emV7KhLMAvcDGeLFmeWzc";
/// `PBKDF2PasswordHasher` with iterations=1000.
const DJANGO_PBKDF2_SHA256_LOW: &str =
    "pbkdf2_sha256$1000$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=";
/// `PBKDF2SHA1PasswordHasher` with iterations=1000.
const DJANGO_PBKDF2_SHA1_LOW: &str =
    "pbkdf2_sha1$1000$E6GsFOFgvOvNEryt4Xtcay$uydyf+mQKGNwwuqk2EcLULb7F0A=";
/// `BCryptSHA256PasswordHasher` with rounds=4.
const DJANGO_BCRYPT_SHA256_LOW: &str =
    "bcrypt_sha256$$2b$04$E/rDUGdsV6M/W2J.tozHkO.YMdl0Ed5OEPQImtupAMdKpgjuumchy";
/// `BCryptPasswordHasher` with rounds=4.
const DJANGO_BCRYPT_LOW: &str =
    "bcrypt$$2b$04$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa6";

const UNICODE_PASSWORD: &str = "pässwörd-🔑";
const DJANGO_PBKDF2_UNICODE: &str =
    "pbkdf2_sha256$1000$Wcu7C1GOtP1rYURDTpxlH7$nRK2gP5ovogkKGjpSjxsH2M+D4AvVgSL+50Ib0v3vpA=";
const DJANGO_ARGON2_UNICODE: &str = "argon2$argon2id$v=19$m=1024,t=1,p=2$TDluQ1owYlNxOWp4NXRVbmFCWFZRSw$OkUQKr91CrRb9ti24X6PQQahRdR1QNte8U4YxfxfapM";
/// `BCryptSHA256PasswordHasher` (rounds=4) of `"x" * 100`; `"x" * 99` fails.
const DJANGO_BCRYPT_SHA256_LONG: &str =
    "bcrypt_sha256$$2b$04$3oxQX7I4A2FXkhGgO3s6.eZExGd3GlgVxWlPBOrQqQldaPCc84Ede";
/// `PBKDF2PasswordHasher` (iterations=1000) of the empty password.
const DJANGO_PBKDF2_EMPTY: &str =
    "pbkdf2_sha256$1000$PZg3Uxa2bi3POtEqBRHUQp$MERYqakb0C0tfAQpB3V03hn9+Ft6NeJwxVM6lXKuspA=";

/// A hash produced by our `hash_password("correct horse battery staple")`.
/// Verified by hand with Django 5.2.19: `check_password(PASSWORD, OURS)` is
/// `True` and `check_password("wrong", OURS)` is `False` (with
/// `Argon2PasswordHasher` configured); Django decodes it as argon2id v19,
/// m=19456, t=2, p=1, salt_len=16, hash_len=32.
const OURS: &str = "argon2$argon2id$v=19$m=19456,t=2,p=1$FzZS/MaggjBv/2ZVXouKpg$SC6Qvab6eqEFF6z+1ipb9EIg8MXwy8Y/TDDAg9JWsDs";

const VALID_REHASH: PasswordCheck = PasswordCheck {
    valid: true,
    needs_rehash: true,
};
const VALID_CURRENT: PasswordCheck = PasswordCheck {
    valid: true,
    needs_rehash: false,
};

fn assert_vector(encoded: &str, password: &str, expected: PasswordCheck) {
    assert_eq!(verify_password(password, encoded), expected, "{encoded}");
    assert_eq!(
        verify_password(WRONG, encoded),
        PasswordCheck::INVALID,
        "wrong password accepted for {encoded}"
    );
}

#[test]
fn django_argon2id_low_cost() {
    assert_vector(DJANGO_ARGON2ID_LOW, PASSWORD, VALID_REHASH);
}

#[test]
fn django_argon2id_with_our_parameters_needs_no_rehash() {
    assert_vector(DJANGO_ARGON2ID_OURS, PASSWORD, VALID_CURRENT);
}

#[test]
fn django_argon2i() {
    assert_vector(DJANGO_ARGON2I, PASSWORD, VALID_REHASH);
}

#[test]
fn django_pbkdf2_sha256_low_cost() {
    assert_vector(DJANGO_PBKDF2_SHA256_LOW, PASSWORD, VALID_REHASH);
}

#[test]
fn django_pbkdf2_sha1_low_cost() {
    assert_vector(DJANGO_PBKDF2_SHA1_LOW, PASSWORD, VALID_REHASH);
}

#[test]
fn django_bcrypt_sha256_low_cost() {
    assert_vector(DJANGO_BCRYPT_SHA256_LOW, PASSWORD, VALID_REHASH);
}

#[test]
fn django_bcrypt_low_cost() {
    assert_vector(DJANGO_BCRYPT_LOW, PASSWORD, VALID_REHASH);
}

#[test]
fn django_unicode_passwords() {
    assert_vector(DJANGO_PBKDF2_UNICODE, UNICODE_PASSWORD, VALID_REHASH);
    assert_vector(DJANGO_ARGON2_UNICODE, UNICODE_PASSWORD, VALID_REHASH);
}

#[test]
fn django_bcrypt_sha256_does_not_truncate_long_passwords() {
    let long = "x".repeat(100);
    assert_vector(DJANGO_BCRYPT_SHA256_LONG, &long, VALID_REHASH);
    assert!(!verify_password(&"x".repeat(99), DJANGO_BCRYPT_SHA256_LONG).valid);
}

#[test]
fn django_empty_password() {
    assert_vector(DJANGO_PBKDF2_EMPTY, "", VALID_REHASH);
}

/// Django's default costs (the hashing crates are optimised even in the dev profile, see the
/// root `Cargo.toml`, so this stays a few seconds).
#[test]
fn django_default_cost_vectors() {
    assert_vector(DJANGO_ARGON2_DEFAULT, PASSWORD, VALID_REHASH);
    assert_vector(DJANGO_PBKDF2_SHA256_DEFAULT, PASSWORD, VALID_REHASH);
    assert_vector(DJANGO_PBKDF2_SHA1_DEFAULT, PASSWORD, VALID_REHASH);
    assert_vector(DJANGO_BCRYPT_SHA256_DEFAULT, PASSWORD, VALID_REHASH);
    assert_vector(DJANGO_BCRYPT_DEFAULT, PASSWORD, VALID_REHASH);
}

#[test]
fn our_hash_verified_by_django_is_accepted() {
    assert_vector(OURS, PASSWORD, VALID_CURRENT);
}

#[test]
fn hash_password_round_trip() {
    let encoded = hash_password(PASSWORD).unwrap();
    assert!(encoded.starts_with("argon2$argon2id$v=19$m=19456,t=2,p=1$"));
    let fields: Vec<&str> = encoded.split('$').collect();
    assert_eq!(fields.len(), 6);
    assert_eq!(fields[4].len(), 22, "16-byte salt, unpadded base64");
    assert_eq!(fields[5].len(), 43, "32-byte hash, unpadded base64");
    assert_vector(&encoded, PASSWORD, VALID_CURRENT);
    assert_ne!(encoded, hash_password(PASSWORD).unwrap(), "salt is random");
}

#[test]
fn bare_phc_argon2_is_accepted_but_needs_rehash() {
    let bare = DJANGO_ARGON2ID_OURS.strip_prefix("argon2").unwrap();
    assert!(bare.starts_with("$argon2id$"));
    assert_vector(bare, PASSWORD, VALID_REHASH);
}

#[test]
fn unusable_passwords() {
    let unusable = make_unusable_password();
    assert_eq!(unusable.len(), 41);
    assert!(unusable.starts_with('!'));
    assert!(unusable[1..].chars().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(unusable, make_unusable_password());
    assert!(!is_usable_password(&unusable));
    assert!(!is_usable_password(""));
    assert!(is_usable_password(DJANGO_PBKDF2_SHA256_LOW));
    assert_eq!(verify_password("", &unusable), PasswordCheck::INVALID);
    assert_eq!(
        verify_password(&unusable, &unusable),
        PasswordCheck::INVALID
    );
    assert_eq!(verify_password("", ""), PasswordCheck::INVALID);
    // An unusable marker in front of a valid hash must not verify either.
    let marked = format!("!{DJANGO_PBKDF2_SHA256_LOW}");
    assert_eq!(verify_password(PASSWORD, &marked), PasswordCheck::INVALID);
}

fn assert_rejected(encoded: &str) {
    assert_eq!(
        verify_password(PASSWORD, encoded),
        PasswordCheck::INVALID,
        "{encoded:?} should be rejected"
    );
}

#[test]
fn unknown_and_malformed_encodings_are_rejected() {
    for encoded in [
        "plain text password",
        "$",
        "$$$$",
        "md5$salt$hash",
        "unknown$1000$salt$hash",
        "argon2",
        "argon2$",
        "argon2$argon2id",
        "argon2$argon2id$v=19$m=1024,t=1,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg",
        "argon2$argon2xx$v=19$m=1024,t=1,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=20$m=1024,t=1,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=19$t=1,m=1024,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=19$m=1024,t=1,p=2,x=1$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=19$m=abc,t=1,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=19$m=1024,t=0,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=19$m=1024,t=1,p=2$!!notbase64!!$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=19$m=1024,t=1,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk$extra",
        // Salt shorter than argon2's 8-byte minimum.
        "argon2$argon2id$v=19$m=1024,t=1,p=2$YWJj$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        // Truncated hash (different length than derived).
        "argon2$argon2id$v=19$m=1024,t=1,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFR",
        "pbkdf2_sha256",
        "pbkdf2_sha256$",
        "pbkdf2_sha256$1000",
        "pbkdf2_sha256$1000$3y24vKm8OzjEe1NzBZXbzO",
        "pbkdf2_sha256$abc$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=",
        "pbkdf2_sha256$+1000$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=",
        "pbkdf2_sha256$-1$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=",
        "pbkdf2_sha256$0$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=",
        "pbkdf2_sha256$1000$3y24vKm8OzjEe1NzBZXbzO$not*base64",
        "pbkdf2_sha256$1000$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI",
        "pbkdf2_sha256$1000$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQ=",
        "pbkdf2_sha1$1000$E6GsFOFgvOvNEryt4Xtcay$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=",
        "bcrypt$",
        "bcrypt$$2b$04$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa",
        "bcrypt$$2c$04$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa6",
        "bcrypt$$2b$4$$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa6",
        "bcrypt$$2b$03$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa6",
        "bcrypt$$2b$04$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa!",
        "bcrypt$2b$04$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa6",
        "bcrypt_sha256$$2b$04$E/rDUGdsV6M/W2J.tozHkO.YMdl0Ed5OEPQImtupAMdKpgjuumch",
        // A plain-bcrypt hash presented as bcrypt_sha256 (and vice versa).
        "bcrypt_sha256$$2b$04$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa6",
        "bcrypt$$2b$04$E/rDUGdsV6M/W2J.tozHkO.YMdl0Ed5OEPQImtupAMdKpgjuumchy",
        "pbkdf2_sha256$1000$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJ€",
        "argon2$argon2id$v=19$m=1024,t=1,p=2$QlNBbmFPaURzajhXR0lP€b1lMQ2JLYg$4+9v",
    ] {
        assert_rejected(encoded);
    }
}

#[test]
fn huge_costs_are_rejected_quickly() {
    let start = Instant::now();
    for encoded in [
        "pbkdf2_sha256$999999999999$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=",
        "pbkdf2_sha256$10000001$3y24vKm8OzjEe1NzBZXbzO$wPm9KfqOJcNoC5C145IiaRjjEuQMXMmtYhX+boQnZJI=",
        "pbkdf2_sha1$4294967295$E6GsFOFgvOvNEryt4Xtcay$uydyf+mQKGNwwuqk2EcLULb7F0A=",
        "argon2$argon2id$v=19$m=4294967295,t=1,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=19$m=1024,t=4294967295,p=2$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "argon2$argon2id$v=19$m=1024,t=1,p=16777215$QlNBbmFPaURzajhXR0lPb1lMQ2JLYg$4+9v2DbnyLvxA2NUzW3ddL6XFJ5Isvrirr8vXzMFRuk",
        "bcrypt$$2b$31$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa6",
        "bcrypt$$2b$17$kCmFcvTUT2IyplYQtGkuteKAIbXs9fg5IFikrkXFs7mLk8kBJ9Aa6",
    ] {
        assert_rejected(encoded);
    }
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn cost_caps_match_documentation() {
    assert_eq!(pbkdf2_django::MAX_ITERATIONS, 10_000_000);
    assert_eq!(bcrypt_django::MAX_COST, 16);
}

//! Tests for certificate generation and inspection. Fingerprints of
//! generated certificates are cross-checked with the `openssl` CLI; the
//! fixtures in `testdata/` were checked with Python cryptography.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use chrono::{TimeDelta, Utc};
use x509_parser::extensions::GeneralName;
use x509_parser::public_key::PublicKey as ParsedPublicKey;

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/", $name))
    };
}

/// Runs `openssl x509 -noout -fingerprint -<digest>` on `pem` and returns
/// the fingerprint in our format (lowercase, colon separated).
fn openssl_fingerprint(pem: &str, digest: &str) -> String {
    let mut child = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", &format!("-{digest}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "this test needs the `openssl` command on PATH to cross-check fingerprints: {error}"
            )
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pem.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let (_, fingerprint) = text.trim().split_once('=').unwrap();
    fingerprint.to_ascii_lowercase()
}

fn sans() -> Vec<String> {
    [
        "auth.example.com",
        " 192.0.2.10 ",
        "",
        "  ",
        "::1",
        "*.example.org",
    ]
    .map(String::from)
    .to_vec()
}

/// Generates, parses back and cross-checks a certificate of `alg`.
fn check_generated(alg: KeyAlgorithm, expected_type: &str) -> GeneratedCertificate {
    let before = Utc::now();
    let generated =
        generate_self_signed("authentik Self-signed Certificate", &sans(), 365, alg).unwrap();
    assert!(
        generated
            .certificate_pem
            .starts_with("-----BEGIN CERTIFICATE-----\n")
    );
    assert!(
        generated
            .private_key_pem
            .starts_with("-----BEGIN PRIVATE KEY-----\n")
    );

    let info = parse_certificate(&generated.certificate_pem).unwrap();
    assert_eq!(info.subject, "CN=authentik Self-signed Certificate");
    let expected_expiry = before + TimeDelta::days(365);
    assert!((info.expiry - expected_expiry).num_seconds().abs() <= 120);
    assert_eq!(
        info.fingerprint_sha256,
        openssl_fingerprint(&generated.certificate_pem, "sha256")
    );
    assert_eq!(
        info.fingerprint_sha1,
        openssl_fingerprint(&generated.certificate_pem, "sha1")
    );
    assert_eq!(info.fingerprint_sha256.len(), 32 * 3 - 1);

    assert_eq!(
        private_key_type(&generated.private_key_pem).unwrap(),
        expected_type
    );
    assert!(
        key_matches_certificate(&generated.certificate_pem, &generated.private_key_pem).unwrap()
    );
    generated
}

/// Parsed SANs and validity start of a generated certificate.
fn inspect(pem: &str) -> (Vec<String>, i64, usize) {
    let block = pem::find_block(pem, |l| l == "CERTIFICATE").unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&block.der).unwrap();
    let sans = cert
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(dns) => format!("dns:{dns}"),
            GeneralName::IPAddress(ip) => format!("ip:{}", hex::encode(ip)),
            other => format!("{other:?}"),
        })
        .collect();
    let key_bits = cert.public_key().parsed().unwrap().key_size();
    (sans, cert.validity().not_before.timestamp(), key_bits)
}

#[test]
fn generate_rsa() {
    let generated = check_generated(KeyAlgorithm::Rsa, "rsa");
    let (sans, not_before, key_bits) = inspect(&generated.certificate_pem);
    assert_eq!(
        sans,
        [
            "dns:auth.example.com",
            "ip:c000020a",
            "ip:00000000000000000000000000000001",
            "dns:*.example.org"
        ]
    );
    assert!((Utc::now().timestamp() - 86_400 - not_before).abs() <= 120);
    assert_eq!(key_bits, 2048);
}

#[test]
fn generate_ecdsa() {
    let generated = check_generated(KeyAlgorithm::Ecdsa, "ec");
    let block = pem::find_block(&generated.certificate_pem, |l| l == "CERTIFICATE").unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&block.der).unwrap();
    assert!(matches!(
        cert.public_key().parsed().unwrap(),
        ParsedPublicKey::EC(_)
    ));
    assert_eq!(
        cert.public_key()
            .algorithm
            .parameters
            .as_ref()
            .unwrap()
            .data,
        oid::CURVE_P256
    );
    // Serial numbers are random.
    let other = generate_self_signed("x", &[], 1, KeyAlgorithm::Ecdsa).unwrap();
    let other_block = pem::find_block(&other.certificate_pem, |l| l == "CERTIFICATE").unwrap();
    let (_, other_cert) = x509_parser::parse_x509_certificate(&other_block.der).unwrap();
    assert_ne!(cert.raw_serial(), other_cert.raw_serial());
    assert!(cert.raw_serial().len() >= 16);
}

#[test]
fn mismatched_keys_are_detected() {
    let rsa = generate_self_signed("a", &[], 30, KeyAlgorithm::Rsa).unwrap();
    let rsa2 = generate_self_signed("b", &[], 30, KeyAlgorithm::Rsa).unwrap();
    let ec = generate_self_signed("c", &[], 30, KeyAlgorithm::Ecdsa).unwrap();
    let ec2 = generate_self_signed("d", &[], 30, KeyAlgorithm::Ecdsa).unwrap();
    for (cert, key) in [(&rsa, &rsa2), (&rsa, &ec), (&ec, &ec2), (&ec, &rsa)] {
        assert!(!key_matches_certificate(&cert.certificate_pem, &key.private_key_pem).unwrap());
    }
}

#[test]
fn generation_input_errors() {
    assert!(matches!(
        generate_self_signed("", &[], 365, KeyAlgorithm::Ecdsa),
        Err(CryptoError::InvalidCertificateParameters(_))
    ));
    assert!(matches!(
        generate_self_signed(
            "x",
            &["bücher.example".to_owned()],
            365,
            KeyAlgorithm::Ecdsa
        ),
        Err(CryptoError::InvalidCertificateParameters(_))
    ));
    assert!(matches!(
        generate_self_signed("x", &[], u32::MAX, KeyAlgorithm::Ecdsa),
        Err(CryptoError::InvalidCertificateParameters(_))
    ));
    let zero_days = generate_self_signed("x", &[], 0, KeyAlgorithm::Ecdsa).unwrap();
    assert!(parse_certificate(&zero_days.certificate_pem).is_ok());
}

#[test]
fn key_algorithm_names() {
    assert_eq!("rsa".parse::<KeyAlgorithm>().unwrap(), KeyAlgorithm::Rsa);
    assert_eq!(
        "ecdsa".parse::<KeyAlgorithm>().unwrap(),
        KeyAlgorithm::Ecdsa
    );
    for bad in ["RSA", "ec", "ed25519", ""] {
        assert_eq!(
            bad.parse::<KeyAlgorithm>(),
            Err(CryptoError::UnknownKeyAlgorithm)
        );
    }
    assert_eq!(KeyAlgorithm::Ecdsa.to_string(), "ecdsa");
    assert_eq!(KeyAlgorithm::Rsa.as_str(), "rsa");
}

#[test]
fn debug_output_redacts_private_key() {
    let generated = generate_self_signed("x", &[], 1, KeyAlgorithm::Ecdsa).unwrap();
    let debug = format!("{generated:?}");
    assert!(!debug.contains("PRIVATE KEY"));
    assert!(debug.contains("<redacted>"));
}

#[test]
fn subjects_match_python_cryptography() {
    let complex = parse_certificate(fixture!("complex.crt")).unwrap();
    assert_eq!(
        complex.subject,
        r"UID=u1,DC=example,1.2.840.113549.1.9.1=a@b.c,CN=\#hash test\ ,OU=Ops,OU=IT,O=Acme\+Co,L=Ber\, lin,ST=Berlin,C=DE"
    );
    assert_eq!(complex.expiry.to_rfc3339(), "2036-11-25T21:46:13+00:00");
    assert_eq!(
        complex.fingerprint_sha256,
        "8c:eb:05:a0:94:9b:10:5c:6a:0d:3f:f8:74:22:b3:da:7a:1c:2e:e8:3d:8d:1c:d7:52:ce:4e:2d:13:42:72:71"
    );
    let multi = parse_certificate(fixture!("multi.crt")).unwrap();
    assert_eq!(multi.subject, r#"O=x\;y\<z\>\"q\"\\ü,CN=first+OU=multi"#);
    assert_eq!(
        parse_certificate(fixture!("ed25519.crt")).unwrap().subject,
        "CN=ed25519"
    );
}

#[test]
fn fixture_fingerprints_match_openssl() {
    for pem in [
        fixture!("complex.crt"),
        fixture!("ed25519.crt"),
        fixture!("ed448.crt"),
        fixture!("rsa1024_trad.crt"),
    ] {
        let info = parse_certificate(pem).unwrap();
        assert_eq!(info.fingerprint_sha256, openssl_fingerprint(pem, "sha256"));
        assert_eq!(info.fingerprint_sha1, openssl_fingerprint(pem, "sha1"));
    }
}

#[test]
fn certificate_pem_is_tolerant_of_indentation_and_surrounding_text() {
    let indented: String = fixture!("ed25519.crt")
        .lines()
        .map(|line| format!("    {line}  \r\n"))
        .collect();
    let text = format!("Subject: whatever\n{indented}\ntrailing text\n");
    assert_eq!(
        parse_certificate(&text).unwrap(),
        parse_certificate(fixture!("ed25519.crt")).unwrap()
    );
}

#[test]
fn junk_certificates_are_rejected() {
    let valid = fixture!("ed25519.crt");
    let truncated = valid.replacen("\n-----END CERTIFICATE-----", "", 1);
    let body_cut: String = {
        let lines: Vec<&str> = valid.lines().collect();
        let mut kept = lines[..2].to_vec();
        kept.push(lines[lines.len() - 1]);
        kept.join("\n")
    };
    for junk in [
        "",
        "junk",
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n",
        fixture!("ed25519.pem"),
        truncated.as_str(),
        body_cut.as_str(),
    ] {
        let error = parse_certificate(junk).unwrap_err();
        assert_eq!(error, CryptoError::InvalidCertificate, "{junk:?}");
        assert_eq!(error.to_string(), "Unable to load certificate.");
    }
}

#[test]
fn private_key_types_match_python_cryptography() {
    for (pem, expected) in [
        (fixture!("rsa1024_trad.pem"), "rsa"),
        (fixture!("rsa_pkcs8.pem"), "rsa"),
        (fixture!("ec384_trad.pem"), "ec"),
        (fixture!("ec384_pkcs8.pem"), "ec"),
        (fixture!("k1_trad.pem"), "ec"),
        (fixture!("ed25519.pem"), "ed25519"),
        (fixture!("ed448.pem"), "ed448"),
    ] {
        assert_eq!(private_key_type(pem).unwrap(), expected, "{pem}");
    }
    // Loadable by cryptography but without an authentik key type.
    for pem in [
        fixture!("dsa.pem"),
        fixture!("dsa_pkcs8.pem"),
        fixture!("x25519.pem"),
    ] {
        assert_eq!(
            private_key_type(pem),
            Err(CryptoError::UnsupportedKeyType),
            "{pem}"
        );
    }
}

#[test]
fn junk_and_encrypted_keys_are_rejected() {
    let ec = fixture!("ec384_pkcs8.pem");
    let truncated: String = ec.lines().filter(|l| !l.starts_with("-----END")).collect();
    for junk in [
        "",
        "junk",
        fixture!("ed25519_enc.pem"),
        fixture!("rsa_trad_enc.pem"),
        fixture!("ed25519.crt"),
        "-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n",
        truncated.as_str(),
        // A PKCS#8 EC key relabelled as a traditional RSA key.
        &ec.replace("PRIVATE KEY", "RSA PRIVATE KEY"),
    ] {
        let error = private_key_type(junk).unwrap_err();
        assert_eq!(error, CryptoError::InvalidPrivateKey, "{junk:?}");
        assert_eq!(
            error.to_string(),
            "Unable to load private key (possibly encrypted?)."
        );
    }
}

#[test]
fn fixture_keys_match_their_certificates() {
    let pairs = [
        (fixture!("rsa1024_trad.crt"), fixture!("rsa1024_trad.pem")),
        (fixture!("rsa_pkcs8.crt"), fixture!("rsa_pkcs8.pem")),
        (fixture!("ec384_trad.crt"), fixture!("ec384_trad.pem")),
        (fixture!("ec384_trad.crt"), fixture!("ec384_pkcs8.pem")),
        (fixture!("k1_trad.crt"), fixture!("k1_trad.pem")),
        (fixture!("ed25519.crt"), fixture!("ed25519.pem")),
    ];
    for (i, (cert, key)) in pairs.iter().enumerate() {
        for (j, (other_cert, _)) in pairs.iter().enumerate() {
            let same_key = i == j || (cert == other_cert);
            assert_eq!(
                key_matches_certificate(other_cert, key).unwrap(),
                same_key,
                "key {i} vs certificate {j}"
            );
        }
    }
    // Ed448 public keys cannot be derived from a PKCS#8 v1 key.
    assert_eq!(
        key_matches_certificate(fixture!("ed448.crt"), fixture!("ed448.pem")),
        Err(CryptoError::UnsupportedKeyType)
    );
    assert_eq!(
        key_matches_certificate("junk", fixture!("ed25519.pem")),
        Err(CryptoError::InvalidCertificate)
    );
    assert_eq!(
        key_matches_certificate(fixture!("ed25519.crt"), "junk"),
        Err(CryptoError::InvalidPrivateKey)
    );
}

#[test]
fn kid_is_md5_of_key_text() {
    assert_eq!(kid(""), "");
    assert_eq!(kid("abc"), "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(kid(fixture!("ed25519.pem")).len(), 32);
}

//! Registration ceremony tests.

#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn none_attestation_es256_succeeds() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let result = register(&credential, &Params::create(), &Attestation::None).unwrap();
    assert_eq!(result.credential_id, credential.id);
    assert_eq!(result.public_key_cose, credential.key.cose_key());
    assert_eq!(result.algorithm, -7);
    assert_eq!(result.sign_count, 1);
    assert_eq!(result.aaguid, [0xab; 16]);
    assert!(!result.user_verified && !result.backup_eligible && !result.backup_state);
    assert_eq!(result.attestation_format, "none");
    assert!(result.attestation_verified);
    assert_eq!(result.attestation_certificate_der, None);
    assert_eq!(result.transports, vec!["usb".to_owned(), "nfc".to_owned()]);
}

#[test]
fn packed_self_attestation_succeeds_for_every_algorithm() {
    for alg in [
        CoseAlgorithm::Es256,
        CoseAlgorithm::Es384,
        CoseAlgorithm::EdDsa,
        CoseAlgorithm::Rs256,
        CoseAlgorithm::Ps256,
    ] {
        let result = register_default(alg, &Attestation::PackedSelf { alg: alg.id() }).unwrap();
        assert_eq!(result.algorithm, alg.id());
        assert_eq!(result.attestation_format, "packed");
        assert!(result.attestation_verified);
        // The stored key verifies later assertions.
        assert!(CosePublicKey::from_cose(&result.public_key_cose).is_ok());
    }
}

#[test]
fn flags_are_reported() {
    let mut params = Params::create();
    params.flags = 0x41 | 0x04 | 0x08 | 0x10;
    let result = register(
        &Credential::new(CoseAlgorithm::EdDsa),
        &params,
        &Attestation::None,
    )
    .unwrap();
    assert!(result.user_verified && result.backup_eligible && result.backup_state);
}

#[test]
fn standard_base64_with_padding_is_accepted() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let params = Params::create();
    let mut value = registration_json(&credential, &params, &Attestation::None);
    let response = value["response"].as_object_mut().unwrap();
    response.insert(
        "clientDataJSON".into(),
        json!(STANDARD.encode(params.client_data_json())),
    );
    value["id"] = json!(STANDARD.encode(&credential.id));
    value["rawId"] = json!(STANDARD.encode(&credential.id));
    assert!(verify_registration(&value, &expected()).is_ok());
}

#[test]
fn packed_x5c_attestation_succeeds() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let (signer, cert_der) = attestation_certificate(Some(credential.aaguid));
    let attestation = Attestation::PackedX5c {
        signer,
        cert_der: cert_der.clone(),
    };
    let result = register(&credential, &Params::create(), &attestation).unwrap();
    assert!(result.attestation_verified);
    assert_eq!(result.attestation_certificate_der, Some(cert_der));
}

#[test]
fn packed_x5c_without_aaguid_extension_succeeds() {
    let (signer, cert_der) = attestation_certificate(None);
    let result = register_default(
        CoseAlgorithm::EdDsa,
        &Attestation::PackedX5c { signer, cert_der },
    )
    .unwrap();
    assert!(result.attestation_verified);
}

#[test]
fn packed_x5c_with_wrong_aaguid_fails() {
    let (signer, cert_der) = attestation_certificate(Some([0x11; 16]));
    assert_eq!(
        register_default(
            CoseAlgorithm::Es256,
            &Attestation::PackedX5c { signer, cert_der }
        ),
        bad_attestation("AAGUID extension does not match authenticator data")
    );
}

#[test]
fn packed_x5c_with_rsa_certificate_succeeds() {
    let mut spec = CertificateSpec::p256(None);
    spec.alg = CoseAlgorithm::Rs256;
    let (signer, cert_der) = spec.generate();
    let result = register_default(
        CoseAlgorithm::Es256,
        &Attestation::PackedX5c { signer, cert_der },
    )
    .unwrap();
    assert!(result.attestation_verified);
}

/// A change to a conforming certificate.
type SpecChange = fn(&mut CertificateSpec);

#[test]
fn packed_x5c_certificate_rules_are_enforced() {
    let cases: [(SpecChange, &str); 3] = [
        (
            |spec| spec.organizational_unit = "Sales",
            "attestation certificate OU is not `Authenticator Attestation`",
        ),
        (|spec| spec.is_ca = true, "attestation certificate is a CA"),
        (
            |spec| spec.aaguid_critical = true,
            "AAGUID extension is critical",
        ),
    ];
    for (mutate, reason) in cases {
        let mut spec = CertificateSpec::p256(Some([0xab; 16]));
        mutate(&mut spec);
        let (signer, cert_der) = spec.generate();
        assert_eq!(
            register_default(
                CoseAlgorithm::Es256,
                &Attestation::PackedX5c { signer, cert_der }
            ),
            bad_attestation(reason)
        );
    }
}

#[test]
fn packed_x5c_alg_must_match_certificate_key() {
    let (_, cert_der) = attestation_certificate(None);
    // An Ed25519 signer claims alg -8 but the certificate key is P-256.
    let signer = super::soft_authenticator::SoftKey::generate(CoseAlgorithm::EdDsa);
    assert_eq!(
        register_default(
            CoseAlgorithm::Es256,
            &Attestation::PackedX5c { signer, cert_der }
        ),
        bad_attestation("certificate key does not match alg")
    );
}

#[test]
fn packed_x5c_with_bad_signature_fails() {
    let (signer, cert_der) = attestation_certificate(None);
    let mut params = Params::create();
    params.corrupt_signature = true;
    let attestation = Attestation::PackedX5c { signer, cert_der };
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &attestation
        ),
        Err(WebauthnError::BadSignature)
    );
}

#[test]
fn packed_self_attestation_with_bad_signature_fails() {
    let mut params = Params::create();
    params.corrupt_signature = true;
    let attestation = Attestation::PackedSelf { alg: -7 };
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &attestation
        ),
        Err(WebauthnError::BadSignature)
    );
}

#[test]
fn packed_self_attestation_alg_mismatch_fails() {
    assert_eq!(
        register_default(CoseAlgorithm::Es256, &Attestation::PackedSelf { alg: -8 }),
        bad_attestation("self attestation alg does not match the credential key")
    );
}

#[test]
fn fido_u2f_attestation_succeeds() {
    let (signer, cert_der) = attestation_certificate(None);
    let attestation = Attestation::FidoU2f {
        signer,
        cert_der: cert_der.clone(),
    };
    let result = register_default(CoseAlgorithm::Es256, &attestation).unwrap();
    assert_eq!(result.attestation_format, "fido-u2f");
    assert!(result.attestation_verified);
    assert_eq!(result.attestation_certificate_der, Some(cert_der));
}

#[test]
fn fido_u2f_attestation_with_bad_signature_fails() {
    let (signer, cert_der) = attestation_certificate(None);
    let mut params = Params::create();
    params.corrupt_signature = true;
    let attestation = Attestation::FidoU2f { signer, cert_der };
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &attestation
        ),
        Err(WebauthnError::BadSignature)
    );
}

#[test]
fn fido_u2f_requires_a_p256_credential() {
    let (signer, cert_der) = attestation_certificate(None);
    // The EdDSA soft key has no EC point; build the statement by hand.
    let credential = Credential::new(CoseAlgorithm::EdDsa);
    let params = Params::create();
    let client_data_json = params.client_data_json();
    let auth_data = params.auth_data(Some(&credential));
    let sig = signer.sign(b"irrelevant");
    let object = encode(&Value::Map(vec![
        (text("fmt"), text("fido-u2f")),
        (
            text("attStmt"),
            Value::Map(vec![
                (text("sig"), Value::Bytes(sig)),
                (text("x5c"), Value::Array(vec![Value::Bytes(cert_der)])),
            ]),
        ),
        (text("authData"), Value::Bytes(auth_data)),
    ]));
    let value = registration_json_from_parts(&credential.id, &client_data_json, &object);
    assert_eq!(
        verify_registration(&value, &expected()),
        bad_attestation("fido-u2f requires a P-256 credential key")
    );
}

#[test]
fn unchecked_formats_are_reported_unverified() {
    for fmt in ["tpm", "android-key", "android-safetynet", "apple"] {
        let result = register_default(CoseAlgorithm::Es256, &Attestation::Other(fmt)).unwrap();
        assert_eq!(result.attestation_format, fmt);
        assert!(!result.attestation_verified);
    }
}

#[test]
fn unknown_format_fails() {
    assert_eq!(
        register_default(CoseAlgorithm::Es256, &Attestation::Other("mystery")),
        Err(WebauthnError::UnsupportedAttestationFormat(
            "mystery".into()
        ))
    );
}

#[test]
fn none_attestation_with_statement_fails() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let params = Params::create();
    let client_data_json = params.client_data_json();
    let object = encode(&Value::Map(vec![
        (text("fmt"), text("none")),
        (text("attStmt"), Value::Map(vec![(text("alg"), int(-7))])),
        (
            text("authData"),
            Value::Bytes(params.auth_data(Some(&credential))),
        ),
    ]));
    let value = registration_json_from_parts(&credential.id, &client_data_json, &object);
    assert_eq!(
        verify_registration(&value, &expected()),
        bad_attestation("none attestation statement must be empty")
    );
}

#[test]
fn registration_wrong_origin_fails() {
    let mut params = Params::create();
    params.origin = "https://evil.example".into();
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &Attestation::None
        ),
        Err(WebauthnError::OriginMismatch {
            found: "https://evil.example".into()
        })
    );
}

#[test]
fn registration_wrong_rp_id_fails() {
    let mut params = Params::create();
    params.rp_id = "evil.example".into();
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &Attestation::None
        ),
        Err(WebauthnError::RpIdHashMismatch)
    );
}

#[test]
fn registration_wrong_challenge_fails() {
    let mut params = Params::create();
    params.challenge = vec![8; 32];
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &Attestation::None
        ),
        Err(WebauthnError::ChallengeMismatch)
    );
    params.challenge = vec![7; 31];
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &Attestation::None
        ),
        Err(WebauthnError::ChallengeMismatch)
    );
}

#[test]
fn registration_wrong_type_fails() {
    let mut params = Params::create();
    params.ceremony_type = "webauthn.get".into();
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &Attestation::None
        ),
        Err(WebauthnError::WrongCeremonyType {
            expected: "webauthn.create",
            found: "webauthn.get".into()
        })
    );
}

#[test]
fn registration_cross_origin_fails() {
    let mut params = Params::create();
    params.cross_origin = true;
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &Attestation::None
        ),
        Err(WebauthnError::CrossOrigin)
    );
}

#[test]
fn registration_without_user_presence_fails() {
    let mut params = Params::create();
    params.flags = 0x40;
    assert_eq!(
        register(
            &Credential::new(CoseAlgorithm::Es256),
            &params,
            &Attestation::None
        ),
        Err(WebauthnError::UserNotPresent)
    );
}

#[test]
fn registration_user_verification_required() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let mut expected = expected();
    expected.require_user_verification = true;
    let mut params = Params::create();
    let value = registration_json(&credential, &params, &Attestation::None);
    assert_eq!(
        verify_registration(&value, &expected),
        Err(WebauthnError::UserNotVerified)
    );
    params.flags |= 0x04;
    let value = registration_json(&credential, &params, &Attestation::None);
    assert!(
        verify_registration(&value, &expected)
            .unwrap()
            .user_verified
    );
}

#[test]
fn registration_credential_id_mismatch_fails() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let mut value = registration_json(&credential, &Params::create(), &Attestation::None);
    value["id"] = json!(base64url_encode(b"another credential"));
    value["rawId"] = json!(base64url_encode(b"another credential"));
    assert_eq!(
        verify_registration(&value, &expected()),
        Err(WebauthnError::CredentialIdMismatch)
    );
    // id and rawId disagreeing.
    let mut value = registration_json(&credential, &Params::create(), &Attestation::None);
    value["rawId"] = json!(base64url_encode(b"another credential"));
    assert_eq!(
        verify_registration(&value, &expected()),
        Err(WebauthnError::CredentialIdMismatch)
    );
}

#[test]
fn registration_without_attested_credential_fails() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let mut params = Params::create();
    params.flags = 0x01;
    let client_data_json = params.client_data_json();
    let auth_data = params.auth_data(None);
    let object = attestation_object(
        &credential,
        &params,
        &Attestation::None,
        &auth_data,
        &client_data_json,
    );
    let value = registration_json_from_parts(&credential.id, &client_data_json, &object);
    assert_eq!(
        verify_registration(&value, &expected()),
        Err(WebauthnError::NoAttestedCredential)
    );
}

#[test]
fn registration_with_garbage_attestation_object_fails() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let params = Params::create();
    let client_data_json = params.client_data_json();
    let auth_data = params.auth_data(Some(&credential));
    let object = attestation_object(
        &credential,
        &params,
        &Attestation::None,
        &auth_data,
        &client_data_json,
    );

    let truncated = registration_json_from_parts(
        &credential.id,
        &client_data_json,
        &object[..object.len() - 5],
    );
    assert_eq!(
        verify_registration(&truncated, &expected()),
        Err(WebauthnError::Cbor(CborError::Truncated))
    );
    let mut trailing = object.clone();
    trailing.push(0x00);
    let trailing = registration_json_from_parts(&credential.id, &client_data_json, &trailing);
    assert_eq!(
        verify_registration(&trailing, &expected()),
        Err(WebauthnError::Cbor(CborError::TrailingBytes))
    );
    let not_a_map = registration_json_from_parts(&credential.id, &client_data_json, &[0x80]);
    assert_eq!(
        verify_registration(&not_a_map, &expected()),
        Err(WebauthnError::MalformedAttestationObject("not a map"))
    );
    let garbage =
        registration_json_from_parts(&credential.id, &client_data_json, &[0xff, 0x00, 0x13]);
    assert_eq!(
        verify_registration(&garbage, &expected()),
        Err(WebauthnError::Cbor(CborError::IndefiniteLength))
    );
}

#[test]
fn registration_with_trailing_auth_data_fails() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let params = Params::create();
    let client_data_json = params.client_data_json();
    let mut auth_data = params.auth_data(Some(&credential));
    auth_data.extend_from_slice(b"junk");
    let object = attestation_object(
        &credential,
        &params,
        &Attestation::None,
        &auth_data,
        &client_data_json,
    );
    let value = registration_json_from_parts(&credential.id, &client_data_json, &object);
    assert_eq!(
        verify_registration(&value, &expected()),
        Err(WebauthnError::MalformedAuthenticatorData("trailing bytes"))
    );
}

#[test]
fn malformed_credential_json_fails() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let good = registration_json(&credential, &Params::create(), &Attestation::None);

    let mut value = good.clone();
    value["type"] = json!("password");
    assert_eq!(
        verify_registration(&value, &expected()),
        Err(WebauthnError::WrongCredentialType)
    );

    let mut value = good.clone();
    value.as_object_mut().unwrap().remove("response");
    assert_eq!(
        verify_registration(&value, &expected()),
        Err(WebauthnError::MalformedJson("response"))
    );

    let mut value = good.clone();
    value["response"]["clientDataJSON"] = json!("not base64!");
    assert_eq!(
        verify_registration(&value, &expected()),
        Err(WebauthnError::Base64("response.clientDataJSON"))
    );

    let mut value = good.clone();
    value["response"]["clientDataJSON"] = json!(base64url_encode(b"{not json"));
    assert_eq!(
        verify_registration(&value, &expected()),
        Err(WebauthnError::MalformedClientData("not valid JSON"))
    );

    assert_eq!(
        verify_registration(&json!([]), &expected()),
        Err(WebauthnError::MalformedJson("credential"))
    );
}

//! Authentication ceremony tests.

#![allow(clippy::unwrap_used)]

use super::*;

fn assert_with(
    credential: &Credential,
    params: &Params,
    stored: u32,
) -> Result<VerifiedAssertion, WebauthnError> {
    let value = assertion_json(credential, params, Some(b"user-1"));
    verify_assertion(&value, &expected(), &credential.key.cose_key(), stored)
}

#[test]
fn assertion_succeeds_for_every_algorithm() {
    for alg in [
        CoseAlgorithm::Es256,
        CoseAlgorithm::Es384,
        CoseAlgorithm::EdDsa,
        CoseAlgorithm::Rs256,
        CoseAlgorithm::Ps256,
    ] {
        let credential = Credential::new(alg);
        let mut params = Params::get();
        params.sign_count = 8;
        let result = assert_with(&credential, &params, 7).unwrap();
        assert_eq!(result.credential_id, credential.id);
        assert_eq!(result.sign_count, 8);
        assert_eq!(result.user_handle, Some(b"user-1".to_vec()));
        assert!(!result.user_verified);
    }
}

#[test]
fn credential_id_is_read_from_the_response() {
    let credential = Credential::new(CoseAlgorithm::EdDsa);
    let value = assertion_json(&credential, &Params::get(), None);
    assert_eq!(credential_id(&value).unwrap(), credential.id);
}

#[test]
fn registered_key_verifies_assertions() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let registration = register(&credential, &Params::create(), &Attestation::None).unwrap();
    let value = assertion_json(&credential, &Params::get(), None);
    let result = verify_assertion(
        &value,
        &expected(),
        &registration.public_key_cose,
        registration.sign_count,
    )
    .unwrap_err();
    // Same counter (1) as at registration: a regression.
    assert_eq!(
        result,
        WebauthnError::SignCountRegression {
            stored: 1,
            received: 1
        }
    );
    let mut params = Params::get();
    params.sign_count = 2;
    let value = assertion_json(&credential, &params, None);
    let result = verify_assertion(&value, &expected(), &registration.public_key_cose, 1).unwrap();
    assert_eq!(result.user_handle, None);
}

#[test]
fn assertion_sign_count_rule() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let mut params = Params::get();
    params.sign_count = 0;
    assert_eq!(assert_with(&credential, &params, 0).unwrap().sign_count, 0);
    assert_eq!(
        assert_with(&credential, &params, 5),
        Err(WebauthnError::SignCountRegression {
            stored: 5,
            received: 0
        })
    );
    params.sign_count = 5;
    assert_eq!(
        assert_with(&credential, &params, 5),
        Err(WebauthnError::SignCountRegression {
            stored: 5,
            received: 5
        })
    );
    assert_eq!(assert_with(&credential, &params, 0).unwrap().sign_count, 5);
}

#[test]
fn assertion_with_bad_signature_fails() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let mut params = Params::get();
    params.corrupt_signature = true;
    assert_eq!(
        assert_with(&credential, &params, 0),
        Err(WebauthnError::BadSignature)
    );
    // Signed by another key.
    let other = Credential::new(CoseAlgorithm::Es256);
    let value = assertion_json(&other, &Params::get(), None);
    assert_eq!(
        verify_assertion(&value, &expected(), &credential.key.cose_key(), 0),
        Err(WebauthnError::BadSignature)
    );
}

#[test]
fn assertion_client_data_checks() {
    let credential = Credential::new(CoseAlgorithm::EdDsa);
    let mut params = Params::get();
    params.ceremony_type = "webauthn.create".into();
    assert_eq!(
        assert_with(&credential, &params, 0),
        Err(WebauthnError::WrongCeremonyType {
            expected: "webauthn.get",
            found: "webauthn.create".into()
        })
    );
    let mut params = Params::get();
    params.challenge = vec![0; 32];
    assert_eq!(
        assert_with(&credential, &params, 0),
        Err(WebauthnError::ChallengeMismatch)
    );
    let mut params = Params::get();
    params.origin = "https://login.example.com.evil".into();
    assert_eq!(
        assert_with(&credential, &params, 0),
        Err(WebauthnError::OriginMismatch {
            found: "https://login.example.com.evil".into()
        })
    );
    let mut params = Params::get();
    params.cross_origin = true;
    assert_eq!(
        assert_with(&credential, &params, 0),
        Err(WebauthnError::CrossOrigin)
    );
}

#[test]
fn assertion_authenticator_data_checks() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let mut params = Params::get();
    params.rp_id = "example.org".into();
    assert_eq!(
        assert_with(&credential, &params, 0),
        Err(WebauthnError::RpIdHashMismatch)
    );
    let mut params = Params::get();
    params.flags = 0x04;
    assert_eq!(
        assert_with(&credential, &params, 0),
        Err(WebauthnError::UserNotPresent)
    );

    let mut expected = expected();
    expected.require_user_verification = true;
    let value = assertion_json(&credential, &Params::get(), None);
    assert_eq!(
        verify_assertion(&value, &expected, &credential.key.cose_key(), 0),
        Err(WebauthnError::UserNotVerified)
    );
    let mut params = Params::get();
    params.flags = 0x05;
    let value = assertion_json(&credential, &params, None);
    assert!(
        verify_assertion(&value, &expected, &credential.key.cose_key(), 0)
            .unwrap()
            .user_verified
    );
}

#[test]
fn assertion_with_malformed_parts_fails() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let mut value = assertion_json(&credential, &Params::get(), None);
    value["response"]["authenticatorData"] = json!(base64url_encode(&[0u8; 36]));
    assert_eq!(
        verify_assertion(&value, &expected(), &credential.key.cose_key(), 0),
        Err(WebauthnError::MalformedAuthenticatorData(
            "shorter than 37 bytes"
        ))
    );
    let value = assertion_json(&credential, &Params::get(), None);
    assert_eq!(
        verify_assertion(&value, &expected(), &[0xa1, 0x01], 0),
        Err(WebauthnError::Cbor(CborError::Truncated))
    );
    let mut value = assertion_json(&credential, &Params::get(), None);
    value["response"]
        .as_object_mut()
        .unwrap()
        .remove("signature");
    assert_eq!(
        verify_assertion(&value, &expected(), &credential.key.cose_key(), 0),
        Err(WebauthnError::MalformedJson("response.signature"))
    );
}

#[test]
fn aaguid_formats_as_uuid() {
    let aaguid = [
        0xad, 0xce, 0x00, 0x02, 0x35, 0xbc, 0xc6, 0x0a, 0x64, 0x8b, 0x0b, 0x25, 0xf1, 0xf0, 0x55,
        0x03,
    ];
    assert_eq!(
        format_aaguid(&aaguid),
        "adce0002-35bc-c60a-648b-0b25f1f05503"
    );
}

#[test]
fn error_messages_do_not_echo_challenges() {
    let message = WebauthnError::ChallengeMismatch.to_string();
    assert_eq!(message, "challenge mismatch");
    let long_origin = "x".repeat(1000);
    let error = WebauthnError::OriginMismatch {
        found: super::error::truncated(&long_origin, 256),
    };
    assert!(error.to_string().len() < 300);
}

//! Authenticator data, attestation object and COSE key parsing tests.

#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn truncated_auth_data_fails_precisely() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let auth_data = Params::create().auth_data(Some(&credential));
    assert!(AuthenticatorData::parse(&auth_data).is_ok());
    let id_end = 37 + 18 + credential.id.len();
    for cut in 0..auth_data.len() {
        let error = AuthenticatorData::parse(&auth_data[..cut]).unwrap_err();
        let expected = match cut {
            0..37 => WebauthnError::MalformedAuthenticatorData("shorter than 37 bytes"),
            37..55 => {
                WebauthnError::MalformedAuthenticatorData("truncated attested credential data")
            }
            c if c < id_end => WebauthnError::MalformedAuthenticatorData("truncated credential ID"),
            _ => WebauthnError::Cbor(CborError::Truncated),
        };
        assert_eq!(error, expected, "cut at {cut}");
    }
}

#[test]
fn auth_data_rules() {
    let mut params = Params::get();
    params.flags = 0x01 | 0x10;
    assert_eq!(
        AuthenticatorData::parse(&params.auth_data(None)).unwrap_err(),
        WebauthnError::MalformedAuthenticatorData("backup state set without backup eligibility")
    );

    // Credential ID longer than 1023 bytes.
    let mut credential = Credential::new(CoseAlgorithm::EdDsa);
    credential.id = vec![1; 1024];
    assert_eq!(
        AuthenticatorData::parse(&Params::create().auth_data(Some(&credential))).unwrap_err(),
        WebauthnError::MalformedAuthenticatorData("credential ID longer than 1023 bytes")
    );

    // Extensions (ED) parsed; non-map extensions rejected.
    let mut params = Params::get();
    params.flags = 0x81;
    let mut data = params.auth_data(None);
    data.extend(encode(&Value::Map(vec![(text("credProtect"), int(2))])));
    let parsed = AuthenticatorData::parse(&data).unwrap();
    assert!(parsed.extensions.unwrap().get_text("credProtect").is_some());
    let mut data = params.auth_data(None);
    data.push(0x01);
    assert_eq!(
        AuthenticatorData::parse(&data).unwrap_err(),
        WebauthnError::MalformedAuthenticatorData("extensions are not a map")
    );
}

#[test]
fn random_and_mutated_structures_never_panic() {
    let credential = Credential::new(CoseAlgorithm::Es256);
    let params = Params::create();
    let client_data_json = params.client_data_json();
    let auth_data = params.auth_data(Some(&credential));
    let object = attestation_object(
        &credential,
        &params,
        &Attestation::PackedSelf { alg: -7 },
        &auth_data,
        &client_data_json,
    );
    let hash = [0u8; 32];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        for original in [&auth_data, &object] {
            let mut mutated = original.clone();
            let i = (next() % mutated.len() as u64) as usize;
            mutated[i] ^= next() as u8 | 1;
            let cut = (next() % (mutated.len() as u64 + 1)) as usize;
            let _ = AuthenticatorData::parse(&mutated);
            let _ = AuthenticatorData::parse(&mutated[..cut]);
            if let Ok(parsed) = super::attestation::AttestationObject::parse(&mutated) {
                let _ = parsed.verify_statement(&hash);
            }
            let _ = super::attestation::AttestationObject::parse(&mutated[..cut]);
        }
        let random: Vec<u8> = (0..next() % 120).map(|_| next() as u8).collect();
        let _ = AuthenticatorData::parse(&random);
        let _ = super::attestation::AttestationObject::parse(&random);
        let _ = CosePublicKey::from_cose(&random);
    }
}

#[test]
fn cose_key_errors_are_precise() {
    let key =
        |entries: Vec<(Value, Value)>| CosePublicKey::from_cose(&encode(&Value::Map(entries)));
    assert_eq!(
        key(vec![(int(1), int(2)), (int(3), int(-65535))]).unwrap_err(),
        WebauthnError::UnsupportedAlgorithm(-65535)
    );
    assert_eq!(
        key(vec![(int(1), int(1)), (int(3), int(-7))]).unwrap_err(),
        WebauthnError::UnsupportedKey("kty does not match alg")
    );
    assert_eq!(
        key(vec![
            (int(1), int(2)),
            (int(3), int(-7)),
            (int(-1), int(1)),
            (int(-2), Value::Bytes(vec![1; 32])),
            (int(-3), Value::Bytes(vec![2; 32]))
        ])
        .unwrap_err(),
        WebauthnError::UnsupportedKey("point is not on the curve")
    );
    assert_eq!(
        key(vec![(int(1), int(2)), (int(3), int(-7)), (int(-1), int(2))]).unwrap_err(),
        WebauthnError::UnsupportedKey("curve does not match alg")
    );
    assert_eq!(
        key(vec![
            (int(1), int(3)),
            (int(3), int(-257)),
            (int(-1), Value::Bytes(vec![0xff; 128])),
            (int(-2), Value::Bytes(vec![1, 0, 1]))
        ])
        .unwrap_err(),
        WebauthnError::UnsupportedKey("RSA modulus must be 2048-8192 bits")
    );
    assert_eq!(
        CosePublicKey::from_cose(&[0x01]).unwrap_err(),
        WebauthnError::UnsupportedKey("COSE key is not a map")
    );
}

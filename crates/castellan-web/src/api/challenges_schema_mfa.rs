//! Component schemas of the MFA challenges this release sends and reads (spec §5.3–5.6): TOTP,
//! static and WebAuthn setup, the authenticator validation challenge, and the objects they embed. Members of
//! the `ChallengeTypes` / `FlowChallengeResponseRequest` unions (see `challenges_schema`).
use castellan_stages::{
    authenticator_static, authenticator_totp, authenticator_validate, authenticator_webauthn,
};
use serde_json::{Value, json};

use super::challenges_schema::{challenge, object, r, response, string};

fn any_object() -> Value {
    json!({"type": "object", "additionalProperties": {}})
}

fn list_of(item: Value) -> Value {
    json!({"type": "array", "items": item})
}

/// The challenges: component, schema name, schema.
pub fn challenges() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            authenticator_totp::COMPONENT,
            "AuthenticatorTOTPChallenge",
            challenge(
                authenticator_totp::COMPONENT,
                true,
                vec![("config_url", string())],
                &["config_url"],
            ),
        ),
        (
            authenticator_static::COMPONENT,
            "AuthenticatorStaticChallenge",
            challenge(
                authenticator_static::COMPONENT,
                true,
                vec![("codes", list_of(string()))],
                &["codes"],
            ),
        ),
        (
            authenticator_webauthn::COMPONENT,
            "AuthenticatorWebAuthnChallenge",
            challenge(
                authenticator_webauthn::COMPONENT,
                true,
                vec![("registration", any_object())],
                &["registration"],
            ),
        ),
        (
            castellan_stages::authenticator_duo::COMPONENT,
            "AuthenticatorDuoChallenge",
            challenge(
                castellan_stages::authenticator_duo::COMPONENT,
                true,
                vec![
                    ("activation_barcode", string()),
                    ("activation_code", string()),
                    ("stage_uuid", string()),
                ],
                &["activation_barcode", "activation_code", "stage_uuid"],
            ),
        ),
        (
            castellan_stages::authenticator_sms::COMPONENT,
            "AuthenticatorSMSChallenge",
            challenge(
                castellan_stages::authenticator_sms::COMPONENT,
                true,
                vec![(
                    "phone_number_required",
                    json!({"type": "boolean", "default": true}),
                )],
                &[],
            ),
        ),
        (
            authenticator_validate::COMPONENT,
            "AuthenticatorValidationChallenge",
            challenge(
                authenticator_validate::COMPONENT,
                true,
                vec![
                    ("device_challenges", list_of(r("DeviceChallenge"))),
                    ("configuration_stages", list_of(r("SelectableStage"))),
                ],
                &["device_challenges", "configuration_stages"],
            ),
        ),
    ]
}

/// The responses: component, schema name, schema.
pub fn responses() -> Vec<(&'static str, &'static str, Value)> {
    let non_blank = || json!({"type": "string", "minLength": 1});
    vec![
        (
            authenticator_totp::COMPONENT,
            "AuthenticatorTOTPChallengeResponseRequest",
            response(
                authenticator_totp::COMPONENT,
                vec![("code", json!({"type": "integer"}))],
                &["code"],
            ),
        ),
        (
            authenticator_static::COMPONENT,
            "AuthenticatorStaticChallengeResponseRequest",
            response(authenticator_static::COMPONENT, vec![], &[]),
        ),
        (
            authenticator_webauthn::COMPONENT,
            "AuthenticatorWebAuthnChallengeResponseRequest",
            response(
                authenticator_webauthn::COMPONENT,
                vec![("response", any_object())],
                &["response"],
            ),
        ),
        (
            castellan_stages::authenticator_duo::COMPONENT,
            "AuthenticatorDuoChallengeResponseRequest",
            response(castellan_stages::authenticator_duo::COMPONENT, vec![], &[]),
        ),
        (
            castellan_stages::authenticator_sms::COMPONENT,
            "AuthenticatorSMSChallengeResponseRequest",
            response(
                castellan_stages::authenticator_sms::COMPONENT,
                vec![
                    ("code", json!({"type": "integer"})),
                    ("phone_number", non_blank()),
                ],
                &[],
            ),
        ),
        (
            authenticator_validate::COMPONENT,
            "AuthenticatorValidationChallengeResponseRequest",
            response(
                authenticator_validate::COMPONENT,
                vec![
                    ("selected_challenge", r("DeviceChallengeRequest")),
                    ("selected_stage", non_blank()),
                    ("code", non_blank()),
                    (
                        "webauthn",
                        json!({"type": "object", "additionalProperties": {}}),
                    ),
                    ("duo", json!({"type": "integer"})),
                ],
                &[],
            ),
        ),
    ]
}

fn device_challenge(request: bool) -> Value {
    let text = if request {
        json!({"type": "string", "minLength": 1})
    } else {
        string()
    };
    object(
        vec![
            ("device_class", text.clone()),
            ("device_uid", text),
            (
                "challenge",
                json!({"type": "object", "additionalProperties": {}}),
            ),
            (
                "last_used",
                json!({"type": "string", "format": "date-time", "nullable": true}),
            ),
        ],
        &["challenge", "device_class", "device_uid", "last_used"],
    )
}

/// Objects the MFA challenges embed.
pub fn embedded() -> Vec<(&'static str, Value)> {
    vec![
        ("DeviceChallenge", device_challenge(false)),
        ("DeviceChallengeRequest", device_challenge(true)),
        (
            "SelectableStage",
            object(
                vec![
                    ("pk", json!({"type": "string", "format": "uuid"})),
                    ("name", string()),
                    ("verbose_name", string()),
                    ("meta_model_name", string()),
                ],
                &["meta_model_name", "name", "pk", "verbose_name"],
            ),
        ),
    ]
}

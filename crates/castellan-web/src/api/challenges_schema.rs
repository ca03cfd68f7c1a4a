//! Component schemas of the flow executor's challenges and challenge responses: the unions
//! `ChallengeTypes` and `FlowChallengeResponseRequest` (discriminated by `component`) with a
//! member for each component this release's stages send or read, and the objects they embed.
//! Components of stages Castellan does not run yet stay out (listed in docs/compatibility.md).
use castellan_core::flow::FlowLayout;
use castellan_stages::{
    captcha, consent, email, identification, password, prompt, simple, user_login,
};
use serde_json::{Map, Value, json};

use crate::oauth::device_entry::CODE_COMPONENT;
use crate::oauth::device_finish::FINISH_COMPONENT;

/// `ak-stage-access-denied` (sent by the executor, castellan-flows).
const ACCESS_DENIED: &str = "ak-stage-access-denied";
/// `ak-stage-flow-error` (sent by the executor, castellan-flows).
const FLOW_ERROR: &str = "ak-stage-flow-error";
/// `xak-flow-redirect` (sent by the executor, castellan-flows).
const REDIRECT: &str = "xak-flow-redirect";

pub(super) fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

pub(super) fn string() -> Value {
    json!({"type": "string"})
}

fn boolean() -> Value {
    json!({"type": "boolean"})
}

pub(super) fn object(props: Vec<(&str, Value)>, required: &[&str]) -> Value {
    let props: Map<String, Value> = props.into_iter().map(|(k, v)| (k.into(), v)).collect();
    let mut required = required.to_vec();
    required.sort_unstable();
    if required.is_empty() {
        return json!({"type": "object", "properties": props});
    }
    json!({"type": "object", "properties": props, "required": required})
}

/// A challenge: the envelope (`flow_info`, `component`, `response_errors`, and with `with_user`
/// `pending_user`/`pending_user_avatar`), then the component's own fields.
pub(super) fn challenge(
    component: &str,
    with_user: bool,
    own: Vec<(&str, Value)>,
    own_required: &[&str],
) -> Value {
    let errors = json!({"type": "object", "additionalProperties": {"type": "array", "items": r("ErrorDetail")}});
    let mut props = vec![
        ("flow_info", r("ContextualFlowInfo")),
        ("component", json!({"type": "string", "default": component})),
        ("response_errors", errors),
    ];
    let mut required = own_required.to_vec();
    if with_user {
        props.push(("pending_user", string()));
        props.push(("pending_user_avatar", string()));
        required.extend(["pending_user", "pending_user_avatar"]);
    }
    props.extend(own);
    object(props, &required)
}

/// A challenge response: `component`, then the component's own fields.
pub(super) fn response(component: &str, own: Vec<(&str, Value)>, required: &[&str]) -> Value {
    let mut props = vec![(
        "component",
        json!({"type": "string", "minLength": 1, "default": component}),
    )];
    props.extend(own);
    object(props, required)
}

/// A union of schemas discriminated by `component`; `members` are (component, schema name).
fn union(members: &[(&str, &str)]) -> Value {
    let mut sorted = members.to_vec();
    sorted.sort_by_key(|(_, name)| *name);
    let one_of: Vec<Value> = sorted.iter().map(|(_, name)| r(name)).collect();
    let mapping: Map<String, Value> = members
        .iter()
        .map(|(component, name)| ((*component).into(), r(name)["$ref"].clone()))
        .collect();
    json!({"oneOf": one_of, "discriminator": {"propertyName": "component", "mapping": mapping}})
}

fn challenges() -> Vec<(&'static str, &'static str, Value)> {
    let show_password = json!({"type": "boolean", "default": false});
    vec![
        (
            ACCESS_DENIED,
            "AccessDeniedChallenge",
            challenge(ACCESS_DENIED, true, vec![("error_message", string())], &[]),
        ),
        (
            captcha::COMPONENT,
            "CaptchaChallenge",
            challenge(
                captcha::COMPONENT,
                true,
                vec![
                    ("site_key", string()),
                    ("js_url", string()),
                    ("interactive", boolean()),
                ],
                &["site_key", "js_url", "interactive"],
            ),
        ),
        (
            consent::COMPONENT,
            "ConsentChallenge",
            challenge(
                consent::COMPONENT,
                true,
                vec![
                    ("header_text", string()),
                    (
                        "permissions",
                        json!({"type": "array", "items": r("ConsentPermission")}),
                    ),
                    (
                        "additional_permissions",
                        json!({"type": "array", "items": r("ConsentPermission")}),
                    ),
                    ("token", string()),
                ],
                &["permissions", "additional_permissions", "token"],
            ),
        ),
        (
            simple::DUMMY_COMPONENT,
            "DummyChallenge",
            challenge(
                simple::DUMMY_COMPONENT,
                false,
                vec![("name", string())],
                &["name"],
            ),
        ),
        (
            email::COMPONENT,
            "EmailChallenge",
            challenge(email::COMPONENT, false, vec![], &[]),
        ),
        (
            FLOW_ERROR,
            "FlowErrorChallenge",
            challenge(
                FLOW_ERROR,
                false,
                vec![
                    ("request_id", string()),
                    ("error", string()),
                    ("traceback", string()),
                ],
                &["request_id"],
            ),
        ),
        (
            identification::COMPONENT,
            "IdentificationChallenge",
            challenge(
                identification::COMPONENT,
                false,
                vec![
                    (
                        "user_fields",
                        json!({"type": "array", "items": string(), "nullable": true}),
                    ),
                    ("password_fields", boolean()),
                    ("allow_show_password", show_password.clone()),
                    ("application_pre", string()),
                    ("flow_designation", r("FlowDesignationEnum")),
                    // `null` without a captcha stage, as authentik sends it (its schema omits that).
                    (
                        "captcha_stage",
                        json!({"allOf": [r("CaptchaChallenge")], "nullable": true}),
                    ),
                    ("enroll_url", string()),
                    ("recovery_url", string()),
                    ("passwordless_url", string()),
                    ("primary_action", string()),
                    (
                        "sources",
                        json!({"type": "array", "items": r("LoginSource")}),
                    ),
                    ("show_source_labels", boolean()),
                ],
                &[
                    "flow_designation",
                    "password_fields",
                    "primary_action",
                    "show_source_labels",
                    "user_fields",
                ],
            ),
        ),
        (
            password::COMPONENT,
            "PasswordChallenge",
            challenge(
                password::COMPONENT,
                true,
                vec![
                    ("recovery_url", string()),
                    ("allow_show_password", show_password),
                ],
                &[],
            ),
        ),
        (
            prompt::COMPONENT,
            "PromptChallenge",
            challenge(
                prompt::COMPONENT,
                false,
                vec![(
                    "fields",
                    json!({"type": "array", "items": r("StagePrompt")}),
                )],
                &["fields"],
            ),
        ),
        (
            CODE_COMPONENT,
            "OAuthDeviceCodeChallenge",
            challenge(CODE_COMPONENT, false, vec![], &[]),
        ),
        (
            FINISH_COMPONENT,
            "OAuthDeviceCodeFinishChallenge",
            challenge(FINISH_COMPONENT, false, vec![], &[]),
        ),
        (
            REDIRECT,
            "RedirectChallenge",
            challenge(REDIRECT, false, vec![("to", string())], &["to"]),
        ),
        (
            simple::SESSION_END_COMPONENT,
            "SessionEndChallenge",
            challenge(
                simple::SESSION_END_COMPONENT,
                true,
                vec![
                    ("application_name", string()),
                    ("application_launch_url", string()),
                    ("invalidation_flow_url", string()),
                    ("brand_name", string()),
                ],
                &["brand_name"],
            ),
        ),
        (
            user_login::COMPONENT,
            "UserLoginChallenge",
            challenge(user_login::COMPONENT, true, vec![], &[]),
        ),
    ]
}

fn responses() -> Vec<(&'static str, &'static str, Value)> {
    let n_string = || json!({"type": "string", "nullable": true});
    let non_blank = || json!({"type": "string", "minLength": 1});
    vec![
        (
            captcha::COMPONENT,
            "CaptchaChallengeResponseRequest",
            response(captcha::COMPONENT, vec![("token", non_blank())], &["token"]),
        ),
        (
            consent::COMPONENT,
            "ConsentChallengeResponseRequest",
            response(consent::COMPONENT, vec![("token", non_blank())], &["token"]),
        ),
        (
            simple::DUMMY_COMPONENT,
            "DummyChallengeResponseRequest",
            response(simple::DUMMY_COMPONENT, vec![], &[]),
        ),
        (
            email::COMPONENT,
            "EmailChallengeResponseRequest",
            response(email::COMPONENT, vec![], &[]),
        ),
        (
            identification::COMPONENT,
            "IdentificationChallengeResponseRequest",
            response(
                identification::COMPONENT,
                vec![
                    ("uid_field", non_blank()),
                    ("password", n_string()),
                    ("captcha_token", n_string()),
                ],
                &["uid_field"],
            ),
        ),
        (
            CODE_COMPONENT,
            "OAuthDeviceCodeChallengeResponseRequest",
            response(CODE_COMPONENT, vec![("code", non_blank())], &["code"]),
        ),
        (
            FINISH_COMPONENT,
            "OAuthDeviceCodeFinishChallengeResponseRequest",
            response(FINISH_COMPONENT, vec![], &[]),
        ),
        (
            password::COMPONENT,
            "PasswordChallengeResponseRequest",
            response(
                password::COMPONENT,
                vec![("password", non_blank())],
                &["password"],
            ),
        ),
        (prompt::COMPONENT, "PromptChallengeResponseRequest", {
            // The prompt fields' keys are the stage's own: any further property.
            let mut s = response(prompt::COMPONENT, vec![], &[]);
            s["additionalProperties"] = json!({});
            s
        }),
        (
            user_login::COMPONENT,
            "UserLoginChallengeResponseRequest",
            response(
                user_login::COMPONENT,
                vec![("remember_me", boolean())],
                &["remember_me"],
            ),
        ),
    ]
}

/// The objects challenges embed: flow info, consent permissions, field errors, prompt fields,
/// login sources.
fn embedded() -> Vec<(&'static str, Value)> {
    let layouts = json!({"type": "string", "enum": FlowLayout::NAMES});
    vec![
        (
            "ContextualFlowInfo",
            object(
                vec![
                    ("title", string()),
                    ("background", string()),
                    ("cancel_url", string()),
                    ("layout", r("ContextualFlowInfoLayoutEnum")),
                ],
                &["cancel_url", "layout"],
            ),
        ),
        ("ContextualFlowInfoLayoutEnum", layouts),
        (
            "ConsentPermission",
            object(vec![("name", string()), ("id", string())], &["id", "name"]),
        ),
        (
            "ErrorDetail",
            object(
                vec![("string", string()), ("code", string())],
                &["string", "code"],
            ),
        ),
        (
            "StagePrompt",
            object(
                vec![
                    ("field_key", string()),
                    ("label", string()),
                    ("type", r("PromptTypeEnum")),
                    ("required", boolean()),
                    ("placeholder", string()),
                    ("initial_value", string()),
                    ("order", json!({"type": "integer"})),
                    ("sub_text", string()),
                    (
                        "choices",
                        json!({"type": "array", "items": string(), "nullable": true}),
                    ),
                ],
                &[
                    "choices",
                    "field_key",
                    "initial_value",
                    "label",
                    "order",
                    "placeholder",
                    "required",
                    "sub_text",
                    "type",
                ],
            ),
        ),
        (
            "LoginSource",
            object(
                vec![
                    ("name", string()),
                    ("icon_url", json!({"type": "string", "nullable": true})),
                    ("challenge", r("LoginChallengeTypes")),
                ],
                &["challenge", "name"],
            ),
        ),
        // Sources are not implemented yet: a login button can only be a redirect.
        (
            "LoginChallengeTypes",
            union(&[(REDIRECT, "RedirectChallenge")]),
        ),
    ]
}

/// Component schemas of the challenge unions, their members and the objects they embed.
pub fn schemas() -> Vec<(String, Value)> {
    let mut challenges = challenges();
    challenges.extend(super::challenges_schema_mfa::challenges());
    let mut responses = responses();
    responses.extend(super::challenges_schema_mfa::responses());
    let members = |list: &[(&'static str, &'static str, Value)]| -> Vec<(&str, &str)> {
        list.iter().map(|(c, n, _)| (*c, *n)).collect()
    };
    let mut out = vec![
        ("ChallengeTypes".to_string(), union(&members(&challenges))),
        (
            "FlowChallengeResponseRequest".to_string(),
            union(&members(&responses)),
        ),
    ];
    out.extend(
        challenges
            .into_iter()
            .chain(responses)
            .map(|(_, name, schema)| (name.to_string(), schema)),
    );
    let embedded = embedded()
        .into_iter()
        .chain(super::challenges_schema_mfa::embedded());
    out.extend(embedded.map(|(n, s)| (n.to_string(), s)));
    out
}

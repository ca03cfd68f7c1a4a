//! Captcha stage (spec §4.3).
use castellan_core::model_spec::{FieldDefault, FieldSpec, FieldType, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[
    f::required_text("public_key"),
    f::required_text("private_key").write_only(),
    f::text("js_url", "https://www.recaptcha.net/recaptcha/api.js"),
    f::text(
        "api_url",
        "https://www.recaptcha.net/recaptcha/api/siteverify",
    ),
    f::boolean("interactive", false),
    FieldSpec::new("score_min_threshold", FieldType::Float).default(FieldDefault::Float(0.5)),
    FieldSpec::new("score_max_threshold", FieldType::Float).default(FieldDefault::Float(1.0)),
    f::boolean("error_on_invalid_score", true),
];

/// `CaptchaStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_captcha.captchastage",
    api: "stages/captcha",
    component: "ak-stage-captcha-form",
    verbose_name: "Captcha Stage",
    verbose_name_plural: "Captcha Stages",
    schema_name: "CaptchaStage",
    description: "Verify the user is human using Google's reCaptcha/other compatible CAPTCHA solutions.",
    fields: FIELDS,
    check: None,
};

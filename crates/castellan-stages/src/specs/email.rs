//! Email stage (spec §4.7).
use castellan_core::model_spec::{FieldDefault, FieldSpec, FieldType, ModelSpec, f};
use serde_json::{Map, Value};

static FIELDS: &[FieldSpec] = &[
    f::boolean("use_global_settings", false),
    f::text("host", "localhost"),
    f::int("port", 25),
    f::blank_text("username"),
    f::blank_text("password").write_only(),
    f::boolean("use_tls", false),
    f::boolean("use_ssl", false),
    f::int("timeout", 10),
    FieldSpec::new("from_address", FieldType::Email)
        .default(FieldDefault::Str("system@authentik.local")),
    f::int("token_expiry", 30),
    f::text("subject", "authentik"),
    f::text("template", "email/password_reset.html"),
    f::boolean("activate_user_on_success", false),
];

/// `EmailStage`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_stages_email.emailstage",
    api: "stages/email",
    component: "ak-stage-email-form",
    verbose_name: "Email Stage",
    verbose_name_plural: "Email Stages",
    schema_name: "EmailStage",
    description: "Sends an Email to the user with a token to confirm their Email address.",
    fields: FIELDS,
    check: Some(check),
};

/// `template` must be a built-in or a relative `*.html` path inside the template directory
/// (whether the file exists is known only at run time; a missing one fails when sending).
fn check(config: &Map<String, Value>) -> Vec<(String, String)> {
    let Some(template) = config.get("template").and_then(Value::as_str) else {
        return Vec::new();
    };
    let safe = !template.starts_with('/')
        && template.ends_with(".html")
        && template
            .split(['/', '\\'])
            .all(|part| !part.is_empty() && part != "..");
    if safe {
        return Vec::new();
    }
    vec![(
        "template".into(),
        format!("Invalid template '{template}' specified."),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn templates_stay_inside_the_template_directory() {
        let c = |t: &str| {
            let Value::Object(m) = json!({"template": t}) else {
                return Vec::new();
            };
            check(&m)
        };
        assert!(c("email/password_reset.html").is_empty());
        assert!(c("custom/mine.html").is_empty());
        assert_eq!(c("../../etc/passwd.html").len(), 1);
        assert_eq!(c("/etc/x.html").len(), 1);
        assert_eq!(
            c("x.txt"),
            [(
                "template".to_string(),
                "Invalid template 'x.txt' specified.".to_string()
            )]
        );
    }
}

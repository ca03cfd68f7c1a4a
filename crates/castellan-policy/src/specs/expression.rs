//! Expression policy (spec §6.3.1).
use castellan_core::model_spec::{FieldSpec, ModelSpec, f};

static FIELDS: &[FieldSpec] = &[f::required_text("expression")];

/// `ExpressionPolicy`.
pub static SPEC: ModelSpec = ModelSpec {
    model: "authentik_policies_expression.expressionpolicy",
    api: "policies/expression",
    component: "ak-policy-expression-form",
    verbose_name: "Expression Policy",
    verbose_name_plural: "Expression Policys",
    schema_name: "ExpressionPolicy",
    description: "Execute arbitrary Python code to implement custom checks and validation.",
    fields: FIELDS,
    check: None,
};

//! The permission catalogue (spec §12): `add_/change_/delete_/view_<model>` for every model of
//! authentik's `ModelEnum` (and the few API-only models), plus the custom permissions the spec
//! names. Assignments are checked against it, so a typo is an error instead of a dead grant.
use castellan_core::rbac::MODEL_ACTIONS;
use castellan_policy::specs::enums::MODELS;

/// Models with permissions that are not blueprint models.
const EXTRA_MODELS: &[&str] = &[
    "authentik_stages_authenticator_webauthn.webauthndevicetype",
    "authentik_core.authenticatedsession",
    "authentik_providers_oauth2.authorizationcode",
    "authentik_providers_oauth2.accesstoken",
    "authentik_providers_oauth2.refreshtoken",
    "authentik_policies_reputation.reputation",
];

/// Custom permissions, as `(app_label, codename)`.
const CUSTOM: &[(&str, &str)] = &[
    ("authentik_rbac", "view_system_info"),
    ("authentik_rbac", "access_admin_interface"),
    ("authentik_rbac", "view_system_settings"),
    ("authentik_rbac", "edit_system_settings"),
    ("authentik_rbac", "assign_role_permissions"),
    ("authentik_rbac", "unassign_role_permissions"),
    ("authentik_core", "assign_user_permissions"),
    ("authentik_core", "unassign_user_permissions"),
    ("authentik_core", "impersonate"),
    ("authentik_core", "reset_user_password"),
    ("authentik_core", "preview_user"),
    ("authentik_core", "view_user_applications"),
    ("authentik_core", "add_user_to_group"),
    ("authentik_core", "remove_user_from_group"),
    ("authentik_core", "view_token_key"),
    ("authentik_core", "set_token_key"),
    ("authentik_flows", "export_flow"),
    ("authentik_flows", "inspect_flow"),
    ("authentik_flows", "view_flow_cache"),
    ("authentik_flows", "clear_flow_cache"),
    ("authentik_events", "run_task"),
];

/// Every `app_label.model_name` with permissions.
pub fn models() -> impl Iterator<Item = &'static str> {
    MODELS.values.iter().chain(EXTRA_MODELS).copied()
}

/// Whether `app_label.model_name` has permissions.
pub fn is_model(model: &str) -> bool {
    MODELS.values.contains(&model) || EXTRA_MODELS.contains(&model)
}

/// Whether `codename` exists in `app_label`.
pub fn exists(app_label: &str, codename: &str) -> bool {
    if CUSTOM.contains(&(app_label, codename)) {
        return true;
    }
    let Some((action, model)) = codename.split_once('_') else {
        return false;
    };
    MODEL_ACTIONS.contains(&action) && is_model(&format!("{app_label}.{model}"))
}

/// Checks one permission of an assignment; `model` is the object's model for object grants
/// (then a bare codename is read in that model's app). The normalised `app_label.codename`, or
/// the error message.
pub fn check(permission: &str, model: Option<&str>) -> Result<String, String> {
    let (app, codename) = match (permission.split_once('.'), model) {
        (Some((app, codename)), _) => (app.to_string(), codename.to_string()),
        (None, Some(model)) => (
            model.split_once('.').map_or("", |(a, _)| a).to_string(),
            permission.to_string(),
        ),
        (None, None) => {
            return Err(
                "When assigning global permissions, codename must be given as app_label.codename"
                    .to_string(),
            );
        }
    };
    if !exists(&app, &codename) {
        return Err(format!("Permission {permission} does not exist."));
    }
    if let Some(model) = model
        && !model.starts_with(&format!("{app}."))
    {
        return Err(format!(
            "Permission {permission} does not belong to the model {model}."
        ));
    }
    Ok(format!("{app}.{codename}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue() {
        assert!(exists(
            "authentik_stages_authenticator_totp",
            "view_totpdevice"
        ));
        assert!(exists("authentik_rbac", "view_system_info"));
        assert!(!exists("authentik_core", "view_totpdevice"));
        assert!(!exists("authentik_core", "fly_user"));
        assert_eq!(
            check("authentik_core.view_user", None).as_deref(),
            Ok("authentik_core.view_user")
        );
        assert!(check("view_user", None).is_err());
        assert_eq!(
            check("view_group", Some("authentik_core.group")).as_deref(),
            Ok("authentik_core.view_group")
        );
        assert!(check("authentik_flows.view_flow", Some("authentik_core.group")).is_err());
    }
}

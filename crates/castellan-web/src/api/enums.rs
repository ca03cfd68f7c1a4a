//! Enumerations of the API contract, documented as authentik names them (`UserTypeEnum`,
//! `IntentEnum`, `EventActions`, `CapabilitiesEnum`, `PolicyEngineMode`). Values travel as strings.
#![allow(dead_code)]
use serde::Serialize;
use utoipa::ToSchema;

/// `UserTypeEnum`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserTypeEnum {
    /// Staff user.
    Internal,
    /// Customer-type user.
    External,
    /// API-created service account.
    ServiceAccount,
    /// Service account owned by Castellan.
    InternalServiceAccount,
}

/// `IntentEnum`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IntentEnum {
    /// Internal use.
    Verification,
    /// API bearer token.
    Api,
    /// One-shot login link.
    Recovery,
    /// App password.
    AppPassword,
}

/// `PolicyEngineMode`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyEngineMode {
    /// Every binding must pass.
    All,
    /// One binding suffices.
    Any,
}

/// `CapabilitiesEnum`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CapabilitiesEnum {
    /// Media uploads.
    CanSaveMedia,
    /// GeoIP lookups.
    CanGeoIp,
    /// ASN lookups.
    CanAsn,
    /// Impersonation.
    CanImpersonate,
    /// Debug mode.
    CanDebug,
    /// Enterprise features.
    IsEnterprise,
}

/// `EventActions`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventActions {
    /// login
    Login,
    /// login_failed
    LoginFailed,
    /// logout
    Logout,
    /// user_write
    UserWrite,
    /// suspicious_request
    SuspiciousRequest,
    /// password_set
    PasswordSet,
    /// secret_view
    SecretView,
    /// secret_rotate
    SecretRotate,
    /// invitation_used
    InvitationUsed,
    /// authorize_application
    AuthorizeApplication,
    /// source_linked
    SourceLinked,
    /// impersonation_started
    ImpersonationStarted,
    /// impersonation_ended
    ImpersonationEnded,
    /// flow_execution
    FlowExecution,
    /// policy_execution
    PolicyExecution,
    /// policy_exception
    PolicyException,
    /// property_mapping_exception
    PropertyMappingException,
    /// system_task_execution
    SystemTaskExecution,
    /// system_task_exception
    SystemTaskException,
    /// system_exception
    SystemException,
    /// configuration_error
    ConfigurationError,
    /// model_created
    ModelCreated,
    /// model_updated
    ModelUpdated,
    /// model_deleted
    ModelDeleted,
    /// email_sent
    EmailSent,
    /// update_available
    UpdateAvailable,
    /// custom actions
    #[serde(rename = "custom_")]
    Custom,
}

#[cfg(test)]
mod tests {
    /// The documented event actions are exactly the domain's.
    #[test]
    fn event_actions_match_domain() {
        let doc = serde_json::to_value(<super::EventActions as utoipa::PartialSchema>::schema())
            .unwrap_or_default();
        let values: Vec<String> = doc["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        assert_eq!(
            values,
            castellan_core::event::EVENT_ACTIONS
                .map(str::to_string)
                .to_vec()
        );
    }
}

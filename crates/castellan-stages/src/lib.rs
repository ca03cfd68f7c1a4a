//! Stages (spec §4): one module per stage type, named as authentik's apps, and the registry the
//! executor resolves stage kinds with.

pub mod authenticator_duo;
pub mod authenticator_sms;
pub mod authenticator_static;
pub mod authenticator_totp;
pub mod authenticator_validate;
pub mod authenticator_webauthn;
pub mod captcha;
pub mod consent;
pub mod device_user;
pub mod email;
pub mod identification;
pub mod invitation;
pub mod password;
pub mod prompt;
pub mod response;
pub mod session_binding;
pub mod simple;
pub mod specs;
pub mod user_delete;
pub mod user_login;
pub mod user_write;

use std::sync::Arc;

use castellan_flows::{SESSION_END, StageRegistry};

/// Every stage kind this build runs.
pub fn registry() -> StageRegistry {
    let mut r = StageRegistry::default();
    r.register(
        identification::KIND,
        identification::COMPONENT,
        Arc::new(identification::IdentificationStage),
    );
    r.register(
        password::KIND,
        password::COMPONENT,
        Arc::new(password::PasswordStage),
    );
    r.register(
        captcha::KIND,
        captcha::COMPONENT,
        Arc::new(captcha::CaptchaStage),
    );
    r.register(
        user_login::KIND,
        user_login::COMPONENT,
        Arc::new(user_login::UserLoginStage),
    );
    r.register(
        prompt::KIND,
        prompt::COMPONENT,
        Arc::new(prompt::PromptStage),
    );
    r.register(user_write::KIND, "", Arc::new(user_write::UserWriteStage));
    r.register(invitation::KIND, "", Arc::new(invitation::InvitationStage));
    r.register(
        consent::KIND,
        consent::COMPONENT,
        Arc::new(consent::ConsentStage),
    );
    r.register(
        user_delete::KIND,
        "",
        Arc::new(user_delete::UserDeleteStage),
    );
    r.register(email::KIND, email::COMPONENT, Arc::new(email::EmailStage));
    r.register(simple::USER_LOGOUT, "", Arc::new(simple::UserLogoutStage));
    r.register(simple::DENY, "", Arc::new(simple::DenyStage));
    r.register(
        simple::DUMMY,
        simple::DUMMY_COMPONENT,
        Arc::new(simple::DummyStage),
    );
    r.register(
        SESSION_END,
        simple::SESSION_END_COMPONENT,
        Arc::new(simple::SessionEndStage),
    );
    r.register(
        authenticator_validate::KIND,
        authenticator_validate::COMPONENT,
        Arc::new(authenticator_validate::AuthenticatorValidateStage),
    );
    r.register(
        authenticator_totp::KIND,
        authenticator_totp::COMPONENT,
        Arc::new(authenticator_totp::AuthenticatorTotpStage),
    );
    r.register(
        authenticator_static::KIND,
        authenticator_static::COMPONENT,
        Arc::new(authenticator_static::AuthenticatorStaticStage),
    );
    r.register(
        authenticator_sms::KIND,
        authenticator_sms::COMPONENT,
        Arc::new(authenticator_sms::AuthenticatorSmsStage),
    );
    r.register(
        authenticator_webauthn::KIND,
        authenticator_webauthn::COMPONENT,
        Arc::new(authenticator_webauthn::AuthenticatorWebAuthnStage),
    );
    r.register(
        authenticator_duo::KIND,
        authenticator_duo::COMPONENT,
        Arc::new(authenticator_duo::AuthenticatorDuoStage),
    );
    r
}

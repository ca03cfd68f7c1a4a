//! What the executor and stages need from the outside world (ports): flows and stages from
//! storage, policy verdicts, users and passwords, sessions, events, reputation and outbound
//! HTTP. The web layer implements it over the store; tests implement it in memory.
use std::time::Duration;

use async_trait::async_trait;
use castellan_core::application::PolicyEngineMode;
use castellan_core::flow::{Flow, FlowStageBinding};
use castellan_core::invitation::Invitation;
use castellan_core::mfa::{SmsDevice, StaticDevice, TotpDevice, WebAuthnDevice};
use castellan_core::stage::Stage;
use castellan_core::webauthn_device_type::WebAuthnDeviceType;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

/// A failure of the environment (database, network); shown to users as a flow error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EnvError(pub String);

/// The outcome of a policy evaluation inside a flow.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyVerdict {
    /// Whether the policies passed.
    pub passing: bool,
    /// Messages for the user.
    pub messages: Vec<String>,
    /// The plan context after the policies ran (expressions may write `flow_plan.context`).
    pub context: Option<Map<String, Value>>,
}

/// What the password check returned.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthOutcome {
    /// Authenticated by `backend`; the user is returned tagged, carrying `backend`.
    Success {
        /// The user (tagged JSON, with `backend` set).
        user: Value,
        /// Backend path (`authentik.core.auth.InbuiltBackend`, …).
        backend: String,
        /// `auth_method` (`password`, `token`, …).
        method: String,
        /// `auth_method_args`.
        method_args: Map<String, Value>,
    },
    /// No backend accepted the credentials.
    Failed,
    /// A backend refused the user (e.g. inactive) with this message.
    Denied(String),
}

/// How a login should shape the session (user_login settings, spec §4.11).
#[derive(Debug, Clone, PartialEq)]
pub struct LoginOptions {
    /// Session lifetime (`None`: until the browser closes).
    pub duration: Option<Duration>,
    /// Delete the user's other sessions.
    pub terminate_other_sessions: bool,
    /// The `login` event context (auth method, args, source, …).
    pub event_context: Map<String, Value>,
}

/// The browser session the flow runs in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionState {
    /// The session key (`None` until one is created).
    pub key: Option<String>,
    /// Logged-in user.
    pub user: Option<i64>,
    /// Session data (plan, query, counters).
    pub data: Map<String, Value>,
    /// Expiry chosen at login (`None`: keep the default).
    pub expires: Option<DateTime<Utc>>,
    /// Set when the key changed (login/logout): the transport must send a new cookie.
    pub rotated: bool,
}

/// Facts about the request that runs the flow.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowRequest {
    /// The wrapped query of the flow page (`next=…&flow_token=…`).
    pub query: String,
    /// Client IP (255.255.255.255 when unknown).
    pub client_ip: String,
    /// User agent.
    pub user_agent: String,
    /// Request id (shown in flow errors).
    pub request_id: String,
    /// The logged-in user (tagged JSON), if any.
    pub user: Option<Value>,
    /// Whether the logged-in user is a superuser.
    pub is_superuser: bool,
    /// Whether an outpost token authenticated the request.
    pub via_outpost: bool,
    /// The brand's title.
    pub brand_name: String,
    /// The brand's invalidation flow slug.
    pub brand_invalidation_flow: Option<String>,
    /// The brand's recovery flow slug.
    pub brand_recovery_flow: Option<String>,
    /// Absolute base URL (`https://host`) for links that must be absolute.
    pub base_url: String,
    /// The remember-MFA cookie (`authentik_mfa`) the browser sent, if any.
    pub mfa_cookie: Option<String>,
}

/// A cookie a stage sets on the response (the remember-MFA cookie).
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseCookie {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// Expiry.
    pub expires: DateTime<Utc>,
}

/// A stored flow token's content.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowTokenData {
    /// The token identifier.
    pub identifier: String,
    /// The flow the plan belongs to.
    pub flow: Uuid,
    /// The stored plan (JSON).
    pub plan: Value,
    /// The user the token was issued for.
    pub user: Option<i64>,
}

/// A flow token to store (email stage, spec §4.7): the link's key and the plan it resumes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFlowToken {
    /// The secret key carried by the link (`flow_token=`).
    pub key: String,
    /// Identifier (`ak-email-stage-<name>-<uuid>`).
    pub identifier: String,
    /// The flow the plan belongs to.
    pub flow: Uuid,
    /// The plan to resume (JSON).
    pub plan: Value,
    /// The user the token is issued for.
    pub user: Option<i64>,
    /// Expiry.
    pub expires: DateTime<Utc>,
}

/// SMTP connection settings of an email stage (used unless it asks for the global ones).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SmtpOverride {
    /// Server host.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Login (empty: no authentication).
    pub username: String,
    /// Password.
    pub password: String,
    /// STARTTLS.
    pub use_tls: bool,
    /// Implicit TLS.
    pub use_ssl: bool,
    /// Connection timeout in seconds.
    pub timeout: u64,
    /// Sender address.
    pub from: String,
}

/// A templated email to send now (email stage, `ak_send_email`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmailRequest {
    /// The stage's connection settings; `None`: the global `email.*` settings.
    pub smtp: Option<SmtpOverride>,
    /// Recipient display name.
    pub to_name: String,
    /// Recipient address.
    pub to_address: String,
    /// Subject.
    pub subject: String,
    /// Template name (`email/password_reset.html`, … or a custom file).
    pub template: String,
    /// Template variables (`url`, `user`, `expires`, `token`).
    pub context: Map<String, Value>,
}

/// An SMS to send through the gateway of an SMS setup stage (spec §5.8).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SmsMessage {
    /// `twilio` or `generic`.
    pub provider: String,
    /// Twilio account SID, or the webhook URL of the generic provider.
    pub account_sid: String,
    /// Twilio auth token, or the generic bearer token / basic user name.
    pub auth: String,
    /// Generic basic password.
    pub auth_password: String,
    /// Generic `basic` or `bearer`.
    pub auth_type: String,
    /// Sender number.
    pub from: String,
    /// Recipient number.
    pub to: String,
    /// The code alone (the generic payload's `Body`).
    pub code: String,
    /// The message text.
    pub text: String,
    /// The user the code is for (tagged JSON), named by a `configuration_error` event.
    pub user: Option<Value>,
    /// The stage's NotificationWebhookMapping building the generic payload instead.
    pub mapping: Option<Uuid>,
    /// The SMS setup stage's name (the mapping's `stage.name`).
    pub stage_name: String,
    /// The device's name (the mapping's `device.name`).
    pub device_name: String,
}

/// A user write requested by the user write stage (spec §4.10): the user's fields after the
/// prompt data was applied. The environment saves it in one transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserWrite {
    /// The saved user to update (`None`: create a new user).
    pub pk: Option<i64>,
    /// Username (never empty).
    pub username: String,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Active flag.
    pub is_active: bool,
    /// User path.
    pub path: String,
    /// User type (`internal`, `external`, `service_account`, …).
    pub user_type: String,
    /// Attributes (the whole object).
    pub attributes: Map<String, Value>,
    /// A new password in clear text (hashed by the environment).
    pub password: Option<String>,
    /// Groups the user is added to (unknown groups are ignored).
    pub groups: Vec<Uuid>,
    /// The `user_write` event's context (the prompt data; the environment adds `created`).
    pub event_data: Map<String, Value>,
}

/// Data and side effects the flow engine needs.
#[async_trait]
pub trait FlowEnv: Send {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
    /// The concrete environment, for stages the transport registers itself (a provider's
    /// in-memory final stage needs the transport's storage); `None` in environments without one.
    fn as_any(&mut self) -> Option<&mut (dyn std::any::Any + Send)> {
        None
    }
    /// A flow by slug.
    async fn flow_by_slug(&mut self, slug: &str) -> Result<Option<Flow>, EnvError>;
    /// A flow by pk.
    async fn flow_by_pk(&mut self, pk: Uuid) -> Result<Option<Flow>, EnvError>;
    /// A flow's bindings with their stages, ordered by `order`.
    async fn flow_bindings(
        &mut self,
        flow: Uuid,
    ) -> Result<Vec<(FlowStageBinding, Stage)>, EnvError>;
    /// A stage by pk (stages referenced by other stages' settings).
    async fn stage(&mut self, pk: Uuid) -> Result<Option<Stage>, EnvError>;
    /// Evaluates the policies bound to `target` for `user` (tagged JSON; `None` = anonymous)
    /// with the plan `context` (the implementation adds `flow_plan`).
    async fn policies(
        &mut self,
        target: Uuid,
        mode: PolicyEngineMode,
        user: Option<&Value>,
        context: &Map<String, Value>,
        request: &FlowRequest,
    ) -> Result<PolicyVerdict, EnvError>;
    /// Takes (deletes and returns) a non-expired flow token.
    async fn take_flow_token(&mut self, key: &str) -> Result<Option<FlowTokenData>, EnvError>;
    /// A user as tagged JSON.
    async fn user(&mut self, pk: i64) -> Result<Option<Value>, EnvError>;
    /// The first user matching `value` on any of `fields` (`email`, `username`, `upn`).
    async fn find_user(
        &mut self,
        fields: &[String],
        value: &str,
        case_insensitive: bool,
    ) -> Result<Option<Value>, EnvError>;
    /// Tries `backends` in order with the user's username and `password`.
    async fn authenticate(
        &mut self,
        backends: &[String],
        user: &Value,
        password: &str,
    ) -> Result<AuthOutcome, EnvError>;
    /// Posts a CAPTCHA token to a siteverify endpoint; returns its JSON or an error text.
    async fn captcha_verify(
        &mut self,
        api_url: &str,
        secret: &str,
        token: &str,
        remote_ip: &str,
    ) -> Result<Value, String>;
    /// Records an event (`login_failed`, `identification_failed`, …).
    async fn event(
        &mut self,
        action: &str,
        context: Map<String, Value>,
        user: Option<&Value>,
        request: &FlowRequest,
    ) -> Result<(), EnvError>;
    /// Adjusts the reputation of `identifier` and the client IP.
    async fn reputation(
        &mut self,
        identifier: &str,
        delta: i64,
        request: &FlowRequest,
    ) -> Result<(), EnvError>;
    /// Logs `user` in: new session key, authenticated session, `login` event, last login.
    async fn login(
        &mut self,
        session: &mut SessionState,
        user: i64,
        options: LoginOptions,
        request: &FlowRequest,
    ) -> Result<(), EnvError>;
    /// Logs the session out (new anonymous key; the plan is carried over by the caller).
    async fn logout(
        &mut self,
        session: &mut SessionState,
        request: &FlowRequest,
    ) -> Result<(), EnvError>;
    /// A signing key for what one stage hands the browser (the remember-MFA cookie), derived
    /// from the server's secret and the stage's pk.
    fn stage_key(&self, stage: Uuid) -> Vec<u8>;
    /// Adds a cookie to the response.
    fn set_cookie(&mut self, cookie: ResponseCookie);
    /// Whether the user has confirmed MFA devices (optionally of these classes).
    async fn has_devices(&mut self, user: i64, classes: &[String]) -> Result<bool, EnvError>;
    /// The user's confirmed TOTP devices, ordered by pk (spec §5.1).
    async fn totp_devices(&mut self, user: i64) -> Result<Vec<TotpDevice>, EnvError>;
    /// The user's confirmed static-token devices with their tokens, ordered by pk.
    async fn static_devices(&mut self, user: i64) -> Result<Vec<StaticDevice>, EnvError>;
    /// Saves a new TOTP device (setup stage, §5.4); returns its pk.
    async fn save_totp_device(&mut self, device: &TotpDevice) -> Result<i64, EnvError>;
    /// Saves a new static device with these tokens in one transaction (§5.5); returns its pk.
    async fn save_static_device(
        &mut self,
        device: &StaticDevice,
        tokens: &[String],
    ) -> Result<i64, EnvError>;
    /// Records an accepted TOTP code (step `t`, new `drift`, `last_used`, throttling reset);
    /// `false` when a concurrent request already accepted this or a later step.
    async fn accept_totp(&mut self, device: i64, t: i64, drift: i64) -> Result<bool, EnvError>;
    /// Uses up a static token (deleted by pk) and records the device's success; `false` when a
    /// concurrent request used it first.
    async fn take_static_token(&mut self, device: i64, token: i64) -> Result<bool, EnvError>;
    /// The user's confirmed WebAuthn devices, ordered by name (spec §5.3).
    async fn webauthn_devices(&mut self, user: i64) -> Result<Vec<WebAuthnDevice>, EnvError>;
    /// The WebAuthn device holding a credential id (base64url), whoever owns it.
    async fn webauthn_device(
        &mut self,
        credential_id: &str,
    ) -> Result<Option<WebAuthnDevice>, EnvError>;
    /// Saves a new WebAuthn device (setup stage, §5.6); `None` when the credential id is
    /// already registered.
    async fn save_webauthn_device(
        &mut self,
        device: &WebAuthnDevice,
    ) -> Result<Option<i64>, EnvError>;
    /// Records a verified assertion (new signature counter, `last_used`) if the stored counter
    /// is still `seen`; `false` when a concurrent request won.
    async fn accept_webauthn(
        &mut self,
        device: i64,
        seen: i64,
        sign_count: i64,
    ) -> Result<bool, EnvError>;
    /// The known authenticator model of an AAGUID.
    async fn webauthn_device_type(
        &mut self,
        aaguid: &str,
    ) -> Result<Option<WebAuthnDeviceType>, EnvError>;
    /// The user's confirmed SMS devices (verify-only ones included), ordered by pk (§5.8).
    async fn sms_devices(&mut self, user: i64) -> Result<Vec<SmsDevice>, EnvError>;
    /// Whether the SMS setup stage `stage` has a device storing one of `numbers`.
    async fn sms_number_taken(&mut self, stage: Uuid, numbers: &[&str]) -> Result<bool, EnvError>;
    /// Saves a new SMS device; `None` when the stage already has one with this number.
    async fn save_sms_device(&mut self, device: &SmsDevice) -> Result<Option<i64>, EnvError>;
    /// Stores a sent code on an SMS device with its expiry.
    async fn set_sms_token(
        &mut self,
        device: i64,
        token: &str,
        valid_until: DateTime<Utc>,
    ) -> Result<(), EnvError>;
    /// Uses up an SMS device's pending code (cleared, `last_used`, throttling reset); `false`
    /// when a concurrent request used it first.
    async fn take_sms_token(&mut self, device: i64, token: &str) -> Result<bool, EnvError>;
    /// Sends an SMS. A gateway failure is recorded as a `configuration_error` event and comes
    /// back as a text for the user (the gateway's response body).
    async fn send_sms(&mut self, sms: SmsMessage) -> Result<(), String>;
    /// The user's confirmed Duo devices, ordered by pk (§5.3).
    async fn duo_devices(
        &mut self,
        _user: i64,
    ) -> Result<Vec<castellan_core::mfa::DuoDevice>, EnvError> {
        Ok(vec![])
    }
    /// Saves a new Duo device (§5.7); `None` when a device with this Duo user id exists.
    async fn save_duo_device(
        &mut self,
        _device: &castellan_core::mfa::DuoDevice,
    ) -> Result<Option<i64>, EnvError> {
        Err(EnvError("Duo devices are not supported here".into()))
    }
    /// Records a Duo authentication the Duo API allowed (`last_used`, `last_t`).
    async fn accept_duo(&mut self, _device: i64) -> Result<(), EnvError> {
        Ok(())
    }
    /// Sends a signed `POST` to the Duo Auth API (`path` like `/auth/v2/enroll`) with these
    /// form parameters; returns the `response` of a `stat: OK` answer, or an error text (a
    /// `stat: FAIL` answer's code and message, an HTTP or network failure).
    async fn duo_request(
        &mut self,
        _api: &castellan_core::mfa::DuoApi,
        _path: &str,
        _params: &[(String, String)],
    ) -> Result<Value, String> {
        Err("Duo is not available here".into())
    }
    /// Claims one verification attempt of a device of `class` (`totp`, `static`): counted as a
    /// failure in advance if its failure count is still `seen` (a success resets it); `false`
    /// when a concurrent attempt claimed it first (the device is then skipped).
    async fn device_attempt(
        &mut self,
        class: &str,
        device: i64,
        seen: i64,
    ) -> Result<bool, EnvError>;
    /// Waits (anti-enumeration delays, dummy stages).
    async fn sleep(&mut self, duration: Duration);
    /// Prompt fields (`authentik_stages_prompt.prompt`) by pk: each prompt's settings with
    /// `pk` and `name` added; unknown pks are left out, the order is unspecified.
    async fn prompts(&mut self, pks: &[Uuid]) -> Result<Vec<Map<String, Value>>, EnvError>;
    /// Whether a user other than `except` (a user pk) has exactly this username.
    async fn username_taken(
        &mut self,
        username: &str,
        except: Option<i64>,
    ) -> Result<bool, EnvError>;
    /// Evaluates these policies (by pk, in this order; unknown pks are skipped) in mode ALL
    /// for `user` (tagged JSON; `None` = anonymous) with exactly `context` as the policy
    /// request's context (no `flow_plan` is added). No policies: passing.
    async fn evaluate_policies_by_pk(
        &mut self,
        pks: &[Uuid],
        user: Option<&Value>,
        context: &Map<String, Value>,
        request: &FlowRequest,
    ) -> Result<PolicyVerdict, EnvError>;
    /// Evaluates a prompt expression (placeholder, initial value, choices) as authentik's
    /// property-mapping evaluator does: the variables are `user` (tagged; anonymous when
    /// `None`), `request` (its `context` holds `prompt_context`), `context` (the same) and
    /// `prompt_context`. Errors come back as text (and are recorded as events).
    async fn prompt_expression(
        &mut self,
        source: &str,
        user: Option<&Value>,
        prompt_context: &Map<String, Value>,
        request: &FlowRequest,
    ) -> Result<Value, String>;
    /// Creates or updates a user, adds it to the groups and records `user_write` (and
    /// `password_set` when an existing user's password changed); returns the saved user as
    /// tagged JSON. Any failure (taken username, invalid value, database) is an error text.
    async fn write_user(&mut self, write: UserWrite) -> Result<Value, String>;
    /// An invitation by its token (`invite_uuid`), expired or not (invitation stage, §4.8).
    async fn invitation(&mut self, pk: Uuid) -> Result<Option<Invitation>, EnvError>;
    /// Deletes an invitation; `true` only for the one call that deleted it (concurrent flows
    /// using a single-use invitation race here, and exactly one wins).
    async fn take_invitation(&mut self, pk: Uuid) -> Result<bool, EnvError>;
    /// The permissions (space-separated ids) of `user`'s non-expired consent to
    /// `application`; `None` when there is none (consent stage, spec §4.4).
    async fn consent(&mut self, user: i64, application: Uuid) -> Result<Option<String>, EnvError>;
    /// Records `user`'s consent to `application` with these permissions, replacing an older
    /// record; `expires: None` never expires.
    async fn save_consent(
        &mut self,
        user: i64,
        application: Uuid,
        permissions: &str,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(), EnvError>;
    /// Deletes a user with everything that belongs to it (user delete stage, spec §4.13).
    async fn delete_user(&mut self, user: i64) -> Result<(), EnvError>;
    /// Stores a flow token (email stage links, spec §4.7).
    async fn save_flow_token(&mut self, token: NewFlowToken) -> Result<(), EnvError>;
    /// Deletes a flow token by key (a link whose email could not be sent).
    async fn delete_flow_token(&mut self, key: &str) -> Result<(), EnvError>;
    /// Renders and sends an email; the error is a text for the user ("Failed to send email.")
    /// after the detail was logged and recorded.
    async fn send_email(&mut self, email: EmailRequest) -> Result<(), String>;
    /// Marks a user active (email stage `activate_user_on_success`).
    async fn activate_user(&mut self, user: i64) -> Result<(), EnvError>;
}

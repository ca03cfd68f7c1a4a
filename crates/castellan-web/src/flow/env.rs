//! `FlowEnv` over the store: what the executor and stages read and write, on one pooled
//! connection per request; the login's writes are one transaction.
use std::time::Duration;

use async_trait::async_trait;
use castellan_core::application::PolicyEngineMode;
use castellan_core::flow::{Flow, FlowStageBinding};
use castellan_core::invitation::Invitation;
use castellan_core::mfa::{SmsDevice, StaticDevice, TotpDevice, WebAuthnDevice};
use castellan_core::session::{AuthenticatedSession, Session};
use castellan_core::stage::Stage;
use castellan_core::webauthn_device_type::WebAuthnDeviceType;
use castellan_flows::env::{EmailRequest, FlowTokenData, NewFlowToken, SmsMessage, UserWrite};
use castellan_flows::{
    AuthOutcome, EnvError, FlowEnv, FlowRequest, LoginOptions, PolicyVerdict, ResponseCookie,
    SessionState,
};
use castellan_store::{
    Conn, StoreError, flowtokens, identify, reputation, sessions, stages, users,
};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::audit;
use crate::context::RequestContext;
use crate::flow::{
    env_consent, env_devices, env_email, env_invitations, env_sms, env_users, env_webauthn,
    policies, session as flow_session, user_json,
};
use crate::state::AppState;

const INBUILT: &str = "authentik.core.auth.InbuiltBackend";
const TOKEN: &str = "authentik.core.auth.TokenBackend";

fn err(e: StoreError) -> EnvError {
    EnvError(e.to_string())
}

/// The store-backed environment of one executor request.
pub struct StoreFlowEnv {
    /// Application state.
    pub state: AppState,
    /// The request's connection.
    pub conn: Conn,
    /// Request facts for events.
    pub ctx: RequestContext,
    /// The configuration version this request read (once, on first use of the cache).
    pub config_at: Option<i64>,
    /// Cookies stages set on the response.
    pub cookies: Vec<ResponseCookie>,
}

impl StoreFlowEnv {
    /// The environment of one request.
    pub fn new(state: AppState, conn: Conn, ctx: RequestContext) -> Self {
        Self {
            state,
            conn,
            ctx,
            config_at: None,
            cookies: Vec::new(),
        }
    }

    /// The web environment behind a stage's `env` (the in-memory provider stages need its
    /// state and connection); `stage` names the stage in the error of any other environment.
    ///
    /// # Errors
    /// `env` is not a `StoreFlowEnv`.
    pub fn of<'e>(
        env: &'e mut dyn castellan_flows::FlowEnv,
        stage: &str,
    ) -> Result<&'e mut Self, castellan_flows::EnvError> {
        env.as_any()
            .and_then(|a| a.downcast_mut::<Self>())
            .ok_or_else(|| {
                castellan_flows::EnvError(format!("the {stage} needs the web environment"))
            })
    }

    /// The configuration version for the cache, read from the database on first use.
    ///
    /// # Errors
    /// Database failures.
    pub async fn config_at(&mut self) -> Result<i64, StoreError> {
        if let Some(at) = self.config_at {
            return Ok(at);
        }
        let at = self.state.flows.config.sync(&mut self.conn).await?;
        self.config_at = Some(at);
        Ok(at)
    }
    /// GeoIP and ASN data of the client IP for reputation rows, stored when written (authentik
    /// keeps them in the row, so the scores list shows where an IP was when it scored); `{}`
    /// when unknown.
    fn ip_data(&self) -> (Value, Value) {
        let ip = &self.ctx.client_ip;
        let or_empty = |v: Option<Value>| v.unwrap_or_else(|| json!({}));
        (
            or_empty(self.state.geoip.city_dict(ip)),
            or_empty(self.state.geoip.asn_dict(ip)),
        )
    }

    async fn write_login(
        &mut self,
        session: &mut SessionState,
        user: i64,
        options: &LoginOptions,
    ) -> Result<(), StoreError> {
        let now = self.state.store.now();
        let mut tx = self.state.store.begin().await?;
        if let Some(old) = session.key.take() {
            sessions::delete(&mut tx, &old).await?;
        }
        let key = flow_session::new_key();
        let expires = match options.duration {
            Some(d) => now + chrono::Duration::seconds(d.as_secs() as i64),
            None => now + flow_session::DEFAULT_AGE,
        };
        if options.terminate_other_sessions {
            sessions::delete_for_user(&mut tx, user).await?;
        }
        let authenticated = Uuid::new_v4();
        session.data.insert(
            flow_session::SESSION_LOGIN_EVENT.into(),
            flow_session::login_event(&options.event_context, now, authenticated),
        );
        sessions::save(
            &mut tx,
            &Session {
                session_key: key.clone(),
                user: Some(user),
                data: Value::Object(session.data.clone()),
                expires,
            },
            now,
        )
        .await?;
        sessions::create_authenticated(
            &mut tx,
            &AuthenticatedSession {
                uuid: authenticated,
                session_key: key.clone(),
                user,
                last_ip: self.ctx.client_ip.clone(),
                last_user_agent: self.ctx.user_agent.clone(),
                last_used: now,
                expires: Some(expires),
                expiring: true,
            },
        )
        .await?;
        users::touch_last_login(&mut tx, user, now).await?;
        let account = users::get(&mut tx, user).await?;
        audit::record(
            &mut tx,
            now,
            &self.ctx,
            account.as_ref(),
            "login",
            "authentik.events.signals",
            Value::Object(options.event_context.clone()),
        )
        .await?;
        if let Some(u) = &account {
            let (geo, asn) = self.ip_data();
            let ip_data = reputation::IpData {
                geo: &geo,
                asn: &asn,
            };
            reputation::update_score(&mut tx, &u.username, &self.ctx.client_ip, ip_data, 1, now)
                .await?;
        }
        tx.commit().await?;
        session.key = Some(key);
        session.user = Some(user);
        session.expires = Some(expires);
        session.rotated = true;
        Ok(())
    }
}

#[async_trait]
impl FlowEnv for StoreFlowEnv {
    fn as_any(&mut self) -> Option<&mut (dyn std::any::Any + Send)> {
        Some(self)
    }

    fn now(&self) -> DateTime<Utc> {
        self.state.store.now()
    }

    async fn flow_by_slug(&mut self, slug: &str) -> Result<Option<Flow>, EnvError> {
        let at = self.config_at().await.map_err(err)?;
        let cache = &self.state.flows.config;
        let flow = cache.flow_by_slug(&mut self.conn, at, slug).await;
        flow.map(|f| f.map(|f| (*f).clone())).map_err(err)
    }

    async fn flow_by_pk(&mut self, pk: Uuid) -> Result<Option<Flow>, EnvError> {
        let at = self.config_at().await.map_err(err)?;
        let cache = &self.state.flows.config;
        let flow = cache.flow_by_pk(&mut self.conn, at, pk).await;
        flow.map(|f| f.map(|f| (*f).clone())).map_err(err)
    }

    async fn flow_bindings(
        &mut self,
        flow: Uuid,
    ) -> Result<Vec<(FlowStageBinding, Stage)>, EnvError> {
        let at = self.config_at().await.map_err(err)?;
        let cache = &self.state.flows.config;
        let bindings = cache.flow_bindings(&mut self.conn, at, flow).await;
        bindings.map(|b| (*b).clone()).map_err(err)
    }

    async fn stage(&mut self, pk: Uuid) -> Result<Option<Stage>, EnvError> {
        stages::get(&mut self.conn, pk).await.map_err(err)
    }

    async fn policies(
        &mut self,
        target: Uuid,
        mode: PolicyEngineMode,
        user: Option<&Value>,
        context: &Map<String, Value>,
        request: &FlowRequest,
    ) -> Result<PolicyVerdict, EnvError> {
        policies::evaluate(self, target, mode, user, context, request).await
    }

    async fn take_flow_token(&mut self, key: &str) -> Result<Option<FlowTokenData>, EnvError> {
        let now = self.state.store.now();
        let token = flowtokens::take(&mut self.conn, key, now)
            .await
            .map_err(err)?;
        Ok(token.map(|t| FlowTokenData {
            identifier: t.identifier,
            flow: t.flow,
            plan: t.plan,
            user: t.user,
        }))
    }

    async fn user(&mut self, pk: i64) -> Result<Option<Value>, EnvError> {
        user_json::load(&self.state, &mut self.conn, pk)
            .await
            .map_err(err)
    }

    async fn find_user(
        &mut self,
        fields: &[String],
        value: &str,
        ci: bool,
    ) -> Result<Option<Value>, EnvError> {
        let Some(user) = identify::find_user(&mut self.conn, fields, value, ci)
            .await
            .map_err(err)?
        else {
            return Ok(None);
        };
        let tagged = user_json::of(&self.state, &mut self.conn, &user).await;
        tagged.map(Some).map_err(err)
    }

    async fn authenticate(
        &mut self,
        backends: &[String],
        user: &Value,
        password: &str,
    ) -> Result<AuthOutcome, EnvError> {
        let Some(pk) = user_json::pk(user) else {
            let pw = password.to_string();
            let _ = tokio::task::spawn_blocking(move || {
                castellan_crypto::password::verify_password(&pw, env_users::decoy_hash())
            })
            .await;
            return Ok(AuthOutcome::Failed);
        };
        for backend in backends {
            let found = match backend.as_str() {
                INBUILT => self
                    .inbuilt(pk, password)
                    .await?
                    .map(|u| (u, "password", Map::new())),
                TOKEN => self.app_password(pk, password).await?.map(|(u, t)| {
                    let mut args = Map::new();
                    args.insert("token".into(), t);
                    (u, "token", args)
                }),
                _ => None,
            };
            if let Some((mut tagged, method, method_args)) = found {
                if let Value::Object(m) = &mut tagged {
                    m.insert("backend".into(), Value::String(backend.clone()));
                }
                return Ok(AuthOutcome::Success {
                    user: tagged,
                    backend: backend.clone(),
                    method: method.into(),
                    method_args,
                });
            }
        }
        Ok(AuthOutcome::Failed)
    }

    async fn captcha_verify(
        &mut self,
        api_url: &str,
        secret: &str,
        token: &str,
        ip: &str,
    ) -> Result<Value, String> {
        let form = [("secret", secret), ("response", token), ("remoteip", ip)];
        let (status, body) = self.state.flows.outbound.post_form(api_url, &form).await?;
        if !(200..300).contains(&status) {
            return Err(format!("siteverify answered HTTP {status}"));
        }
        serde_json::from_str(&body).map_err(|_| "siteverify answered malformed JSON".to_string())
    }

    async fn event(
        &mut self,
        action: &str,
        context: Map<String, Value>,
        user: Option<&Value>,
        _request: &FlowRequest,
    ) -> Result<(), EnvError> {
        let account = match user.and_then(user_json::pk) {
            Some(pk) => users::get(&mut self.conn, pk).await.map_err(err)?,
            None => None,
        };
        let now = self.state.store.now();
        audit::record(
            &mut self.conn,
            now,
            &self.ctx,
            account.as_ref(),
            action,
            "authentik.events.signals",
            Value::Object(context),
        )
        .await
        .map_err(err)
    }

    async fn reputation(
        &mut self,
        identifier: &str,
        delta: i64,
        _request: &FlowRequest,
    ) -> Result<(), EnvError> {
        let now = self.state.store.now();
        let (geo, asn) = self.ip_data();
        let ip_data = reputation::IpData {
            geo: &geo,
            asn: &asn,
        };
        let ip = &self.ctx.client_ip;
        reputation::update_score(&mut self.conn, identifier, ip, ip_data, delta, now)
            .await
            .map_err(err)
    }

    async fn login(
        &mut self,
        session: &mut SessionState,
        user: i64,
        options: LoginOptions,
        _request: &FlowRequest,
    ) -> Result<(), EnvError> {
        self.write_login(session, user, &options).await.map_err(err)
    }

    async fn logout(
        &mut self,
        session: &mut SessionState,
        _request: &FlowRequest,
    ) -> Result<(), EnvError> {
        let now = self.state.store.now();
        let account = match session.user {
            Some(pk) => users::get(&mut self.conn, pk).await.map_err(err)?,
            None => None,
        };
        if let Some(old) = session.key.take() {
            sessions::delete(&mut self.conn, &old).await.map_err(err)?;
        }
        if account.is_some() {
            audit::record(
                &mut self.conn,
                now,
                &self.ctx,
                account.as_ref(),
                "logout",
                "authentik.events.signals",
                json!({}),
            )
            .await
            .map_err(err)?;
        }
        session.user = None;
        session.expires = None;
        session.rotated = true;
        Ok(())
    }

    fn stage_key(&self, stage: Uuid) -> Vec<u8> {
        crate::flow::remember_mfa::stage_key(&self.state.secret_key, stage)
    }

    fn set_cookie(&mut self, cookie: ResponseCookie) {
        self.cookies.push(cookie);
    }

    async fn has_devices(&mut self, user: i64, classes: &[String]) -> Result<bool, EnvError> {
        env_devices::has_devices(self, user, classes).await
    }

    async fn totp_devices(&mut self, user: i64) -> Result<Vec<TotpDevice>, EnvError> {
        env_devices::totp_devices(self, user).await
    }

    async fn static_devices(&mut self, user: i64) -> Result<Vec<StaticDevice>, EnvError> {
        env_devices::static_devices(self, user).await
    }

    async fn save_totp_device(&mut self, device: &TotpDevice) -> Result<i64, EnvError> {
        env_devices::save_totp(self, device).await
    }

    async fn save_static_device(
        &mut self,
        device: &StaticDevice,
        tokens: &[String],
    ) -> Result<i64, EnvError> {
        env_devices::save_static(self, device, tokens).await
    }

    async fn accept_totp(&mut self, device: i64, t: i64, drift: i64) -> Result<bool, EnvError> {
        env_devices::accept_totp(self, device, t, drift).await
    }

    async fn take_static_token(&mut self, device: i64, token: i64) -> Result<bool, EnvError> {
        env_devices::take_static_token(self, device, token).await
    }

    async fn webauthn_devices(&mut self, user: i64) -> Result<Vec<WebAuthnDevice>, EnvError> {
        env_webauthn::devices(self, user).await
    }

    async fn webauthn_device(
        &mut self,
        credential_id: &str,
    ) -> Result<Option<WebAuthnDevice>, EnvError> {
        env_webauthn::device(self, credential_id).await
    }

    async fn save_webauthn_device(
        &mut self,
        device: &WebAuthnDevice,
    ) -> Result<Option<i64>, EnvError> {
        env_webauthn::save(self, device).await
    }

    async fn accept_webauthn(
        &mut self,
        device: i64,
        seen: i64,
        sign_count: i64,
    ) -> Result<bool, EnvError> {
        env_webauthn::accept(self, device, seen, sign_count).await
    }

    async fn webauthn_device_type(
        &mut self,
        aaguid: &str,
    ) -> Result<Option<WebAuthnDeviceType>, EnvError> {
        env_webauthn::device_type(self, aaguid).await
    }

    async fn sms_devices(&mut self, user: i64) -> Result<Vec<SmsDevice>, EnvError> {
        env_sms::devices(self, user).await
    }

    async fn sms_number_taken(&mut self, stage: Uuid, numbers: &[&str]) -> Result<bool, EnvError> {
        env_sms::number_taken(self, stage, numbers).await
    }

    async fn save_sms_device(&mut self, device: &SmsDevice) -> Result<Option<i64>, EnvError> {
        env_sms::save(self, device).await
    }

    async fn set_sms_token(
        &mut self,
        device: i64,
        token: &str,
        valid_until: DateTime<Utc>,
    ) -> Result<(), EnvError> {
        env_sms::set_token(self, device, token, valid_until).await
    }

    async fn take_sms_token(&mut self, device: i64, token: &str) -> Result<bool, EnvError> {
        env_sms::take_token(self, device, token).await
    }

    async fn send_sms(&mut self, sms: SmsMessage) -> Result<(), String> {
        env_sms::send(self, sms).await
    }

    async fn device_attempt(
        &mut self,
        class: &str,
        device: i64,
        seen: i64,
    ) -> Result<bool, EnvError> {
        env_devices::attempt(self, class, device, seen).await
    }

    async fn duo_devices(
        &mut self,
        user: i64,
    ) -> Result<Vec<castellan_core::mfa::DuoDevice>, EnvError> {
        crate::flow::env_duo::devices(self, user).await
    }

    async fn save_duo_device(
        &mut self,
        device: &castellan_core::mfa::DuoDevice,
    ) -> Result<Option<i64>, EnvError> {
        crate::flow::env_duo::save(self, device).await
    }

    async fn accept_duo(&mut self, device: i64) -> Result<(), EnvError> {
        crate::flow::env_duo::accept(self, device).await
    }

    async fn duo_request(
        &mut self,
        api: &castellan_core::mfa::DuoApi,
        path: &str,
        params: &[(String, String)],
    ) -> Result<Value, String> {
        crate::flow::env_duo::request(self, api, path, params).await
    }

    async fn sleep(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }

    async fn prompts(&mut self, pks: &[Uuid]) -> Result<Vec<Map<String, Value>>, EnvError> {
        env_users::prompts(self, pks).await
    }

    async fn username_taken(&mut self, name: &str, except: Option<i64>) -> Result<bool, EnvError> {
        env_users::username_taken(self, name, except).await
    }

    async fn evaluate_policies_by_pk(
        &mut self,
        pks: &[Uuid],
        user: Option<&Value>,
        context: &Map<String, Value>,
        request: &FlowRequest,
    ) -> Result<PolicyVerdict, EnvError> {
        env_users::evaluate_policies_by_pk(self, pks, user, context, request).await
    }

    async fn prompt_expression(
        &mut self,
        source: &str,
        user: Option<&Value>,
        prompt_context: &Map<String, Value>,
        request: &FlowRequest,
    ) -> Result<Value, String> {
        env_users::prompt_expression(self, source, user, prompt_context, request).await
    }

    async fn write_user(&mut self, write: UserWrite) -> Result<Value, String> {
        env_users::write_user(self, write).await
    }

    async fn invitation(&mut self, pk: Uuid) -> Result<Option<Invitation>, EnvError> {
        env_invitations::get(self, pk).await
    }

    async fn take_invitation(&mut self, pk: Uuid) -> Result<bool, EnvError> {
        env_invitations::take(self, pk).await
    }

    async fn consent(&mut self, user: i64, application: Uuid) -> Result<Option<String>, EnvError> {
        env_consent::find(self, user, application).await
    }

    async fn save_consent(
        &mut self,
        user: i64,
        application: Uuid,
        permissions: &str,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(), EnvError> {
        env_consent::save(self, user, application, permissions, expires).await
    }

    async fn delete_user(&mut self, user: i64) -> Result<(), EnvError> {
        env_consent::delete_user(self, user).await
    }

    async fn save_flow_token(&mut self, token: NewFlowToken) -> Result<(), EnvError> {
        env_email::save_token(self, token).await
    }

    async fn delete_flow_token(&mut self, key: &str) -> Result<(), EnvError> {
        env_email::delete_token(self, key).await
    }

    async fn send_email(&mut self, email: EmailRequest) -> Result<(), String> {
        env_email::send(self, email).await
    }

    async fn activate_user(&mut self, user: i64) -> Result<(), EnvError> {
        env_email::activate_user(self, user).await
    }
}

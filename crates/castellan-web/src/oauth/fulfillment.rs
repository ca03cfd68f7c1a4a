//! The OAuth2 fulfillment stage (RFC 6749 §4.1.2, §4.2.2; OIDC Core §3.1.2.5, §3.2.2.5,
//! §3.3.2.5; OAuth 2.0 Form Post Response Mode; spec §7.1.3 "Fulfillment"): the in-memory last
//! stage of a provider's authorization flow. It records `authorize_application`, creates the
//! authorization code and/or the implicit tokens, and answers with the redirect to the client
//! (query or fragment) or an auto-submitting form (`form_post`).
use async_trait::async_trait;
use castellan_core::oauth2::{AuthorizationCode, TokenGrant};
use castellan_core::timedelta::parse_timedelta;
use castellan_flows::{Challenge, EnvError, StageContext, StageView, Step};
use castellan_oauth::authorize_request::{AuthorizeRequest, ErrorRedirect};
use castellan_oauth::authorize_response::{form_post_fields, redirect_url};
use castellan_oauth::error::ErrorCode;
use castellan_oauth::response_type::{ResponseMode, ResponseType};
use castellan_oauth::tokens::new_code;
use castellan_store::{oauth2_providers, oauth2_tokens, users};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::issue::{IssueRequest, issue};
use super::login;
use crate::audit;
use crate::error::ApiError;
use crate::flow::env::StoreFlowEnv;

/// In-memory stage kind.
pub const KIND: &str = "authentik_providers_oauth2.views.authorize.oauthfulfillmentstage";

/// What the authorization endpoint hands the stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FulfillmentSettings {
    /// Provider pk.
    pub provider: i64,
    /// Application pk.
    pub application: Uuid,
    /// Application name (autosubmit title).
    pub application_name: String,
    /// `iss` of tokens issued here.
    pub issuer: String,
    /// The validated authorization request.
    pub request: Value,
}

impl FulfillmentSettings {
    /// As stage settings.
    pub fn to_config(&self) -> Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        }
    }
}

/// An authorization request as JSON (kept in the plan).
pub fn params_json(req: &AuthorizeRequest) -> Value {
    json!({
        "client_id": req.client_id,
        "redirect_uri": req.redirect_uri,
        "response_type": req.response_type.as_str(),
        "response_mode": req.response_mode.as_str(),
        "scopes": req.scopes,
        "state": req.state,
        "nonce": req.nonce,
        "prompt": req.prompt,
        "max_age": req.max_age,
        "code_challenge": req.code_challenge,
        "code_challenge_method": req.code_challenge_method,
        "github": req.github,
    })
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn opt(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The authorization request back from JSON.
pub fn params_from(v: &Value) -> Option<AuthorizeRequest> {
    Some(AuthorizeRequest {
        client_id: opt(v, "client_id")?,
        redirect_uri: opt(v, "redirect_uri")?,
        response_type: ResponseType::parse(v.get("response_type")?.as_str()?)?,
        response_mode: ResponseMode::parse(v.get("response_mode")?.as_str()?)?,
        scopes: strings(v, "scopes"),
        state: opt(v, "state"),
        nonce: opt(v, "nonce"),
        prompt: strings(v, "prompt"),
        max_age: v.get("max_age").and_then(Value::as_i64),
        code_challenge: opt(v, "code_challenge"),
        code_challenge_method: opt(v, "code_challenge_method"),
        github: v.get("github").and_then(Value::as_bool).unwrap_or(false),
    })
}

fn env_error(e: ApiError) -> EnvError {
    EnvError(format!("{e:?}"))
}

/// The fulfillment stage.
pub struct OAuthFulfillmentStage;

impl OAuthFulfillmentStage {
    async fn fulfil(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        let settings: FulfillmentSettings =
            serde_json::from_value(Value::Object(cx.stage.config.clone()))
                .map_err(|e| EnvError(format!("fulfillment settings: {e}")))?;
        let req = params_from(&settings.request)
            .ok_or_else(|| EnvError("fulfillment request is malformed".into()))?;
        let Some(user_pk) = cx.session.user else {
            return Ok(Step::Deny(Some("Not logged in".into())));
        };
        if req.prompt.iter().any(|p| p == "none") && req.prompt.iter().any(|p| p == "consent") {
            // form_post errors travel in the query (as at the authorization endpoint).
            let mode = match req.response_mode {
                ResponseMode::FormPost => ResponseMode::Query,
                other => other,
            };
            let e = ErrorRedirect {
                redirect_uri: req.redirect_uri.clone(),
                mode,
                code: ErrorCode::ConsentRequired,
                description: "Consent required".into(),
                state: req.state.clone(),
            };
            return Ok(Step::Redirect(e.url()));
        }
        let login = login::from_session_data(&cx.session.data, cx.session.key.as_deref());
        let flow_pk = cx.flow.pk;
        let env = StoreFlowEnv::of(cx.env, "OAuth2 fulfillment stage")?;
        let state = env.state.clone();
        let now = state.store.now();
        let mut tx = state
            .store
            .begin()
            .await
            .map_err(|e| EnvError(e.to_string()))?;
        let p = oauth2_providers::get(&mut tx, settings.provider)
            .await
            .map_err(|e| EnvError(e.to_string()))?
            .ok_or_else(|| EnvError("the provider is gone".into()))?;
        let user = users::get(&mut tx, user_pk)
            .await
            .map_err(|e| EnvError(e.to_string()))?
            .ok_or_else(|| EnvError("the user is gone".into()))?;
        audit::record(
            &mut tx,
            now,
            &env.ctx,
            Some(&user),
            "authorize_application",
            "authentik.providers.oauth2.views.authorize",
            json!({
                "authorized_application": {"pk": settings.application, "name": settings.application_name,
                                           "app": "authentik_core", "model_name": "application"},
                "flow": flow_pk,
                "scopes": req.scopes.join(" "),
            }),
        )
        .await
        .map_err(|e| EnvError(e.to_string()))?;
        let mut params: Vec<(&str, String)> = Vec::new();
        let mut code_value = None;
        if req.response_type.returns_code() {
            let validity = parse_timedelta(&p.access_code_validity)
                .map_err(|e| EnvError(format!("access_code_validity: {e}")))?;
            let code = AuthorizationCode {
                pk: 0,
                code: new_code(),
                grant: TokenGrant {
                    provider: p.base.pk,
                    user: user.pk,
                    scope: req.scopes.clone(),
                    expires: now + validity,
                    auth_time: login.auth_time,
                    session: login.session,
                },
                nonce: req.nonce.clone(),
                code_challenge: req.code_challenge.clone(),
                code_challenge_method: req.code_challenge_method.clone(),
                redirect_uri: req.redirect_uri.clone(),
                used: false,
            };
            oauth2_tokens::create_code(&mut tx, &code)
                .await
                .map_err(|e| EnvError(e.to_string()))?;
            params.push(("code", code.code.clone()));
            code_value = Some(code.code);
        }
        if req.response_type.returns_id_token() || req.response_type.returns_access_token() {
            let keys = state
                .flows
                .oauth_keys
                .for_provider(&mut tx, &p)
                .await
                .map_err(env_error)?;
            let issued = issue(
                &state,
                &mut tx,
                IssueRequest {
                    provider: &p,
                    keys,
                    issuer: settings.issuer.clone(),
                    user: &user,
                    scopes: req.scopes.clone(),
                    nonce: req.nonce.clone(),
                    login,
                    access_token: req.response_type.returns_access_token(),
                    id_token: req.response_type.returns_id_token(),
                    refresh_token: false,
                    code_for_hash: code_value.clone(),
                    from_code: code_value.clone(),
                    subject: None,
                    mappings: None,
                },
            )
            .await
            .map_err(env_error)?;
            if let Some(t) = issued.access_token {
                params.push(("access_token", t));
            }
            if let Some(t) = issued.id_token {
                params.push(("id_token", t));
            }
            params.push(("token_type", "Bearer".into()));
            params.push(("expires_in", issued.expires_in.to_string()));
        }
        if let Some(s) = &req.state {
            params.push(("state", s.clone()));
        }
        tx.commit().await.map_err(|e| EnvError(e.to_string()))?;
        if req.response_mode == ResponseMode::FormPost {
            let challenge = Challenge::new("ak-stage-autosubmit")
                .field("url", req.redirect_uri.clone())
                .field("attrs", Value::Object(form_post_fields(&params)))
                .field(
                    "title",
                    format!("Redirecting to {}...", settings.application_name),
                );
            return Ok(Step::Show(challenge));
        }
        Ok(Step::Redirect(redirect_url(
            &req.redirect_uri,
            req.response_mode,
            &params,
        )))
    }
}

#[async_trait]
impl StageView for OAuthFulfillmentStage {
    async fn get(&self, cx: &mut StageContext<'_>) -> Result<Step, EnvError> {
        self.fulfil(cx).await
    }

    async fn post(
        &self,
        cx: &mut StageContext<'_>,
        _response: &Map<String, Value>,
    ) -> Result<Step, EnvError> {
        self.fulfil(cx).await
    }
}

//! The users side of [`StoreFlowEnv`]: the password backends, and for the prompt and user
//! write stages (spec §4.9, §4.10) prompt fields, username checks, validation policies by pk,
//! prompt expressions, and the user write with its events.
use std::sync::OnceLock;

use castellan_core::application::PolicyEngineMode;
use castellan_core::policy::{BindingSubject, PolicyBinding};
use castellan_core::token::TokenIntent;
use castellan_core::user::{UserType, validate_path, validate_username};
use castellan_crypto::token::constant_time_eq;
use castellan_flows::env::UserWrite;
use castellan_flows::{EnvError, FlowRequest, PolicyVerdict};
use castellan_policy::engine;
use castellan_policy::expr::Budget;
use castellan_policy::request::{HttpFacts, PolicyRequest};
use castellan_store::users::{self, NewUser};
use castellan_store::{StoreError, groups, objects, policies, tokens};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::audit;
use crate::flow::env::StoreFlowEnv;
use crate::flow::expression::{self, FlowExprHost};
use crate::flow::policies::{FlowPolicyHost, user_facts};
use crate::flow::user_json;

/// `meta_model_name` of prompt fields.
pub const PROMPT_MODEL: &str = "authentik_stages_prompt.prompt";
const SIGNALS: &str = "authentik.events.signals";

fn err(e: StoreError) -> EnvError {
    EnvError(e.to_string())
}

/// A fixed hash verified for unknown users, so their answer takes as long as a real check.
pub(crate) fn decoy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        castellan_crypto::password::hash_password("castellan-decoy").unwrap_or_default()
    })
}

/// The password backends (spec §4.2): the inbuilt password check and app passwords.
impl StoreFlowEnv {
    /// The inbuilt backend: an active user whose password matches, as tagged JSON.
    pub(crate) async fn inbuilt(
        &mut self,
        user_pk: i64,
        password: &str,
    ) -> Result<Option<Value>, EnvError> {
        let Some(user) = users::get(&mut self.conn, user_pk).await.map_err(err)? else {
            return Ok(None);
        };
        if !user.is_active {
            return Ok(None);
        }
        if !users::check_password(&mut self.conn, &user, password)
            .await
            .map_err(err)?
        {
            return Ok(None);
        }
        let tagged = user_json::of(&self.state, &mut self.conn, &user).await;
        tagged.map(Some).map_err(err)
    }

    /// The token backend: an active user's unexpired app password; the user and the token.
    pub(crate) async fn app_password(
        &mut self,
        user_pk: i64,
        password: &str,
    ) -> Result<Option<(Value, Value)>, EnvError> {
        let Some((token, user)) = tokens::find_by_key_with_user(&mut self.conn, password)
            .await
            .map_err(err)?
        else {
            return Ok(None);
        };
        let valid = token.user == user_pk
            && user.is_active
            && token.intent == TokenIntent::AppPassword
            && !token.is_expired(self.state.store.now())
            && constant_time_eq(token.key.as_bytes(), password.as_bytes());
        if !valid {
            return Ok(None);
        }
        let tagged = user_json::of(&self.state, &mut self.conn, &user)
            .await
            .map_err(err)?;
        let token = json!({"pk": token.token_uuid.to_string(), "identifier": token.identifier});
        Ok(Some((tagged, token)))
    }
}

/// Prompt fields by pk: their settings with `pk` and `name`.
pub async fn prompts(
    env: &mut StoreFlowEnv,
    pks: &[Uuid],
) -> Result<Vec<Map<String, Value>>, EnvError> {
    if pks.is_empty() {
        return Ok(vec![]);
    }
    let found = objects::get_many(&mut env.conn, PROMPT_MODEL, pks)
        .await
        .map_err(err)?;
    Ok(found
        .into_iter()
        .map(|o| {
            let mut m = o.config;
            m.insert("pk".into(), Value::String(o.pk.to_string()));
            m.insert("name".into(), Value::String(o.name));
            m
        })
        .collect())
}

/// Whether a user other than `except` has `username`.
pub async fn username_taken(
    env: &mut StoreFlowEnv,
    username: &str,
    except: Option<i64>,
) -> Result<bool, EnvError> {
    users::username_taken(&mut env.conn, username, except)
        .await
        .map_err(err)
}

fn policy_request(
    env: &StoreFlowEnv,
    user: Option<&Value>,
    context: Map<String, Value>,
    request: &FlowRequest,
) -> PolicyRequest {
    PolicyRequest {
        user: user_facts(user),
        http: Some(HttpFacts {
            client_ip: request.client_ip.clone(),
            path: env.ctx.path.clone(),
            method: env.ctx.method.clone(),
            user_agent: request.user_agent.clone(),
            headers: vec![],
        }),
        obj: Value::Null,
        context,
        debug: false,
    }
}

/// Runs the policies `pks` (in this order) in mode ALL with exactly `context`.
pub async fn evaluate_policies_by_pk(
    env: &mut StoreFlowEnv,
    pks: &[Uuid],
    user: Option<&Value>,
    context: &Map<String, Value>,
    request: &FlowRequest,
) -> Result<PolicyVerdict, EnvError> {
    let found = policies::get_many(&mut env.conn, pks).await.map_err(err)?;
    let bindings: Vec<_> = pks
        .iter()
        .filter_map(|pk| found.iter().find(|p| p.pk == *pk))
        .enumerate()
        .map(|(i, p)| {
            let binding = PolicyBinding {
                pk: Uuid::new_v4(),
                target: Uuid::nil(),
                subject: BindingSubject::Policy(p.pk),
                negate: false,
                enabled: true,
                order: i as i64,
                timeout: 30,
                failure_result: false,
            };
            (binding, Some(p.clone()))
        })
        .collect();
    let req = policy_request(env, user, context.clone(), request);
    let mut host = FlowPolicyHost { env };
    let result = engine::evaluate(&bindings, PolicyEngineMode::All, &req, &mut host).await;
    Ok(PolicyVerdict {
        passing: result.passing,
        messages: result.messages,
        context: None,
    })
}

/// Evaluates a prompt expression with `user`, `request`, `context` and `prompt_context`;
/// failures are recorded as `property_mapping_exception` events.
pub async fn prompt_expression(
    env: &mut StoreFlowEnv,
    source: &str,
    user: Option<&Value>,
    prompt_context: &Map<String, Value>,
    request: &FlowRequest,
) -> Result<Value, String> {
    let outcome = match env.state.flows.expressions.get(source) {
        Ok(compiled) => {
            let mut context = Map::new();
            context.insert(
                "prompt_context".into(),
                Value::Object(prompt_context.clone()),
            );
            let req = policy_request(env, user, context, request);
            let mut inputs = expression::inputs(&req);
            inputs.vars.insert("user".into(), req.user.tagged.clone());
            inputs.vars.insert(
                "prompt_context".into(),
                Value::Object(prompt_context.clone()),
            );
            let mut host = FlowExprHost { env: &mut *env };
            compiled
                .evaluate(inputs, &mut host, &Budget::default())
                .await
                .map(|o| o.value)
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    if let Err(message) = &outcome {
        let now = env.state.store.now();
        let context = json!({"expression": source, "message": message});
        // The field falls back to its literal text even when the event cannot be stored.
        let _ = audit::record(
            &mut env.conn,
            now,
            &env.ctx,
            None,
            "property_mapping_exception",
            "authentik.core.expression.evaluator",
            context,
        )
        .await;
    }
    outcome
}

async fn hash(password: &str) -> Result<String, String> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || castellan_crypto::password::hash_password(&pw))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Creates or updates the user in one transaction (groups, `user_write`, `password_set`)
/// and returns it as tagged JSON.
pub async fn write_user(env: &mut StoreFlowEnv, w: UserWrite) -> Result<Value, String> {
    validate_username(&w.username).map_err(|e| e.to_string())?;
    validate_path(&w.path).map_err(|e| e.to_string())?;
    let user_type =
        UserType::parse(&w.user_type).ok_or_else(|| format!("invalid type {}", w.user_type))?;
    let encoded = match &w.password {
        Some(p) => Some(hash(p).await?),
        None => None,
    };
    let pk = save(env, &w, user_type, encoded)
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    user_json::load(&env.state, &mut env.conn, pk)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "the user vanished".to_string())
}

/// The transaction of [`write_user`]; the inner error is a refusal (taken username, missing
/// user), the outer one a database failure.
async fn save(
    env: &mut StoreFlowEnv,
    w: &UserWrite,
    user_type: UserType,
    encoded: Option<String>,
) -> Result<Result<i64, String>, StoreError> {
    let now = env.state.store.now();
    let mut tx = env.state.store.begin().await?;
    if users::username_taken(&mut tx, &w.username, w.pk).await? {
        return Ok(Err(format!("username {} is taken", w.username)));
    }
    let attributes = Value::Object(w.attributes.clone());
    let (user, created) = match w.pk {
        Some(pk) => {
            let Some(mut user) = users::get(&mut tx, pk).await? else {
                return Ok(Err(format!("user {pk} does not exist")));
            };
            user.username = w.username.clone();
            user.name = w.name.clone();
            user.email = w.email.clone();
            user.is_active = w.is_active;
            user.path = w.path.clone();
            user.user_type = user_type;
            user.attributes = attributes;
            if let Some(encoded) = &encoded {
                user.password = encoded.clone();
                user.password_change_date = now;
            }
            users::update(&mut tx, &user).await?;
            (user, false)
        }
        None => {
            let new = NewUser {
                username: w.username.clone(),
                name: w.name.clone(),
                email: w.email.clone(),
                password: encoded.clone().unwrap_or_default(),
                is_active: w.is_active,
                path: w.path.clone(),
                user_type,
                attributes,
                last_login: None,
            };
            (users::create(&mut tx, &new, now).await?, true)
        }
    };
    if !w.groups.is_empty() {
        for group in groups::existing(&mut tx, &w.groups).await? {
            users::add_to_group(&mut tx, user.pk, group).await?;
        }
    }
    let mut data = w.event_data.clone();
    data.insert("created".into(), Value::Bool(created));
    let ctx = &env.ctx;
    audit::record(
        &mut tx,
        now,
        ctx,
        Some(&user),
        "user_write",
        SIGNALS,
        Value::Object(data),
    )
    .await?;
    if encoded.is_some() && !created {
        audit::record(
            &mut tx,
            now,
            ctx,
            Some(&user),
            "password_set",
            SIGNALS,
            json!({}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Ok(user.pk))
}

//! The flow executor (spec §3.5, §3.7): one request in, one challenge (or a reload of the
//! executor) out. Transport-free: the HTTP API, and later LDAP, RADIUS and the proxy, drive it.
use castellan_core::flow::{DeniedAction, Flow, InvalidResponseAction};
use serde_json::{Map, Value};

use crate::challenge::{Challenge, FlowInfo, ResponseErrors, UserInfo, render};
use crate::context::{
    self, APPLICATION, IS_RESTORED, PENDING_USER, PENDING_USER_IDENTIFIER, REDIRECT,
};
use crate::env::{EnvError, FlowEnv, FlowRequest, SessionState};
use crate::next_url::{is_relative, query_param};
use crate::plan::{FlowPlan, Marker, SESSION_HISTORY, SESSION_PLAN, SESSION_QUERY};
use crate::planner::{self, NotApplicable};
use crate::stage::{StageContext, StageRegistry, Step};

/// What the transport should answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// HTTP 200 with this challenge JSON.
    Challenge(Value),
    /// HTTP 302 to the executor's own URL (same query): a stage passed and more remain.
    Reload,
    /// No flow with that slug (HTTP 404).
    NotFound,
}

/// GET (current challenge) or POST (a challenge response).
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// Fetch the current challenge.
    Get,
    /// Answer it with this JSON body.
    Post(Value),
}

/// Runs one executor request.
pub async fn execute(
    registry: &StageRegistry,
    env: &mut dyn FlowEnv,
    session: &mut SessionState,
    request: &FlowRequest,
    slug: &str,
    method: Method,
) -> Result<Outcome, EnvError> {
    let Some(flow) = env.flow_by_slug(slug).await? else {
        return Ok(Outcome::NotFound);
    };
    let mut run = Run {
        registry,
        env,
        session,
        request,
        flow,
    };
    match run.dispatch(method).await {
        Ok(outcome) => Ok(outcome),
        Err(error) => run.flow_error(&error).await,
    }
}

struct Run<'a> {
    registry: &'a StageRegistry,
    env: &'a mut dyn FlowEnv,
    session: &'a mut SessionState,
    request: &'a FlowRequest,
    flow: Flow,
}

impl Run<'_> {
    async fn dispatch(&mut self, method: Method) -> Result<Outcome, EnvError> {
        let query = self.request.query.clone();
        let mut plan = None;
        if let Some(key) = query_param(&query, "flow_token") {
            plan = self.restore_token(&key).await?;
        }
        if plan.is_none() {
            plan = FlowPlan::from_session(&self.session.data);
        }
        if plan.as_ref().is_some_and(|p| p.flow_pk != self.flow.pk) {
            plan = None;
            self.cancel();
        }
        self.session
            .data
            .insert(SESSION_QUERY.into(), Value::String(query));
        let mut plan = match plan {
            Some(p) => p,
            None => {
                self.session
                    .data
                    .insert(SESSION_HISTORY.into(), Value::Array(vec![]));
                match planner::plan(&self.flow, self.env, self.request, Map::new()).await? {
                    Ok(p) => p,
                    Err(denied) => return Ok(self.denied(&denied)),
                }
            }
        };
        self.drop_failed_reevaluations(&mut plan).await?;
        let Some(entry) = plan.entries.first().cloned() else {
            return Ok(self.done(&plan));
        };
        let Some(view) = self.registry.view(&entry.stage.kind) else {
            return self
                .stage_invalid(&plan, &entry.invalid_action(), None)
                .await;
        };
        let expected = self
            .registry
            .component(&entry.stage.kind)
            .map(str::to_string);
        let step = {
            let mut cx = StageContext {
                plan: &mut plan,
                stage: &entry.stage,
                flow: &self.flow,
                request: self.request,
                session: self.session,
                env: self.env,
            };
            match &method {
                Method::Get => view.get(&mut cx).await?,
                Method::Post(Value::Object(body)) => {
                    match wrong_component(body, expected.as_deref()) {
                        Some(errors) => match view.get(&mut cx).await? {
                            Step::Show(ch) => Step::Invalid(ch, errors),
                            other => other,
                        },
                        None => view.post(&mut cx, body).await?,
                    }
                }
                Method::Post(_) => {
                    let errors = ResponseErrors::field(
                        "non_field_errors",
                        "Invalid data. Expected a dictionary, but got a different type.",
                        "invalid",
                    );
                    match view.get(&mut cx).await? {
                        Step::Show(ch) => Step::Invalid(ch, errors),
                        other => other,
                    }
                }
            }
        };
        let action = entry.invalid_action();
        match step {
            Step::Show(ch) => {
                plan.to_session(&mut self.session.data);
                Ok(Outcome::Challenge(self.render(&plan, &ch, None)))
            }
            Step::Invalid(ch, errors) => {
                if action != InvalidResponseAction::Retry {
                    return self.restart(&plan, action).await;
                }
                plan.to_session(&mut self.session.data);
                Ok(Outcome::Challenge(self.render(&plan, &ch, Some(&errors))))
            }
            Step::Next => self.stage_ok(plan).await,
            Step::Deny(message) => self.stage_invalid(&plan, &action, message).await,
            Step::Redirect(to) => {
                plan.to_session(&mut self.session.data);
                Ok(Outcome::Challenge(self.render(
                    &plan,
                    &Challenge::redirect(&to),
                    None,
                )))
            }
        }
    }

    async fn restore_token(&mut self, key: &str) -> Result<Option<FlowPlan>, EnvError> {
        let Some(token) = self.env.take_flow_token(key).await? else {
            return Ok(None);
        };
        let Ok(mut plan) = serde_json::from_value::<FlowPlan>(token.plan) else {
            return Ok(None);
        };
        plan.context
            .insert(IS_RESTORED.into(), Value::String(token.identifier));
        plan.context.insert(
            context::IS_RESTORED_USER.into(),
            token.user.map_or(Value::Null, Value::from),
        );
        plan.to_session(&mut self.session.data);
        Ok(Some(plan))
    }

    /// Pops head entries whose re-evaluated policies fail.
    async fn drop_failed_reevaluations(&mut self, plan: &mut FlowPlan) -> Result<(), EnvError> {
        while let Some(entry) = plan.entries.first() {
            let (Marker::ReEvaluate, Some(target)) = (entry.marker, entry.binding_pbm) else {
                return Ok(());
            };
            let user = plan
                .context
                .get(PENDING_USER)
                .filter(|u| !u.is_null())
                .cloned()
                .or_else(|| self.request.user.clone());
            let verdict = self
                .env
                .policies(
                    target,
                    entry.engine_mode(),
                    user.as_ref(),
                    &plan.context,
                    self.request,
                )
                .await?;
            if let Some(updated) = verdict.context {
                plan.context = updated;
            }
            if verdict.passing {
                return Ok(());
            }
            plan.entries.remove(0);
        }
        Ok(())
    }

    async fn stage_ok(&mut self, mut plan: FlowPlan) -> Result<Outcome, EnvError> {
        if let Some(Value::Array(history)) = self.session.data.get_mut(SESSION_HISTORY) {
            history.push(Value::String(
                plan.entries
                    .first()
                    .map(|e| e.stage.name.clone())
                    .unwrap_or_default(),
            ));
        }
        if !plan.entries.is_empty() {
            plan.entries.remove(0);
        }
        plan.to_session(&mut self.session.data);
        if plan.entries.is_empty() {
            return Ok(self.done(&plan));
        }
        Ok(Outcome::Reload)
    }

    async fn stage_invalid(
        &mut self,
        plan: &FlowPlan,
        action: &InvalidResponseAction,
        message: Option<String>,
    ) -> Result<Outcome, EnvError> {
        if *action != InvalidResponseAction::Retry {
            return self.restart(plan, *action).await;
        }
        self.cancel();
        let message = message.unwrap_or_else(|| "Unknown error".to_string());
        let ch = Challenge::access_denied(Some(&message));
        Ok(Outcome::Challenge(self.render(plan, &ch, None)))
    }

    async fn restart(
        &mut self,
        plan: &FlowPlan,
        action: InvalidResponseAction,
    ) -> Result<Outcome, EnvError> {
        let context = if action == InvalidResponseAction::RestartWithContext {
            plan.context.clone()
        } else {
            Map::new()
        };
        match planner::plan(&self.flow, self.env, self.request, context).await? {
            Ok(fresh) => {
                fresh.to_session(&mut self.session.data);
                Ok(Outcome::Reload)
            }
            Err(denied) => Ok(self.denied(&denied)),
        }
    }

    /// Finishing (spec §3.7).
    fn done(&mut self, plan: &FlowPlan) -> Outcome {
        let next = self
            .session
            .data
            .get(SESSION_QUERY)
            .and_then(Value::as_str)
            .and_then(|q| query_param(q, "next"));
        self.cancel();
        if let Some(to) = plan.context.get(REDIRECT).and_then(Value::as_str) {
            return Outcome::Challenge(self.render(plan, &Challenge::redirect(to), None));
        }
        let next = next.unwrap_or_else(|| "/".to_string());
        let ch = if is_relative(&next) {
            Challenge::redirect(&next)
        } else {
            Challenge::access_denied(Some("Invalid next URL"))
        };
        Outcome::Challenge(self.render(plan, &ch, None))
    }

    /// Denied at planning (spec §3.5); `next` is read from the wrapped query (⚠ fixed).
    fn denied(&mut self, denied: &NotApplicable) -> Outcome {
        let plan = FlowPlan::new(self.flow.pk, Map::new());
        let next = query_param(&self.request.query, "next").filter(|n| is_relative(n));
        let ch = match (self.flow.denied_action, next) {
            (DeniedAction::Continue | DeniedAction::MessageContinue, Some(next)) => {
                Challenge::redirect(&next)
            }
            (DeniedAction::Continue, None) => Challenge::redirect("/"),
            _ => {
                self.cancel();
                Challenge::access_denied(Some(&denied.message()))
            }
        };
        Outcome::Challenge(self.render(&plan, &ch, None))
    }

    fn cancel(&mut self) {
        for key in [
            SESSION_PLAN,
            SESSION_QUERY,
            "authentik/flows/application_pre",
        ] {
            self.session.data.remove(key);
        }
    }

    async fn flow_error(&mut self, error: &EnvError) -> Result<Outcome, EnvError> {
        let mut context = Map::new();
        context.insert("message".into(), Value::String(error.to_string()));
        // Recording the event may fail for the same reason; the challenge is still answered.
        let _ = self
            .env
            .event(
                "system_exception",
                context,
                self.request.user.as_ref(),
                self.request,
            )
            .await;
        let mut ch = Challenge::new("ak-stage-flow-error")
            .field("request_id", self.request.request_id.clone());
        if self.request.is_superuser {
            ch = ch.field("error", error.to_string());
        }
        let plan = FlowPlan::new(self.flow.pk, Map::new());
        Ok(Outcome::Challenge(self.render(&plan, &ch, None)))
    }

    fn render(&self, plan: &FlowPlan, ch: &Challenge, errors: Option<&ResponseErrors>) -> Value {
        let info = FlowInfo {
            title: title(&self.flow, &plan.context),
            background: self.flow.background_url(),
            layout: self.flow.layout.as_str().to_string(),
        };
        let pending_user = match plan
            .context
            .get(PENDING_USER_IDENTIFIER)
            .and_then(Value::as_str)
        {
            Some(typed) => typed.to_string(),
            // Without a pending user the challenge shows the logged-in user, as authentik's
            // `get_pending_user` does (an authorization flow's consent prompt).
            None if plan.context.get(PENDING_USER).is_none_or(Value::is_null) => self
                .request
                .user
                .as_ref()
                .and_then(|u| u.get("username"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            None => context::pending_username(&plan.context),
        };
        let user = UserInfo {
            pending_user,
            avatar: String::new(),
        };
        render(ch, &info, &user, errors)
    }
}

/// The title with `%(app)s` and `%(user)s` resolved.
pub fn title(flow: &Flow, context: &Map<String, Value>) -> String {
    let title = context
        .get(context::TITLE)
        .and_then(Value::as_str)
        .unwrap_or(&flow.title);
    let app = context
        .get(APPLICATION)
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let user = context::pending_username(context);
    title.replace("%(app)s", app).replace("%(user)s", &user)
}

fn wrong_component(body: &Map<String, Value>, expected: Option<&str>) -> Option<ResponseErrors> {
    let expected = expected?;
    match body.get("component") {
        None => None,
        Some(Value::String(c)) if c == expected => None,
        Some(_) => Some(ResponseErrors::field(
            "component",
            &format!("\"{}\" is not a valid choice.", component_text(body)),
            "invalid_choice",
        )),
    }
}

fn component_text(body: &Map<String, Value>) -> String {
    match body.get("component") {
        Some(Value::String(s)) => s.chars().take(100).collect(),
        Some(other) => other.to_string().chars().take(100).collect(),
        None => String::new(),
    }
}

//! Exporting flows as blueprints: each flow with its stages, stage bindings, the policies bound
//! to it or its bindings (and those its stages use), the prompts its prompt stages show, and
//! the policy bindings. Objects exported together refer to each other with `!KeyOf`; objects
//! outside the export (another flow, a group) with `!Find` by their natural key.
use std::collections::HashMap;

use castellan_blueprints::{ExportEntry, ExportValue, State};
use castellan_core::flow::Flow;
use castellan_core::model_spec::{FieldType, ModelSpec};
use castellan_core::policy::{BindingSubject, PolicyBinding};
use castellan_core::stage::Stage;
use castellan_stages::specs::prompt_field::SPEC as PROMPT;
use castellan_store::list::Param;
use castellan_store::policy_bindings::{self, PolicyBindingFilter};
use castellan_store::{
    AnyConnection, flow_bindings, flows, groups, objects, policies, stages, users,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::kinds::{FLOW, FLOW_STAGE_BINDING, POLICY_BINDING};
use super::models_flows::{ALL, uuid_of};
use crate::error::ApiResult;

fn pair(k: &str, v: ExportValue) -> (String, ExportValue) {
    (k.to_owned(), v)
}

fn s(v: &str) -> ExportValue {
    ExportValue::Str(v.to_owned())
}

fn find(model: &str, field: &str, value: &str) -> ExportValue {
    ExportValue::Find {
        model: model.to_owned(),
        field: field.to_owned(),
        value: value.to_owned(),
    }
}

/// Builds the entries of an export, remembering the local id of every exported object.
struct Exporter<'c> {
    conn: &'c mut AnyConnection,
    ids: HashMap<Uuid, String>,
    entries: Vec<ExportEntry>,
}

impl Exporter<'_> {
    fn push(
        &mut self,
        pk: Uuid,
        model: &str,
        id: String,
        identifiers: Vec<(String, ExportValue)>,
        attrs: Vec<(String, ExportValue)>,
    ) {
        self.ids.insert(pk, id.clone());
        self.entries.push(ExportEntry {
            model: model.to_owned(),
            id: Some(id),
            state: State::Present,
            identifiers,
            attrs,
        });
    }

    /// A reference to an object of `model`: `!KeyOf` when exported, `!Find` by natural key
    /// when it exists elsewhere, the raw value otherwise.
    async fn reference(&mut self, model: &str, v: &Value) -> ApiResult<ExportValue> {
        if let Some(pk) = v.as_i64().filter(|_| model == "authentik_core.user") {
            if let Some(u) = users::get(self.conn, pk).await? {
                return Ok(find(model, "username", &u.username));
            }
            return Ok(ExportValue::from(v));
        }
        let Some(u) = uuid_of(Some(v)) else {
            return Ok(ExportValue::from(v));
        };
        if let Some(id) = self.ids.get(&u) {
            return Ok(ExportValue::KeyOf(id.clone()));
        }
        if let Some(f) = flows::get(self.conn, u).await? {
            return Ok(find(FLOW, "slug", &f.slug));
        }
        if let Some(st) = stages::get(self.conn, u).await? {
            return Ok(find(&st.kind, "name", &st.name));
        }
        if let Some(p) = policies::get(self.conn, u).await? {
            return Ok(find(&p.kind, "name", &p.name));
        }
        if let Some(g) = groups::get(self.conn, u).await? {
            return Ok(find("authentik_core.group", "name", &g.name));
        }
        if let Some(o) = objects::get(self.conn, PROMPT.model, u).await? {
            return Ok(find(PROMPT.model, "name", &o.name));
        }
        Ok(ExportValue::from(v))
    }

    /// The writable, readable fields of `spec` in `config`, references resolved.
    async fn config(
        &mut self,
        spec: &ModelSpec,
        config: &Map<String, Value>,
    ) -> ApiResult<Vec<(String, ExportValue)>> {
        let mut out = Vec::new();
        for f in spec.fields.iter().filter(|f| !f.read_only && !f.write_only) {
            let Some(v) = config.get(f.name) else {
                continue;
            };
            let value = match (f.ty, v) {
                (FieldType::Computed { .. }, _) => continue,
                (FieldType::Fk(m), v) if !v.is_null() => self.reference(m, v).await?,
                (FieldType::FkList(m), Value::Array(items)) => {
                    let mut list = Vec::with_capacity(items.len());
                    for item in items {
                        list.push(self.reference(m, item).await?);
                    }
                    ExportValue::Seq(list)
                }
                _ => ExportValue::from(v),
            };
            out.push((f.name.to_owned(), value));
        }
        Ok(out)
    }

    /// Every policy and prompt the `configs` refer to (policies first), not yet exported.
    fn referenced(configs: &[(&ModelSpec, &Map<String, Value>)]) -> (Vec<Uuid>, Vec<Uuid>) {
        let (mut pols, mut prompts) = (Vec::new(), Vec::new());
        for (spec, config) in configs {
            for (_, model, values) in castellan_core::model_spec::references(spec, config) {
                let ids = values.iter().filter_map(|v| uuid_of(Some(v)));
                if model == PROMPT.model {
                    prompts.extend(ids);
                } else if model.starts_with("authentik_policies") {
                    pols.extend(ids);
                }
            }
        }
        (pols, prompts)
    }

    /// Exports `list` (each once), a stage another one refers to before it, so the reference
    /// can be a `!KeyOf`.
    async fn stages(&mut self, list: Vec<Stage>) -> ApiResult<()> {
        let mut pending: Vec<Stage> = Vec::new();
        for st in list {
            if !pending.iter().any(|p| p.pk == st.pk) {
                pending.push(st);
            }
        }
        while !pending.is_empty() {
            let waits_for = |st: &Stage, pending: &[Stage]| {
                let Some(spec) = castellan_stages::specs::by_model(&st.kind) else {
                    return false;
                };
                castellan_core::model_spec::references(spec, &st.config)
                    .into_iter()
                    .flat_map(|(_, _, values)| values)
                    .filter_map(|v| uuid_of(Some(&v)))
                    .any(|u| u != st.pk && pending.iter().any(|p| p.pk == u))
            };
            let next = pending
                .iter()
                .position(|st| !waits_for(st, &pending))
                .unwrap_or(0);
            let st = pending.remove(next);
            let attrs = match castellan_stages::specs::by_model(&st.kind) {
                Some(spec) => self.config(spec, &st.config).await?,
                None => Vec::new(),
            };
            let id = format!("stage-{}", st.name);
            self.push(st.pk, &st.kind, id, vec![pair("name", s(&st.name))], attrs);
        }
        Ok(())
    }

    async fn flow_entries(&mut self, list: &[Flow]) -> ApiResult<()> {
        let mut bindings = Vec::new();
        let mut pbs: Vec<PolicyBinding> = Vec::new();
        for f in list {
            let id = format!("flow-{}", f.slug);
            let attrs = vec![
                pair("name", s(&f.name)),
                pair("title", s(&f.title)),
                pair("designation", s(f.designation.as_str())),
                pair("authentication", s(f.authentication.as_str())),
                pair("layout", s(f.layout.as_str())),
                pair("denied_action", s(f.denied_action.as_str())),
                pair("policy_engine_mode", s(f.policy_engine_mode.as_str())),
                pair(
                    "compatibility_mode",
                    ExportValue::Bool(f.compatibility_mode),
                ),
            ];
            self.push(f.pk, FLOW, id, vec![pair("slug", s(&f.slug))], attrs);
            let bound = flow_bindings::for_flow(self.conn, f.pk).await?;
            let mut targets = vec![f.pbm_uuid];
            targets.extend(bound.iter().map(|(b, _)| b.pbm_uuid));
            for t in targets {
                let mut filter = PolicyBindingFilter::default();
                filter.exact.push(("target", Param::Text(t.to_string())));
                pbs.extend(policy_bindings::list(self.conn, &filter, ALL).await?.0);
            }
            bindings.extend(bound.into_iter().map(|(b, st)| (f.clone(), b, st)));
        }
        // Policies (bound, or used by stages), prompts, stages, then bindings.
        let stage_specs: Vec<_> = bindings
            .iter()
            .filter_map(|(_, _, st)| {
                castellan_stages::specs::by_model(&st.kind).map(|sp| (sp, &st.config))
            })
            .collect();
        let (mut pol_ids, prompt_ids) = Self::referenced(&stage_specs);
        pol_ids.extend(pbs.iter().filter_map(|b| match b.subject {
            BindingSubject::Policy(p) => Some(p),
            _ => None,
        }));
        for p in policies::get_many(self.conn, &pol_ids).await? {
            let Some(spec) = castellan_policy::specs::by_model(&p.kind) else {
                continue;
            };
            let mut attrs = vec![pair(
                "execution_logging",
                ExportValue::Bool(p.execution_logging),
            )];
            attrs.extend(self.config(spec, &p.config).await?);
            let id = format!("policy-{}", p.name);
            self.push(p.pk, &p.kind, id, vec![pair("name", s(&p.name))], attrs);
        }
        for o in objects::get_many(self.conn, PROMPT.model, &prompt_ids).await? {
            let attrs = self.config(&PROMPT, &o.config).await?;
            self.push(
                o.pk,
                PROMPT.model,
                format!("prompt-{}", o.name),
                vec![pair("name", s(&o.name))],
                attrs,
            );
        }
        let bound: Vec<Stage> = bindings.iter().map(|(_, _, st)| st.clone()).collect();
        self.stages(bound).await?;
        for (f, b, st) in &bindings {
            let identifiers = vec![
                pair("target", ExportValue::KeyOf(format!("flow-{}", f.slug))),
                pair("stage", ExportValue::KeyOf(format!("stage-{}", st.name))),
                pair("order", ExportValue::Int(b.order)),
            ];
            let attrs = vec![
                pair("evaluate_on_plan", ExportValue::Bool(b.evaluate_on_plan)),
                pair(
                    "re_evaluate_policies",
                    ExportValue::Bool(b.re_evaluate_policies),
                ),
                pair(
                    "invalid_response_action",
                    s(b.invalid_response_action.as_str()),
                ),
                pair("policy_engine_mode", s(b.policy_engine_mode.as_str())),
            ];
            let id = format!("binding-{}-{}-{}", f.slug, b.order, st.name);
            self.ids.insert(b.pbm_uuid, id.clone());
            self.push(b.pk, FLOW_STAGE_BINDING, id, identifiers, attrs);
        }
        for f in list {
            self.ids.insert(f.pbm_uuid, format!("flow-{}", f.slug));
        }
        for b in pbs {
            let (field, model, value) = match b.subject {
                BindingSubject::Policy(p) => (
                    "policy",
                    "authentik_policies.policy",
                    Value::from(p.to_string()),
                ),
                BindingSubject::Group(g) => {
                    ("group", "authentik_core.group", Value::from(g.to_string()))
                }
                BindingSubject::User(u) => ("user", "authentik_core.user", Value::from(u)),
            };
            let identifiers = vec![
                pair(
                    "target",
                    self.reference("", &Value::from(b.target.to_string()))
                        .await?,
                ),
                pair(field, self.reference(model, &value).await?),
                pair("order", ExportValue::Int(b.order)),
            ];
            let attrs = vec![
                pair("negate", ExportValue::Bool(b.negate)),
                pair("enabled", ExportValue::Bool(b.enabled)),
                pair("timeout", ExportValue::Int(b.timeout)),
                pair("failure_result", ExportValue::Bool(b.failure_result)),
            ];
            self.entries.push(ExportEntry {
                model: POLICY_BINDING.to_owned(),
                id: None,
                state: State::Present,
                identifiers,
                attrs,
            });
        }
        Ok(())
    }
}

/// The export entries of `list` (flows with their stages, bindings, policies and prompts).
///
/// # Errors
/// Database failures.
pub async fn export_entries(
    conn: &mut AnyConnection,
    list: &[Flow],
) -> ApiResult<Vec<ExportEntry>> {
    let mut ex = Exporter {
        conn,
        ids: HashMap::new(),
        entries: Vec::new(),
    };
    ex.flow_entries(list).await?;
    Ok(ex.entries)
}

/// One flow as blueprint YAML (named as authentik names flow exports).
///
/// # Errors
/// Database failures.
pub async fn export_flow(conn: &mut AnyConnection, flow: &Flow) -> ApiResult<String> {
    let entries = export_entries(conn, std::slice::from_ref(flow)).await?;
    Ok(castellan_blueprints::export(
        &entries,
        &format!("authentik Export - {}", flow.name),
    ))
}

/// Every flow as one blueprint.
///
/// # Errors
/// Database failures.
pub async fn export_all(conn: &mut AnyConnection) -> ApiResult<String> {
    let all = flows::list(conn, &flows::FlowFilter::default(), ALL)
        .await?
        .0;
    let entries = export_entries(conn, &all).await?;
    Ok(castellan_blueprints::export(
        &entries,
        "authentik Export - all flows",
    ))
}

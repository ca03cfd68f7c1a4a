//! `MemoryRegistry`: a [`ModelRegistry`] test double keeping objects in maps.

use std::collections::{BTreeMap, BTreeSet};

use castellan_blueprints::{
    ApplyOptions, Found, ModelRegistry, PermissionGrant, RegistryError, apply, parse,
};
use serde_json::{Map, Value};

/// A field validator: returns DRF-style field errors.
pub type Validator = fn(&Map<String, Value>) -> Result<(), Map<String, Value>>;

/// One stored object: its pk and fields.
pub type Object = (Value, Map<String, Value>);

/// Objects by model, in creation order.
#[derive(Default)]
pub struct MemoryRegistry {
    /// model → objects (pk, fields).
    pub objects: BTreeMap<String, Vec<Object>>,
    /// Supported models; `None` supports everything.
    pub supported: Option<BTreeSet<String>>,
    /// Blueprint instances that exist: identifying fields (`name`, `path`) and, optionally,
    /// the text that a meta apply runs (recursively, through this registry).
    pub blueprints: Vec<(Map<String, Value>, Option<String>)>,
    /// Options for blueprints applied through meta entries.
    pub meta_options: ApplyOptions,
    /// Every `apply_meta` call that succeeded: (identifiers, required, found).
    pub metas: Vec<(Map<String, Value>, bool, bool)>,
    /// Every permission granted: (model, pk, grant).
    pub grants: Vec<(String, Value, PermissionGrant)>,
    /// Per-model validation, run on create and update (with the merged fields).
    pub validators: BTreeMap<String, Validator>,
    /// When set, `!KeyOf` of a flow from a policy binding yields `pbm-<pk>`.
    pub pbm_for_flows: bool,
    /// Write operations performed, for asserting a plan wrote nothing.
    pub writes: usize,
    next: u64,
}

impl MemoryRegistry {
    /// A registry supporting every model.
    pub fn new() -> Self {
        Self::default()
    }

    /// The objects of `model`.
    pub fn all(&self, model: &str) -> &[Object] {
        self.objects.get(model).map_or(&[], Vec::as_slice)
    }

    /// The fields of the first object of `model` whose `field` equals `value`.
    pub fn get(&self, model: &str, field: &str, value: &str) -> Option<&Map<String, Value>> {
        self.all(model)
            .iter()
            .find(|(_, f)| f.get(field).and_then(Value::as_str) == Some(value))
            .map(|(_, f)| f)
    }

    /// Inserts an object directly and returns its pk.
    pub fn insert(&mut self, model: &str, fields: Value) -> Value {
        self.next += 1;
        let pk = Value::String(format!("pk-{}", self.next));
        let fields = fields.as_object().cloned().unwrap_or_default();
        self.objects
            .entry(model.to_owned())
            .or_default()
            .push((pk.clone(), fields));
        pk
    }

    /// Number of objects over all models.
    pub fn count(&self) -> usize {
        self.objects.values().map(Vec::len).sum()
    }

    fn validate(&self, model: &str, fields: &Map<String, Value>) -> Result<(), RegistryError> {
        match self.validators.get(model) {
            Some(v) => v(fields).map_err(RegistryError::Fields),
            None => Ok(()),
        }
    }
}

/// Whether `stored` contains every key/value of `wanted` (Django's `__contains` on JSON).
fn contains(stored: Option<&Value>, wanted: &Map<String, Value>) -> bool {
    let Some(Value::Object(stored)) = stored else {
        return wanted.is_empty();
    };
    wanted.iter().all(|(k, v)| stored.get(k) == Some(v))
}

#[async_trait::async_trait]
impl ModelRegistry for MemoryRegistry {
    fn supports(&self, model: &str) -> bool {
        self.supported.as_ref().is_none_or(|s| s.contains(model))
    }

    async fn find(
        &mut self,
        model: &str,
        identifiers: &Map<String, Value>,
    ) -> Result<Option<Found>, RegistryError> {
        let pk = identifiers.get("pk");
        let others: Vec<(&String, &Value)> =
            identifiers.iter().filter(|(k, _)| *k != "pk").collect();
        let hit = self.all(model).iter().find(|(opk, fields)| {
            pk == Some(opk)
                || (!others.is_empty()
                    && others.iter().all(|(k, v)| match v {
                        Value::Object(want) => contains(fields.get(*k), want),
                        v => fields.get(*k) == Some(v),
                    }))
        });
        Ok(hit.map(|(pk, fields)| Found {
            pk: pk.clone(),
            attrs: fields.clone(),
        }))
    }

    async fn create(
        &mut self,
        model: &str,
        attrs: Map<String, Value>,
    ) -> Result<Value, RegistryError> {
        if !self.supports(model) {
            return Err(RegistryError::NotSupported(model.to_owned()));
        }
        self.validate(model, &attrs)?;
        self.writes += 1;
        Ok(self.insert(model, Value::Object(attrs)))
    }

    async fn update(
        &mut self,
        model: &str,
        pk: &Value,
        attrs: Map<String, Value>,
    ) -> Result<(), RegistryError> {
        let mut merged = self
            .all(model)
            .iter()
            .find(|(p, _)| p == pk)
            .map(|(_, f)| f.clone())
            .ok_or_else(|| RegistryError::Message(format!("no {model} {pk}")))?;
        merged.extend(attrs);
        self.validate(model, &merged)?;
        self.writes += 1;
        if let Some(obj) = self
            .objects
            .get_mut(model)
            .and_then(|v| v.iter_mut().find(|(p, _)| p == pk))
        {
            obj.1 = merged;
        }
        Ok(())
    }

    async fn delete(&mut self, model: &str, pk: &Value) -> Result<(), RegistryError> {
        self.writes += 1;
        if let Some(v) = self.objects.get_mut(model) {
            v.retain(|(p, _)| p != pk);
        }
        Ok(())
    }

    async fn apply_meta(
        &mut self,
        identifiers: &Map<String, Value>,
        required: bool,
    ) -> Result<(), RegistryError> {
        let hit = self
            .blueprints
            .iter()
            .find(|(b, _)| identifiers.iter().all(|(k, v)| b.get(k) == Some(v)))
            .cloned();
        let found = hit.is_some();
        if let Some((_, Some(text))) = hit {
            let bp = parse(&text).map_err(|e| RegistryError::Message(format!("{e:?}")))?;
            let options = self.meta_options.clone();
            apply(&bp, &options, self)
                .await
                .map_err(|e| RegistryError::Message(e.to_string()))?;
        }
        if !found && required {
            return Err(RegistryError::Fields(Map::from_iter([(
                "identifiers".to_owned(),
                Value::from(vec!["Required blueprint does not exist"]),
            )])));
        }
        self.writes += 1;
        self.metas.push((identifiers.clone(), required, found));
        Ok(())
    }

    async fn find_first(
        &mut self,
        model: &str,
        filters: &[(String, Value)],
    ) -> Result<Option<Found>, RegistryError> {
        let hit = self
            .all(model)
            .iter()
            .find(|(_, fields)| filters.iter().all(|(k, v)| fields.get(k) == Some(v)));
        Ok(hit.map(|(pk, fields)| Found {
            pk: pk.clone(),
            attrs: fields.clone(),
        }))
    }

    async fn key_of(
        &mut self,
        model: &str,
        pk: &Value,
        referring_model: &str,
    ) -> Result<Value, RegistryError> {
        if self.pbm_for_flows
            && model == "authentik_flows.flow"
            && referring_model == "authentik_policies.policybinding"
        {
            return Ok(Value::String(format!(
                "pbm-{}",
                pk.as_str().unwrap_or_default()
            )));
        }
        Ok(pk.clone())
    }

    async fn grant_permission(
        &mut self,
        model: &str,
        pk: &Value,
        grant: &PermissionGrant,
    ) -> Result<(), RegistryError> {
        self.writes += 1;
        self.grants
            .push((model.to_owned(), pk.clone(), grant.clone()));
        Ok(())
    }
}

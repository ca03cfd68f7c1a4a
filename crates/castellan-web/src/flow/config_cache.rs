//! The executor's in-memory copy of the configuration it reads on every request — brands, flows,
//! flow bindings with their stages, policy bindings with their policies — valid for one value of
//! the database's configuration version (bumped by triggers on every write to those tables, by
//! this process or any other). Each executor request reads the version once; a changed version
//! empties the cache. A loaded value is kept only if the cache is still at the version the
//! request read, so a request racing a change cannot store what it read before the change.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use castellan_core::brand::Brand;
use castellan_core::flow::{Flow, FlowStageBinding};
use castellan_core::policy::{Policy, PolicyBinding};
use castellan_core::stage::Stage;
use castellan_store::policy_bindings;
use castellan_store::{AnyConnection, StoreError, brands, config_version, flow_bindings, flows};
use uuid::Uuid;

type Bindings = Arc<Vec<(FlowStageBinding, Stage)>>;
type PolicyBindings = Arc<Vec<(PolicyBinding, Option<Policy>)>>;

#[derive(Default)]
struct Entries {
    version: Option<i64>,
    brands: Option<Arc<Vec<Brand>>>,
    flows_by_slug: HashMap<String, Arc<Flow>>,
    flows_by_pk: HashMap<Uuid, Arc<Flow>>,
    bindings: HashMap<Uuid, Bindings>,
    policy_bindings: HashMap<Uuid, PolicyBindings>,
}

/// Cached configuration; see the module documentation.
#[derive(Default)]
pub struct ConfigCache {
    entries: Mutex<Entries>,
}

impl ConfigCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the maps half-written in a way that
        // matters: every insert is a whole value.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the configuration version, empties the cache when it changed, and returns it: the
    /// `at` argument of the loaders.
    ///
    /// # Errors
    /// Database failures.
    pub async fn sync(&self, conn: &mut AnyConnection) -> Result<i64, StoreError> {
        let version = config_version::current(conn).await?;
        Ok(self.sync_to(version))
    }

    /// [`ConfigCache::sync`] with a version the caller has just read.
    pub fn sync_to(&self, version: i64) -> i64 {
        let mut entries = self.lock();
        if entries.version.is_none_or(|v| v < version) {
            *entries = Entries {
                version: Some(version),
                ..Entries::default()
            };
        }
        version
    }

    /// Runs `keep` on the entries if the cache is still at version `at`.
    fn keep(&self, at: i64, keep: impl FnOnce(&mut Entries)) {
        let mut entries = self.lock();
        if entries.version == Some(at) {
            keep(&mut entries);
        }
    }

    /// Empties the cache (the next request reloads everything).
    pub fn clear(&self) {
        let mut entries = self.lock();
        *entries = Entries {
            version: entries.version,
            ..Entries::default()
        };
    }

    /// Flows currently cached (for `cache_info`).
    pub fn cached_flows(&self) -> usize {
        self.lock().flows_by_pk.len()
    }

    /// Every brand.
    ///
    /// # Errors
    /// Database failures.
    pub async fn brands(
        &self,
        conn: &mut AnyConnection,
        at: i64,
    ) -> Result<Arc<Vec<Brand>>, StoreError> {
        if let Some(b) = self.lock().brands.clone() {
            return Ok(b);
        }
        let loaded = Arc::new(brands::all(conn).await?);
        self.keep(at, |e| e.brands = Some(loaded.clone()));
        Ok(loaded)
    }

    fn keep_flow(&self, at: i64, flow: Flow) -> Arc<Flow> {
        let flow = Arc::new(flow);
        self.keep(at, |e| {
            e.flows_by_slug.insert(flow.slug.clone(), flow.clone());
            e.flows_by_pk.insert(flow.pk, flow.clone());
        });
        flow
    }

    /// A flow by slug (unknown slugs are not remembered).
    ///
    /// # Errors
    /// Database failures.
    pub async fn flow_by_slug(
        &self,
        conn: &mut AnyConnection,
        at: i64,
        slug: &str,
    ) -> Result<Option<Arc<Flow>>, StoreError> {
        if let Some(f) = self.lock().flows_by_slug.get(slug).cloned() {
            return Ok(Some(f));
        }
        Ok(flows::get_by_slug(conn, slug)
            .await?
            .map(|f| self.keep_flow(at, f)))
    }

    /// A flow by primary key.
    ///
    /// # Errors
    /// Database failures.
    pub async fn flow_by_pk(
        &self,
        conn: &mut AnyConnection,
        at: i64,
        pk: Uuid,
    ) -> Result<Option<Arc<Flow>>, StoreError> {
        if let Some(f) = self.lock().flows_by_pk.get(&pk).cloned() {
            return Ok(Some(f));
        }
        Ok(flows::get(conn, pk).await?.map(|f| self.keep_flow(at, f)))
    }

    /// A flow's stage bindings with their stages, by order.
    ///
    /// # Errors
    /// Database failures.
    pub async fn flow_bindings(
        &self,
        conn: &mut AnyConnection,
        at: i64,
        flow: Uuid,
    ) -> Result<Bindings, StoreError> {
        if let Some(b) = self.lock().bindings.get(&flow).cloned() {
            return Ok(b);
        }
        let loaded = Arc::new(flow_bindings::for_flow(conn, flow).await?);
        self.keep(at, |e| {
            e.bindings.insert(flow, loaded.clone());
        });
        Ok(loaded)
    }

    /// The policy bindings of `target` if they are cached at exactly version `at` (no
    /// statement).
    pub fn cached_policy_bindings(&self, at: i64, target: Uuid) -> Option<PolicyBindings> {
        let entries = self.lock();
        (entries.version == Some(at))
            .then(|| entries.policy_bindings.get(&target).cloned())
            .flatten()
    }

    /// The enabled policy bindings of a target with their policies, by order.
    ///
    /// # Errors
    /// Database failures.
    pub async fn policy_bindings(
        &self,
        conn: &mut AnyConnection,
        at: i64,
        target: Uuid,
    ) -> Result<PolicyBindings, StoreError> {
        if let Some(b) = self.lock().policy_bindings.get(&target).cloned() {
            return Ok(b);
        }
        let loaded = Arc::new(policy_bindings::bindings_for_target(conn, target).await?);
        self.keep(at, |e| {
            e.policy_bindings.insert(target, loaded.clone());
        });
        Ok(loaded)
    }
}

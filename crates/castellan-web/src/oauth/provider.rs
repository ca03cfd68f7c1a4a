//! Resolving the OAuth2 provider of a request (by `client_id` or by application slug) and the
//! facts derived from it: its application, issuer and the scopes its mappings offer.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use castellan_core::application::Application;
use castellan_core::oauth2::{OAuth2Provider, ScopeMapping};
use castellan_store::{
    AnyConnection, applications, config_version, oauth2_providers, scope_mappings,
};

use super::keys::ProviderKeys;
use crate::error::ApiResult;
use crate::state::AppState;

/// Everything the token-side endpoints need of a provider, read once per configuration version
/// (the provider, application, scope-mapping and certificate tables bump it).
pub struct ProviderConfig {
    /// The provider.
    pub provider: OAuth2Provider,
    /// Its application, if assigned.
    pub application: Option<Application>,
    /// Its scope mappings.
    pub mappings: Vec<ScopeMapping>,
    /// Its parsed signing (and encryption) keys.
    pub keys: ProviderKeys,
    /// The configuration version it was read at (the one this request read when it came from
    /// the cache): other configuration caches may use it instead of reading the version again.
    pub version: i64,
}

impl ProviderConfig {
    /// The scope names its mappings offer.
    pub fn scope_names(&self) -> Vec<String> {
        scope_names(&self.mappings)
    }
}

#[derive(Default)]
struct Cached {
    version: i64,
    by_client_id: HashMap<String, Arc<ProviderConfig>>,
}

impl Cached {
    fn by_pk(&self, pk: i64) -> Option<Arc<ProviderConfig>> {
        self.by_client_id
            .values()
            .find(|c| c.provider.base.pk == pk)
            .cloned()
    }
}

/// Provider configurations by `client_id`, valid for one configuration version. Unknown client
/// ids are not remembered.
#[derive(Default)]
pub struct ProviderCache(Mutex<Cached>);

impl ProviderCache {
    /// The configuration of the provider with this `client_id` (one statement when cached).
    pub async fn get(
        &self,
        state: &AppState,
        conn: &mut AnyConnection,
        client_id: &str,
    ) -> ApiResult<Option<Arc<ProviderConfig>>> {
        self.get_at(state, conn, client_id, None).await
    }

    /// The cached configuration of `client_id`, whatever version it was cached at (a hint, to be
    /// confirmed with [`Self::get_at`]).
    pub fn peek(&self, client_id: &str) -> Option<Arc<ProviderConfig>> {
        self.0.lock().ok()?.by_client_id.get(client_id).cloned()
    }

    /// The configuration of `client_id` if it is cached at exactly `version`.
    pub fn fresh(&self, client_id: &str, version: i64) -> Option<Arc<ProviderConfig>> {
        let cached = self.0.lock().ok()?;
        (cached.version == version)
            .then(|| cached.by_client_id.get(client_id).cloned())
            .flatten()
    }

    /// [`Self::get`] at a configuration `version` the caller read in this request (none: read
    /// it); no statement when cached.
    pub async fn get_at(
        &self,
        state: &AppState,
        conn: &mut AnyConnection,
        client_id: &str,
        version: Option<i64>,
    ) -> ApiResult<Option<Arc<ProviderConfig>>> {
        if client_id.is_empty() {
            return Ok(None);
        }
        let version = match version {
            Some(v) => v,
            None => config_version::current(conn).await?,
        };
        if let Some(c) = self.fresh(client_id, version) {
            return Ok(Some(c));
        }
        let Some(provider) = oauth2_providers::by_client_id(conn, client_id).await? else {
            return Ok(None);
        };
        let application = application_of(conn, &provider).await?;
        let mappings = mappings(conn, &provider).await?;
        let keys = state.flows.oauth_keys.for_provider(conn, &provider).await?;
        let config = Arc::new(ProviderConfig {
            provider,
            application,
            mappings,
            keys,
            version,
        });
        if let Ok(mut cached) = self.0.lock()
            && cached.version <= version
        {
            if cached.version < version {
                *cached = Cached {
                    version,
                    by_client_id: HashMap::new(),
                };
            }
            cached
                .by_client_id
                .insert(client_id.to_string(), config.clone());
        }
        Ok(Some(config))
    }
}

impl ProviderCache {
    /// The configuration of the provider with primary key `pk` (the provider of a stored token;
    /// one statement when cached).
    pub async fn get_by_pk(
        &self,
        state: &AppState,
        conn: &mut AnyConnection,
        pk: i64,
    ) -> ApiResult<Option<Arc<ProviderConfig>>> {
        self.get_by_pk_at(state, conn, pk, None).await
    }

    /// The configuration of the provider with primary key `pk` if it is cached at exactly
    /// `version` (no statement).
    pub fn fresh_by_pk(&self, pk: i64, version: i64) -> Option<Arc<ProviderConfig>> {
        let cached = self.0.lock().ok()?;
        (cached.version == version)
            .then(|| cached.by_pk(pk))
            .flatten()
    }

    /// [`Self::get_by_pk`] at a configuration `version` the caller read in this request.
    pub async fn get_by_pk_at(
        &self,
        state: &AppState,
        conn: &mut AnyConnection,
        pk: i64,
        version: Option<i64>,
    ) -> ApiResult<Option<Arc<ProviderConfig>>> {
        let version = match version {
            Some(v) => v,
            None => config_version::current(conn).await?,
        };
        if let Some(c) = self.fresh_by_pk(pk, version) {
            return Ok(Some(c));
        }
        let Some(provider) = oauth2_providers::get(conn, pk).await? else {
            return Ok(None);
        };
        self.get_at(state, conn, &provider.client_id, Some(version))
            .await
    }
}

/// A provider with the application it serves.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The provider.
    pub provider: OAuth2Provider,
    /// Its application.
    pub application: Application,
}

/// The provider with this `client_id`.
pub async fn by_client_id(
    conn: &mut AnyConnection,
    client_id: &str,
) -> ApiResult<Option<OAuth2Provider>> {
    if client_id.is_empty() {
        return Ok(None);
    }
    Ok(oauth2_providers::by_client_id(conn, client_id).await?)
}

/// The application a provider is assigned to.
pub async fn application_of(
    conn: &mut AnyConnection,
    provider: &OAuth2Provider,
) -> ApiResult<Option<Application>> {
    Ok(applications::by_provider(conn, &[provider.base.pk])
        .await?
        .into_iter()
        .next())
}

/// The OAuth2 provider of the application with this slug.
pub async fn by_slug(conn: &mut AnyConnection, slug: &str) -> ApiResult<Option<Resolved>> {
    let Some(application) = applications::get_by_slug(conn, slug).await? else {
        return Ok(None);
    };
    let Some(pk) = application.provider else {
        return Ok(None);
    };
    Ok(oauth2_providers::get(conn, pk)
        .await?
        .map(|provider| Resolved {
            provider,
            application,
        }))
}

/// The provider's scope mappings.
pub async fn mappings(
    conn: &mut AnyConnection,
    provider: &OAuth2Provider,
) -> ApiResult<Vec<ScopeMapping>> {
    Ok(scope_mappings::get_many(conn, &provider.property_mappings).await?)
}

/// The scope names the provider's mappings offer (deduplicated, sorted).
pub fn scope_names(mappings: &[ScopeMapping]) -> Vec<String> {
    let mut names: Vec<String> = mappings.iter().map(|m| m.scope_name.clone()).collect();
    names.sort();
    names.dedup();
    names
}

/// The issuer URL of a provider (spec §7.1.1 `issuer_mode`).
pub fn issuer(provider: &OAuth2Provider, base_url: &str, application: &Application) -> String {
    castellan_oauth::issuer::issuer(provider.issuer_mode, base_url, &application.slug)
}

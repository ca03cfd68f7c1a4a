//! Long-lived flow machinery shared by every request: the stage registry and the outbound HTTP
//! client (CAPTCHA siteverify, HaveIBeenPwned).
use std::time::Duration;

use castellan_flows::StageRegistry;

/// Outbound HTTP (injected so tests point it at local servers speaking the real protocols).
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
}

impl Outbound {
    /// A client with a 10 s timeout.
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Self { client }
    }

    /// POSTs a form; returns the status and body.
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, String), String> {
        let resp = self
            .client
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|e| format!("request failed: {}", e.without_url()))?;
        let status = resp.status().as_u16();
        let body = resp
            .text()
            .await
            .map_err(|e| format!("reading body: {}", e.without_url()))?;
        Ok((status, body))
    }

    /// GETs a URL; returns the status and body.
    pub async fn get(&self, url: &str) -> Result<(u16, String), String> {
        let resp = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| format!("request failed: {}", e.without_url()))?;
        let status = resp.status().as_u16();
        let body = resp
            .text()
            .await
            .map_err(|e| format!("reading body: {}", e.without_url()))?;
        Ok((status, body))
    }
}

impl Default for Outbound {
    fn default() -> Self {
        Self::new()
    }
}

/// The flow engine's shared parts.
#[derive(Clone)]
pub struct FlowServices {
    /// Stage implementations.
    pub stages: StageRegistry,
    /// Outbound HTTP.
    pub outbound: Outbound,
    /// Compiled expressions (compile once, keyed by source).
    pub expressions: std::sync::Arc<castellan_policy::expr::ExprCache>,
    /// Brands, flows, bindings and policies as of the database's configuration version.
    pub config: std::sync::Arc<super::config_cache::ConfigCache>,
    /// OAuth2 providers' parsed signing and encryption keys.
    pub oauth_keys: std::sync::Arc<crate::oauth::keys::KeyCache>,
    /// OAuth2 provider configurations by `client_id` (token-side endpoints).
    pub oauth_providers: std::sync::Arc<crate::oauth::provider::ProviderCache>,
    /// Every group, as of the configuration version.
    pub groups: std::sync::Arc<crate::group_tree::GroupTree>,
    /// Device authorizations per client IP (`throttle.providers.oauth2.device`).
    pub oauth_device_throttle: std::sync::Arc<crate::oauth::device::DeviceThrottle>,
}

impl FlowServices {
    /// Every stage this build runs and a fresh HTTP client.
    pub fn new() -> Self {
        Self {
            stages: {
                let mut stages = castellan_stages::registry();
                crate::oauth::register_stages(&mut stages);
                stages
            },
            outbound: Outbound::new(),
            expressions: std::sync::Arc::new(castellan_policy::expr::ExprCache::new(1024)),
            config: std::sync::Arc::new(super::config_cache::ConfigCache::new()),
            oauth_keys: std::sync::Arc::default(),
            oauth_device_throttle: std::sync::Arc::default(),
            oauth_providers: std::sync::Arc::default(),
            groups: std::sync::Arc::default(),
        }
    }
}

impl Default for FlowServices {
    fn default() -> Self {
        Self::new()
    }
}

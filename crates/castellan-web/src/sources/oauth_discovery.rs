//! OAuth sources' OpenID configuration and JWKS (spec §9.2). When a source is saved, its
//! well-known document (its own, else its type's) fills in the endpoints left empty and names the
//! JWKS; the JWKS (the source's own URL, else the discovered one, else the type's) is fetched and
//! stored as `oidc_jwks`, which OAuth2 providers verify client assertions with. Every hour, as
//! authentik's `update_well_known_jwks`, both are fetched again for every source.
use std::sync::OnceLock;
use std::time::Duration;

use castellan_core::source_oauth::{MODEL, source_type};
use castellan_store::Store;
use castellan_store::objects;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Whole-request timeout of a fetch.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Largest document accepted.
const MAX_BYTES: usize = 1 << 20;
/// How often the refresh runs.
pub const REFRESH: Duration = Duration::from_secs(3600);

/// `(source field, discovery document field)` of the endpoints discovery fills in.
const ENDPOINTS: [(&str, &str); 3] = [
    ("authorization_url", "authorization_endpoint"),
    ("access_token_url", "token_endpoint"),
    ("profile_url", "userinfo_endpoint"),
];

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .unwrap_or_default()
    })
}

/// GETs `url` and parses the body as a JSON object; the error says why not.
async fn get_json(url: &str) -> Result<Map<String, Value>, String> {
    let mut response = client()
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("Could not fetch {url}: {}", e.without_url()))?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("Could not fetch {url}: {}", e.without_url()))?
    {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(format!("{url} answered more than {MAX_BYTES} bytes."));
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        return Err(format!("{url} answered HTTP {}.", status.as_u16()));
    }
    match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(format!("{url} did not answer a JSON object.")),
        Err(e) => Err(format!("{url} did not answer JSON: {e}")),
    }
}

fn field_error(field: &str, message: String) -> ApiError {
    ApiError::Validation([(field.to_owned(), vec![message])].into())
}

fn non_empty(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Completes a create or update request `body` (over the stored settings `current`) with what
/// the source's well-known document and JWKS say. A document that cannot be fetched, is not JSON
/// or (well-known) has no `issuer` is a field error on the URL's field. A body whose
/// `provider_type` is unknown is left for validation to reject.
pub async fn complete(
    body: &mut Map<String, Value>,
    current: Option<&Map<String, Value>>,
) -> Result<(), ApiError> {
    let stored = |field: &str| current.and_then(|c| c.get(field));
    let type_name = body
        .get("provider_type")
        .or_else(|| stored("provider_type"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Some(t) = source_type(type_name) else {
        return Ok(());
    };
    let well_known = non_empty(body.get("oidc_well_known_url"))
        .or_else(|| non_empty(stored("oidc_well_known_url")))
        .or(t.oidc_well_known_url)
        .map(str::to_owned);
    let mut inferred_jwks = None;
    if let Some(url) = well_known {
        let doc = get_json(&url)
            .await
            .map_err(|e| field_error("oidc_well_known_url", e))?;
        if !doc.contains_key("issuer") {
            return Err(field_error(
                "oidc_well_known_url",
                "Invalid well-known configuration".into(),
            ));
        }
        for (field, key) in ENDPOINTS {
            // Values the admin set win over discovered ones.
            if non_empty(body.get(field).or_else(|| stored(field))).is_some() {
                continue;
            }
            let found = doc.get(key).and_then(Value::as_str).unwrap_or_default();
            body.insert(field.into(), Value::from(found));
        }
        inferred_jwks = non_empty(doc.get("jwks_uri")).map(str::to_owned);
    }
    let jwks_url = non_empty(body.get("oidc_jwks_url"))
        .map(str::to_owned)
        .or(inferred_jwks)
        .or_else(|| non_empty(stored("oidc_jwks_url")).map(str::to_owned))
        .or(t.oidc_jwks_url.map(str::to_owned));
    if let Some(url) = jwks_url {
        let jwks = get_json(&url)
            .await
            .map_err(|e| field_error("oidc_jwks_url", e))?;
        body.insert("oidc_jwks_url".into(), Value::from(url));
        body.insert("oidc_jwks".into(), Value::Object(jwks));
    }
    Ok(())
}

/// What a refresh of one source changes, or why it could not.
async fn refreshed(config: &Map<String, Value>) -> Result<Map<String, Value>, String> {
    let mut changes = Map::new();
    if let Some(url) = non_empty(config.get("oidc_well_known_url")) {
        let doc = get_json(url).await?;
        let fields = ENDPOINTS
            .iter()
            .copied()
            .chain([("oidc_jwks_url", "jwks_uri")]);
        for (field, key) in fields {
            let value = doc
                .get(key)
                .filter(|v| v.is_string())
                .ok_or_else(|| format!("{url} has no {key}."))?;
            if config.get(field) != Some(value) {
                changes.insert(field.into(), value.clone());
            }
        }
    }
    let jwks_url = changes
        .get("oidc_jwks_url")
        .or_else(|| config.get("oidc_jwks_url"));
    if let Some(url) = non_empty(jwks_url) {
        let jwks = Value::Object(get_json(url).await?);
        if config.get("oidc_jwks") != Some(&jwks) {
            changes.insert("oidc_jwks".into(), jwks);
        }
    }
    Ok(changes)
}

/// Fetches every source's well-known document and JWKS again and stores what changed. Returns
/// one message per source that could not be refreshed.
pub async fn refresh(store: &Store) -> Result<Vec<String>, castellan_store::StoreError> {
    let sources = {
        let mut conn = store.conn().await?;
        objects::list(&mut conn, MODEL).await?
    };
    let mut failures = Vec::new();
    for source in sources {
        let slug = non_empty(source.config.get("slug"))
            .unwrap_or_default()
            .to_owned();
        let changes = match refreshed(&source.config).await {
            Ok(c) if c.is_empty() => continue,
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("Failed to update OAuth source {slug}: {e}"));
                continue;
            }
        };
        // Written over the current settings: an edit since the read keeps its other fields.
        let mut tx = store.begin().await?;
        if let Some(mut now) = objects::get(&mut tx, MODEL, source.pk).await? {
            now.config.extend(changes);
            objects::update(&mut tx, &now).await?;
        }
        tx.commit().await?;
        tracing::info!(source = %slug, "updated the OAuth source's OpenID configuration and JWKS");
    }
    Ok(failures)
}

/// Runs [`refresh`] now and then every `period`, logging failures, until the task is dropped.
pub async fn refresh_loop(store: Store, period: Duration) {
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match refresh(&store).await {
            Ok(failures) => {
                for f in failures {
                    tracing::warn!(message = %f, "OAuth source refresh");
                }
            }
            Err(e) => tracing::warn!(error = %e, "OAuth source refresh failed"),
        }
    }
}

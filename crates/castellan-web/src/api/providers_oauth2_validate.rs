//! Validation of `OAuth2ProviderRequest` bodies (spec §7.1.1): every field with DRF's messages,
//! references that must exist (flows, keypairs, scope mappings, OAuth sources), unique name and
//! client id, lifetimes that parse, regex redirect URIs that compile, and keys fit for their use
//! (signing needs a private key, encryption an RSA pair with its private key).
use castellan_core::oauth2::{
    ClientType, IssuerMode, MatchingMode, OAuth2Provider, RedirectUri, SubMode,
};
use castellan_core::timedelta::parse_timedelta;
use castellan_store::{AnyConnection, certificates, oauth2_providers, refs, scope_mappings};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::fields::{Fields, TEXT_MAX, type_name};

/// Longest `client_id` / `client_secret` (authentik's `max_length=255`).
pub const CLIENT_MAX: usize = 255;

fn does_not_exist(value: impl std::fmt::Display) -> String {
    format!("Invalid pk \"{value}\" - object does not exist.")
}

/// A reference to a flow (`required`: it may not be null).
async fn flow_ref(
    conn: &mut AnyConnection,
    f: &mut Fields<'_>,
    field: &str,
    required: bool,
) -> ApiResult<Option<Option<Uuid>>> {
    let value = if required {
        f.uuid(field, true).map(Some)
    } else {
        f.nullable_uuid(field, false)
    };
    if let Some(Some(pk)) = value
        && !refs::missing(conn, "authentik_flows.flow", &[json!(pk.to_string())])
            .await?
            .is_empty()
    {
        f.error(field, does_not_exist(pk));
        return Ok(None);
    }
    Ok(value)
}

/// A key pair reference: it must exist and hold a private key; `rsa_only` for encryption.
async fn keypair_ref(
    conn: &mut AnyConnection,
    f: &mut Fields<'_>,
    field: &str,
    rsa_only: bool,
) -> ApiResult<Option<Option<Uuid>>> {
    let Some(value) = f.nullable_uuid(field, false) else {
        return Ok(None);
    };
    let Some(pk) = value else {
        return Ok(Some(None));
    };
    let Some(kp) = certificates::get(conn, pk).await? else {
        f.error(field, does_not_exist(pk));
        return Ok(None);
    };
    if kp.key_data.trim().is_empty() {
        f.error(field, "The selected certificate has no private key.");
        return Ok(None);
    }
    if rsa_only && kp.private_key_type.as_deref() != Some("rsa") {
        f.error(field, "The encryption key must be an RSA key.");
        return Ok(None);
    }
    Ok(Some(Some(pk)))
}

/// `redirect_uris`: a list of `{matching_mode, url}`.
fn redirect_uris(f: &mut Fields<'_>) -> Option<Vec<RedirectUri>> {
    let value = f.any("redirect_uris")?;
    let Value::Array(items) = value else {
        f.error(
            "redirect_uris",
            format!(
                "Expected a list of items but got type \"{}\".",
                type_name(&value)
            ),
        );
        return None;
    };
    let mut out = Vec::new();
    for item in &items {
        let Some(entry) = item.as_object() else {
            f.error(
                "redirect_uris",
                format!(
                    "Invalid data. Expected a dictionary, but got {}.",
                    type_name(item)
                ),
            );
            return None;
        };
        let mode = match entry.get("matching_mode").and_then(Value::as_str) {
            Some("strict") => MatchingMode::Strict,
            Some("regex") => MatchingMode::Regex,
            Some(other) => {
                f.error(
                    "redirect_uris",
                    format!("\"{other}\" is not a valid choice."),
                );
                return None;
            }
            None => {
                f.error("redirect_uris", "matching_mode: This field is required.");
                return None;
            }
        };
        let url = match entry.get("url").and_then(Value::as_str) {
            Some(u) if !u.trim().is_empty() => u.to_string(),
            _ => {
                f.error("redirect_uris", "url: This field may not be blank.");
                return None;
            }
        };
        out.push(RedirectUri {
            matching_mode: mode,
            url,
        });
    }
    for bad in castellan_oauth::redirect_uri::invalid_regexes(&out) {
        f.error("redirect_uris", format!("Invalid Regex Pattern: {bad}"));
    }
    Some(out)
}

/// A lifetime field (`hours=1;minutes=2`).
fn validity(f: &mut Fields<'_>, field: &str) -> Option<String> {
    let v = f.string(field, false, false, TEXT_MAX)?;
    if let Err(e) = parse_timedelta(&v) {
        f.error(field, e);
        return None;
    }
    Some(v)
}

/// Validates `body` over `p` (`existing`: an update of that provider; `partial`: PATCH).
pub async fn validate(
    conn: &mut AnyConnection,
    body: &Map<String, Value>,
    partial: bool,
    mut p: OAuth2Provider,
    existing: bool,
) -> ApiResult<OAuth2Provider> {
    let except = existing.then_some(p.base.pk);
    let mut f = Fields::new(body, partial);
    if let Some(v) = f.string("name", true, false, TEXT_MAX) {
        if oauth2_providers::name_taken(conn, &v, except).await? {
            f.error("name", "provider with this name already exists.");
        }
        p.base.name = v;
    }
    if let Some(v) = flow_ref(conn, &mut f, "authentication_flow", false).await? {
        p.base.authentication_flow = v;
    }
    if let Some(v) = flow_ref(conn, &mut f, "authorization_flow", true).await? {
        p.base.authorization_flow = v;
    }
    if let Some(v) = flow_ref(conn, &mut f, "invalidation_flow", true).await? {
        p.base.invalidation_flow = v;
    }
    if let Some(list) = f.uuid_list("property_mappings") {
        let found = scope_mappings::get_many(conn, &list).await?;
        match list.iter().find(|pk| !found.iter().any(|m| m.pk == **pk)) {
            Some(missing) => f.error("property_mappings", does_not_exist(missing)),
            None => p.property_mappings = list,
        }
    }
    if let Some(v) = f.choice("client_type", ClientType::NAMES) {
        p.client_type = ClientType::parse(&v).unwrap_or_default();
    }
    if let Some(v) = f.string("client_id", false, false, CLIENT_MAX) {
        if oauth2_providers::client_id_taken(conn, &v, except).await? {
            f.error(
                "client_id",
                "OAuth2/OpenID Provider with this Client ID already exists.",
            );
        }
        p.client_id = v;
    }
    if let Some(v) = f.string("client_secret", false, true, CLIENT_MAX) {
        p.client_secret = v;
    }
    if let Some(v) = validity(&mut f, "access_code_validity") {
        p.access_code_validity = v;
    }
    if let Some(v) = validity(&mut f, "access_token_validity") {
        p.access_token_validity = v;
    }
    if let Some(v) = validity(&mut f, "refresh_token_validity") {
        p.refresh_token_validity = v;
    }
    if let Some(v) = f.boolean("include_claims_in_id_token") {
        p.include_claims_in_id_token = v;
    }
    if let Some(v) = keypair_ref(conn, &mut f, "signing_key", false).await? {
        p.signing_key = v;
    }
    if let Some(v) = keypair_ref(conn, &mut f, "encryption_key", true).await? {
        p.encryption_key = v;
    }
    if !partial && !f.present("redirect_uris") {
        f.error("redirect_uris", "This field is required.");
    }
    if let Some(v) = redirect_uris(&mut f) {
        p.redirect_uris = v;
    }
    if let Some(v) = f.choice("sub_mode", SubMode::NAMES) {
        p.sub_mode = SubMode::parse(&v).unwrap_or_default();
    }
    if let Some(v) = f.choice("issuer_mode", IssuerMode::NAMES) {
        p.issuer_mode = IssuerMode::parse(&v).unwrap_or_default();
    }
    if let Some(list) = f.uuid_list("jwks_sources") {
        let values: Vec<Value> = list.iter().map(|u| json!(u.to_string())).collect();
        match refs::missing(conn, "authentik_sources_oauth.oauthsource", &values)
            .await?
            .first()
        {
            Some(v) => f.error(
                "jwks_sources",
                does_not_exist(v.as_str().unwrap_or_default()),
            ),
            None => p.jwks_sources = list,
        }
    }
    f.finish()?;
    Ok(p)
}

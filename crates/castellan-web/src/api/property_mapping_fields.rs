//! The fields every property mapping validates alike (spec §1.11): `name`, unique among the
//! mappings of one model, and an `expression` that must compile.
use std::collections::BTreeMap;

use castellan_store::{AnyConnection, objects};
use serde_json::{Map, json};
use uuid::Uuid;

use super::model_api;
use crate::error::ApiResult;
use crate::fields::{Fields, TEXT_MAX};

/// Reads `name` and `expression` from the body into `name` and `expression`, recording field
/// errors; `except` is the mapping being updated (its own name is not a duplicate).
pub async fn name_and_expression(
    conn: &mut AnyConnection,
    f: &mut Fields<'_>,
    model: &str,
    except: Option<Uuid>,
    name: &mut String,
    expression: &mut String,
) -> ApiResult<()> {
    if let Some(v) = f.string("name", true, false, TEXT_MAX) {
        if objects::name_taken(conn, model, &v, except).await? {
            f.error("name", "Property Mapping with this name already exists.");
        }
        *name = v;
    }
    if let Some(v) = f.string("expression", true, false, TEXT_MAX) {
        let mut errors = BTreeMap::new();
        let mut config = Map::new();
        config.insert("expression".into(), json!(v));
        model_api::check_expression(&config, &mut errors);
        for message in errors.into_values().flatten() {
            f.error("expression", message);
        }
        *expression = v;
    }
    Ok(())
}

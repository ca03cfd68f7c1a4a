//! The JSON shapes of `/api/v3/managed/blueprints/` (`BlueprintInstance`, its requests,
//! `BlueprintFile`, `Metadata`) and of the flow import result (`FlowImportResult`, `LogEvent`).
use std::collections::BTreeMap;

use castellan_store::blueprints::BlueprintInstance;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

/// `BlueprintInstanceStatusEnum`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlueprintInstanceStatusEnum {
    /// Applied without errors.
    Successful,
    /// Applied with warnings.
    Warning,
    /// The last apply failed.
    Error,
    /// Its file is gone.
    Orphaned,
    /// Never applied.
    Unknown,
}

/// `BlueprintInstance`: info about a single blueprint instance file.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = BlueprintInstance)]
pub struct BlueprintInstanceJson {
    /// Instance uuid.
    pub pk: Uuid,
    /// Unique name.
    pub name: String,
    /// File under the blueprints directory ("" for inline content).
    #[schema(required = false)]
    pub path: String,
    /// Instance context.
    #[schema(value_type = Value, required = false)]
    pub context: Value,
    /// When it was last applied.
    pub last_applied: DateTime<Utc>,
    /// Hash of the content last applied.
    pub last_applied_hash: String,
    /// Outcome of the last apply.
    #[schema(value_type = BlueprintInstanceStatusEnum)]
    pub status: String,
    /// Whether it is applied automatically.
    #[schema(required = false)]
    pub enabled: bool,
    /// Models the blueprint manages.
    pub managed_models: Vec<String>,
    /// The blueprint's metadata.
    #[schema(value_type = Value)]
    pub metadata: Value,
    /// Inline content.
    #[schema(required = false)]
    pub content: String,
}

impl From<BlueprintInstance> for BlueprintInstanceJson {
    fn from(b: BlueprintInstance) -> Self {
        Self {
            pk: b.pk,
            name: b.name,
            path: b.path,
            context: b.context,
            last_applied: b.last_applied,
            last_applied_hash: b.last_applied_hash,
            status: b.status,
            enabled: b.enabled,
            managed_models: b.managed_models,
            metadata: b.metadata,
            content: b.content,
        }
    }
}

/// `BlueprintInstanceRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlueprintInstanceRequest {
    /// Unique name.
    #[schema(min_length = 1)]
    pub name: String,
    /// File under the blueprints directory.
    #[schema(required = false)]
    pub path: String,
    /// Instance context.
    #[schema(value_type = Value, required = false)]
    pub context: Value,
    /// Whether it is applied automatically.
    #[schema(required = false)]
    pub enabled: bool,
    /// Inline content.
    #[schema(required = false)]
    pub content: String,
}

/// `PatchedBlueprintInstanceRequest`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatchedBlueprintInstanceRequest {
    /// Unique name.
    #[schema(min_length = 1, required = false)]
    pub name: String,
    /// File under the blueprints directory.
    #[schema(required = false)]
    pub path: String,
    /// Instance context.
    #[schema(value_type = Value, required = false)]
    pub context: Value,
    /// Whether it is applied automatically.
    #[schema(required = false)]
    pub enabled: bool,
    /// Inline content.
    #[schema(required = false)]
    pub content: String,
}

/// `Metadata`: a blueprint's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct Metadata {
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, Value>,
}

/// `BlueprintFile`: a file in the blueprints directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct BlueprintFile {
    /// Path relative to the directory.
    pub path: String,
    /// Last modification.
    pub last_m: DateTime<Utc>,
    /// SHA-512 of the content.
    pub hash: String,
    /// Its metadata.
    pub meta: Metadata,
}

impl From<crate::blueprints::BlueprintFile> for BlueprintFile {
    fn from(f: crate::blueprints::BlueprintFile) -> Self {
        let labels = f
            .meta
            .get("labels")
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        Self {
            path: f.path,
            last_m: f.last_m,
            hash: f.hash,
            meta: Metadata {
                name: f
                    .meta
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                labels,
            },
        }
    }
}

/// `LogLevelEnum`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogLevelEnum {
    /// Critical.
    Critical,
    /// Exception.
    Exception,
    /// Error.
    Error,
    /// Warn.
    Warn,
    /// Warning.
    Warning,
    /// Info.
    Info,
    /// Debug.
    Debug,
    /// Not set.
    Notset,
}

/// `LogEvent`: one log message with its context.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEvent {
    /// When.
    pub timestamp: DateTime<Utc>,
    /// Level.
    #[schema(value_type = LogLevelEnum)]
    pub log_level: String,
    /// Logger name.
    pub logger: String,
    /// Message.
    pub event: String,
    /// Context (`line`, `column`, …).
    #[schema(value_type = Object)]
    pub attributes: Value,
}

/// `FlowImportResult`: logs of an attempted flow import.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlowImportResult {
    /// Log messages (every problem, with its position).
    pub logs: Vec<LogEvent>,
    /// Whether the flow was imported.
    pub success: bool,
}

/// Component schemas of the blueprint and flow import APIs.
#[derive(OpenApi)]
#[openapi(components(schemas(
    BlueprintInstanceJson,
    BlueprintInstanceRequest,
    PatchedBlueprintInstanceRequest,
    BlueprintInstanceStatusEnum,
    BlueprintFile,
    Metadata,
    FlowImportResult,
    LogEvent,
    LogLevelEnum
)))]
pub struct Doc;

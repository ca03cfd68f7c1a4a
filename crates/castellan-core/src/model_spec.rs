//! Declarative descriptions of polymorphic models (stage types, policy types, prompts, …): their
//! own fields, types, defaults and enums exactly as authentik's serializers declare them. The API,
//! the OpenAPI document and blueprints share these specs; [`validate`] turns a request body into a
//! complete configuration with Django REST framework's error messages.
use serde_json::{Map, Value};

mod validate;

pub use validate::{FieldErrors, output, references, type_name, valid_email, validate};

/// A named enum as authentik's OpenAPI document declares it (`UserFieldsEnum`, …).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnumSpec {
    /// Component name in the OpenAPI document.
    pub name: &'static str,
    /// Wire values, in authentik's order.
    pub values: &'static [&'static str],
}

/// The type of a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    /// Text, with an optional maximum length; `blank` allows "".
    Str {
        /// Maximum number of characters.
        max: Option<usize>,
        /// Whether "" is accepted.
        blank: bool,
    },
    /// An email address (at most 254 characters).
    Email,
    /// A slug (`^[-a-zA-Z0-9_]+$`).
    Slug,
    /// A boolean.
    Bool,
    /// An integer in `[min, max]`.
    Int {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A floating-point number.
    Float,
    /// One value of an enum.
    Enum(&'static EnumSpec),
    /// A foreign key to the model named (`authentik_flows.flow`); UUID, or integer for users.
    Fk(&'static str),
    /// A many-to-many list of keys of the model named.
    FkList(&'static str),
    /// A list of strings.
    StrList,
    /// A list of integers in `[min, max]`.
    IntList {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A list of enum values.
    EnumList(&'static EnumSpec),
    /// Any JSON value.
    Json,
    /// authentik's duration string (`hours=1;minutes=2`).
    TimeDelta,
    /// A computed list of objects of the named schema (read-only; the API fills it in). With a
    /// request schema it is also accepted (and ignored) in request bodies.
    Computed {
        /// Response item schema.
        schema: &'static str,
        /// Request item schema, when the field appears in request bodies.
        request: Option<&'static str>,
    },
}

/// A field's default, used when a create request omits it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldDefault {
    /// No default (required fields, computed fields).
    None,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(&'static str),
    /// `[]`.
    EmptyList,
    /// `{}`.
    EmptyObject,
    /// A list of strings.
    List(&'static [&'static str]),
}

impl FieldDefault {
    /// The default as JSON (`None` when there is none).
    pub fn value(self) -> Option<Value> {
        Some(match self {
            Self::None => return None,
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(b),
            Self::Int(i) => Value::from(i),
            Self::Float(f) => Value::from(f),
            Self::Str(s) => Value::from(s),
            Self::EmptyList => Value::Array(Vec::new()),
            Self::EmptyObject => Value::Object(Map::new()),
            Self::List(items) => Value::Array(items.iter().map(|s| Value::from(*s)).collect()),
        })
    }
}

/// One field of a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSpec {
    /// API name.
    pub name: &'static str,
    /// Type.
    pub ty: FieldType,
    /// Default when omitted on create.
    pub default: FieldDefault,
    /// Required on create/PUT.
    pub required: bool,
    /// Accepts `null`.
    pub nullable: bool,
    /// Accepted in requests, never returned (secrets).
    pub write_only: bool,
    /// Returned, never accepted.
    pub read_only: bool,
}

impl FieldSpec {
    /// A field of type `ty` with no default, optional, not nullable.
    pub const fn new(name: &'static str, ty: FieldType) -> Self {
        Self {
            name,
            ty,
            default: FieldDefault::None,
            required: false,
            nullable: false,
            write_only: false,
            read_only: false,
        }
    }
    /// Sets the default.
    pub const fn default(mut self, default: FieldDefault) -> Self {
        self.default = default;
        self
    }
    /// Marks the field required.
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    /// Marks the field nullable with a `null` default.
    pub const fn nullable(mut self) -> Self {
        self.nullable = true;
        self.default = FieldDefault::Null;
        self
    }
    /// Marks the field write-only.
    pub const fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    /// Marks the field read-only.
    pub const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }
}

/// Shorthands for the common field types.
pub mod f {
    use super::{EnumSpec, FieldDefault, FieldSpec, FieldType};

    /// Non-blank text with a default.
    pub const fn text(name: &'static str, default: &'static str) -> FieldSpec {
        FieldSpec::new(
            name,
            FieldType::Str {
                max: None,
                blank: false,
            },
        )
        .default(FieldDefault::Str(default))
    }
    /// Text that may be blank, default "".
    pub const fn blank_text(name: &'static str) -> FieldSpec {
        FieldSpec::new(
            name,
            FieldType::Str {
                max: None,
                blank: true,
            },
        )
        .default(FieldDefault::Str(""))
    }
    /// Required non-blank text.
    pub const fn required_text(name: &'static str) -> FieldSpec {
        FieldSpec::new(
            name,
            FieldType::Str {
                max: None,
                blank: false,
            },
        )
        .required()
    }
    /// A boolean with a default.
    pub const fn boolean(name: &'static str, default: bool) -> FieldSpec {
        FieldSpec::new(name, FieldType::Bool).default(FieldDefault::Bool(default))
    }
    /// A 32-bit integer with a default.
    pub const fn int(name: &'static str, default: i64) -> FieldSpec {
        FieldSpec::new(
            name,
            FieldType::Int {
                min: i32::MIN as i64,
                max: i32::MAX as i64,
            },
        )
        .default(FieldDefault::Int(default))
    }
    /// A non-negative 32-bit integer with a default.
    pub const fn uint(name: &'static str, default: i64) -> FieldSpec {
        FieldSpec::new(
            name,
            FieldType::Int {
                min: 0,
                max: i32::MAX as i64,
            },
        )
        .default(FieldDefault::Int(default))
    }
    /// An enum value with a default.
    pub const fn choice(
        name: &'static str,
        e: &'static EnumSpec,
        default: &'static str,
    ) -> FieldSpec {
        FieldSpec::new(name, FieldType::Enum(e)).default(FieldDefault::Str(default))
    }
    /// A nullable foreign key (default null).
    pub const fn fk(name: &'static str, model: &'static str) -> FieldSpec {
        FieldSpec::new(name, FieldType::Fk(model)).nullable()
    }
    /// A many-to-many list (default []).
    pub const fn fk_list(name: &'static str, model: &'static str) -> FieldSpec {
        FieldSpec::new(name, FieldType::FkList(model)).default(FieldDefault::EmptyList)
    }
    /// A duration string with a default.
    pub const fn timedelta(name: &'static str, default: &'static str) -> FieldSpec {
        FieldSpec::new(name, FieldType::TimeDelta).default(FieldDefault::Str(default))
    }
    /// A read-only computed list of `schema` objects.
    pub const fn computed(name: &'static str, schema: &'static str) -> FieldSpec {
        FieldSpec::new(
            name,
            FieldType::Computed {
                schema,
                request: None,
            },
        )
        .read_only()
    }
}

/// Extra object-level validation: `(field, message)` pairs for a complete configuration.
pub type Check = fn(&Map<String, Value>) -> Vec<(String, String)>;

/// A polymorphic model's description.
#[derive(Debug, Clone, Copy)]
pub struct ModelSpec {
    /// `meta_model_name`, e.g. `authentik_stages_identification.identificationstage`.
    pub model: &'static str,
    /// API path under `/api/v3`, without surrounding slashes (`stages/identification`).
    pub api: &'static str,
    /// Admin form component (`ak-stage-identification-form`).
    pub component: &'static str,
    /// Verbose name.
    pub verbose_name: &'static str,
    /// Plural verbose name.
    pub verbose_name_plural: &'static str,
    /// authentik's OpenAPI component name (`IdentificationStage`).
    pub schema_name: &'static str,
    /// Description shown in `…/types/` (the model's docstring).
    pub description: &'static str,
    /// The model's own fields, in authentik's order.
    pub fields: &'static [FieldSpec],
    /// Object-level validation run after the fields are valid.
    pub check: Option<Check>,
}

impl ModelSpec {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
    /// The app label (`authentik_stages_identification`).
    pub fn app_label(&self) -> &'static str {
        self.model
            .split_once('.')
            .map(|(a, _)| a)
            .unwrap_or(self.model)
    }
    /// The model name (`identificationstage`).
    pub fn model_name(&self) -> &'static str {
        self.model
            .split_once('.')
            .map(|(_, m)| m)
            .unwrap_or(self.model)
    }
}

#[cfg(test)]
mod tests;

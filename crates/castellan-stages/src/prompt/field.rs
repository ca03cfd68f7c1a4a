//! A prompt field as stored (spec §4.9), the values resolved for one request (choices,
//! placeholder, initial value) and how the challenge shows them.
pub use castellan_core::python::{py_str, truthy};
use serde_json::{Map, Value, json};

/// `radio-button-group` and `dropdown`: the placeholder defines the choices.
pub const CHOICE_TYPES: [&str; 2] = ["radio-button-group", "dropdown"];
/// Types whose value is forced to the configured one, whatever the response says.
pub const FORCED_TYPES: [&str; 4] = ["hidden", "static", "text_read_only", "text_area_read_only"];
/// Suffix of the `prompt_data` key that overrides a choice field's choices.
pub const CHOICES_SUFFIX: &str = "__choices";

/// A prompt field's settings, read leniently (missing or mistyped keys take the defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct PromptField {
    /// Form field name and `prompt_data` key.
    pub field_key: String,
    /// Label.
    pub label: String,
    /// Field type (`text`, `email`, …).
    pub kind: String,
    /// Whether a value is required.
    pub required: bool,
    /// Placeholder (for choice fields: the choices).
    pub placeholder: String,
    /// Initial value.
    pub initial_value: String,
    /// Display order.
    pub order: i64,
    /// Help text.
    pub sub_text: String,
    /// The placeholder is an expression.
    pub placeholder_expression: bool,
    /// The initial value is an expression.
    pub initial_value_expression: bool,
}

fn text(m: &Map<String, Value>, key: &str) -> String {
    m.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn flag(m: &Map<String, Value>, key: &str, default: bool) -> bool {
    m.get(key).and_then(Value::as_bool).unwrap_or(default)
}

impl PromptField {
    /// Reads a stored prompt's settings.
    pub fn from_map(m: &Map<String, Value>) -> Self {
        Self {
            field_key: text(m, "field_key"),
            label: text(m, "label"),
            kind: text(m, "type"),
            required: flag(m, "required", true),
            placeholder: text(m, "placeholder"),
            initial_value: text(m, "initial_value"),
            order: m.get("order").and_then(Value::as_i64).unwrap_or(0),
            sub_text: text(m, "sub_text"),
            placeholder_expression: flag(m, "placeholder_expression", false),
            initial_value_expression: flag(m, "initial_value_expression", false),
        }
    }

    /// A fixed-choice field.
    pub fn is_choice(&self) -> bool {
        CHOICE_TYPES.contains(&self.kind.as_str())
    }

    /// A field whose submitted value is replaced by the configured one.
    pub fn is_forced(&self) -> bool {
        FORCED_TYPES.contains(&self.kind.as_str())
    }
}

/// A field with its values for this request.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The field.
    pub field: PromptField,
    /// Choices (choice fields only).
    pub choices: Option<Vec<Value>>,
    /// Placeholder ("" for choice fields).
    pub placeholder: Value,
    /// Initial value.
    pub initial: Value,
}

impl Resolved {
    /// The challenge entry: every value as Python's `str()` would show it.
    pub fn challenge_json(&self) -> Value {
        let f = &self.field;
        let choices = match &self.choices {
            Some(list) if !list.is_empty() => {
                Value::Array(list.iter().map(|c| Value::String(py_str(c))).collect())
            }
            _ => Value::Null,
        };
        json!({
            "field_key": f.field_key,
            "label": f.label,
            "type": f.kind,
            "required": f.required,
            "placeholder": py_str(&self.placeholder),
            "initial_value": py_str(&self.initial),
            "order": f.order,
            "sub_text": f.sub_text,
            "choices": choices,
        })
    }

    /// The value a response may leave out (DRF's field `default`: a truthy initial value).
    pub fn default(&self) -> Option<Value> {
        truthy(&self.initial).then(|| self.initial.clone())
    }

    /// The value a forced field (hidden, static, read-only) always takes.
    pub fn forced_value(&self) -> Value {
        if let Some(v) = self.default() {
            return v;
        }
        match self.field.kind.as_str() {
            "hidden" | "static" => Value::String(self.field.placeholder.clone()),
            _ => Value::String(String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_str() {
        assert_eq!(py_str(&json!("a")), "a");
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(["a", 1, "it's"])), "['a', 1, \"it's\"]");
        assert_eq!(py_str(&json!({"k": false})), "{'k': False}");
        assert_eq!(
            py_str(&json!(["a\nb\\", "it's \"q\"", "\u{1}"])),
            "['a\\nb\\\\', 'it\\'s \"q\"', '\\x01']"
        );
    }

    #[test]
    fn lenient_settings() {
        let m = json!({"field_key": "x", "type": "text", "order": "bad", "required": 1});
        let f = PromptField::from_map(m.as_object().unwrap_or(&Map::new()));
        assert_eq!((f.order, f.required, f.label.as_str()), (0, true, ""));
    }
}

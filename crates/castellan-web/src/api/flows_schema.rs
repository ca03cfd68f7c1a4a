//! Component schemas of `/flows/instances/` (`Flow`, `FlowSet`, their request bodies, the
//! diagram and cache answers, and the flow enums).
use std::collections::BTreeMap;

use castellan_core::flow::{DeniedAction, FlowAuthentication, FlowDesignation, FlowLayout};
use serde_json::{Value, json};

fn enum_schema(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

/// Component schemas of flows (and the enums they use).
pub fn schemas() -> Vec<(String, Value)> {
    let r = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
    let s = json!({"type": "string"});
    let ro_uuid = json!({"type": "string", "format": "uuid", "readOnly": true});
    let ro_str = json!({"type": "string", "readOnly": true});
    let uuids =
        json!({"type": "array", "items": {"type": "string", "format": "uuid"}, "readOnly": true});
    let mut flow = BTreeMap::new();
    let props = |pairs: Vec<(&str, Value)>| {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    let writable = || {
        vec![
            ("name", s.clone()),
            ("slug", s.clone()),
            ("title", s.clone()),
            ("designation", r("FlowDesignationEnum")),
            ("policy_engine_mode", r("PolicyEngineMode")),
            ("compatibility_mode", json!({"type": "boolean"})),
            ("layout", r("FlowLayoutEnum")),
            ("denied_action", r("DeniedActionEnum")),
        ]
    };
    let mut full = vec![
        ("pk", ro_uuid.clone()),
        ("policybindingmodel_ptr_id", ro_uuid.clone()),
    ];
    full.extend(writable().into_iter().take(4));
    full.extend([
        ("background", ro_str.clone()),
        ("stages", uuids.clone()),
        ("policies", uuids),
        ("cache_count", json!({"type": "integer", "readOnly": true})),
    ]);
    full.extend(writable().into_iter().skip(4).take(2));
    full.push(("export_url", ro_str.clone()));
    full.extend(writable().into_iter().skip(6));
    full.push(("authentication", r("AuthenticationEnum")));
    let set: Vec<(&str, Value)> = full
        .iter()
        .filter(|(k, _)| !["stages", "policies", "cache_count", "authentication"].contains(k))
        .cloned()
        .collect();
    let mut req = writable();
    req.push(("authentication", r("AuthenticationEnum")));
    let required = |v: &[&str]| json!(v);
    flow.insert("Flow", json!({"type": "object", "properties": props(full), "required": required(&["background", "cache_count", "designation", "export_url", "name", "pk", "policies", "policybindingmodel_ptr_id", "slug", "stages", "title"])}));
    flow.insert("FlowSet", json!({"type": "object", "properties": props(set), "required": required(&["background", "designation", "export_url", "name", "pk", "policybindingmodel_ptr_id", "slug", "title"])}));
    flow.insert("FlowRequest", json!({"type": "object", "properties": props(req.clone()), "required": required(&["designation", "name", "slug", "title"])}));
    flow.insert(
        "PatchedFlowRequest",
        json!({"type": "object", "properties": props(req)}),
    );
    flow.insert("FlowSetRequest", json!({"type": "object", "properties": props(writable()), "required": required(&["designation", "name", "slug", "title"])}));
    flow.insert(
        "FlowDiagram",
        json!({"type": "object", "properties": {"diagram": ro_str}, "required": ["diagram"]}),
    );
    flow.insert("Cache", json!({"type": "object", "properties": {"count": {"type": "integer", "readOnly": true}}, "required": ["count"]}));
    flow.insert("FlowDesignationEnum", enum_schema(FlowDesignation::NAMES));
    flow.insert("FlowLayoutEnum", enum_schema(FlowLayout::NAMES));
    flow.insert("DeniedActionEnum", enum_schema(DeniedAction::NAMES));
    flow.insert("AuthenticationEnum", enum_schema(FlowAuthentication::NAMES));
    flow.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

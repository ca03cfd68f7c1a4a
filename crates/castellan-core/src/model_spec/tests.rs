//! Tests of the model-spec validation.
#![allow(clippy::unwrap_used)]
use serde_json::{Map, Value, json};

use super::f;
use super::*;

static MODE: EnumSpec = EnumSpec {
    name: "ModeEnum",
    values: &["a", "b"],
};

static FIELDS: &[FieldSpec] = &[
    f::required_text("title"),
    f::boolean("flag", true),
    f::uint("count", 5),
    f::choice("mode", &MODE, "a"),
    f::fk("flow", "authentik_flows.flow"),
    f::fk_list("stages", "authentik_flows.stage"),
    f::timedelta("expires", "weeks=4"),
    f::blank_text("secret").write_only(),
    f::computed("things_obj", "Thing"),
];

static SPEC: ModelSpec = ModelSpec {
    model: "app.model",
    api: "things/model",
    component: "ak-thing-form",
    verbose_name: "Thing",
    verbose_name_plural: "Things",
    schema_name: "Thing",
    description: "A thing.",
    fields: FIELDS,
    check: None,
};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn fills_defaults_and_requires() {
    let err = validate(&SPEC, &Map::new(), false, None).unwrap_err();
    assert_eq!(err["title"], ["This field is required."]);
    let ok = validate(
        &SPEC,
        &obj(json!({"title": "x", "secret": "s"})),
        false,
        None,
    )
    .unwrap();
    assert_eq!(
        Value::Object(ok.clone()),
        json!({"title": "x", "flag": true, "count": 5, "mode": "a", "flow": null,
               "stages": [], "expires": "weeks=4", "secret": "s"})
    );
    let out = output(&SPEC, &ok);
    assert!(!out.contains_key("secret"));
    assert_eq!(out.len(), 7);
    assert!(validate(&SPEC, &Map::new(), true, Some(&ok)).is_ok());
}

#[test]
fn drf_messages() {
    let body = obj(json!({
        "title": "", "flag": "maybe", "count": -1, "mode": "c", "flow": "nope",
        "stages": "x", "expires": "soon"
    }));
    let err = validate(&SPEC, &body, false, None).unwrap_err();
    assert_eq!(err["title"], ["This field may not be blank."]);
    assert_eq!(err["flag"], ["Must be a valid boolean."]);
    assert_eq!(
        err["count"],
        ["Ensure this value is greater than or equal to 0."]
    );
    assert_eq!(err["mode"], ["\"c\" is not a valid choice."]);
    assert_eq!(err["flow"], ["\u{201c}nope\u{201d} is not a valid UUID."]);
    assert_eq!(
        err["stages"],
        ["Expected a list of items but got type \"str\"."]
    );
    assert_eq!(
        err["expires"],
        ["soon is not in the correct format of 'hours=3;minutes=1'."]
    );
    let err = validate(&SPEC, &obj(json!({"title": null})), true, None).unwrap_err();
    assert_eq!(err["title"], ["This field may not be null."]);
}

#[test]
fn references_and_partial_updates() {
    let flow = "6f0b5c6e-4bd5-4a43-9c5d-2a8b7f3e1c11";
    let cfg = validate(
        &SPEC,
        &obj(json!({"title": "t", "flow": flow.to_uppercase(), "stages": [flow]})),
        false,
        None,
    )
    .unwrap();
    assert_eq!(cfg["flow"], flow);
    let refs = references(&SPEC, &cfg);
    assert_eq!(refs.len(), 2);
    assert_eq!(refs[0].1, "authentik_flows.flow");
    let patched = validate(&SPEC, &obj(json!({"count": "7"})), true, Some(&cfg)).unwrap();
    assert_eq!(patched["count"], 7);
    assert_eq!(patched["flow"], flow);
}

#[test]
fn emails() {
    assert!(valid_email("system@authentik.local"));
    assert!(!valid_email("nope"));
    assert!(!valid_email("a b@c.d"));
}

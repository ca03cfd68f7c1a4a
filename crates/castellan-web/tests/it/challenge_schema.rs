//! The documented challenge unions describe what the executor really sends and reads: Castellan's
//! recorded challenges, a live prompt challenge with and without errors, and authentik's recorded executor
//! exchanges validate against `ChallengeTypes` and `FlowChallengeResponseRequest`.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::flow_prompt::{flow, prompt, stage};

/// Records where `value` does not fit `schema` (refs resolved in `root`), each with its path.
fn validate(value: &Value, schema: &Value, root: &Value, at: &str, out: &mut Vec<String>) {
    // `{}` (e.g. `additionalProperties: {}` of free-form objects) admits any value.
    if schema.as_object().is_some_and(serde_json::Map::is_empty) {
        return;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = root
            .pointer(&r.replace("#/", "/"))
            .unwrap_or_else(|| panic!("{r} does not resolve"));
        return validate(value, target, root, at, out);
    }
    if value.is_null() {
        if schema.get("nullable") != Some(&Value::Bool(true)) {
            out.push(format!("{at}: null, not nullable"));
        }
        return;
    }
    if let Some(d) = schema.get("discriminator") {
        let key = d["propertyName"].as_str().unwrap_or_default();
        let tag = value[key].as_str().unwrap_or_default();
        match d["mapping"][tag].as_str() {
            Some(r) => validate(value, &json!({"$ref": r}), root, at, out),
            None => out.push(format!("{at}: no member for {key} `{tag}`")),
        }
        return;
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for s in all {
            validate(value, s, root, at, out);
        }
        return;
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(value)
    {
        out.push(format!("{at}: {value} not in {values:?}"));
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    let fits = match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        _ => true,
    };
    if !fits {
        out.push(format!("{at}: {value} is not {kind}"));
        return;
    }
    if let Some(m) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, v) in m {
            let path = format!("{at}.{k}");
            match (
                props.and_then(|p| p.get(k)),
                schema.get("additionalProperties"),
            ) {
                (Some(s), _) => validate(v, s, root, &path, out),
                (None, Some(extra)) if extra.is_object() => validate(v, extra, root, &path, out),
                (None, _) => out.push(format!("{path}: not documented")),
            }
        }
        let required = schema.get("required").and_then(Value::as_array);
        for name in required.into_iter().flatten().filter_map(Value::as_str) {
            if !m.contains_key(name) {
                out.push(format!("{at}.{name}: required but missing"));
            }
        }
    }
    if let Some(items) = value.as_array() {
        for (i, v) in items.iter().enumerate() {
            validate(v, &schema["items"], root, &format!("{at}[{i}]"), out);
        }
    }
}

/// Fails unless `value` fits the documented component schema `name`.
pub(crate) fn assert_fits(doc: &Value, value: &Value, name: &str, what: &str) {
    let mut out = Vec::new();
    let schema = json!({"$ref": format!("#/components/schemas/{name}")});
    validate(value, &schema, doc, "$", &mut out);
    assert!(
        out.is_empty(),
        "{what} does not fit {name}: {out:#?}\n{value}"
    );
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_validator_sees_problems() {
    let doc = castellan_web::openapi::document();
    let mut out = Vec::new();
    let bad = json!({"component": "ak-stage-password", "pending_user": 1, "extra": true});
    validate(
        &bad,
        &json!({"$ref": "#/components/schemas/ChallengeTypes"}),
        &doc,
        "$",
        &mut out,
    );
    assert_eq!(
        out,
        [
            "$.pending_user: 1 is not string",
            "$.extra: not documented",
            "$.pending_user_avatar: required but missing"
        ]
    );
    let mut out = Vec::new();
    let unknown = json!({"component": "ak-source-plex"});
    let schema = json!({"$ref": "#/components/schemas/ChallengeTypes"});
    validate(&unknown, &schema, &doc, "$", &mut out);
    assert_eq!(out, ["$: no member for component `ak-source-plex`"]);
}

#[test]
fn recorded_challenges_fit_the_documented_schema() {
    let doc = castellan_web::openapi::document();
    let dir = format!("{}/tests/golden/challenges", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("golden challenges") {
        let path = entry.expect("entry").path();
        let name = path.display().to_string();
        assert_fits(&doc, &read_json(&name), "ChallengeTypes", &name);
        seen += 1;
    }
    assert!(seen >= 8, "only {seen} golden challenges");
    // authentik's own exchanges: the challenges it sent and the responses it accepted.
    let golden = format!(
        "{}/../../../shared/reference/authentik-2024.10/golden",
        env!("CARGO_MANIFEST_DIR")
    );
    for file in [
        "default-authentication-flow.json",
        "default-invalidation-flow.json",
    ] {
        let recorded = read_json(&format!("{golden}/{file}"));
        let steps = match recorded {
            Value::Array(steps) => steps,
            one => vec![one],
        };
        for (i, step) in steps.iter().enumerate() {
            let what = format!("{file} step {i}");
            assert_fits(&doc, &step["challenge"], "ChallengeTypes", &what);
            if step["request"].is_object() {
                let request = &step["request"];
                assert_fits(&doc, request, "FlowChallengeResponseRequest", &what);
            }
        }
    }
}

db_test!(
    live_challenges_fit_the_documented_schema,
    |app: TestApp| async move {
        let doc = castellan_web::openapi::document();
        let fields = vec![
        prompt(&app, "s-text", json!({"field_key": "nick", "type": "text", "sub_text": "help", "order": 2})).await,
        prompt(&app, "s-choice", json!({"field_key": "color", "type": "dropdown", "placeholder": "return ['red', 7]", "placeholder_expression": true, "order": 1})).await,
        prompt(&app, "s-num", json!({"field_key": "n", "type": "number", "required": false})).await,
    ];
        let s = stage(
            &app,
            "stages/prompt/stages",
            json!({"name": "shape", "fields": fields}),
        )
        .await;
        flow(&app, "shape", json!({}), &[s]).await;
        let mut c = FlowClient::new(&app, "shape");
        let shown = c.get().await.json;
        assert_eq!(shown["component"], "ak-stage-prompt");
        assert_fits(&doc, &shown, "ChallengeTypes", "prompt challenge");
        let answer = json!({"component": "ak-stage-prompt", "nick": "", "color": "blue", "n": "x"});
        assert_fits(
            &doc,
            &answer,
            "FlowChallengeResponseRequest",
            "prompt response",
        );
        let invalid = c.post(answer).await.json;
        assert!(invalid["response_errors"].is_object(), "{invalid}");
        assert_fits(
            &doc,
            &invalid,
            "ChallengeTypes",
            "prompt challenge with errors",
        );
    }
);

//! Every prompt field type of authentik (spec §4.9): the challenge entry of each, the value
//! each keeps in `prompt_data` for a valid answer, and the type errors.
use castellan_testkit::flow_client::FlowClient;
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use super::{flow, prompt, stage};

/// (field_key, type, extra settings) for every type.
fn all_types() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("t_text", "text", json!({})),
        ("t_area", "text_area", json!({})),
        ("t_ro", "text_read_only", json!({"initial_value": "fixed"})),
        (
            "t_area_ro",
            "text_area_read_only",
            json!({"initial_value": "fixed area"}),
        ),
        ("t_user", "username", json!({})),
        ("t_mail", "email", json!({})),
        ("t_pw", "password", json!({})),
        ("t_num", "number", json!({})),
        ("t_box", "checkbox", json!({})),
        (
            "t_radio",
            "radio-button-group",
            json!({"placeholder": "return ['x', 'y']", "placeholder_expression": true}),
        ),
        ("t_drop", "dropdown", json!({"placeholder": "only"})),
        ("t_date", "date", json!({})),
        ("t_dt", "date-time", json!({})),
        ("t_file", "file", json!({})),
        ("t_sep", "separator", json!({"required": false})),
        (
            "t_hidden",
            "hidden",
            json!({"placeholder": "secret-default"}),
        ),
        (
            "t_static",
            "static",
            json!({"initial_value": "<b>Hello</b>"}),
        ),
        ("t_locale", "ak-locale", json!({"required": false})),
    ]
}

const KEYS: &str = "['t_text', 't_area', 't_ro', 't_area_ro', 't_user', 't_mail', 't_pw', 't_num', 't_box', 't_radio', 't_drop', 't_date', 't_dt', 't_file', 't_sep', 't_hidden', 't_static', 't_locale']";

async fn types_flow(app: &TestApp) {
    let mut fields = Vec::new();
    for (i, (key, kind, extra)) in all_types().into_iter().enumerate() {
        let mut body = json!({"field_key": key, "type": kind, "order": i});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        fields.push(prompt(app, &format!("ty-{key}"), body).await);
    }
    let s = stage(
        app,
        "stages/prompt/stages",
        json!({"name": "types", "fields": fields}),
    )
    .await;
    // A second prompt shows what the first one stored.
    let echo = prompt(
        app,
        "ty-echo",
        json!({"field_key": "echo", "type": "text_area", "initial_value_expression": true,
               "initial_value": format!("return [prompt_context.get(k) for k in {KEYS}]")}),
    )
    .await;
    let s2 = stage(
        app,
        "stages/prompt/stages",
        json!({"name": "types-echo", "fields": [echo]}),
    )
    .await;
    flow(app, "types", json!({}), &[s, s2]).await;
}

fn answer() -> Value {
    json!({"component": "ak-stage-prompt", "t_text": "  keep spaces ", "t_area": "line1\nline2",
           "t_ro": "forged", "t_area_ro": "forged", "t_user": " newname ", "t_mail": "a@example.org",
           "t_pw": " pw with spaces ", "t_num": "42", "t_box": "on", "t_radio": "y", "t_drop": "only",
           "t_date": "2024-10-01", "t_dt": "2024-10-01T12:30:00+02:00",
           "t_file": "data:text/plain;base64,aGVsbG8=", "t_hidden": "forged", "t_static": "forged",
           "t_locale": "de"})
}

db_test!(every_prompt_type, |app: TestApp| async move {
    types_flow(&app).await;
    let mut c = FlowClient::new(&app, "types");
    let r = c.get().await;
    assert_eq!(r.status, 200, "{}", r.text);
    let fields = r.json["fields"].as_array().unwrap().clone();
    assert_eq!(fields.len(), 18);
    for (f, (key, kind, _)) in fields.iter().zip(all_types()) {
        assert_eq!(
            (f["field_key"].as_str(), f["type"].as_str()),
            (Some(key), Some(kind))
        );
        let mut names: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "choices",
                "field_key",
                "initial_value",
                "label",
                "order",
                "placeholder",
                "required",
                "sub_text",
                "type"
            ],
            "{f}"
        );
        let choices = !f["choices"].is_null();
        assert_eq!(
            choices,
            kind == "radio-button-group" || kind == "dropdown",
            "{f}"
        );
    }
    assert_eq!(fields[9]["choices"], json!(["x", "y"]));
    assert_eq!(fields[9]["initial_value"], "x");
    assert_eq!(fields[10]["choices"], json!(["only"]));
    assert_eq!(fields[15]["placeholder"], "secret-default");
    assert_eq!(fields[16]["initial_value"], "<b>Hello</b>");

    // Type errors, one field at a time.
    let bad: Vec<(&str, Value, &str)> = vec![
        ("t_num", json!("4.5"), "A valid integer is required."),
        ("t_box", json!("maybe"), "Must be a valid boolean."),
        ("t_radio", json!("z"), "\"z\" is not a valid choice."),
        ("t_drop", json!("x"), "\"x\" is not a valid choice."),
        (
            "t_date",
            json!("2024-13-01"),
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
        ),
        (
            "t_dt",
            json!("yesterday"),
            "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
        ("t_file", json!("http://example.org/x"), "Invalid scheme"),
        ("t_file", json!("data:text/plain,hello"), "Invalid encoding"),
        ("t_mail", json!("a@"), "Enter a valid email address."),
        ("t_text", json!(""), "This field may not be blank."),
        ("t_area", json!({"a": 1}), "Not a valid string."),
        ("t_pw", json!([]), "Not a valid string."),
        ("t_sep", json!(""), "This field may not be blank."),
    ];
    for (key, value, message) in bad {
        let mut body = answer();
        body[key] = value.clone();
        let r = c.post(body).await;
        assert_eq!(
            r.json["component"], "ak-stage-prompt",
            "{key}={value}: {}",
            r.text
        );
        assert_eq!(
            r.json["response_errors"][key][0]["string"], message,
            "{key}={value}: {}",
            r.text
        );
    }

    // Stored values: text keeps its spaces, the username and the password are trimmed (DRF's
    // CharField, as in authentik), read-only, hidden and static fields keep their configured
    // value, date-times are UTC, an unanswered separator stores nothing.
    let r = c.post(answer()).await;
    assert_eq!(r.json["component"], "ak-stage-prompt", "{}", r.text);
    assert_eq!(r.json["fields"][0]["field_key"], "echo", "{}", r.text);
    assert_eq!(
        r.json["fields"][0]["initial_value"],
        "['  keep spaces ', 'line1\\nline2', 'fixed', 'fixed area', 'newname', 'a@example.org', \
         'pw with spaces', 42, True, 'y', 'only', '2024-10-01', '2024-10-01T10:30:00+00:00', \
         'data:text/plain;base64,aGVsbG8=', None, 'secret-default', '<b>Hello</b>', 'de']"
    );
});

//! Export: emitted YAML reads back to the same entries; hashing.

use castellan_blueprints::{ExportEntry, ExportValue, State, check, content_hash, export, parse};
use serde_json::json;

fn s(v: &str) -> ExportValue {
    ExportValue::Str(v.to_owned())
}

fn pairs(items: &[(&str, ExportValue)]) -> Vec<(String, ExportValue)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Exports, parses back and compares every entry.
fn round_trip(entries: &[ExportEntry]) -> String {
    let text = export(entries, "Exported: test #1");
    let bp = parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(bp.version, 1);
    assert_eq!(
        bp.metadata.as_ref().map(|m| m.name.as_str()),
        Some("Exported: test #1")
    );
    let back: Vec<ExportEntry> = bp
        .entries
        .iter()
        .map(|e| ExportEntry::from_entry(e).expect("only !KeyOf tags"))
        .collect();
    assert_eq!(back, entries, "\n{text}");
    assert!(check(&text, &|_| true).is_empty(), "{text}");
    text
}

#[test]
fn simple_export_text() {
    let entries = vec![
        ExportEntry {
            model: "authentik_flows.flow".into(),
            id: Some("flow".into()),
            state: State::Present,
            identifiers: pairs(&[("slug", s("default-login"))]),
            attrs: pairs(&[
                ("name", s("Welcome to authentik!")),
                ("designation", s("authentication")),
                ("compatibility_mode", ExportValue::Bool(false)),
            ]),
        },
        ExportEntry {
            model: "authentik_flows.flowstagebinding".into(),
            id: None,
            state: State::Created,
            identifiers: pairs(&[
                ("target", ExportValue::KeyOf("flow".into())),
                ("order", ExportValue::Int(10)),
            ]),
            attrs: vec![],
        },
    ];
    let text = round_trip(&entries);
    assert_eq!(
        text,
        "\
version: 1
metadata:
  name: \"Exported: test #1\"
entries:
- model: authentik_flows.flow
  id: flow
  identifiers:
    slug: default-login
  attrs:
    name: Welcome to authentik!
    designation: authentication
    compatibility_mode: false
- model: authentik_flows.flowstagebinding
  state: created
  identifiers:
    target: !KeyOf flow
    order: 10
"
    );
}

#[test]
fn tricky_values_round_trip() {
    let tricky = [
        "",
        " leading",
        "trailing ",
        "yes",
        "no",
        "True",
        "null",
        "~",
        "123",
        "1.5",
        "0x1F",
        "-x",
        "- x",
        "a: b",
        "a #b",
        "#c",
        "[x]",
        "{x}",
        "x, y",
        "*alias",
        "&anchor",
        "!tag",
        "%s.view_%s",
        "@at",
        "`tick`",
        "'single'",
        "\"double\"",
        "back\\slash",
        "tab\there",
        "üñíçødé ✓",
        "line\n",
        "two\nlines",
        "keep\n\n",
        "\n",
        "\nleading newline",
        "  indented\nblock",
        "ends with\nno newline",
        "expr = 1\n    return True\n",
        "bell\u{7}",
        "cr\r\nlf",
    ];
    let attrs: Vec<(String, ExportValue)> = tricky
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("f{i}"), s(t)))
        .chain([
            (" odd key: #".to_owned(), s("v")),
            ("float".to_owned(), ExportValue::Float(0.1)),
            ("tiny".to_owned(), ExportValue::Float(1e-7)),
            ("huge".to_owned(), ExportValue::Float(1e20)),
            ("whole".to_owned(), ExportValue::Float(2.0)),
            ("neg".to_owned(), ExportValue::Int(-5)),
            ("none".to_owned(), ExportValue::Null),
            ("empty_list".to_owned(), ExportValue::Seq(vec![])),
            ("empty_map".to_owned(), ExportValue::Map(vec![])),
            (
                "nested".to_owned(),
                ExportValue::Seq(vec![
                    ExportValue::Map(pairs(&[
                        ("a", ExportValue::KeyOf("my id".into())),
                        ("b", s("multi\nline")),
                    ])),
                    ExportValue::Seq(vec![ExportValue::Int(1), ExportValue::Seq(vec![s("deep")])]),
                    s("block\nin list\n"),
                    ExportValue::KeyOf("x".into()),
                ]),
            ),
        ])
        .collect();
    let entries = vec![
        ExportEntry {
            model: "a.x".into(),
            id: Some("x".into()),
            state: State::Present,
            identifiers: pairs(&[("k", s("x"))]),
            attrs: vec![],
        },
        ExportEntry {
            model: "a.my".into(),
            id: Some("my id".into()),
            state: State::MustCreated,
            identifiers: pairs(&[("name", s("x: y"))]),
            attrs: vec![],
        },
        ExportEntry {
            model: "a.b".into(),
            id: None,
            state: State::Absent,
            identifiers: pairs(&[("pk", ExportValue::Int(1))]),
            attrs,
        },
    ];
    let text = round_trip(&entries);
    assert!(
        text.contains("    f31: |-\n      two\n      lines\n"),
        "{text}"
    );
    assert!(text.contains("    f32: |+\n      keep\n\n"), "{text}");
    assert!(
        text.contains("    f37: |\n      expr = 1\n          return True\n"),
        "{text}"
    );
}

#[test]
fn export_values_from_json() {
    let v = ExportValue::from(json!({"a": [1, 2.5, null, true, "s"]}));
    assert_eq!(
        v,
        ExportValue::Map(vec![(
            "a".into(),
            ExportValue::Seq(vec![
                ExportValue::Int(1),
                ExportValue::Float(2.5),
                ExportValue::Null,
                ExportValue::Bool(true),
                s("s"),
            ])
        )])
    );
    assert_eq!(
        export(&[], "empty"),
        "version: 1\nmetadata:\n  name: empty\nentries: []\n"
    );
}

#[test]
fn content_hash_is_sha512_hex() {
    assert_eq!(
        content_hash("abc"),
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
    );
    assert_eq!(content_hash("").len(), 128);
}

#[test]
fn find_references_round_trip() {
    let entries = vec![ExportEntry {
        model: "authentik_stages_password.passwordstage".into(),
        id: Some("stage-default-authentication-password".into()),
        state: State::Present,
        identifiers: pairs(&[("name", s("default-authentication-password"))]),
        attrs: pairs(&[
            (
                "configure_flow",
                ExportValue::Find {
                    model: "authentik_flows.flow".into(),
                    field: "slug".into(),
                    value: "default-password-change".into(),
                },
            ),
            (
                "policies",
                ExportValue::Seq(vec![ExportValue::Find {
                    model: "authentik_policies_expression.expressionpolicy".into(),
                    field: "name".into(),
                    value: "a name, with [brackets]".into(),
                }]),
            ),
        ]),
    }];
    let text = round_trip(&entries);
    assert!(
        text.contains(
            "configure_flow: !Find [authentik_flows.flow, [slug, default-password-change]]"
        ),
        "{text}"
    );
    assert!(
        text.contains("- !Find [authentik_policies_expression.expressionpolicy, [name, \"a name, with [brackets]\"]]"),
        "{text}"
    );
}

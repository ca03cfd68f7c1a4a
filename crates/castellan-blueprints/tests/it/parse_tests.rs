//! Parsing and validation: tree shape, tags, positions, and reporting every error at once.

use castellan_blueprints::{
    BlueprintError, Mark, NodeValue, State, TagForm, TagKind, check, parse, validate,
};

fn all(_: &str) -> bool {
    true
}

fn err(line: usize, column: usize, message: &str) -> BlueprintError {
    BlueprintError {
        line,
        column,
        message: message.to_owned(),
    }
}

#[test]
fn parses_metadata_context_and_entries() {
    let text = "\
version: 1
metadata:
  name: Example
  labels:
    blueprints.goauthentik.io/instantiate: \"false\"
context:
  greeting: !Env [GREETING, hello]
entries:
  - model: authentik_flows.flow
    id: flow
    state: must_created
    identifiers:
      slug: example
    attrs:
      name: !Format [\"%s flow\", !Context greeting]
  - model: authentik_flows.flowstagebinding
    conditions:
      - !If [true]
    identifiers:
      target: !KeyOf flow
      order: 10
    permissions:
      - permission: view_flowstagebinding
        role: !Find [authentik_rbac.role, [name, admins]]
";
    let bp = parse(text).expect("parse");
    assert_eq!(bp.version, 1);
    let meta = bp.metadata.as_ref().expect("metadata");
    assert_eq!(meta.name, "Example");
    assert_eq!(
        meta.labels["blueprints.goauthentik.io/instantiate"],
        "false"
    );
    let greeting = bp.context["greeting"].as_tag().expect("tag");
    assert_eq!(
        (greeting.kind, greeting.form, greeting.args.len()),
        (TagKind::Env, TagForm::Sequence, 2)
    );
    assert_eq!(bp.entries.len(), 2);
    let flow = &bp.entries[0];
    assert_eq!(flow.model, "authentik_flows.flow");
    assert_eq!(flow.state, State::MustCreated);
    assert_eq!(flow.id.as_deref(), Some("flow"));
    assert_eq!(flow.mark, Mark::new(9, 5));
    assert_eq!(flow.model_mark, Mark::new(9, 12));
    assert_eq!(
        flow.identifiers.get("slug").and_then(|n| n.as_str()),
        Some("example")
    );
    let name = flow.attrs.get("name").expect("name");
    assert_eq!(name.mark, Mark::new(15, 13));
    let format = name.as_tag().expect("format");
    assert_eq!(format.kind, TagKind::Format);
    assert_eq!(format.args[0].as_str(), Some("%s flow"));
    assert_eq!(
        format.args[1].as_tag().map(|t| (t.kind, t.form)),
        Some((TagKind::Context, TagForm::Scalar))
    );
    let binding = &bp.entries[1];
    assert_eq!(binding.state, State::Present);
    assert_eq!(binding.conditions.len(), 1);
    let target = binding.identifiers.get("target").expect("target");
    assert_eq!(target.mark, Mark::new(20, 15));
    let key_of = target.as_tag().expect("keyof");
    assert_eq!(
        (key_of.kind, key_of.args[0].as_str()),
        (TagKind::KeyOf, Some("flow"))
    );
    assert_eq!(binding.permissions.len(), 1);
    assert!(binding.permissions[0].user.is_none());
    assert_eq!(
        binding.permissions[0]
            .role
            .as_ref()
            .and_then(|n| n.as_tag())
            .map(|t| t.kind),
        Some(TagKind::Find)
    );
    assert!(validate(&bp, &all).is_empty());
}

#[test]
fn scalars_resolve_like_pyyaml_for_booleans() {
    let text = "version: 1\nentries:\n- model: a.b\n  identifiers: {k: 1}\n  attrs:\n    a: yes\n    b: 'yes'\n    c: True\n    d: ~\n    e: \"\"\n    f: 1.5\n    g: -3\n    h: off\n    i: |\n      two\n      lines\n    j:\n";
    let bp = parse(text).expect("parse");
    let attrs = &bp.entries[0].attrs;
    let v = |k: &str| attrs.get(k).map(|n| n.value.clone()).expect(k);
    assert_eq!(v("a"), NodeValue::Bool(true));
    assert_eq!(v("b"), NodeValue::Str("yes".into()));
    assert_eq!(v("c"), NodeValue::Bool(true));
    assert_eq!(v("d"), NodeValue::Null);
    assert_eq!(v("e"), NodeValue::Str(String::new()));
    assert_eq!(v("f"), NodeValue::Float(1.5));
    assert_eq!(v("g"), NodeValue::Int(-3));
    assert_eq!(v("h"), NodeValue::Bool(false));
    assert_eq!(v("i"), NodeValue::Str("two\nlines\n".into()));
    assert_eq!(v("j"), NodeValue::Null);
}

#[test]
fn malformed_blueprint_reports_every_error_with_its_position() {
    let text = "\
version: 2
metadata:
  name: test
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers:
      slug: x
    color: red
  - model: flow
    identifiers: {slug: y}
  - identifiers: {slug: z}
    state: maybe
  - model: authentik_flows.flow
    id: flow
    identifiers: [a]
    attrs:
      a: !KeyOf nope
      b: !Nope x
      c: !Condition [MAYBE, true]
      d: !Enumerate [[1], LIST, x]
      e: !If [a, b]
      f: !Index x
  - model: authentik_unknown.thing
    identifiers: {a: 1}
  - model: authentik_core.group
";
    let supported = |m: &str| m.starts_with("authentik_core.") || m.starts_with("authentik_flows.");
    let errors = check(text, &supported);
    let got: Vec<(usize, usize)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        got,
        vec![
            (1, 10),
            (9, 5),
            (10, 12),
            (12, 5),
            (13, 12),
            (15, 9),
            (16, 18),
            (18, 10),
            (19, 10),
            (20, 22),
            (21, 27),
            (22, 10),
            (23, 10),
            (24, 12),
            (26, 5),
        ],
        "{errors:#?}"
    );
    let text_of = |i: usize| errors[i].message.as_str();
    assert_eq!(
        text_of(0),
        "unsupported blueprint version 2; only version 1 exists"
    );
    assert!(
        text_of(1).starts_with("unknown key `color` in entry"),
        "{}",
        text_of(1)
    );
    assert!(text_of(2).contains("model `flow` must have the form `app_label.model_name`"));
    assert_eq!(text_of(3), "entry has no `model`");
    assert!(text_of(4).starts_with(
        "unknown state `maybe`; expected one of present, created, must_created, absent"
    ));
    assert_eq!(
        text_of(5),
        "duplicate id `flow` (first defined at line 6, column 9)"
    );
    assert_eq!(
        text_of(6),
        "`identifiers` must be a mapping, not a sequence"
    );
    assert_eq!(text_of(7), "`!KeyOf nope`: no entry has `id: nope`");
    assert!(text_of(8).starts_with("unknown tag `!Nope`"));
    assert!(text_of(9).contains("mode must be one of AND, NAND, OR, NOR, XOR, XNOR, got `MAYBE`"));
    assert!(text_of(10).contains("output must be SEQ or MAP, got `LIST`"));
    assert!(text_of(11).contains("got 2 item(s)"));
    assert!(text_of(12).starts_with("`!Index` needs a depth"));
    assert_eq!(
        text_of(13),
        "unknown or unsupported model `authentik_unknown.thing`"
    );
    assert!(text_of(14).starts_with("`identifiers` is missing or empty"));
    // parse alone reports the shape errors, validate the semantic ones.
    let shape = parse(text).expect_err("shape errors");
    assert_eq!(shape.len(), 9, "{shape:#?}");
}

#[test]
fn yaml_syntax_errors_carry_their_position() {
    let cases = [
        (
            "version: 1\nentries:\n- model: a.b\n  identifiers:\n    a: \"x\n",
            (5, 8),
            "quoted scalar",
        ),
        (
            "version: 1\nentries:\n  - model: a.b\n    model: c.d\n",
            (4, 5),
            "duplicated key",
        ),
        ("version: 1\n\tentries: []\n", (1, 10), "tab"),
    ];
    for (text, (line, column), needle) in cases {
        let errors = parse(text).expect_err(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].line, errors[0].column),
            (line, column),
            "{errors:?}"
        );
        assert!(
            errors[0].message.starts_with("invalid YAML: "),
            "{errors:?}"
        );
        assert!(errors[0].message.contains(needle), "{errors:?}");
        assert_eq!(check(text, &all), errors);
    }
}

#[test]
fn top_level_shape_errors() {
    assert_eq!(
        parse("- a\n- b\n").expect_err("list"),
        vec![err(1, 1, "a blueprint must be a mapping, not a sequence")]
    );
    assert_eq!(
        parse("").expect_err("empty"),
        vec![err(1, 1, "the blueprint is empty")]
    );
    let errors =
        parse("metadata: {labels: {a: 1}}\nentries: {a: b}\nextra: 1\n").expect_err("shape");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        vec![
            "`version` is missing; add `version: 1`",
            "`metadata.name` is missing",
            "label `a` must be a string (quote it), not an integer",
            "`entries` must be a list, not a mapping",
            "unknown key `extra` in blueprint; expected one of version, metadata, context, entries",
        ]
    );
}

#[test]
fn tag_shape_errors() {
    let text = "\
version: 1
entries:
- model: a.b
  identifiers: {k: 1}
  attrs:
    a: !KeyOf [x]
    b: !Find [a.b, slug]
    c: !Env [A, b, c]
    d: !Format [1, 2]
    e: !Condition [AND]
    f: !Enumerate [!Index 0, SEQ, x]
    g: !AtIndex [x]
    h: !ParseJSON [x]
    i: !Find {a: b}
    j: !Context
";
    let errors = parse(text).expect_err("tag errors");
    let got: Vec<(usize, &str)> = errors
        .iter()
        .map(|e| (e.line, e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (6, "`!KeyOf` must be written on a scalar, not on a sequence"),
            (7, "each condition of `!Find` must be a [field, value] pair"),
            (8, "`!Env` takes [variable name, default], got 3 item(s)"),
            (9, "`!Format` needs a format string as its first item"),
            (10, "`!Condition` needs at least one value after the mode"),
            (
                11,
                "the iterable of `!Enumerate` refers to this tag's own context (depth 0); use a depth of 1 or more"
            ),
            (
                12,
                "`!AtIndex` takes [collection, index_or_key] or [collection, index_or_key, default], got 1 item(s)"
            ),
            (
                13,
                "`!ParseJSON` must be written on a scalar, not on a sequence"
            ),
            (14, "tag `!Find` cannot be applied to a mapping"),
            (15, "`!Context` needs a context key"),
        ]
    );
}

#[test]
fn key_of_must_refer_to_an_earlier_entry() {
    let text = "\
version: 1
entries:
- model: a.b
  identifiers: {parent: !KeyOf later}
- model: a.c
  id: later
  identifiers: {k: 1}
- model: authentik_blueprints.metaapplyblueprint
  attrs: {required: maybe}
";
    let errors = check(text, &all);
    assert_eq!(
        errors,
        vec![
            err(
                4,
                25,
                "`!KeyOf later` refers to an entry that has not run yet (defined at line 6, column 7); entries run in order"
            ),
            err(
                9,
                10,
                "`authentik_blueprints.metaapplyblueprint` needs `attrs.identifiers` (e.g. `name:` or `path:` of the blueprint to apply)"
            ),
            err(9, 21, "`required` must be true or false, not a string"),
        ]
    );
}

#[test]
fn entries_compare_equal_regardless_of_position() {
    let a = parse("version: 1\nentries:\n- model: a.b\n  identifiers: {k: !KeyOf x}\n").expect("a");
    let b = parse(
        "version: 1\n\n\nentries:\n  -   model: a.b\n      identifiers:\n        k: !KeyOf x\n",
    )
    .expect("b");
    assert_eq!(a.entries, b.entries);
    assert_ne!(a.entries[0].mark, b.entries[0].mark);
}

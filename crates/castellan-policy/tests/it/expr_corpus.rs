//! authentik's own expressions: every expression policy and property mapping `expression`,
//! and every prompt `initial_value`/`placeholder` flagged as an expression, in the default,
//! system and example blueprints. Each must compile and, for representative inputs, produce
//! what authentik (CPython) produces.
use std::collections::BTreeMap;

use castellan_policy::expr::{ExprError, Expression};
use saphyr::{LoadableYamlNode, ScalarOwned, YamlOwned};
use serde_json::{Map, Value};

use super::expr_corpus_flows::flow_cases;
use super::expr_corpus_mappings::mapping_cases;
use super::expr_support::{TestHost, run_with};

/// What one run must produce.
pub enum Expect {
    /// The return value (and `ak_message` texts).
    Value(Value, &'static [&'static str]),
    /// The expression raises `SkipObject`.
    Skip,
}

/// One run of a corpus expression.
pub struct Case {
    pub vars: Value,
    pub expect: Expect,
}

/// Builds a case.
pub fn case(vars: Value, expect: Value) -> Case {
    Case {
        vars,
        expect: Expect::Value(expect, &[]),
    }
}

fn to_json(node: YamlOwned) -> Value {
    match node {
        YamlOwned::Value(s) => match s {
            ScalarOwned::Null => Value::Null,
            ScalarOwned::Boolean(b) => Value::Bool(b),
            ScalarOwned::Integer(i) => Value::from(i),
            ScalarOwned::FloatingPoint(f) => serde_json::Number::from_f64(f.into_inner())
                .map(Value::Number)
                .unwrap_or(Value::Null),
            ScalarOwned::String(s) => Value::String(s),
        },
        YamlOwned::Representation(s, _, _) => Value::String(s),
        YamlOwned::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        YamlOwned::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match to_json(k) {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        YamlOwned::Tagged(_, inner) => to_json(*inner),
        YamlOwned::Alias(_) | YamlOwned::BadValue => Value::Null,
    }
}

/// Every corpus expression, keyed `<entry identifier>#<field>` (the identifier is the
/// entry's `managed` or `name` identifier, or its `id`).
pub fn corpus() -> BTreeMap<String, String> {
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/authentik-2024.10/blueprints"
    );
    let mut out = BTreeMap::new();
    for dir in ["default", "system", "example"] {
        let mut files: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .expect("blueprint directory exists")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("blueprint readable");
            for doc in YamlOwned::load_from_str(&text).expect("blueprint parses") {
                let doc = to_json(doc);
                for entry in doc
                    .get("entries")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    collect_entry(entry, &mut out);
                }
            }
        }
    }
    out
}

fn collect_entry(entry: &Value, out: &mut BTreeMap<String, String>) {
    let Some(attrs) = entry.get("attrs") else {
        return;
    };
    let ident = entry.get("identifiers");
    let key = ident
        .and_then(|i| i.get("managed").or_else(|| i.get("name")))
        .or_else(|| entry.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    let flag = |name: &str| attrs.get(name).and_then(Value::as_bool).unwrap_or(false);
    let mut add = |field: &str| {
        if let Some(source) = attrs.get(field).and_then(Value::as_str) {
            out.insert(format!("{key}#{field}"), source.to_owned());
        }
    };
    add("expression");
    if flag("initial_value_expression") {
        add("initial_value");
    }
    if flag("placeholder_expression") {
        add("placeholder");
    }
}

fn all_cases() -> BTreeMap<&'static str, Vec<Case>> {
    let mut cases = flow_cases();
    cases.extend(mapping_cases());
    cases
}

#[test]
fn corpus_has_all_72_expressions_and_all_compile() {
    let corpus = corpus();
    assert_eq!(corpus.len(), 72, "{:?}", corpus.keys().collect::<Vec<_>>());
    let failures: Vec<String> = corpus
        .iter()
        .filter_map(|(key, source)| {
            Expression::compile(source)
                .err()
                .map(|e| format!("{key}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn every_corpus_expression_produces_authentiks_result() {
    let corpus = corpus();
    let cases = all_cases();
    let missing: Vec<&String> = corpus
        .keys()
        .filter(|k| !cases.contains_key(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "corpus expressions without a case: {missing:#?}"
    );
    let unknown: Vec<&&str> = cases.keys().filter(|k| !corpus.contains_key(**k)).collect();
    assert!(
        unknown.is_empty(),
        "cases for unknown expressions: {unknown:#?}"
    );
    let mut failures = Vec::new();
    let mut runs = 0;
    for (key, source) in &corpus {
        for (i, case) in cases.get(key.as_str()).into_iter().flatten().enumerate() {
            runs += 1;
            let mut host = TestHost {
                user_by: super::expr_support::user("akadmin", vec![]),
                ..TestHost::default()
            };
            let result = run_with(source, case.vars.clone(), &mut host).await;
            let ok = match (&case.expect, &result) {
                (Expect::Value(value, messages), Ok(out)) => {
                    &out.value == value && out.messages == *messages
                }
                (Expect::Skip, Err(ExprError::Skip)) => true,
                _ => false,
            };
            if !ok {
                let expected = match &case.expect {
                    Expect::Value(v, m) => format!("{v} {m:?}"),
                    Expect::Skip => "SkipObject".to_owned(),
                };
                let got = result.map(|o| format!("{} {:?}", o.value, o.messages));
                failures.push(format!("{key} case {i}: expected {expected}, got {got:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(runs >= 90, "only {runs} runs");
}

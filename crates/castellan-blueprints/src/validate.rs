//! Semantic checks across a parsed blueprint: version, models, ids and `!KeyOf` targets.

use std::collections::{BTreeMap, HashSet};

use crate::error::{BlueprintError, tidy};
use crate::model::{Blueprint, Entry, META_APPLY_BLUEPRINT};
use crate::node::{Mark, Node, NodeValue, TagKind};
use crate::parse::parse_lenient;

/// Checks a parsed blueprint and returns every problem, sorted by position.
///
/// `supported` says whether a model (`app_label.model_name`) can be applied; the meta model
/// `authentik_blueprints.metaapplyblueprint` is always supported (the engine handles it).
pub fn validate(blueprint: &Blueprint, supported: &dyn Fn(&str) -> bool) -> Vec<BlueprintError> {
    let mut errors = Vec::new();
    if blueprint.version != 1 {
        errors.push(BlueprintError::at(
            blueprint.version_mark,
            format!(
                "unsupported blueprint version {}; only version 1 exists",
                blueprint.version
            ),
        ));
    }
    let mut defined: BTreeMap<&str, (usize, Mark)> = BTreeMap::new();
    for (index, entry) in blueprint.entries.iter().enumerate() {
        check_model(entry, supported, &mut errors);
        check_identifiers(entry, &mut errors);
        if let Some(id) = &entry.id {
            if let Some((_, first)) = defined.get(id.as_str()) {
                errors.push(BlueprintError::at(
                    entry.id_mark,
                    format!("duplicate id `{id}` (first defined at {first})"),
                ));
            } else {
                defined.insert(id, (index, entry.id_mark));
            }
        }
    }
    for (index, entry) in blueprint.entries.iter().enumerate() {
        for node in entry_nodes(entry) {
            check_key_refs(node, Some(index), &defined, &mut errors);
        }
    }
    for node in blueprint.context.values() {
        check_key_refs(node, None, &defined, &mut errors);
    }
    tidy(errors)
}

/// Parses and validates `text`, returning every problem at once (an empty list means the
/// blueprint can be applied as far as static checks can tell).
///
/// When parsing and validation both report a problem at the same position, only the parse
/// error is kept.
pub fn check(text: &str, supported: &dyn Fn(&str) -> bool) -> Vec<BlueprintError> {
    let (blueprint, mut errors) = parse_lenient(text);
    if let Some(bp) = blueprint {
        let taken: HashSet<Mark> = errors.iter().map(BlueprintError::mark).collect();
        errors.extend(
            validate(&bp, supported)
                .into_iter()
                .filter(|e| !taken.contains(&e.mark())),
        );
    }
    tidy(errors)
}

/// `model` is present, has the form `app_label.model_name`, and is supported.
fn check_model(entry: &Entry, supported: &dyn Fn(&str) -> bool, errors: &mut Vec<BlueprintError>) {
    let model = entry.model.as_str();
    if model.is_empty() {
        errors.push(BlueprintError::at(entry.model_mark, "entry has no `model`"));
        return;
    }
    let well_formed = model.split_once('.').is_some_and(|(app, name)| {
        let part =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        part(app) && part(name)
    });
    if !well_formed {
        errors.push(BlueprintError::at(
            entry.model_mark,
            format!("model `{model}` must have the form `app_label.model_name`, e.g. `authentik_flows.flow`"),
        ));
    } else if model != META_APPLY_BLUEPRINT && !supported(model) {
        errors.push(BlueprintError::at(
            entry.model_mark,
            format!("unknown or unsupported model `{model}`"),
        ));
    }
}

/// Non-meta entries need identifiers; meta entries need `attrs.identifiers`.
fn check_identifiers(entry: &Entry, errors: &mut Vec<BlueprintError>) {
    if entry.is_meta() {
        match entry.attrs.get("identifiers").map(|n| &n.value) {
            Some(NodeValue::Map(m)) if !m.is_empty() => {}
            Some(NodeValue::Tag(_)) => {}
            _ => errors.push(BlueprintError::at(
                entry.attrs.mark,
                "`authentik_blueprints.metaapplyblueprint` needs `attrs.identifiers` (e.g. `name:` or `path:` of the blueprint to apply)",
            )),
        }
        if let Some(req) = entry.attrs.get("required")
            && !matches!(req.value, NodeValue::Bool(_) | NodeValue::Tag(_))
        {
            errors.push(BlueprintError::at(
                req.mark,
                format!("`required` must be true or false, not {}", req.type_name()),
            ));
        }
        return;
    }
    if entry.identifiers.as_map().is_some_and(<[_]>::is_empty) {
        errors.push(BlueprintError::at(
            entry.identifiers.mark,
            "`identifiers` is missing or empty; they are needed to find the entry's object",
        ));
    }
}

/// The nodes of an entry that are evaluated.
fn entry_nodes(entry: &Entry) -> impl Iterator<Item = &Node> {
    entry
        .conditions
        .iter()
        .chain([&entry.identifiers, &entry.attrs])
        .chain(entry.permissions.iter().flat_map(|p| {
            std::iter::once(&p.permission)
                .chain(p.user.as_ref())
                .chain(p.role.as_ref())
        }))
}

/// Every `!KeyOf` below `node` names an id defined by an earlier entry (`index` is the entry
/// the node belongs to; `None` for context values, where only existence is checked).
fn check_key_refs(
    node: &Node,
    index: Option<usize>,
    defined: &BTreeMap<&str, (usize, Mark)>,
    errors: &mut Vec<BlueprintError>,
) {
    node.walk(&mut |n| {
        let Some(tag) = n.as_tag().filter(|t| t.kind == TagKind::KeyOf) else {
            return;
        };
        let Some(id) = tag.args.first().and_then(Node::as_str) else {
            return;
        };
        match (defined.get(id), index) {
            (None, _) => errors.push(BlueprintError::at(
                n.mark,
                format!("`!KeyOf {id}`: no entry has `id: {id}`"),
            )),
            (Some((target, at)), Some(current)) if *target >= current => {
                errors.push(BlueprintError::at(
                    n.mark,
                    format!(
                        "`!KeyOf {id}` refers to an entry that has not run yet (defined at {at}); entries run in order"
                    ),
                ));
            }
            _ => {}
        }
    });
}

//! The shape rules of authentik's tags: what each tag accepts as its argument(s).

use crate::error::BlueprintError;
use crate::node::{Mark, Node, NodeValue, Tag, TagForm, TagKind};

/// The modes `!Condition` accepts (compared case-insensitively, as authentik does).
pub const CONDITION_MODES: [&str; 6] = ["AND", "NAND", "OR", "NOR", "XOR", "XNOR"];

/// The output kinds `!Enumerate` accepts (compared case-insensitively).
pub const ENUMERATE_OUTPUTS: [&str; 2] = ["SEQ", "MAP"];

/// Checks the arguments of `tag` (written at `mark`) and pushes every problem onto `errors`.
pub(crate) fn check(tag: &Tag, mark: Mark, errors: &mut Vec<BlueprintError>) {
    let name = tag.kind.name();
    let mut err = |m: Mark, msg: String| errors.push(BlueprintError::at(m, msg));
    let args = &tag.args;
    match (tag.kind, tag.form) {
        (TagKind::KeyOf, TagForm::Scalar) => {
            if !is_str(args.first()) {
                err(mark, format!("`!{name}` needs the `id` of an entry"));
            }
        }
        (TagKind::ParseJson, TagForm::Scalar) => {
            if !is_str(args.first()) {
                err(mark, format!("`!{name}` needs a JSON string"));
            }
        }
        (TagKind::Index | TagKind::Value, TagForm::Scalar) => {
            if !matches!(args.first().map(|n| &n.value), Some(NodeValue::Int(d)) if *d >= 0) {
                err(
                    mark,
                    format!(
                        "`!{name}` needs a depth: an integer, 0 for the innermost `!Enumerate`"
                    ),
                );
            }
        }
        (TagKind::Env | TagKind::Context, TagForm::Scalar) => {
            if !is_str(args.first()) {
                err(mark, format!("`!{name}` needs a {}", key_word(tag.kind)));
            }
        }
        (TagKind::Env | TagKind::Context, TagForm::Sequence) => {
            if args.is_empty() || args.len() > 2 {
                err(
                    mark,
                    format!(
                        "`!{name}` takes [{}, default], got {} item(s)",
                        key_word(tag.kind),
                        args.len()
                    ),
                );
            } else if !is_str(args.first()) {
                err(
                    args[0].mark,
                    format!(
                        "the first item of `!{name}` must be a {}, not {}",
                        key_word(tag.kind),
                        args[0].type_name()
                    ),
                );
            }
        }
        (TagKind::Find | TagKind::FindObject, TagForm::Sequence) => {
            check_find(name, args, mark, &mut err)
        }
        (TagKind::Format, TagForm::Sequence) => {
            if !is_str(args.first()) {
                err(
                    mark,
                    format!("`!{name}` needs a format string as its first item"),
                );
            }
        }
        (TagKind::If, TagForm::Sequence) => {
            if args.len() != 1 && args.len() != 3 {
                err(
                    mark,
                    format!(
                        "`!{name}` takes [condition] or [condition, when_true, when_false], got {} item(s)",
                        args.len()
                    ),
                );
            }
        }
        (TagKind::Condition, TagForm::Sequence) => check_condition(name, args, mark, &mut err),
        (TagKind::Enumerate, TagForm::Sequence) => check_enumerate(name, args, mark, &mut err),
        (TagKind::AtIndex, TagForm::Sequence) => {
            if args.len() != 2 && args.len() != 3 {
                err(
                    mark,
                    format!(
                        "`!{name}` takes [collection, index_or_key] or [collection, index_or_key, default], got {} item(s)",
                        args.len()
                    ),
                );
            }
        }
        (kind, TagForm::Scalar) => err(
            mark,
            format!(
                "`!{}` must be written on a sequence: `!{} [...]`",
                kind.name(),
                kind.name()
            ),
        ),
        (kind, TagForm::Sequence) => err(
            mark,
            format!(
                "`!{}` must be written on a scalar, not on a sequence",
                kind.name()
            ),
        ),
    }
}

/// `!Find [model, [field, value], ...]`.
fn check_find(name: &str, args: &[Node], mark: Mark, err: &mut impl FnMut(Mark, String)) {
    match args.first() {
        None => err(mark, format!("`!{name}` needs a model as its first item")),
        Some(model) if !matches!(model.value, NodeValue::Str(_) | NodeValue::Tag(_)) => err(
            model.mark,
            format!(
                "the model of `!{name}` must be a string, not {}",
                model.type_name()
            ),
        ),
        Some(_) => {}
    }
    for cond in args.iter().skip(1) {
        let ok = matches!(&cond.value, NodeValue::Seq(pair) if pair.len() == 2);
        if !ok {
            err(
                cond.mark,
                format!("each condition of `!{name}` must be a [field, value] pair"),
            );
        }
    }
}

/// `!Condition [MODE, args...]`.
fn check_condition(name: &str, args: &[Node], mark: Mark, err: &mut impl FnMut(Mark, String)) {
    let Some(mode) = args.first() else {
        err(
            mark,
            format!("`!{name}` needs a mode and at least one value"),
        );
        return;
    };
    match mode.as_str() {
        Some(m) if CONDITION_MODES.contains(&m.to_ascii_uppercase().as_str()) => {}
        _ => err(
            mode.mark,
            format!(
                "`!{name}` mode must be one of {}, got {}",
                CONDITION_MODES.join(", "),
                describe(mode)
            ),
        ),
    }
    if args.len() < 2 {
        err(
            mark,
            format!("`!{name}` needs at least one value after the mode"),
        );
    }
}

/// `!Enumerate [iterable, SEQ|MAP, template]`.
fn check_enumerate(name: &str, args: &[Node], mark: Mark, err: &mut impl FnMut(Mark, String)) {
    if args.len() != 3 {
        err(
            mark,
            format!(
                "`!{name}` takes [iterable, SEQ|MAP, item template], got {} item(s)",
                args.len()
            ),
        );
        return;
    }
    let output = &args[1];
    match output.as_str() {
        Some(o) if ENUMERATE_OUTPUTS.contains(&o.to_ascii_uppercase().as_str()) => {}
        _ => err(
            output.mark,
            format!(
                "`!{name}` output must be SEQ or MAP, got {}",
                describe(output)
            ),
        ),
    }
    if let Some(TagKind::Index | TagKind::Value) = args[0].as_tag().map(|t| t.kind) {
        let depth0 = matches!(
            args[0]
                .as_tag()
                .and_then(|t| t.args.first())
                .map(|n| &n.value),
            Some(NodeValue::Int(0))
        );
        if depth0 {
            err(
                args[0].mark,
                format!(
                    "the iterable of `!{name}` refers to this tag's own context (depth 0); use a depth of 1 or more"
                ),
            );
        }
    }
}

/// Whether `node` is present and a string.
fn is_str(node: Option<&Node>) -> bool {
    node.is_some_and(|n| n.as_str().is_some())
}

/// The word for the key argument of `!Env` / `!Context`.
const fn key_word(kind: TagKind) -> &'static str {
    match kind {
        TagKind::Env => "variable name",
        _ => "context key",
    }
}

/// `"text"` for strings, the type otherwise.
fn describe(node: &Node) -> String {
    match node.as_str() {
        Some(s) => format!("`{s}`"),
        None => node.type_name().to_owned(),
    }
}

//! Static analysis of the rewritten body: which names it references, which parts of each
//! input it can read (so only those are copied into the sandbox), and whether it can mutate
//! its inputs at all (pure expressions skip the copy-out).
use std::collections::{BTreeMap, BTreeSet};

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, ExprContext, Stmt};

/// One step of an access chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Access {
    /// `.name`
    Attr(String),
    /// `["key"]` or `.get("key", …)`
    Key(String),
}

/// Which parts of an input value an expression can reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Usage {
    /// Everything (the value escapes: passed to a function, iterated, compared, returned…).
    Full,
    /// Only these attributes/keys (each with its own usage).
    Partial(Vec<(Access, Usage)>),
}

/// The usage every value reachable through a `Full` parent has.
pub(crate) static FULL: Usage = Usage::Full;

impl Usage {
    fn add_path(&mut self, path: &[Access]) {
        match (self, path) {
            (Self::Full, _) => {}
            (this, []) => *this = Self::Full,
            (Self::Partial(children), [first, rest @ ..]) => {
                let index = match children.iter().position(|(a, _)| a == first) {
                    Some(i) => i,
                    None => {
                        children.push((first.clone(), Self::Partial(Vec::new())));
                        children.len() - 1
                    }
                };
                if let Some((_, child)) = children.get_mut(index) {
                    child.add_path(rest);
                }
            }
        }
    }

    /// The usage of attribute `name` (`None`: never read).
    pub(crate) fn attr(&self, name: &str) -> Option<&Usage> {
        match self {
            Self::Full => Some(&FULL),
            Self::Partial(children) => children
                .iter()
                .find(|(a, _)| matches!(a, Access::Attr(n) if n == name))
                .map(|(_, u)| u),
        }
    }

    /// The usage of mapping key `name` (`None`: never read).
    pub(crate) fn key(&self, name: &str) -> Option<&Usage> {
        match self {
            Self::Full => Some(&FULL),
            Self::Partial(children) => children
                .iter()
                .find(|(a, _)| matches!(a, Access::Key(n) if n == name))
                .map(|(_, u)| u),
        }
    }

    /// True when some child is reached as an attribute (`Attr`) / as a key (`Key`).
    pub(crate) fn has_child(&self, attr: bool) -> bool {
        match self {
            Self::Full => false,
            Self::Partial(children) => children
                .iter()
                .any(|(a, _)| matches!(a, Access::Attr(_)) == attr),
        }
    }

    /// True for [`Usage::Full`].
    pub(crate) fn is_full(&self) -> bool {
        matches!(self, Self::Full)
    }
}

/// The analysis result.
#[derive(Debug, Clone, Default)]
pub(crate) struct Analysis {
    /// Every identifier used as a name (loads, stores, deletes).
    pub(crate) names: BTreeSet<String>,
    /// Usage of each name that is read.
    pub(crate) usage: BTreeMap<String, Usage>,
    /// False when the body may mutate values it did not create (attribute/item stores,
    /// mutating method calls, `setattr`, `global`…).
    pub(crate) pure: bool,
}

const MUTATING_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "pop",
    "popitem",
    "remove",
    "clear",
    "update",
    "setdefault",
    "sort",
    "reverse",
    "add",
    "discard",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "__setitem__",
    "__delitem__",
    "__setattr__",
    "__init__",
];

const MUTATING_FUNCTIONS: &[&str] = &[
    "setattr", "delattr", "getattr", "vars", "exec", "eval", "globals", "locals",
];

/// Analyses a parsed (rewritten) body.
pub(crate) fn analyse(body: &[Stmt]) -> Analysis {
    let mut analyser = Analyser {
        result: Analysis {
            pure: true,
            ..Analysis::default()
        },
    };
    analyser.visit_body(body);
    analyser.result
}

struct Analyser {
    result: Analysis,
}

/// A chain rooted at a name: `name(.attr | ["key"] | .get("key", …))*`, plus the other
/// expressions inside it that still need visiting (defaults of `.get`).
fn chain(expr: &Expr) -> Option<(&Expr, Vec<Access>, Vec<&Expr>)> {
    match expr {
        Expr::Name(_) => Some((expr, Vec::new(), Vec::new())),
        Expr::Attribute(a) => {
            let (root, mut path, extras) = chain(&a.value)?;
            path.push(Access::Attr(a.attr.as_str().to_owned()));
            Some((root, path, extras))
        }
        Expr::Subscript(s) => {
            let Expr::StringLiteral(key) = &*s.slice else {
                return None;
            };
            let (root, mut path, extras) = chain(&s.value)?;
            path.push(Access::Key(key.value.to_str().to_owned()));
            Some((root, path, extras))
        }
        Expr::Call(c) => {
            let Expr::Attribute(func) = &*c.func else {
                return None;
            };
            let [Expr::StringLiteral(key), rest @ ..] = &*c.arguments.args else {
                return None;
            };
            if func.attr.as_str() != "get" || rest.len() > 1 || !c.arguments.keywords.is_empty() {
                return None;
            }
            let (root, mut path, mut extras) = chain(&func.value)?;
            path.push(Access::Key(key.value.to_str().to_owned()));
            extras.extend(rest.iter());
            Some((root, path, extras))
        }
        _ => None,
    }
}

impl<'a> Visitor<'a> for Analyser {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if matches!(stmt, Stmt::Global(_) | Stmt::Nonlocal(_)) {
            self.result.pure = false;
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Attribute(a) if a.ctx != ExprContext::Load => self.result.pure = false,
            Expr::Subscript(s) if s.ctx != ExprContext::Load => self.result.pure = false,
            Expr::Call(call) => match &*call.func {
                Expr::Attribute(a) if MUTATING_METHODS.contains(&a.attr.as_str()) => {
                    self.result.pure = false;
                }
                Expr::Name(n) if MUTATING_FUNCTIONS.contains(&n.id.as_str()) => {
                    self.result.pure = false;
                }
                _ => {}
            },
            _ => {}
        }
        let Some((Expr::Name(root), path, extras)) = chain(expr) else {
            walk_expr(self, expr);
            return;
        };
        let name = root.id.as_str().to_owned();
        self.result.names.insert(name.clone());
        let reads = !(path.is_empty() && root.ctx != ExprContext::Load);
        if reads {
            self.result
                .usage
                .entry(name)
                .or_insert_with(|| Usage::Partial(Vec::new()))
                .add_path(&path);
        }
        // Inner nodes of a chain are always loads; only `.get` defaults remain to visit.
        for extra in extras {
            self.visit_expr(extra);
        }
    }
}

//! The compile-time rewrite layer: turns authentik-isms monty cannot run into plain Python.
//!
//! * `yield v` / `yield from it` statements of the body append to a list the body returns
//!   (authentik turns a generator result into a list anyway); `return` in such a body
//!   returns the list. `yield` used as a value is a compile error.
//! * `import`/`from … import` of authentik, msgraph and django names bind host-provided
//!   placeholders or constants ([`super::modules`]); `ipaddress` binds the engine's module.
//! * `del a[k]` becomes `a.pop(k)`, `del name` becomes `name = None` (monty has no `del`).
//! * `"literal" % args` becomes `_ak_percent("literal", args)` (monty has no `%` formatting).
//! * `raise SkipObject` raises a marked `RuntimeError` the engine reports as
//!   [`ExprError::Skip`](crate::expr::ExprError); `except SkipObject` catches it.
//! * A queryset call (`.filter(…)`, `.exclude(…)`, `.order_by(…)`) whose result is used as a
//!   value rather than chained (`.exists()`, `.update(…)`) gets `.all()` appended, so it is a
//!   plain list (iterable, `len()`-able).
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{ExceptHandler, Expr, Operator, Stmt, StmtDelete};
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::edits::{Edit, find_token, line_of, rfind_token};
use super::imports::{translate_from, translate_import};
use super::modules::Binding;
use super::yields::is_generator;

/// Message of the `RuntimeError` that stands for authentik's `SkipObject`.
pub(crate) const SKIP_MARKER: &str = "castellan:SkipObject";

const QUERYSET_METHODS: &[&str] = &["filter", "exclude", "order_by"];

/// What rewriting produced.
pub(crate) struct Rewritten {
    pub(crate) edits: Vec<Edit>,
    pub(crate) inputs: Vec<(String, Binding)>,
    pub(crate) generator: bool,
}

/// Computes the edits for `body` (parsed from `source`); `Err((message, line))` on the first
/// construct that cannot be supported.
pub(crate) fn rewrite(source: &str, body: &[Stmt]) -> Result<Rewritten, (String, u32)> {
    let mut rewriter = Rewriter {
        source,
        edits: Vec::new(),
        inputs: Vec::new(),
        generator: is_generator(body),
        depth: 0,
        chained: Vec::new(),
        error: None,
    };
    rewriter.visit_body(body);
    if let Some(error) = rewriter.error {
        return Err(error);
    }
    Ok(Rewritten {
        edits: rewriter.edits,
        inputs: rewriter.inputs,
        generator: rewriter.generator,
    })
}

struct Rewriter<'s> {
    source: &'s str,
    edits: Vec<Edit>,
    inputs: Vec<(String, Binding)>,
    generator: bool,
    /// Nesting in `def`/`lambda`/`class` (0 = the expression body itself).
    depth: usize,
    /// Start offsets of queryset calls whose result is chained (`.filter().exists()`).
    chained: Vec<TextSize>,
    error: Option<(String, u32)>,
}

impl Rewriter<'_> {
    fn fail(&mut self, message: impl Into<String>, at: TextSize) {
        if self.error.is_none() {
            self.error = Some((message.into(), line_of(self.source, at)));
        }
    }

    fn rewrite_delete(&mut self, stmt: &StmtDelete) {
        let keyword_end = stmt.range.start() + TextSize::of("del");
        let first = stmt.targets.first().map_or(keyword_end, Ranged::start);
        let head_end = find_token(self.source, keyword_end, first, '(').unwrap_or(first);
        self.edits.push(Edit::replace(
            TextRange::new(stmt.range.start(), head_end),
            "",
        ));
        let mut previous_end = keyword_end;
        for (i, target) in stmt.targets.iter().enumerate() {
            if i > 0
                && let Some(comma) = find_token(self.source, previous_end, target.start(), ',')
            {
                self.edits
                    .push(Edit::replace(TextRange::at(comma, TextSize::of(',')), ";"));
            }
            previous_end = target.end();
            match target {
                Expr::Subscript(sub) if !matches!(*sub.slice, Expr::Slice(_)) => {
                    let open = find_token(self.source, sub.value.end(), sub.slice.start(), '[');
                    let close = rfind_token(self.source, sub.slice.end(), sub.range.end(), ']');
                    if let (Some(open), Some(close)) = (open, close) {
                        self.edits.push(Edit::replace(TextRange::at(open, TextSize::of('[')), ".pop("));
                        self.edits.push(Edit::replace(TextRange::at(close, TextSize::of(']')), ")"));
                    }
                    self.visit_expr(&sub.value);
                    self.visit_expr(&sub.slice);
                }
                Expr::Name(name) => {
                    let text = format!("{} = None", name.id.as_str());
                    self.edits.push(Edit::replace(name.range, text));
                }
                _ => self.fail(
                    "`del` is only supported for `del mapping[key]`, `del list[index]` and `del name`; \
                     for attributes assign None instead",
                    target.start(),
                ),
            }
        }
    }

    fn rewrite_yield_statement(&mut self, value: &Expr) -> bool {
        match value {
            Expr::Yield(y) => {
                let keyword = TextRange::at(y.range.start(), TextSize::of("yield"));
                match &y.value {
                    Some(inner) => {
                        self.edits.push(Edit::replace(keyword, "_ak_yield.append("));
                        self.edits.push(Edit::close(y.range.end(), y.range, ")"));
                        self.visit_expr(inner);
                    }
                    None => self
                        .edits
                        .push(Edit::replace(keyword, "_ak_yield.append(None)")),
                }
                true
            }
            Expr::YieldFrom(y) => {
                let head = TextRange::new(y.range.start(), y.value.start());
                self.edits.push(Edit::replace(head, "_ak_yield.extend("));
                self.edits.push(Edit::close(y.range.end(), y.range, ")"));
                self.visit_expr(&y.value);
                true
            }
            _ => false,
        }
    }

    fn rewrite_skip_type(&mut self, expr: &Expr) {
        match expr {
            Expr::Name(name) if name.id.as_str() == "SkipObject" => {
                self.edits.push(Edit::replace(name.range, "RuntimeError"));
            }
            Expr::Tuple(tuple) => tuple.elts.iter().for_each(|e| self.rewrite_skip_type(e)),
            other => self.visit_expr(other),
        }
    }
}

fn is_skip_object(expr: &Expr) -> bool {
    match expr {
        Expr::Name(name) => name.id.as_str() == "SkipObject",
        Expr::Call(call) => is_skip_object(&call.func),
        _ => false,
    }
}

fn queryset_call(expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => {
            matches!(&*call.func, Expr::Attribute(a) if QUERYSET_METHODS.contains(&a.attr.as_str()))
        }
        _ => false,
    }
}

impl<'a> Visitor<'a> for Rewriter<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.error.is_some() {
            return;
        }
        match stmt {
            Stmt::Import(import) => match translate_import(import) {
                Ok(t) => {
                    if let Some(text) = t.replacement {
                        self.edits.push(Edit::replace(import.range, text));
                    }
                }
                Err(message) => self.fail(message, import.range.start()),
            },
            Stmt::ImportFrom(import) => match translate_from(import) {
                Ok(t) => {
                    if let Some(text) = t.replacement {
                        self.edits.push(Edit::replace(import.range, text));
                    }
                    self.inputs.extend(t.inputs);
                }
                Err(message) => self.fail(message, import.range.start()),
            },
            Stmt::Delete(delete) => self.rewrite_delete(delete),
            Stmt::Expr(e) if self.depth == 0 && self.rewrite_yield_statement(&e.value) => {}
            Stmt::Return(ret) if self.depth == 0 && self.generator => {
                self.edits
                    .push(Edit::replace(ret.range, "return _ak_yield"));
            }
            Stmt::Raise(raise) if raise.exc.as_deref().is_some_and(is_skip_object) => {
                if let Some(exc) = &raise.exc {
                    let text = format!("RuntimeError(\"{SKIP_MARKER}\")");
                    self.edits.push(Edit::replace(exc.range(), text));
                }
            }
            Stmt::Try(try_stmt) => {
                self.visit_body(&try_stmt.body);
                for handler in &try_stmt.handlers {
                    let ExceptHandler::ExceptHandler(h) = handler;
                    if let Some(type_) = &h.type_ {
                        self.rewrite_skip_type(type_);
                    }
                    self.visit_body(&h.body);
                }
                self.visit_body(&try_stmt.orelse);
                self.visit_body(&try_stmt.finalbody);
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.depth += 1;
                walk_stmt(self, stmt);
                self.depth -= 1;
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.error.is_some() {
            return;
        }
        match expr {
            Expr::Yield(_) | Expr::YieldFrom(_) if self.depth == 0 => self.fail(
                "`yield` can only be used as a statement (`yield value`); the values are collected \
                 into the list the expression returns",
                expr.start(),
            ),
            Expr::Name(name) if name.id.as_str() == "requests" => self.fail(
                "the `requests` HTTP session is not available in Castellan expressions: \
                 outbound HTTP from policies is not supported",
                name.range.start(),
            ),
            Expr::Lambda(_) => {
                self.depth += 1;
                walk_expr(self, expr);
                self.depth -= 1;
            }
            Expr::BinOp(binop)
                if binop.op == Operator::Mod && matches!(*binop.left, Expr::StringLiteral(_)) =>
            {
                let range = binop.range;
                self.edits
                    .push(Edit::open(range.start(), range, "_ak_percent("));
                if let Some(op) =
                    find_token(self.source, binop.left.end(), binop.right.start(), '%')
                {
                    self.edits
                        .push(Edit::replace(TextRange::at(op, TextSize::of('%')), ","));
                }
                self.edits.push(Edit::close(range.end(), range, ")"));
                walk_expr(self, expr);
            }
            Expr::Attribute(attr) => {
                if queryset_call(&attr.value) {
                    self.chained.push(attr.value.start());
                }
                walk_expr(self, expr);
            }
            Expr::Call(call) => {
                if queryset_call(expr) && !self.chained.contains(&call.range().start()) {
                    self.edits
                        .push(Edit::close(call.range().end(), call.range(), ".all()"));
                }
                walk_expr(self, expr);
            }
            _ => walk_expr(self, expr),
        }
    }
}

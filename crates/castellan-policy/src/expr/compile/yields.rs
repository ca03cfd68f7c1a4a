//! Detects whether the expression body is a generator (has `yield` outside nested scopes).
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{Expr, Stmt};

/// True when `body` contains `yield`/`yield from` outside nested `def`, `class` and `lambda`.
pub(crate) fn is_generator(body: &[Stmt]) -> bool {
    let mut finder = YieldFinder { found: false };
    finder.visit_body(body);
    finder.found
}

struct YieldFinder {
    found: bool,
}

impl<'a> Visitor<'a> for YieldFinder {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            walk_stmt(self, stmt);
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Yield(_) | Expr::YieldFrom(_) => self.found = true,
            Expr::Lambda(_) => {}
            _ => walk_expr(self, expr),
        }
    }
}

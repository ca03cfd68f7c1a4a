//! [`Expression`] (a compiled expression) and [`ExprCache`] (compile once per source text).
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::expr::compile::{self, Compiled};
use crate::expr::{Budget, ExprError, ExprHost, ExprInputs, ExprOutcome, eval};

/// A compiled expression: cheap to clone, `Send + Sync`, compiled once and reused.
#[derive(Debug, Clone)]
pub struct Expression {
    inner: Arc<Compiled>,
}

impl Expression {
    /// Compiles `source`, a Python function body (it may `return` and may `yield`).
    ///
    /// The context variables are not fixed here: every evaluation passes them in
    /// [`ExprInputs`] and the body sees each one it references as a function parameter, as in
    /// authentik. Errors are user-facing: what is wrong, the line, and for unsupported
    /// constructs what to write instead.
    pub fn compile(source: &str) -> Result<Expression, ExprError> {
        Ok(Self {
            inner: Arc::new(compile::compile(source)?),
        })
    }

    /// The source text this expression was compiled from.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Names the expression references (variables, helpers, builtins, locals), sorted.
    pub fn referenced_names(&self) -> Vec<String> {
        self.inner.analysis.names.iter().cloned().collect()
    }

    /// True when the expression cannot mutate its inputs (no attribute/item assignment, no
    /// mutating method calls); its [`ExprOutcome::vars`] are then the inputs unchanged.
    pub fn is_pure(&self) -> bool {
        self.inner.analysis.pure
    }

    /// Runs the expression with `inputs`, forwarding host functions to `host`, within
    /// `budget`.
    pub async fn evaluate(
        &self,
        inputs: ExprInputs,
        host: &mut dyn ExprHost,
        budget: &Budget,
    ) -> Result<ExprOutcome, ExprError> {
        eval::evaluate(&self.inner, inputs, host, budget).await
    }
}

/// A process-wide compile cache keyed by source text, holding at most `cap` expressions
/// (the oldest is evicted first). Compile errors are not cached.
#[derive(Debug)]
pub struct ExprCache {
    cap: usize,
    state: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    map: HashMap<String, Expression>,
    order: VecDeque<String>,
}

impl ExprCache {
    /// An empty cache holding at most `cap` (≥ 1) expressions.
    pub fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            state: Mutex::new(CacheState::default()),
        }
    }

    /// The compiled expression for `source` (compiled on first use).
    pub fn get(&self, source: &str) -> Result<Expression, ExprError> {
        if let Some(hit) = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.map.get(source).cloned())
        {
            return Ok(hit);
        }
        let compiled = Expression::compile(source)?;
        if let Ok(mut state) = self.state.lock()
            && !state.map.contains_key(source)
        {
            while state.map.len() >= self.cap {
                let Some(oldest) = state.order.pop_front() else {
                    break;
                };
                state.map.remove(&oldest);
            }
            state.order.push_back(source.to_owned());
            state.map.insert(source.to_owned(), compiled.clone());
        }
        Ok(compiled)
    }

    /// Number of cached expressions.
    pub fn len(&self) -> usize {
        self.state.lock().map(|s| s.map.len()).unwrap_or(0)
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

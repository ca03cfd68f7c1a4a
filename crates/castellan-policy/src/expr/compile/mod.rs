//! Compilation: parse, rewrite, analyse, and validate an expression once; build (and cache)
//! the monty module for each distinct set of inputs it is evaluated with.
pub(crate) mod analysis;
pub(crate) mod edits;
mod imports;
pub(crate) mod modules;
pub(crate) mod prelude;
pub(crate) mod program;
mod rewrite;
mod yields;

use std::collections::HashMap;
use std::sync::Mutex;

use monty::MontyRun;
use monty_types::MontyException;
use ruff_python_parser::parse_module;

pub(crate) use rewrite::SKIP_MARKER;

use crate::expr::ExprError;
use analysis::Analysis;
use modules::Binding;
use program::{Program, SpecKey};

/// Globals the engine itself provides as inputs (when the body references them and no
/// context variable of the same name exists).
pub(crate) const ENGINE_GLOBALS: &[&str] = &[
    "ak_message",
    "ak_logger",
    "ak_is_sso_flow",
    "ak_is_group_member",
    "ak_user_by",
    "ak_user_has_authenticator",
    "ak_call_policy",
    "ak_create_event",
    "ak_send_email",
    "resolve_dns",
    "reverse_dns",
    "_ak_percent",
];

/// Most distinct input sets one expression keeps compiled modules for.
const MAX_SPECS: usize = 32;

/// A compiled expression (everything input-independent).
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) source: String,
    pub(crate) program: Program,
    pub(crate) analysis: Analysis,
    pub(crate) imports: Vec<(String, Binding)>,
    pub(crate) ip_prelude: bool,
    /// Compiled modules per input shape. `MontyRun` is `Send` but not `Sync`, so each
    /// evaluation clones its own copy out under the lock.
    specs: Mutex<HashMap<SpecKey, MontyRun>>,
}

/// Compiles `source`.
pub(crate) fn compile(source: &str) -> Result<Compiled, ExprError> {
    let parsed = parse_module(source).map_err(|e| {
        ExprError::compile(
            format!("SyntaxError: {}", e.error),
            edits::line_of(source, e.location.start()),
        )
    })?;
    let rewritten = rewrite::rewrite(source, &parsed.syntax().body)
        .map_err(|(message, line)| ExprError::compile(message, line))?;
    let body = edits::apply(source, rewritten.edits);
    let reparsed = parse_module(&body).map_err(|e| {
        ExprError::compile(
            format!("internal rewrite error: {}", e.error),
            edits::line_of(&body, e.location.start()),
        )
    })?;
    let analysis = analysis::analyse(&reparsed.syntax().body);
    let (prelude, ip_prelude) = prelude::prelude_for(&analysis.names);
    let program = Program::new(body, prelude, rewritten.generator);
    let compiled = Compiled {
        source: source.to_owned(),
        program,
        analysis,
        imports: rewritten.inputs,
        ip_prelude,
        specs: Mutex::new(HashMap::new()),
    };
    let key = compiled.key_for(&[], false, false);
    compiled.spec(key).map_err(|e| match e {
        ExprError::Runtime { message, line } => ExprError::Compile {
            message,
            line: line.unwrap_or(1),
        },
        other => other,
    })?;
    Ok(compiled)
}

impl Compiled {
    /// The key for evaluating with `params` as context variables.
    pub(crate) fn key_for(
        &self,
        params: &[String],
        alias_context: bool,
        wrap_client_ip: bool,
    ) -> SpecKey {
        let mut globals: Vec<String> = ENGINE_GLOBALS
            .iter()
            .filter(|g| self.analysis.names.contains(**g) && !params.iter().any(|p| p == *g))
            .map(|g| (*g).to_owned())
            .collect();
        if self.ip_prelude {
            globals.push("_ak_ip".to_owned());
        }
        globals.extend(self.imports.iter().map(|(name, _)| name.clone()));
        SpecKey {
            params: params.to_vec(),
            globals,
            alias_context,
            wrap_client_ip,
            return_params: !self.analysis.pure,
        }
    }

    /// A copy of the compiled module for `key` (built on first use).
    pub(crate) fn spec(&self, key: SpecKey) -> Result<MontyRun, ExprError> {
        if let Some(run) = self
            .specs
            .lock()
            .ok()
            .and_then(|specs| specs.get(&key).cloned())
        {
            return Ok(run);
        }
        let run = self
            .program
            .build(&key)
            .map_err(|e| self.compile_error(&e))?;
        if let Ok(mut specs) = self.specs.lock() {
            if specs.len() >= MAX_SPECS {
                specs.clear();
            }
            specs.insert(key, run.clone());
        }
        Ok(run)
    }

    fn compile_error(&self, exc: &MontyException) -> ExprError {
        const NOT_YET: &str = "The monty syntax parser does not yet support ";
        let summary = exc.summary();
        let message = match exc.message() {
            Some(msg) if msg.starts_with(NOT_YET) => format!(
                "{} are not supported in Castellan expressions",
                msg.trim_start_matches(NOT_YET)
            ),
            _ => summary,
        };
        ExprError::Runtime {
            message,
            line: self.program.error_line(exc),
        }
    }
}

//! Builds the Python module monty runs: preludes, the body wrapped as a function whose
//! parameters are the context variables (as authentik does), the call, and the values
//! returned to the host. One module is compiled per distinct set of inputs and cached.
use monty::MontyRun;
use monty_types::{CompileOptions, MontyException};

use super::edits::indent;

/// Script name used in monty tracebacks.
pub(crate) const SCRIPT: &str = "expression.py";

/// The input-independent parts of the module.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    /// The rewritten body, unindented.
    pub(crate) body: String,
    /// Prelude snippets placed before the function.
    pub(crate) prelude: String,
    /// The body yields (its values are collected into `_ak_yield`).
    pub(crate) generator: bool,
    /// Lines of the module before the first body line.
    pub(crate) line_offset: u32,
    /// Number of body lines.
    pub(crate) body_lines: u32,
}

/// What a compiled module depends on besides the body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SpecKey {
    /// Context variables passed as function parameters, in order.
    pub(crate) params: Vec<String>,
    /// Engine-provided globals (helpers, import placeholders), in order.
    pub(crate) globals: Vec<String>,
    /// Emit `request.context = context` before the call.
    pub(crate) alias_context: bool,
    /// Emit `ak_client_ip = ip_address(ak_client_ip)` before the call.
    pub(crate) wrap_client_ip: bool,
    /// Return the parameters with the result (the body may mutate them).
    pub(crate) return_params: bool,
}

impl Program {
    /// Assembles the program parts.
    pub(crate) fn new(body: String, prelude: String, generator: bool) -> Self {
        let prelude_lines = count_lines(&prelude);
        let body_lines = count_lines(&body).max(1);
        Self {
            body,
            prelude,
            generator,
            line_offset: prelude_lines + 1 + u32::from(generator),
            body_lines,
        }
    }

    /// The module source for `key`.
    pub(crate) fn source_for(&self, key: &SpecKey) -> String {
        let params = key.params.join(", ");
        let mut out = String::with_capacity(self.prelude.len() + self.body.len() * 2 + 256);
        out.push_str(&self.prelude);
        out.push_str(&format!("def _ak_expr({params}):\n"));
        if self.generator {
            out.push_str("    _ak_yield = []\n");
        }
        out.push_str(&indent(&self.body, "    "));
        out.push_str("    pass\n");
        if self.generator {
            out.push_str("    return _ak_yield\n");
        }
        if key.alias_context {
            out.push_str("request.context = context\n");
        }
        if key.wrap_client_ip {
            out.push_str("ak_client_ip = ip_address(ak_client_ip)\n");
        }
        out.push_str(&format!("_ak_ret = _ak_expr({params})\n"));
        if key.return_params && !key.params.is_empty() {
            out.push_str(&format!("(_ak_ret, {params},)\n"));
        } else {
            out.push_str("_ak_ret\n");
        }
        out
    }

    /// Compiles the module for `key`.
    pub(crate) fn build(&self, key: &SpecKey) -> Result<MontyRun, MontyException> {
        let inputs = key
            .params
            .iter()
            .chain(key.globals.iter())
            .cloned()
            .collect();
        MontyRun::new(
            self.source_for(key),
            SCRIPT,
            inputs,
            CompileOptions::default(),
        )
    }

    /// Maps a module line to a body line (`None` outside the body).
    pub(crate) fn body_line(&self, module_line: u32) -> Option<u32> {
        let line = module_line.checked_sub(self.line_offset)?;
        (1..=self.body_lines).contains(&line).then_some(line)
    }

    /// The body line an exception points at: the innermost traceback frame inside the body.
    pub(crate) fn error_line(&self, exc: &MontyException) -> Option<u32> {
        exc.traceback()
            .iter()
            .rev()
            .filter(|frame| frame.filename == SCRIPT)
            .find_map(|frame| self.body_line(frame.start.line))
    }
}

fn count_lines(text: &str) -> u32 {
    let n = text.matches('\n').count() + usize::from(!text.is_empty() && !text.ends_with('\n'));
    u32::try_from(n).unwrap_or(u32::MAX)
}

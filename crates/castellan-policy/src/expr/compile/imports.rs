//! Translates `import` statements into assignments the sandbox can run.
use ruff_python_ast::{Alias, StmtImport, StmtImportFrom};

use super::modules::{self, Binding, IPADDRESS_MODULE, IPADDRESS_NAMES, NATIVE_MODULES};

/// Result of translating one import statement.
pub(crate) struct Translated {
    /// Replacement statement text (`;`-joined simple statements), or `None` to keep it.
    pub(crate) replacement: Option<String>,
    /// Inputs the replacement refers to: `(input name, binding)`.
    pub(crate) inputs: Vec<(String, Binding)>,
}

/// Translates `import a, b as c`.
pub(crate) fn translate_import(stmt: &StmtImport) -> Result<Translated, String> {
    let mut parts = Vec::new();
    let mut changed = false;
    for alias in &stmt.names {
        let module = alias.name.as_str();
        if NATIVE_MODULES.contains(&module) {
            parts.push(match &alias.asname {
                Some(asname) => format!("import {module} as {}", asname.as_str()),
                None => format!("import {module}"),
            });
        } else if module == "ipaddress" {
            changed = true;
            let bound = alias.asname.as_ref().map_or("ipaddress", |a| a.as_str());
            parts.push(format!("{bound} = {IPADDRESS_MODULE}"));
        } else {
            return Err(unavailable_module(module));
        }
    }
    Ok(Translated {
        replacement: changed.then(|| parts.join("; ")),
        inputs: Vec::new(),
    })
}

/// Translates `from module import a, b as c`.
pub(crate) fn translate_from(stmt: &StmtImportFrom) -> Result<Translated, String> {
    if stmt.level > 0 {
        return Err("relative imports are not available in expressions".to_owned());
    }
    let module = stmt.module.as_ref().map_or("", |m| m.as_str());
    if stmt.names.iter().any(|a| a.name.as_str() == "*") {
        return Err(format!(
            "`from {module} import *` is not supported; import the names you use explicitly"
        ));
    }
    if NATIVE_MODULES.contains(&module) {
        return Ok(Translated {
            replacement: None,
            inputs: Vec::new(),
        });
    }
    if module == "__future__" {
        return Ok(Translated {
            replacement: Some("pass".to_owned()),
            inputs: Vec::new(),
        });
    }
    let mut parts = Vec::new();
    let mut inputs = Vec::new();
    for alias in &stmt.names {
        let name = alias.name.as_str();
        let bound = bound_name(alias);
        if module == "ipaddress" {
            if !IPADDRESS_NAMES.contains(&name) {
                return Err(format!(
                    "cannot import name '{name}' from 'ipaddress'; available: {}",
                    IPADDRESS_NAMES.join(", ")
                ));
            }
            parts.push(format!("{bound} = {IPADDRESS_MODULE}.{name}"));
            continue;
        }
        let Some(binding) = modules::lookup(module, name) else {
            return Err(unavailable_name(module, name));
        };
        match binding {
            Binding::Const(literal) => parts.push(format!("{bound} = {literal}")),
            Binding::Helper(helper) if helper == bound => {}
            Binding::Helper(helper) => parts.push(format!("{bound} = {helper}")),
            Binding::Namespace(..) | Binding::Model(..) | Binding::KwargsDict(..) => {
                let input = format!("_ak_imp_{name}");
                parts.push(format!("{bound} = {input}"));
                inputs.push((input, binding));
            }
        }
    }
    let replacement = if parts.is_empty() {
        "pass".to_owned()
    } else {
        parts.join("; ")
    };
    Ok(Translated {
        replacement: Some(replacement),
        inputs,
    })
}

fn bound_name(alias: &Alias) -> &str {
    alias
        .asname
        .as_ref()
        .map_or(alias.name.as_str(), |a| a.as_str())
}

fn unavailable_module(module: &str) -> String {
    match modules::forbidden_hint(module) {
        Some(hint) => format!("module '{module}' is not available: {hint}"),
        None => format!(
            "module '{module}' is not available in expressions; available modules: {}, ipaddress",
            NATIVE_MODULES.join(", ")
        ),
    }
}

fn unavailable_name(module: &str, name: &str) -> String {
    if modules::known_module(module) {
        return format!(
            "cannot import name '{name}' from '{module}' in a Castellan expression; available: {}",
            modules::names_of(module).join(", ")
        );
    }
    match modules::forbidden_hint(module) {
        Some(hint) => format!("cannot import '{name}' from '{module}': {hint}"),
        None => format!(
            "module '{module}' is not available in expressions; available modules: {}, ipaddress",
            NATIVE_MODULES.join(", ")
        ),
    }
}

//! Renders admin pages: embedded minijinja templates (autoescaping on), compiled once, over a
//! layout with the brand, the sidebar of kinds by section and the signed-in admin.
use std::sync::LazyLock;

use minijinja::{Environment, Value, context};
use serde_json::json;

use super::catalog::{KINDS, SECTIONS};

/// Embedded templates by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("templates/layout.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("list.html", include_str!("templates/list.html")),
    ("detail.html", include_str!("templates/detail.html")),
    ("form.html", include_str!("templates/form.html")),
    ("types.html", include_str!("templates/types.html")),
    ("confirm.html", include_str!("templates/confirm.html")),
    ("result.html", include_str!("templates/result.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("system.html", include_str!("templates/system.html")),
    ("plan.html", include_str!("templates/plan.html")),
    (
        "user_devices.html",
        include_str!("templates/user_devices.html"),
    ),
    ("validate.html", include_str!("templates/validate.html")),
    ("import.html", include_str!("templates/import.html")),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "admin template");
        }
    }
    env
});

/// The sidebar: sections with their kinds.
fn nav() -> serde_json::Value {
    let sections: Vec<_> = SECTIONS
        .iter()
        .map(|s| {
            let kinds: Vec<_> = KINDS
                .iter()
                .filter(|k| k.section == Some(s))
                .map(|k| json!({"key": k.key, "label": k.label}))
                .collect();
            json!({"label": s, "kinds": kinds})
        })
        .collect();
    json!(sections)
}

/// What every admin page shows: the user interface's common values.
pub use crate::user_if::render::Common;

/// Renders `template` with the common values, the sidebar and the page's `page` values.
pub fn page(template: &str, common: &Common<'_>, page: Value) -> String {
    let ctx = context! {
        nav => Value::from(minijinja::value::Serde(nav())),
        ..common.context(page)
    };
    match ENV.get_template(template).and_then(|t| t.render(ctx)) {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(template, error = %e, "admin render");
            crate::flow::pages::render::error_page(500, "Error", "This page could not be shown.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use castellan_core::brand::Brand;

    #[test]
    fn every_template_compiles_and_renders_empty() {
        let brand = Brand::fallback();
        for (name, _) in TEMPLATES {
            if matches!(*name, "layout.html" | "macros.html") {
                continue;
            }
            let common = Common {
                brand: &brand,
                user: "admin",
                section: "users",
                title: "T",
                csrf: "tok",
                impersonating: None,
                admin: true,
            };
            let html = page(
                name,
                &common,
                Value::from(minijinja::value::Serde(json!({}))),
            );
            assert!(!html.contains("could not be shown"), "{name}");
            assert!(html.contains("/if/admin/users/"), "{name}: sidebar");
        }
    }
}

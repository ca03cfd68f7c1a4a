//! The mermaid chart of `GET /flows/instances/{slug}/diagram/`, as authentik's `FlowDiagram`
//! builds it: the flow's authentication requirement, its policies, each stage with the policies
//! of its binding, and the end of the flow.
use castellan_core::flow::{Flow, FlowAuthentication};
use castellan_store::{AnyConnection, flow_bindings, policy_bindings};
use uuid::Uuid;

use crate::error::ApiResult;

/// One node of authentik's mermaid flow chart (`DiagramElement`).
struct Element {
    id: String,
    description: String,
    action: Option<String>,
    source: Vec<Element>,
    style: (&'static str, &'static str),
}

impl Element {
    fn new(
        id: &str,
        description: String,
        action: Option<&str>,
        source: Vec<Element>,
        style: (&'static str, &'static str),
    ) -> Self {
        Self {
            id: id.into(),
            description,
            action: action.map(str::to_string),
            source,
            style,
        }
    }
    fn shallow(&self) -> Self {
        Self {
            id: self.id.clone(),
            description: self.description.clone(),
            action: None,
            source: Vec::new(),
            style: self.style,
        }
    }
    fn render(&self) -> String {
        let mut element = format!(
            "{}{}\"{}\"{}",
            self.id,
            self.style.0,
            self.description.replace('"', "#quot;"),
            self.style.1
        );
        match self.action.as_deref() {
            Some("") => element = format!("--> {element}"),
            Some(a) => element = format!("--{a}--> {element}"),
            None => {}
        }
        if self.source.is_empty() {
            return element;
        }
        self.source
            .iter()
            .map(|s| format!("{} {element}", s.id))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

const END: (&str, &str) = ("[[", "]]");
const POLICY: (&str, &str) = ("{{", "}}");

async fn policy_elements(
    conn: &mut AnyConnection,
    target: Uuid,
    prefix: &str,
    parents: &[Element],
    action: Option<bool>,
) -> ApiResult<Vec<Element>> {
    let mut out = Vec::new();
    let bound = policy_bindings::bindings_for_target(conn, target).await?;
    for (i, (b, p)) in bound
        .iter()
        .filter_map(|(b, p)| p.as_ref().map(|p| (b, p)))
        .enumerate()
    {
        let kind = crate::api::policies::verbose_name(&p.kind);
        let label = match action {
            Some(true) => format!("Binding {}", b.order),
            _ => String::new(),
        };
        out.push(Element::new(
            &format!("{prefix}{i}"),
            format!("Policy ({kind})\n{}", p.name),
            Some(&label),
            parents.iter().map(Element::shallow).collect(),
            POLICY,
        ));
    }
    Ok(out)
}

/// authentik's `FlowDiagram.build()`.
pub async fn diagram_text(conn: &mut AnyConnection, flow: &Flow) -> ApiResult<String> {
    let mut all = vec!["graph TD".to_string()];
    if flow.authentication != FlowAuthentication::None {
        let auth = Element::new(
            "flow_auth_requirement",
            format!(
                "Flow authentication requirement\n{}",
                flow.authentication.as_str()
            ),
            None,
            Vec::new(),
            ("[", "]"),
        );
        all.push(auth.render());
        all.push(
            Element::new(
                "done",
                "End of the flow".into(),
                Some("Requirement not fulfilled"),
                vec![auth.shallow()],
                END,
            )
            .render(),
        );
        all.push(
            Element::new(
                "flow_start",
                "placeholder".into(),
                Some("Requirement fulfilled"),
                vec![auth.shallow()],
                ("[", "]"),
            )
            .render(),
        );
    }
    let pre = Element::new(
        "flow_pre",
        "Pre-flow policies".into(),
        None,
        Vec::new(),
        END,
    );
    let flow_policies = policy_elements(
        conn,
        flow.pbm_uuid,
        "flow_policy_",
        &[pre.shallow()],
        Some(true),
    )
    .await?;
    if !flow_policies.is_empty() {
        all.push(pre.render());
        all.extend(flow_policies.iter().map(Element::render));
        all.push(
            Element::new(
                "done",
                "End of the flow".into(),
                Some("Policy denied"),
                flow_policies.iter().map(Element::shallow).collect(),
                END,
            )
            .render(),
        );
    }
    let start_action = if flow_policies.is_empty() {
        None
    } else {
        Some("")
    };
    let start = Element::new(
        "flow_start",
        format!("Flow\n{}", flow.name),
        start_action,
        flow_policies.iter().map(Element::shallow).collect(),
        END,
    );
    all.push(start.render());
    let mut parents = vec![start.shallow()];
    let mut stages: Vec<Element> = Vec::new();
    let mut elements: Vec<String> = Vec::new();
    for (i, (binding, stage)) in flow_bindings::for_flow(conn, flow.pk)
        .await?
        .into_iter()
        .enumerate()
    {
        let policies = policy_elements(
            conn,
            binding.pbm_uuid,
            &format!("stage_{i}_policy_"),
            &parents,
            None,
        )
        .await?;
        elements.extend(policies.iter().map(Element::render));
        let action = if policies.is_empty() {
            ""
        } else {
            "Policy passed"
        };
        let kind = crate::api::stages::verbose_name(&stage.kind);
        let element = Element::new(
            &format!("stage_{i}"),
            format!("Stage ({kind})\n{}", stage.name),
            Some(action),
            policies,
            ("([", "])"),
        );
        if let Some(last) = stages.last() {
            for source in &last.source {
                elements.push(
                    Element::new(
                        &element.id,
                        element.description.clone(),
                        Some("Policy denied"),
                        vec![source.shallow()],
                        element.style,
                    )
                    .render(),
                );
            }
        }
        parents = vec![element.shallow()];
        stages.push(element);
    }
    if let Some(last) = stages.last() {
        elements.push(
            Element::new(
                "done",
                "End of the flow".into(),
                Some(""),
                vec![last.shallow()],
                END,
            )
            .render(),
        );
    }
    let empty = stages.is_empty();
    all.extend(stages.iter().map(Element::render));
    all.extend(elements);
    if empty {
        all.push(
            Element::new(
                "done",
                "End of the flow".into(),
                Some(""),
                vec![start.shallow()],
                END,
            )
            .render(),
        );
    }
    Ok(all.join("\n"))
}

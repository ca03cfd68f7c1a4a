//! The objects the admin interface manages: for each kind its `/api/v3` collection, how an
//! object is named and addressed, the list columns, how objects are created (a request schema,
//! or a type picker for stages and policies), the related lists shown on its page and the extra
//! actions it offers.
use castellan_core::model_spec::ModelSpec;

/// One kind of object in the admin interface.
#[derive(Debug)]
pub struct Kind {
    /// URL segment under `/if/admin/` (`users`).
    pub key: &'static str,
    /// Plural label (`Users`).
    pub label: &'static str,
    /// Singular label (`User`).
    pub singular: &'static str,
    /// Navigation group; `None` hides the kind from the sidebar (bindings, sessions).
    pub section: Option<&'static str>,
    /// The API collection path (`/core/users/`).
    pub api: &'static str,
    /// The JSON field whose value addresses an object in the API (`pk`, `slug`, `identifier`).
    pub lookup: &'static str,
    /// The JSON field (dotted path) naming an object.
    pub title: &'static str,
    /// List columns: dotted JSON path, label, the API `ordering` key when sortable.
    pub columns: &'static [(&'static str, &'static str, Option<&'static str>)],
    /// How objects are created.
    pub create: Create,
    /// Whether objects can be edited and deleted here.
    pub writable: bool,
    /// Whether the API supports `?search=`.
    pub search: bool,
    /// Extra list filters: query parameter and label.
    pub filters: &'static [(&'static str, &'static str)],
    /// Request fields not offered in forms.
    pub hidden: &'static [&'static str],
    /// Related lists shown on an object's page.
    pub related: &'static [Related],
    /// Extra actions on an object.
    pub actions: &'static [Action],
    /// Default `ordering` of the list.
    pub ordering: Option<&'static str>,
}

/// How a kind's objects are created.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Create {
    /// Not here (read-only kinds, providers until their types exist).
    No,
    /// A form from this OpenAPI request component, posted to the collection.
    Schema(&'static str),
    /// Pick a type first (`…/types/`), then the type's own form and endpoint.
    Typed(Family),
}

/// A polymorphic family with per-type endpoints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    /// Stage types.
    Stages,
    /// Policy types.
    Policies,
}

impl Family {
    /// The type specs of the family.
    pub fn specs(self) -> Vec<&'static ModelSpec> {
        match self {
            Self::Stages => castellan_stages::specs::all().to_vec(),
            Self::Policies => crate::api::policies::spec_families()
                .into_iter()
                .map(|(s, _)| s)
                .collect(),
        }
    }

    /// The spec of a type by `meta_model_name` (`authentik_stages_password.passwordstage`) or
    /// by the `model_name` of `…/types/` (`passwordstage`).
    pub fn spec(self, name: &str) -> Option<&'static ModelSpec> {
        self.specs()
            .into_iter()
            .find(|s| s.model == name || s.model_name() == name)
    }
}

/// A list of other objects pointing at this one, shown on its page.
#[derive(Debug)]
pub struct Related {
    /// Heading.
    pub title: &'static str,
    /// The kind listed.
    pub kind: &'static str,
    /// The API filter parameter selecting the related objects.
    pub filter: &'static str,
    /// The field of this object whose value the filter takes.
    pub from: &'static str,
    /// The request field an "add" link prefills with that value (`None`: no add link).
    pub add: Option<&'static str>,
    /// Columns: dotted JSON path and label.
    pub columns: &'static [(&'static str, &'static str)],
    /// `ordering` of the related list.
    pub ordering: Option<&'static str>,
    /// Whether each row gets an inline "order" form (the ordered binding editors).
    pub reorder: bool,
}

/// An extra action on one object.
#[derive(Debug)]
pub struct Action {
    /// URL segment (`set_password`).
    pub name: &'static str,
    /// Button label.
    pub label: &'static str,
    /// The API call: method and the path below the object (`set_password/`; empty: the object).
    pub method: &'static str,
    /// Path below the object's API URL.
    pub path: &'static str,
    /// The request component whose fields the action's form asks for (`None`: just a button).
    pub schema: Option<&'static str>,
    /// Only these fields of the schema (empty: all).
    pub only: &'static [&'static str],
    /// What to do with a successful answer.
    pub outcome: Outcome,
}

/// What an action shows once the API accepted it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// Show the answer's JSON (a recovery link, a token key, a policy result).
    Show,
    /// Go back to `next` or the object's page.
    Back,
    /// Go to this URL.
    Go(&'static str),
}

const BINDING_POLICIES: Related = Related {
    title: "Policy / Group / User Bindings",
    kind: "policy-bindings",
    filter: "target",
    from: "policybindingmodel_ptr_id",
    add: Some("target"),
    columns: &[
        ("order", "Order"),
        ("policy_obj.name", "Policy"),
        ("group_obj.name", "Group"),
        ("user_obj.username", "User"),
        ("enabled", "Enabled"),
        ("negate", "Negate"),
    ],
    ordering: Some("order"),
    reorder: true,
};

const ORDER_ONLY: &[&str] = &["order"];

/// Every kind, in navigation order.
pub static KINDS: &[Kind] = &[
    Kind {
        key: "applications",
        label: "Applications",
        singular: "Application",
        section: Some("Applications"),
        api: "/core/applications/",
        lookup: "slug",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("slug", "Slug", Some("slug")),
            ("group", "Group", Some("group")),
            ("provider_obj.name", "Provider", None),
            ("meta_launch_url", "Launch URL", None),
        ],
        create: Create::Schema("ApplicationRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[Related {
            from: "pk",
            ..BINDING_POLICIES
        }],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "providers",
        label: "Providers",
        singular: "Provider",
        section: Some("Applications"),
        api: "/providers/all/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("verbose_name", "Type", None),
            ("assigned_application_name", "Application", None),
        ],
        create: Create::No,
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "oauth2-providers",
        label: "OAuth2/OpenID Providers",
        singular: "OAuth2/OpenID Provider",
        section: Some("Applications"),
        api: "/providers/oauth2/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("client_id", "Client ID", Some("client_id")),
            ("client_type", "Client type", Some("client_type")),
            ("assigned_application_name", "Application", None),
        ],
        create: Create::Schema("OAuth2ProviderRequest"),
        writable: true,
        search: true,
        filters: &[("client_type", "Client type")],
        hidden: &[],
        related: &[],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "scope-mappings",
        label: "Scope Mappings",
        singular: "Scope Mapping",
        section: Some("Customization"),
        api: "/propertymappings/provider/scope/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("scope_name", "Scope", Some("scope_name")),
            ("description", "Description", None),
            ("managed", "Managed", None),
        ],
        create: Create::Schema("ScopeMappingRequest"),
        writable: true,
        search: true,
        filters: &[("scope_name", "Scope")],
        hidden: &["managed"],
        related: &[],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "events",
        label: "Logs",
        singular: "Event",
        section: Some("Events"),
        api: "/events/events/",
        lookup: "pk",
        title: "action",
        columns: &[
            ("action", "Action", Some("action")),
            ("user.username", "User", Some("user")),
            ("app", "App", Some("app")),
            ("client_ip", "Client IP", Some("client_ip")),
            ("created", "Created", Some("created")),
        ],
        create: Create::No,
        writable: false,
        search: true,
        filters: &[
            ("action", "Action"),
            ("username", "Username"),
            ("client_ip", "Client IP"),
        ],
        hidden: &[],
        related: &[],
        actions: &[],
        ordering: Some("-created"),
    },
    Kind {
        key: "policies",
        label: "Policies",
        singular: "Policy",
        section: Some("Customization"),
        api: "/policies/all/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("verbose_name", "Type", None),
            ("bound_to", "Bindings", None),
        ],
        create: Create::Typed(Family::Policies),
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[Related {
            title: "Bound to",
            kind: "policy-bindings",
            filter: "policy",
            from: "pk",
            add: None,
            columns: &[
                ("target", "Target"),
                ("order", "Order"),
                ("enabled", "Enabled"),
            ],
            ordering: Some("order"),
            reorder: false,
        }],
        actions: &[Action {
            name: "test",
            label: "Test",
            method: "POST",
            path: "test/",
            schema: Some("PolicyTestRequest"),
            only: &[],
            outcome: Outcome::Show,
        }],
        ordering: None,
    },
    Kind {
        key: "policy-bindings",
        label: "Policy bindings",
        singular: "Policy binding",
        section: None,
        api: "/policies/bindings/",
        lookup: "pk",
        title: "pk",
        columns: &[
            ("target", "Target", Some("target")),
            ("policy_obj.name", "Policy", None),
            ("group_obj.name", "Group", None),
            ("user_obj.username", "User", None),
            ("order", "Order", Some("order")),
        ],
        create: Create::Schema("PolicyBindingRequest"),
        writable: true,
        search: false,
        filters: &[],
        hidden: &[],
        related: &[],
        actions: &[Action {
            name: "order",
            label: "Set order",
            method: "PATCH",
            path: "",
            schema: Some("PolicyBindingRequest"),
            only: ORDER_ONLY,
            outcome: Outcome::Back,
        }],
        ordering: Some("order"),
    },
    Kind {
        key: "blueprints",
        label: "Blueprints",
        singular: "Blueprint",
        section: Some("Customization"),
        api: "/managed/blueprints/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("path", "Path", Some("path")),
            ("status", "Status", None),
            ("last_applied", "Last applied", Some("last_applied")),
            ("enabled", "Enabled", None),
        ],
        create: Create::Schema("BlueprintInstanceRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[],
        actions: &[Action {
            name: "apply",
            label: "Apply",
            method: "POST",
            path: "apply/",
            schema: None,
            only: &[],
            outcome: Outcome::Show,
        }],
        ordering: None,
    },
    Kind {
        key: "flows",
        label: "Flows",
        singular: "Flow",
        section: Some("Flows and Stages"),
        api: "/flows/instances/",
        lookup: "slug",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("slug", "Slug", Some("slug")),
            ("designation", "Designation", Some("designation")),
            ("title", "Title", None),
        ],
        create: Create::Schema("FlowRequest"),
        writable: true,
        search: true,
        filters: &[("designation", "Designation")],
        hidden: &[],
        related: &[
            Related {
                title: "Stage Bindings",
                kind: "flow-bindings",
                filter: "target",
                from: "pk",
                add: Some("target"),
                columns: &[
                    ("order", "Order"),
                    ("stage_obj.name", "Stage"),
                    ("stage_obj.verbose_name", "Stage type"),
                    ("evaluate_on_plan", "Evaluate on plan"),
                    ("re_evaluate_policies", "Re-evaluate policies"),
                ],
                ordering: Some("order"),
                reorder: true,
            },
            BINDING_POLICIES,
        ],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "flow-bindings",
        label: "Stage bindings",
        singular: "Stage binding",
        section: None,
        api: "/flows/bindings/",
        lookup: "pk",
        title: "stage_obj.name",
        columns: &[
            ("target", "Flow", Some("target")),
            ("stage_obj.name", "Stage", None),
            ("order", "Order", Some("order")),
        ],
        create: Create::Schema("FlowStageBindingRequest"),
        writable: true,
        search: false,
        filters: &[],
        hidden: &[],
        related: &[BINDING_POLICIES],
        actions: &[Action {
            name: "order",
            label: "Set order",
            method: "PATCH",
            path: "",
            schema: Some("FlowStageBindingRequest"),
            only: ORDER_ONLY,
            outcome: Outcome::Back,
        }],
        ordering: Some("order"),
    },
    Kind {
        key: "stages",
        label: "Stages",
        singular: "Stage",
        section: Some("Flows and Stages"),
        api: "/stages/all/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("verbose_name", "Type", None),
            ("flow_set", "Flows", None),
        ],
        create: Create::Typed(Family::Stages),
        writable: true,
        search: true,
        filters: &[],
        hidden: &["flow_set"],
        related: &[Related {
            title: "Used in flows",
            kind: "flow-bindings",
            filter: "stage",
            from: "pk",
            add: Some("stage"),
            columns: &[("target", "Flow"), ("order", "Order")],
            ordering: Some("order"),
            reorder: false,
        }],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "prompts",
        label: "Prompts",
        singular: "Prompt",
        section: Some("Flows and Stages"),
        api: "/stages/prompt/prompts/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("field_key", "Field", Some("field_key")),
            ("type", "Type", Some("type")),
            ("order", "Order", Some("order")),
        ],
        create: Create::Schema("PromptRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &["promptstage_set"],
        related: &[],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "invitations",
        label: "Invitations",
        singular: "Invitation",
        section: Some("Flows and Stages"),
        api: "/stages/invitation/invitations/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("expires", "Expires", Some("expires")),
            ("flow_obj.name", "Flow", None),
            ("created_by.username", "Created by", None),
        ],
        create: Create::Schema("InvitationRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "users",
        label: "Users",
        singular: "User",
        section: Some("Directory"),
        api: "/core/users/",
        lookup: "pk",
        title: "username",
        columns: &[
            ("username", "Username", Some("username")),
            ("name", "Name", Some("name")),
            ("is_active", "Active", Some("is_active")),
            ("last_login", "Last login", Some("last_login")),
            ("type", "Type", Some("type")),
        ],
        create: Create::Schema("UserRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[Related {
            title: "Sessions",
            kind: "sessions",
            filter: "user__username",
            from: "username",
            add: None,
            columns: &[
                ("last_ip", "Last IP"),
                ("last_user_agent", "User agent"),
                ("last_used", "Last used"),
                ("expires", "Expires"),
            ],
            ordering: None,
            reorder: false,
        }],
        actions: &[
            Action {
                name: "set_password",
                label: "Set password",
                method: "POST",
                path: "set_password/",
                schema: Some("UserPasswordSetRequest"),
                only: &[],
                outcome: Outcome::Back,
            },
            Action {
                name: "recovery",
                label: "Create recovery link",
                method: "POST",
                path: "recovery/",
                schema: None,
                only: &[],
                outcome: Outcome::Show,
            },
            Action {
                name: "impersonate",
                label: "Impersonate",
                method: "POST",
                path: "impersonate/",
                schema: None,
                only: &[],
                outcome: Outcome::Go("/if/user/"),
            },
        ],
        ordering: None,
    },
    Kind {
        key: "groups",
        label: "Groups",
        singular: "Group",
        section: Some("Directory"),
        api: "/core/groups/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("parent_name", "Parent", None),
            ("is_superuser", "Superuser", Some("is_superuser")),
        ],
        create: Create::Schema("GroupRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &["roles"],
        related: &[Related {
            title: "Members",
            kind: "users",
            filter: "groups_by_pk",
            from: "pk",
            add: None,
            columns: &[
                ("username", "Username"),
                ("name", "Name"),
                ("is_active", "Active"),
            ],
            ordering: Some("username"),
            reorder: false,
        }],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "tokens",
        label: "Tokens and App passwords",
        singular: "Token",
        section: Some("Directory"),
        api: "/core/tokens/",
        lookup: "identifier",
        title: "identifier",
        columns: &[
            ("identifier", "Identifier", Some("identifier")),
            ("user_obj.username", "User", None),
            ("intent", "Intent", Some("intent")),
            ("expires", "Expires", Some("expires")),
        ],
        create: Create::Schema("TokenRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &["managed"],
        related: &[],
        actions: &[Action {
            name: "view_key",
            label: "View key",
            method: "GET",
            path: "view_key/",
            schema: None,
            only: &[],
            outcome: Outcome::Show,
        }],
        ordering: None,
    },
    Kind {
        key: "sessions",
        label: "Sessions",
        singular: "Session",
        section: None,
        api: "/core/authenticated_sessions/",
        lookup: "uuid",
        title: "last_ip",
        columns: &[
            ("user", "User", None),
            ("last_ip", "Last IP", None),
            ("last_used", "Last used", None),
        ],
        create: Create::No,
        writable: true,
        search: false,
        filters: &[],
        hidden: &[],
        related: &[],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "brands",
        label: "Brands",
        singular: "Brand",
        section: Some("System"),
        api: "/core/brands/",
        lookup: "brand_uuid",
        title: "domain",
        columns: &[
            ("domain", "Domain", Some("domain")),
            ("branding_title", "Title", None),
            ("default", "Default", Some("default")),
        ],
        create: Create::Schema("BrandRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "certificates",
        label: "Certificates",
        singular: "Certificate-Key Pair",
        section: Some("System"),
        api: "/crypto/certificatekeypairs/",
        lookup: "pk",
        title: "name",
        columns: &[
            ("name", "Name", Some("name")),
            ("private_key_available", "Private key available", None),
            ("cert_expiry", "Expiry", None),
        ],
        create: Create::Schema("CertificateKeyPairRequest"),
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[],
        actions: &[],
        ordering: None,
    },
    Kind {
        key: "reputation",
        label: "Reputation scores",
        singular: "Reputation score",
        section: Some("Customization"),
        api: "/policies/reputation/scores/",
        lookup: "pk",
        title: "identifier",
        columns: &[
            ("identifier", "Identifier", Some("identifier")),
            ("ip", "IP", Some("ip")),
            ("score", "Score", Some("score")),
            ("updated", "Updated", Some("updated")),
        ],
        create: Create::No,
        writable: true,
        search: true,
        filters: &[],
        hidden: &[],
        related: &[],
        actions: &[],
        ordering: None,
    },
];

/// The navigation groups, in order.
pub const SECTIONS: &[&str] = &[
    "Applications",
    "Events",
    "Customization",
    "Flows and Stages",
    "Directory",
    "System",
];

/// The values a create form starts with (authentik's form defaults); query parameters and, for
/// typed kinds, the type's own field defaults come on top.
pub fn create_defaults(key: &str) -> serde_json::Value {
    use serde_json::json;
    match key {
        "users" => {
            json!({"is_active": true, "path": "users", "type": "internal", "attributes": {}})
        }
        "groups" | "brands" => json!({"attributes": {}}),
        "applications" => json!({"policy_engine_mode": "any"}),
        "flows" => json!({"designation": "authentication", "policy_engine_mode": "any",
            "layout": "stacked", "denied_action": "message_continue", "authentication": "none"}),
        "flow-bindings" => json!({"re_evaluate_policies": true, "policy_engine_mode": "any",
            "invalid_response_action": "retry", "order": 0}),
        "policy-bindings" => json!({"enabled": true, "order": 0, "timeout": 30}),
        "tokens" => json!({"intent": "api", "expiring": true}),
        "invitations" => json!({"fixed_data": {}}),
        "blueprints" => json!({"enabled": true, "context": {}}),
        "prompts" => json!({"type": "text", "order": 0}),
        "certificates" => json!({"validity_days": 365, "alg": "rsa"}),
        "oauth2-providers" => json!({"client_type": "confidential", "redirect_uris": [],
            "include_claims_in_id_token": true, "access_code_validity": "minutes=1",
            "access_token_validity": "hours=1", "refresh_token_validity": "days=30",
            "sub_mode": "hashed_user_id", "issuer_mode": "per_provider"}),
        _ => json!({}),
    }
}

/// Query parameters a kind's API list always gets: groups leave out their members, which can be
/// thousands per group and are not shown in lists or pickers.
pub fn list_extra(key: &str) -> &'static [(&'static str, &'static str)] {
    match key {
        "groups" => &[("include_users", "false")],
        _ => &[],
    }
}

/// The kind at `key`.
pub fn kind(key: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.key == key)
}

/// The value at a dotted path (`user_obj.username`) of a JSON object.
pub fn at<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_related_kinds_exist() {
        for (i, k) in KINDS.iter().enumerate() {
            assert!(KINDS[..i].iter().all(|o| o.key != k.key), "{}", k.key);
            for r in k.related {
                assert!(kind(r.kind).is_some(), "{} → {}", k.key, r.kind);
            }
            if let Some(s) = k.section {
                assert!(SECTIONS.contains(&s), "{}", k.key);
            }
        }
    }

    #[test]
    fn families_find_their_specs() {
        let pw = Family::Stages
            .spec("authentik_stages_password.passwordstage")
            .expect("password stage");
        assert_eq!(pw.api, "stages/password");
        assert!(
            Family::Policies
                .spec("authentik_policies_expression.expressionpolicy")
                .is_some()
        );
        assert_eq!(
            Family::Stages.spec("passwordstage").map(|s| s.model),
            Some(pw.model)
        );
    }
}

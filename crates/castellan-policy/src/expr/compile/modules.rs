//! What `import` statements may name: monty's own stdlib modules, the engine's `ipaddress`,
//! and a table of authentik (and msgraph/django) names bound to host-provided placeholders.

/// What an imported authentik name becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Binding {
    /// A constant, as Python literal source text.
    Const(&'static str),
    /// An enum-like namespace: an object whose attributes are these string constants.
    Namespace(&'static str, &'static [(&'static str, &'static str)]),
    /// A model class placeholder: `Model.objects.filter(**f).update(**v)` calls the host's
    /// `model_update`, reads (`get`, `first`, `exists`, `count`, `all`) call `model_query`.
    Model(&'static str, &'static str),
    /// A constructor that returns its keyword arguments as a dict.
    KwargsDict(&'static str),
    /// An engine helper that is already a global under this name.
    Helper(&'static str),
}

/// Modules monty implements natively; `import` statements naming them are left alone.
pub(crate) const NATIVE_MODULES: &[&str] = &[
    "re",
    "json",
    "datetime",
    "math",
    "base64",
    "binascii",
    "collections",
    "functools",
    "itertools",
    "typing",
    "unicodedata",
];

/// The engine's `ipaddress` module object (defined by the ipaddress prelude).
pub(crate) const IPADDRESS_MODULE: &str = "_ak_ipmod";

/// Names `from ipaddress import …` may import.
pub(crate) const IPADDRESS_NAMES: &[&str] = &[
    "ip_address",
    "ip_network",
    "IPv4Address",
    "IPv6Address",
    "IPv4Network",
    "IPv6Network",
];

const USER_TYPES: &[(&str, &str)] = &[
    ("INTERNAL", "internal"),
    ("EXTERNAL", "external"),
    ("SERVICE_ACCOUNT", "service_account"),
    ("INTERNAL_SERVICE_ACCOUNT", "internal_service_account"),
];

const FLOW_AUTHENTICATION: &[(&str, &str)] = &[
    ("NONE", "none"),
    ("REQUIRE_AUTHENTICATED", "require_authenticated"),
    ("REQUIRE_UNAUTHENTICATED", "require_unauthenticated"),
    ("REQUIRE_SUPERUSER", "require_superuser"),
    ("REQUIRE_REDIRECT", "require_redirect"),
    ("REQUIRE_OUTPOST", "require_outpost"),
];

const FLOW_DESIGNATION: &[(&str, &str)] = &[
    ("AUTHENTICATION", "authentication"),
    ("AUTHORIZATION", "authorization"),
    ("INVALIDATION", "invalidation"),
    ("ENROLLMENT", "enrollment"),
    ("UNRENOLLMENT", "unenrollment"),
    ("RECOVERY", "recovery"),
    ("STAGE_CONFIGURATION", "stage_configuration"),
];

/// `(module, name, binding)` for every supported `from <module> import <name>`.
const TABLE: &[(&str, &str, Binding)] = &[
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_DEBUG",
        Binding::Const("\"goauthentik.io/user/debug\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_GENERATED",
        Binding::Const("\"goauthentik.io/user/generated\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_EXPIRES",
        Binding::Const("\"goauthentik.io/user/expires\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_DELETE_ON_LOGOUT",
        Binding::Const("\"goauthentik.io/user/delete-on-logout\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_SOURCES",
        Binding::Const("\"goauthentik.io/user/sources\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_TOKEN_EXPIRING",
        Binding::Const("\"goauthentik.io/user/token-expires\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_TOKEN_MAXIMUM_LIFETIME",
        Binding::Const("\"goauthentik.io/user/token-maximum-lifetime\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_CHANGE_USERNAME",
        Binding::Const("\"goauthentik.io/user/can-change-username\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_CHANGE_NAME",
        Binding::Const("\"goauthentik.io/user/can-change-name\""),
    ),
    (
        "authentik.core.models",
        "USER_ATTRIBUTE_CHANGE_EMAIL",
        Binding::Const("\"goauthentik.io/user/can-change-email\""),
    ),
    (
        "authentik.core.models",
        "USER_PATH_SYSTEM_PREFIX",
        Binding::Const("\"goauthentik.io\""),
    ),
    (
        "authentik.core.models",
        "USER_PATH_SERVICE_ACCOUNT",
        Binding::Const("\"goauthentik.io/service-accounts\""),
    ),
    (
        "authentik.core.models",
        "GROUP_RECURSION_LIMIT",
        Binding::Const("20"),
    ),
    (
        "authentik.core.models",
        "UserTypes",
        Binding::Namespace("UserTypes", USER_TYPES),
    ),
    (
        "authentik.core.models",
        "User",
        Binding::Model("authentik_core.user", "User"),
    ),
    (
        "authentik.core.models",
        "Group",
        Binding::Model("authentik_core.group", "Group"),
    ),
    (
        "authentik.core.models",
        "Application",
        Binding::Model("authentik_core.application", "Application"),
    ),
    (
        "authentik.core.models",
        "Source",
        Binding::Model("authentik_core.source", "Source"),
    ),
    (
        "authentik.core.models",
        "Token",
        Binding::Model("authentik_core.token", "Token"),
    ),
    (
        "authentik.flows.models",
        "Flow",
        Binding::Model("authentik_flows.flow", "Flow"),
    ),
    (
        "authentik.flows.models",
        "FlowAuthenticationRequirement",
        Binding::Namespace("FlowAuthenticationRequirement", FLOW_AUTHENTICATION),
    ),
    (
        "authentik.flows.models",
        "FlowDesignation",
        Binding::Namespace("FlowDesignation", FLOW_DESIGNATION),
    ),
    (
        "authentik.flows.planner",
        "PLAN_CONTEXT_PENDING_USER",
        Binding::Const("\"pending_user\""),
    ),
    (
        "authentik.flows.planner",
        "PLAN_CONTEXT_SSO",
        Binding::Const("\"is_sso\""),
    ),
    (
        "authentik.flows.planner",
        "PLAN_CONTEXT_REDIRECT",
        Binding::Const("\"redirect\""),
    ),
    (
        "authentik.flows.planner",
        "PLAN_CONTEXT_APPLICATION",
        Binding::Const("\"application\""),
    ),
    (
        "authentik.flows.planner",
        "PLAN_CONTEXT_SOURCE",
        Binding::Const("\"source\""),
    ),
    (
        "authentik.stages.prompt.stage",
        "PLAN_CONTEXT_PROMPT",
        Binding::Const("\"prompt_data\""),
    ),
    (
        "authentik.stages.password.stage",
        "PLAN_CONTEXT_AUTHENTICATION_BACKEND",
        Binding::Const("\"user_backend\""),
    ),
    (
        "msgraph.generated.models.password_profile",
        "PasswordProfile",
        Binding::KwargsDict("PasswordProfile"),
    ),
    ("django.utils.text", "slugify", Binding::Helper("slugify")),
];

/// Looks up `from module import name`.
pub(crate) fn lookup(module: &str, name: &str) -> Option<Binding> {
    TABLE
        .iter()
        .find(|(m, n, _)| *m == module && *n == name)
        .map(|(_, _, b)| *b)
}

/// True when some entry of the table comes from `module`.
pub(crate) fn known_module(module: &str) -> bool {
    TABLE.iter().any(|(m, _, _)| *m == module)
}

/// The names the table offers from `module`, for error messages.
pub(crate) fn names_of(module: &str) -> Vec<&'static str> {
    TABLE
        .iter()
        .filter(|(m, _, _)| *m == module)
        .map(|(_, n, _)| *n)
        .collect()
}

/// Why a module cannot be imported, with what to do instead (`None`: the generic message).
pub(crate) fn forbidden_hint(module: &str) -> Option<&'static str> {
    let root = module.split('.').next().unwrap_or(module);
    match root {
        "requests" | "urllib" | "urllib3" | "http" | "httpx" | "socket" => Some(
            "outbound network access is not available in Castellan expressions; \
             use resolve_dns()/reverse_dns() for DNS, or move the call into a webhook transport",
        ),
        "os" | "sys" | "pathlib" | "subprocess" | "shutil" | "io" => {
            Some("expressions run in a sandbox without access to the operating system or files")
        }
        "django" => Some(
            "Django is not available; use the expression helpers (ak_user_by, ak_is_group_member, \
             regex_match, slugify, …) instead",
        ),
        "authentik" => Some(
            "only a few authentik names are available (constants, UserTypes, Flow, User, Group, …); \
             use the expression helpers (ak_user_by, ak_is_group_member, ak_call_policy, …) instead",
        ),
        _ => None,
    }
}

//! The Python-syntax expression engine (spec §6.4, ARCHITECTURE §5): expression policies,
//! property mappings and prompt expressions, run in [monty] (pydantic's sandboxed Python
//! interpreter) after a small compile-time rewrite.
//!
//! # Model
//!
//! An expression is a Python *function body* (it may `return` and may `yield`). As authentik
//! does, the engine wraps it as `def _ak_expr(<vars>): <body>` whose parameters are the
//! context variables the body references ([`ExprInputs::vars`]); other names resolve to
//! the engine's globals (`ak_message`, `ak_logger`, `regex_match`, …), Python builtins, or
//! raise `NameError`. [`Expression::compile`] parses, rewrites, analyses and validates once;
//! the monty module is compiled once per distinct set of referenced variables and cached on
//! the [`Expression`]. [`ExprCache`] caches expressions by source text.
//!
//! monty's data model is copy-in/copy-out. Inputs are converted to monty values on entry;
//! static analysis of the body decides how much of each input it can reach (`request.user`
//! alone does not copy `request.context`), so large contexts cost nothing unless read. A
//! body that cannot mutate anything (no attribute/item assignment, no mutating method call)
//! skips the copy-out; otherwise the variables are read back after the call and laid over
//! the original JSON, so `context[...] = …`, `request.context[...]`,
//! `context["flow_plan"].context[...]` and `user.attributes[...]` writes reach
//! [`ExprOutcome::vars`]. `request.context` *is* `context` (the wrapper runs
//! `request.context = context` before the call when both are referenced, and the host side
//! keeps both copies identical afterwards).
//!
//! # Tagged objects
//!
//! JSON objects with a `"$type"` key become Python objects with attributes (monty host
//! classes): `user` → `User`, `group` → `Group`, `policy_request` → `PolicyRequest`,
//! `http_request` → `HttpRequest` (its `tenant`/`brand`/`user` objects too), `flow_plan` →
//! `FlowPlan`, any other type → its CamelCase name (`source` → `Source`). Every key is an
//! attribute, except on users: `groups` and `password` are read lazily (kept out of
//! `repr()`), `has_usable_password` is the method `has_usable_password()`.
//! Users additionally have:
//! * `ak_groups`: `.all()` (a list of `Group`s: the optional `ak_groups` key of the JSON,
//!   i.e. direct groups, else `groups`), `.filter(**lookups)`, `.exclude()`, `.order_by()`,
//!   `.exists()`, `.count()`, `.first()`, `.last()`, `.get()`, `.values_list()`,
//!   `.values()`. Django lookups work (`name__in`, `name__startswith`,
//!   `attributes__key=…`). A queryset used as a value (iterated, indexed, `len()`) is a list.
//! * `group_attributes(request=None)`: deep merge (`deepmerge.always_merger`) of the brand's
//!   attributes (when `request` carries a `brand`), each group's attributes ordered by name,
//!   then the user's own attributes — authentik's order, later wins.
//! * `locale()`, `all_groups()`, `is_authenticated` / `is_anonymous` (from `pk` unless given).
//! * `hasattr(user, "backend")` is true only when the JSON has `backend`.
//!
//! `Source`-like objects with a `slug` have `get_user_path()`. Any other method call on a
//! tagged object is forwarded to the host as `"<$type>.<method>"` with the object first.
//! Values leave the sandbox as JSON: tagged objects stay tagged (the original JSON with the
//! changed attributes laid over it), tuples and sets become arrays, datetimes ISO strings,
//! `ip_address`/`ip_network` objects their string form.
//!
//! # Globals
//!
//! Implemented by the engine: `ak_message`, `ak_logger.debug/info/warning/error/exception`
//! (→ [`ExprOutcome::log`], `print()` too), `ak_is_group_member` (from the user's groups),
//! `ak_is_sso_flow` (`False` unless passed as a variable), `regex_match` (`re.search`),
//! `regex_replace` (`re.sub`, `\1` references work), `list_flatten`, `slugify` (Django's),
//! `ip_address`/`ip_network` (IPv4 and IPv6; `in` membership, `str()`, `==`, `version`,
//! `is_private`, `is_global`, …; a string `ak_client_ip` variable becomes an `ip_address`).
//! The helpers written in Python are compiled in only when referenced. Forwarded to
//! [`ExprHost::call`]: see [`HOST_FUNCTIONS`] (`ak_user_by`, `ak_user_has_authenticator`,
//! `ak_call_policy` → an object with `.passing`/`.messages`, `ak_create_event`,
//! `ak_send_email`, `resolve_dns`, `reverse_dns`, `model_update`, `model_query`). Host
//! calls are awaited between interpreter steps, so they may do async I/O; a host `Err`
//! raises a catchable exception and, when uncaught, ends in [`ExprError::Host`].
//!
//! # Rewrites (compile time; line numbers are preserved)
//!
//! * `yield x` / `yield from xs` statements collect into the list the body returns.
//! * `import re/json/datetime/math/base64/binascii/collections/functools/itertools/typing/
//!   unicodedata` use monty's modules; `ipaddress` is the engine's; `from authentik.… import`
//!   binds constants (`USER_ATTRIBUTE_*`, `USER_PATH_*`, `PLAN_CONTEXT_*`), enum namespaces
//!   (`UserTypes`, `FlowAuthenticationRequirement`, `FlowDesignation`) and model placeholders
//!   (`User`, `Group`, `Application`, `Source`, `Token`, `Flow`): `Model.objects.filter(**f)
//!   .update(**v)` calls the host's `model_update` with `["app_label.model", f, v]`, reads
//!   (`get`, `first`, `exists`, `count`, `all`) call `model_query` with `["app_label.model",
//!   f]`. msgraph's `PasswordProfile(**kw)` returns its keyword arguments as a dict.
//! * `del d[k]` → `d.pop(k)`, `del name` → `name = None`; `"literal" % args` → printf-style
//!   formatting by the engine; `raise SkipObject` → [`ExprError::Skip`] (catchable with
//!   `except SkipObject`, as in Python).
//!
//! # Unsupported (compile errors that say what to write instead)
//!
//! `requests` and other network, OS and file modules; authentik/django names outside the
//! table above (use the helpers); `yield` as a value or inside nested functions (there are
//! no generator functions); and what monty does not implement: `match`, class inheritance,
//! `async for/with`, exception groups. `%` formatting works only with a string literal on the left; `str(user)` is the
//! object's repr (authentik prints the username); host objects are not iterable (querysets
//! turn into lists first). OS calls other than the clock raise `PermissionError`.
//!
//! # Budget
//!
//! [`Budget`]: interpreter time (default 1 s; host awaits not counted; uncatchable →
//! [`ExprError::Timeout`]), the largest single allocation (default 64 MiB, `"x" * 10**10` →
//! [`ExprError::Resource`], uncatchable), recursion depth (default 200, a catchable
//! `RecursionError`) and suspensions (default 10 000). There is no cap on total memory
//! (monty enforces one only with its global allocator installed); the time budget bounds
//! how much a loop can build.
//!
//! # Performance
//!
//! `benches/expr.rs` (`cargo bench -p castellan-policy --bench expr`) evaluates
//! `return ak_is_group_member(request.user, name="admins")` with a user in 5 groups:
//! ≈ 25 000 evaluations/s on one core including building the input JSON, ≈ 55 000/s for the
//! engine alone (release build).
//!
//! [monty]: https://crates.io/crates/monty
mod budget;
mod compile;
mod error;
mod eval;
mod expression;
mod host;

pub use budget::Budget;
pub use error::ExprError;
pub use expression::{ExprCache, Expression};
pub use host::{ExprHost, ExprInputs, ExprOutcome, HOST_FUNCTIONS, NoHost, truthy};

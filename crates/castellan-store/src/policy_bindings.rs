//! Policy bindings (spec §6.1): a policy, group or user bound to a policy-binding model (flow,
//! stage binding, application, source) by its `pbm_uuid`. The target has no foreign key; the
//! repositories of those models delete their bindings.
use castellan_core::policy::{BindingSubject, Policy, PolicyBinding};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use uuid::Uuid;

use crate::StoreError;
use crate::codec::{boolean, int, opt_int, opt_uuid, uuid};
use crate::list::{ListQuery, Page, Param};

/// Columns of a binding row.
pub const COLUMNS: &str = "policy_binding_uuid, target, policy, group_id, user_id, negate, enabled, \
                           \"order\", timeout, failure_result";

/// Decodes a binding row.
pub fn from_row(row: &AnyRow) -> Result<PolicyBinding, StoreError> {
    let subject = match (
        opt_uuid(row, "policy")?,
        opt_uuid(row, "group_id")?,
        opt_int(row, "user_id")?,
    ) {
        (Some(p), _, _) => BindingSubject::Policy(p),
        (None, Some(g), _) => BindingSubject::Group(g),
        (None, None, Some(u)) => BindingSubject::User(u),
        (None, None, None) => {
            return Err(StoreError::Corrupt("policy binding without subject".into()));
        }
    };
    Ok(PolicyBinding {
        pk: uuid(row, "policy_binding_uuid")?,
        target: uuid(row, "target")?,
        subject,
        negate: boolean(row, "negate")?,
        enabled: boolean(row, "enabled")?,
        order: int(row, "order")?,
        timeout: int(row, "timeout")?,
        failure_result: boolean(row, "failure_result")?,
    })
}

fn subject_columns(s: &BindingSubject) -> (Option<String>, Option<String>, Option<i64>) {
    match s {
        BindingSubject::Policy(p) => (Some(p.to_string()), None, None),
        BindingSubject::Group(g) => (None, Some(g.to_string()), None),
        BindingSubject::User(u) => (None, None, Some(*u)),
    }
}

/// Inserts a binding.
pub async fn create(conn: &mut AnyConnection, b: &PolicyBinding) -> Result<(), StoreError> {
    let (policy, group, user) = subject_columns(&b.subject);
    sqlx::query(
        "INSERT INTO policies_policybinding (policy_binding_uuid, target, policy, group_id, user_id, negate, \
         enabled, \"order\", timeout, failure_result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(b.pk.to_string())
    .bind(b.target.to_string())
    .bind(policy)
    .bind(group)
    .bind(user)
    .bind(b.negate)
    .bind(b.enabled)
    .bind(b.order)
    .bind(b.timeout)
    .bind(b.failure_result)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes every mutable field.
pub async fn update(conn: &mut AnyConnection, b: &PolicyBinding) -> Result<(), StoreError> {
    let (policy, group, user) = subject_columns(&b.subject);
    sqlx::query(
        "UPDATE policies_policybinding SET target = $1, policy = $2, group_id = $3, user_id = $4, negate = $5, \
         enabled = $6, \"order\" = $7, timeout = $8, failure_result = $9 WHERE policy_binding_uuid = $10",
    )
    .bind(b.target.to_string())
    .bind(policy)
    .bind(group)
    .bind(user)
    .bind(b.negate)
    .bind(b.enabled)
    .bind(b.order)
    .bind(b.timeout)
    .bind(b.failure_result)
    .bind(b.pk.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes a binding.
pub async fn delete(conn: &mut AnyConnection, pk: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM policies_policybinding WHERE policy_binding_uuid = $1")
        .bind(pk.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes every binding targeting one of `targets` (their model is being deleted).
pub async fn delete_for_targets(
    conn: &mut AnyConnection,
    targets: &[Uuid],
) -> Result<u64, StoreError> {
    let mut total = 0;
    for t in targets {
        total += sqlx::query("DELETE FROM policies_policybinding WHERE target = $1")
            .bind(t.to_string())
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(total)
}

/// Loads by primary key.
pub async fn get(conn: &mut AnyConnection, pk: Uuid) -> Result<Option<PolicyBinding>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM policies_policybinding WHERE policy_binding_uuid = $1");
    sqlx::query(&sql)
        .bind(pk.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

const JOINED: &str = "SELECT b.policy_binding_uuid, b.target, b.policy, b.group_id, b.user_id, b.negate, b.enabled, \
     b.\"order\", b.timeout, b.failure_result, p.policy_uuid, p.name, p.kind, p.execution_logging, p.created, \
     p.last_updated, p.config FROM policies_policybinding b LEFT JOIN policies_policy p ON p.policy_uuid = b.policy";

fn joined_row(row: &AnyRow) -> Result<(PolicyBinding, Option<Policy>), StoreError> {
    let binding = from_row(row)?;
    let policy = match opt_uuid(row, "policy_uuid")? {
        Some(_) => Some(crate::policies::from_row(row)?),
        None => None,
    };
    Ok((binding, policy))
}

/// The enabled bindings of `target` with their policies, by order: one query (the login hot
/// path).
pub async fn bindings_for_target(
    conn: &mut AnyConnection,
    target: Uuid,
) -> Result<Vec<(PolicyBinding, Option<Policy>)>, StoreError> {
    let sql = format!(
        "{JOINED} WHERE b.target = $1 AND b.enabled = $2 ORDER BY b.\"order\", b.policy_binding_uuid"
    );
    sqlx::query(&sql)
        .bind(target.to_string())
        .bind(true)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(joined_row)
        .collect()
}

/// The enabled bindings of several targets with their policies, by target then order.
pub async fn bindings_for_targets(
    conn: &mut AnyConnection,
    targets: &[Uuid],
) -> Result<Vec<(PolicyBinding, Option<Policy>)>, StoreError> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let ps: Vec<String> = (2..targets.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "{JOINED} WHERE b.enabled = $1 AND b.target IN ({}) ORDER BY b.target, b.\"order\", b.policy_binding_uuid",
        ps.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(true);
    for t in targets {
        q = q.bind(t.to_string());
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(joined_row)
        .collect()
}

/// Policy keys bound to `target` (enabled or not), by order: a flow's `policies`.
pub async fn policies_of_target(
    conn: &mut AnyConnection,
    target: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    sqlx::query(
        "SELECT policy FROM policies_policybinding WHERE target = $1 AND policy IS NOT NULL \
         ORDER BY \"order\", policy_binding_uuid",
    )
    .bind(target.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| uuid(r, "policy"))
    .collect()
}

/// Models stored in the generic object table that are policy-binding models (their `pbm_uuid`
/// is their key).
pub const OBJECT_TARGET_MODELS: &[&str] = &["authentik_events.notificationrule"];

/// Whether a policy-binding model with this `pbm_uuid` exists (flow, stage binding, application,
/// notification rule).
pub async fn target_exists(conn: &mut AnyConnection, target: Uuid) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM flows_flow WHERE pbm_uuid = $1) \
         + (SELECT COUNT(*) FROM flows_flowstagebinding WHERE pbm_uuid = $1) \
         + (SELECT COUNT(*) FROM core_application WHERE pbm_uuid = $1) \
         + (SELECT COUNT(*) FROM castellan_object WHERE pk = $1 AND model = $2) AS n",
    )
    .bind(target.to_string())
    .bind(OBJECT_TARGET_MODELS[0])
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Whether another binding than `except` binds `policy` to `target` at `order`.
pub async fn duplicate(
    conn: &mut AnyConnection,
    b: &PolicyBinding,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let BindingSubject::Policy(policy) = b.subject else {
        return Ok(false);
    };
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM policies_policybinding WHERE policy = $1 AND target = $2 AND \"order\" = $3 \
         AND policy_binding_uuid <> $4",
    )
    .bind(policy.to_string())
    .bind(b.target.to_string())
    .bind(b.order)
    .bind(except.map(|e| e.to_string()).unwrap_or_default())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Filters of `GET /policies/bindings/`.
#[derive(Debug, Clone, Default)]
pub struct PolicyBindingFilter {
    /// Exact column filters.
    pub exact: Vec<(&'static str, Param)>,
    /// `target_in`.
    pub target_in: Option<Vec<Uuid>>,
    /// `policy__isnull`.
    pub policy_isnull: Option<bool>,
    /// ORDER BY.
    pub order_by: Option<String>,
}

/// Orderings the API accepts.
pub fn ordering(field: &str) -> Option<&'static str> {
    Some(match field {
        "order" => "\"order\" ASC, policy_binding_uuid",
        "-order" => "\"order\" DESC, policy_binding_uuid",
        "target" => "target ASC, \"order\"",
        "-target" => "target DESC, \"order\"",
        "pk" => "policy_binding_uuid ASC",
        "-pk" => "policy_binding_uuid DESC",
        _ => return None,
    })
}

/// Lists bindings.
pub async fn list(
    conn: &mut AnyConnection,
    f: &PolicyBindingFilter,
    page: Page,
) -> Result<(Vec<PolicyBinding>, i64), StoreError> {
    let mut q = ListQuery::new(
        f.order_by
            .as_deref()
            .unwrap_or("target, \"order\", policy_binding_uuid"),
    );
    for (col, v) in &f.exact {
        q.eq(col, v.clone());
    }
    if let Some(targets) = &f.target_in {
        q.any_of(
            "target",
            targets.iter().map(|t| Param::Text(t.to_string())).collect(),
        );
    }
    match f.policy_isnull {
        Some(true) => {
            q.raw(
                "(policy IS NULL OR policy = {})",
                Param::Text(String::new()),
            );
        }
        Some(false) => {
            q.raw("policy <> {}", Param::Text(String::new()));
        }
        None => {}
    }
    let (rows, count) = q
        .fetch(conn, COLUMNS, "policies_policybinding", page)
        .await?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, count))
}

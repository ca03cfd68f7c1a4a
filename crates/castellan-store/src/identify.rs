//! Finding the user an identifier names (identification stage, spec §4.1): any of email,
//! username or `attributes.upn`, exact or case-insensitive; the first match by pk wins.
use castellan_core::user::User;
use sqlx::AnyConnection;

use crate::StoreError;

/// The first user whose `fields` (`email`, `username`, `upn`) match `value`.
pub async fn find_user(
    conn: &mut AnyConnection,
    fields: &[String],
    value: &str,
    case_insensitive: bool,
) -> Result<Option<User>, StoreError> {
    let postgres = crate::pool::is_postgres(conn);
    let mut clauses = Vec::new();
    for field in fields {
        let column = match field.as_str() {
            "email" => "email".to_string(),
            "username" => "username".to_string(),
            "upn" if postgres => "(CAST(attributes AS jsonb) ->> 'upn')".to_string(),
            "upn" => "json_extract(attributes, '$.upn')".to_string(),
            _ => continue,
        };
        clauses.push(if case_insensitive {
            format!("LOWER({column}) = LOWER($1)")
        } else {
            format!("{column} = $1")
        });
    }
    if clauses.is_empty() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {} FROM core_user WHERE {} ORDER BY id LIMIT 1",
        crate::users::COLUMNS,
        clauses.join(" OR ")
    );
    sqlx::query(&sql)
        .bind(value.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(crate::users::from_row)
        .transpose()
}

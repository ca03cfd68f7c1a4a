//! A small builder for the API's list queries: exact filters, case-insensitive search over a set
//! of columns, whitelisted ordering and page/offset pagination, with numbered placeholders that
//! both backends accept.
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use crate::StoreError;

/// A bind value.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// Text.
    Text(String),
    /// Integer.
    Int(i64),
    /// Boolean.
    Bool(bool),
}

/// Page request: 1-based page and page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub page: i64,
    /// Rows per page.
    pub page_size: i64,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: 100,
        }
    }
}

/// A list query under construction.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    conditions: Vec<String>,
    params: Vec<Param>,
    order_by: String,
}

impl ListQuery {
    /// An empty query ordered by `default_order` (an SQL ORDER BY list chosen by the caller).
    pub fn new(default_order: &str) -> Self {
        Self {
            order_by: default_order.to_string(),
            ..Self::default()
        }
    }

    fn placeholder(&mut self, value: Param) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    /// `column = value`.
    pub fn eq(&mut self, column: &str, value: Param) -> &mut Self {
        let p = self.placeholder(value);
        self.conditions.push(format!("{column} = {p}"));
        self
    }

    /// A raw condition where `{}` stands for one placeholder bound to `value`.
    pub fn raw(&mut self, template: &str, value: Param) -> &mut Self {
        let p = self.placeholder(value);
        self.conditions.push(template.replace("{}", &p));
        self
    }

    /// `column IN (values…)`; an empty list matches nothing.
    pub fn any_of(&mut self, column: &str, values: Vec<Param>) -> &mut Self {
        if values.is_empty() {
            self.conditions.push("1 = 0".into());
            return self;
        }
        let ps: Vec<String> = values.into_iter().map(|v| self.placeholder(v)).collect();
        self.conditions
            .push(format!("{column} IN ({})", ps.join(", ")));
        self
    }

    /// Case-insensitive substring search over `columns`.
    pub fn search(&mut self, columns: &[&str], text: &str) -> &mut Self {
        if text.is_empty() || columns.is_empty() {
            return self;
        }
        let escaped = text
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let p = self.placeholder(Param::Text(format!("%{escaped}%")));
        let ors: Vec<String> = columns
            .iter()
            .map(|c| format!("LOWER({c}) LIKE {p} ESCAPE '\\'"))
            .collect();
        self.conditions.push(format!("({})", ors.join(" OR ")));
        self
    }

    /// Replaces the ordering with an already-whitelisted SQL ORDER BY list.
    pub fn order(&mut self, order_by: &str) -> &mut Self {
        self.order_by = order_by.to_string();
        self
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// Counts and fetches one page of `SELECT {columns} FROM {from}`.
    pub async fn fetch(
        &self,
        conn: &mut AnyConnection,
        columns: &str,
        from: &str,
        page: Page,
    ) -> Result<(Vec<AnyRow>, i64), StoreError> {
        let where_clause = self.where_clause();
        // Two statements on purpose: a window count (`COUNT(*) OVER ()`) would make the engine
        // materialise and sort every matching row before LIMIT; a plain COUNT stays cheap.
        let count_sql = format!("SELECT COUNT(*) AS n FROM {from}{where_clause}");
        let count: i64 = bind_all(sqlx::query(&count_sql), &self.params)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        let offset = (page.page.max(1) - 1).saturating_mul(page.page_size.max(1));
        let sql = format!(
            "SELECT {columns} FROM {from}{where_clause} ORDER BY {} LIMIT {} OFFSET {}",
            self.order_by,
            page.page_size.max(1),
            offset
        );
        let rows = bind_all(sqlx::query(&sql), &self.params)
            .fetch_all(&mut *conn)
            .await?;
        Ok((rows, count))
    }

    /// Counts and fetches one page as a single JSON array text, built by the database from
    /// `fields` (`(key, SQL expression)` pairs over the columns of `from`): one row crosses the
    /// driver instead of one per object, which matters on hot list endpoints.
    pub async fn fetch_json_page(
        &self,
        conn: &mut AnyConnection,
        fields: &[(&str, &str)],
        from: &str,
        page: Page,
    ) -> Result<(String, i64), StoreError> {
        let postgres = crate::pool::is_postgres(conn);
        let where_clause = self.where_clause();
        let count_sql = format!("SELECT COUNT(*) AS n FROM {from}{where_clause}");
        let count: i64 = bind_all(sqlx::query(&count_sql), &self.params)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        let offset = (page.page.max(1) - 1).saturating_mul(page.page_size.max(1));
        let pairs: Vec<String> = fields.iter().map(|(k, e)| format!("'{k}', {e}")).collect();
        let (object, array) = if postgres {
            ("json_build_object", "json_agg")
        } else {
            ("json_object", "json_group_array")
        };
        let cast = if postgres { "::text" } else { "" };
        let sql = format!(
            "SELECT COALESCE({array}({object}({}) ORDER BY {order}){cast}, '[]') AS page \
             FROM (SELECT * FROM {from}{where_clause} ORDER BY {order} LIMIT {} OFFSET {offset}) AS {from}",
            pairs.join(", "),
            page.page_size.max(1),
            order = self.order_by,
        );
        let json: String = bind_all(sqlx::query(&sql), &self.params)
            .fetch_one(&mut *conn)
            .await?
            .try_get("page")?;
        Ok((json, count))
    }

    /// Fetches every matching row (no pagination).
    pub async fn fetch_all(
        &self,
        conn: &mut AnyConnection,
        columns: &str,
        from: &str,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let sql = format!(
            "SELECT {columns} FROM {from}{} ORDER BY {}",
            self.where_clause(),
            self.order_by
        );
        Ok(bind_all(sqlx::query(&sql), &self.params)
            .fetch_all(&mut *conn)
            .await?)
    }
}

/// Binds `params` in order.
pub fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    params: &[Param],
) -> Query<'q, Any, AnyArguments<'q>> {
    for p in params {
        query = match p {
            Param::Text(s) => query.bind(s.clone()),
            Param::Int(i) => query.bind(*i),
            Param::Bool(b) => query.bind(*b),
        };
    }
    query
}

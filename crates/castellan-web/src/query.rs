//! Query-string parameters of list endpoints: pagination, ordering, search and filters, with
//! repeated keys kept (`?type=internal&type=external`).
use axum::extract::{FromRequestParts, RawQuery};
use http::request::Parts;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// Parsed query string.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::BadRequest("invalid query string".into()))?;
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self(pairs))
    }
}

impl Params {
    /// First value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// First non-empty value of `key`.
    pub fn text(&self, key: &str) -> Option<String> {
        self.get(key).filter(|v| !v.is_empty()).map(str::to_string)
    }

    /// Every value of `key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A boolean filter (`true`/`false`, also `1`/`0`); anything else is a 400.
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some("true" | "True" | "1") => Ok(Some(true)),
            Some("false" | "False" | "0") => Ok(Some(false)),
            Some(_) => Err(ApiError::field(key, "Enter a valid boolean.")),
        }
    }

    /// An integer filter.
    pub fn integer(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::field(key, "Enter a number.")),
        }
    }

    /// A UUID filter.
    pub fn uuid(&self, key: &str) -> Result<Option<uuid::Uuid>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => uuid::Uuid::parse_str(v)
                .map(Some)
                .map_err(|_| ApiError::field(key, "Enter a valid UUID.")),
        }
    }

    /// `page` and `page_size` (default 100).
    pub fn page(&self) -> Result<castellan_store::Page, ApiError> {
        let page = match self.get("page") {
            None | Some("") => 1,
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or(ApiError::NotFound)?,
        };
        let page_size = match self.get("page_size") {
            None | Some("") => 100,
            Some(v) => v.parse::<i64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                ApiError::field("page_size", "A valid positive integer is required.")
            })?,
        };
        Ok(castellan_store::Page {
            page,
            page_size: page_size.min(10_000),
        })
    }

    /// `search`.
    pub fn search(&self) -> Option<String> {
        self.text("search")
    }

    /// `ordering`, mapped through the endpoint's whitelist (unknown fields are ignored, as DRF does).
    pub fn ordering(&self, map: fn(&str) -> Option<&'static str>) -> Option<String> {
        self.get("ordering")
            .and_then(|o| o.split(',').next())
            .and_then(map)
            .map(str::to_string)
    }
}

/// The pagination envelope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pagination {
    /// Next page number, 0 when none.
    pub next: i64,
    /// Previous page number, 0 when none.
    pub previous: i64,
    /// Total number of objects.
    pub count: i64,
    /// Current page.
    pub current: i64,
    /// Number of pages.
    pub total_pages: i64,
    /// 1-based index of the first object on this page.
    pub start_index: i64,
    /// 1-based index of the last object on this page.
    pub end_index: i64,
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct Paginated<T> {
    /// Envelope.
    pub pagination: Pagination,
    /// Objects.
    pub results: Vec<T>,
}

impl<T> Paginated<T> {
    /// Builds the envelope like authentik's paginator; a page past the last one is a 404.
    pub fn new(results: Vec<T>, count: i64, page: castellan_store::Page) -> Result<Self, ApiError> {
        let total_pages = if count == 0 {
            1
        } else {
            (count + page.page_size - 1) / page.page_size
        };
        if page.page > total_pages {
            return Err(ApiError::NotFound);
        }
        let current = page.page;
        let start_index = if count == 0 {
            0
        } else {
            (current - 1) * page.page_size + 1
        };
        let end_index = if count == 0 {
            0
        } else {
            start_index + results.len() as i64 - 1
        };
        Ok(Self {
            pagination: Pagination {
                next: if current < total_pages {
                    current + 1
                } else {
                    0
                },
                previous: if current > 1 { current - 1 } else { 0 },
                count,
                current,
                total_pages,
                start_index,
                end_index,
            },
            results,
        })
    }
}

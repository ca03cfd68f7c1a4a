//! Server-side paging of the user interface's lists: `?page=N` (1-based, anything else is page
//! 1), [`PAGE_SIZE`] rows a page, and the pager the templates show (total count, page `n of m`,
//! previous and next links).
use castellan_store::Page;
use http::request::Parts;
use serde_json::{Value, json};

/// Rows a page.
pub const PAGE_SIZE: i64 = 25;

/// The requested page number (`?page=N`, at least 1).
pub fn requested(parts: &Parts) -> i64 {
    parts
        .uri
        .query()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "page")
                .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        })
        .filter(|n| *n >= 1)
        .unwrap_or(1)
}

/// The store's page for page `number`.
pub fn page(number: i64) -> Page {
    Page {
        page: number,
        page_size: PAGE_SIZE,
    }
}

/// How many pages `count` rows fill (at least one).
pub fn pages(count: i64) -> i64 {
    ((count + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

/// The last page when `number` is past the end of `count` rows, else `number`.
pub fn clamp(number: i64, count: i64) -> i64 {
    number.min(pages(count))
}

/// One page of an in-memory list (for lists the store cannot filter exactly).
pub fn slice<T>(rows: Vec<T>, number: i64) -> Vec<T> {
    let start = usize::try_from((number - 1).saturating_mul(PAGE_SIZE)).unwrap_or(usize::MAX);
    let size = usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    rows.into_iter().skip(start).take(size).collect()
}

/// The pager of page `number` of `count` rows listed at `path`.
pub fn pager(path: &str, number: i64, count: i64) -> Value {
    let pages = pages(count);
    let link = |n: i64| format!("{path}?page={n}");
    json!({
        "number": number,
        "pages": pages,
        "count": count,
        "previous": (number > 1).then(|| link(number - 1)),
        "next": (number < pages).then(|| link(number + 1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_links() {
        assert_eq!(pages(0), 1);
        assert_eq!(pages(PAGE_SIZE), 1);
        assert_eq!(pages(PAGE_SIZE + 1), 2);
        assert_eq!(clamp(9, PAGE_SIZE + 1), 2);
        let p = pager("/if/user/tokens/", 2, PAGE_SIZE * 2 + 3);
        assert_eq!(p["pages"], 3);
        assert_eq!(p["previous"], "/if/user/tokens/?page=1");
        assert_eq!(p["next"], "/if/user/tokens/?page=3");
        let p = pager("/x/", 1, 3);
        assert!(p["previous"].is_null() && p["next"].is_null());
        let rows: Vec<i64> = (0..PAGE_SIZE * 2 + 3).collect();
        assert_eq!(
            slice(rows.clone(), 3),
            vec![PAGE_SIZE * 2, PAGE_SIZE * 2 + 1, PAGE_SIZE * 2 + 2]
        );
        assert_eq!(
            slice(rows, 1).len(),
            usize::try_from(PAGE_SIZE).unwrap_or_default()
        );
    }

    #[test]
    fn page_parameter() {
        let parts = |uri: &str| http::Request::get(uri).body(()).map(|r| r.into_parts().0);
        for (uri, n) in [
            ("/a/?page=3", 3),
            ("/a/", 1),
            ("/a/?page=0", 1),
            ("/a/?page=x", 1),
        ] {
            let p = parts(uri).ok();
            assert_eq!(p.as_ref().map(requested), Some(n), "{uri}");
        }
    }
}

//! Encoding of authorization responses and error responses onto the redirect URI
//! (RFC 6749 §4.1.2, §4.2.2, §3.1.2; OAuth 2.0 Multiple Response Type Encoding Practices
//! §2.1; OAuth 2.0 Form Post Response Mode §2).

use serde_json::{Map, Value};
use url::form_urlencoded;

use crate::response_type::ResponseMode;

/// Encodes `params` as `application/x-www-form-urlencoded`.
fn encode(params: &[(&str, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (key, value) in params {
        ser.append_pair(key, value);
    }
    ser.finish()
}

/// Builds the URL the user agent is sent to.
///
/// * `Query`: the parameters are appended to the URI's query, after `&` when it already
///   has one (RFC 6749 §3.1.2 requires keeping the existing query; authentik 2024.10 adds a
///   second `?`). A fragment on the URI stays after the query.
/// * `Fragment`: the parameters become the fragment (an existing fragment is replaced).
/// * `FormPost`: not a URL; the URI is returned unchanged (see [`form_post_fields`]).
pub fn redirect_url(redirect_uri: &str, mode: ResponseMode, params: &[(&str, String)]) -> String {
    let encoded = encode(params);
    match mode {
        ResponseMode::FormPost => redirect_uri.to_owned(),
        ResponseMode::Fragment => {
            let base = redirect_uri
                .split_once('#')
                .map_or(redirect_uri, |(base, _)| base);
            format!("{base}#{encoded}")
        }
        ResponseMode::Query => {
            if encoded.is_empty() {
                return redirect_uri.to_owned();
            }
            let (base, fragment) = match redirect_uri.split_once('#') {
                Some((base, fragment)) => (base, Some(fragment)),
                None => (redirect_uri, None),
            };
            let separator = match base.split_once('?') {
                None => "?",
                Some((_, "")) => "",
                Some((_, query)) if query.ends_with('&') => "",
                Some(_) => "&",
            };
            match fragment {
                Some(fragment) => format!("{base}{separator}{encoded}#{fragment}"),
                None => format!("{base}{separator}{encoded}"),
            }
        }
    }
}

/// The fields of the auto-submitted form for `response_mode=form_post`
/// (the `attrs` of the `ak-stage-autosubmit` challenge).
pub fn form_post_fields(params: &[(&str, String)]) -> Map<String, Value> {
    params
        .iter()
        .map(|(key, value)| ((*key).to_owned(), Value::String(value.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(items: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        items.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn query_without_existing_query() {
        let params = p(&[("code", "abc"), ("state", "s 1&x=y")]);
        assert_eq!(
            redirect_url("https://app/cb", ResponseMode::Query, &params),
            "https://app/cb?code=abc&state=s+1%26x%3Dy"
        );
    }

    #[test]
    fn query_keeps_existing_query() {
        let params = p(&[("code", "abc")]);
        assert_eq!(
            redirect_url("https://app/cb?tenant=1", ResponseMode::Query, &params),
            "https://app/cb?tenant=1&code=abc"
        );
        assert_eq!(
            redirect_url("https://app/cb?", ResponseMode::Query, &params),
            "https://app/cb?code=abc"
        );
        assert_eq!(
            redirect_url("https://app/cb?a=1&", ResponseMode::Query, &params),
            "https://app/cb?a=1&code=abc"
        );
        assert_eq!(
            redirect_url("https://app/cb?a=1#frag", ResponseMode::Query, &params),
            "https://app/cb?a=1&code=abc#frag"
        );
        assert_eq!(
            redirect_url("https://app/cb?a=1", ResponseMode::Query, &[]),
            "https://app/cb?a=1"
        );
    }

    #[test]
    fn fragment_replaces_fragment() {
        let params = p(&[("id_token", "x.y.z"), ("state", "a/b?c")]);
        assert_eq!(
            redirect_url("https://app/cb?a=1#old", ResponseMode::Fragment, &params),
            "https://app/cb?a=1#id_token=x.y.z&state=a%2Fb%3Fc"
        );
        assert_eq!(
            redirect_url("myapp:/cb", ResponseMode::Fragment, &params),
            "myapp:/cb#id_token=x.y.z&state=a%2Fb%3Fc"
        );
    }

    #[test]
    fn form_post_is_not_a_url() {
        let params = p(&[("code", "abc"), ("state", "<s>")]);
        assert_eq!(
            redirect_url("https://app/cb", ResponseMode::FormPost, &params),
            "https://app/cb"
        );
        let fields = form_post_fields(&params);
        assert_eq!(fields.get("code"), Some(&Value::String("abc".into())));
        assert_eq!(fields.get("state"), Some(&Value::String("<s>".into())));
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn unicode_and_reserved_values_are_encoded() {
        let params = p(&[("state", "é#&+=%")]);
        assert_eq!(
            redirect_url("https://app/cb", ResponseMode::Query, &params),
            "https://app/cb?state=%C3%A9%23%26%2B%3D%25"
        );
    }
}

//! Tests for the authorization request validation (spec §7.1.3).
#![allow(clippy::unwrap_used)]

use super::*;
use castellan_core::oauth2::{ClientType, IssuerMode, MatchingMode, SubMode};
use castellan_core::provider::{Provider, ProviderType};

const CB: &str = "https://app.example.com/cb";

fn provider(redirects: Vec<RedirectUri>) -> OAuth2Provider {
    OAuth2Provider {
        base: Provider {
            pk: 1,
            name: "p".into(),
            provider_type: ProviderType::OAuth2,
            authentication_flow: None,
            authorization_flow: None,
            invalidation_flow: None,
            backchannel_application: None,
            is_backchannel: false,
        },
        client_type: ClientType::Confidential,
        client_id: "client".into(),
        client_secret: "secret".into(),
        redirect_uris: redirects,
        include_claims_in_id_token: true,
        access_code_validity: "minutes=1".into(),
        access_token_validity: "hours=1".into(),
        refresh_token_validity: "days=30".into(),
        sub_mode: SubMode::HashedUserId,
        issuer_mode: IssuerMode::PerProvider,
        signing_key: None,
        encryption_key: None,
        jwks_sources: vec![],
        property_mappings: vec![],
    }
}

fn strict(url: &str) -> RedirectUri {
    RedirectUri {
        matching_mode: MatchingMode::Strict,
        url: url.into(),
    }
}

fn available() -> Vec<String> {
    ["openid", "email", "profile", "offline_access"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

fn params(items: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = [
        ("client_id", "client"),
        ("redirect_uri", CB),
        ("response_type", "code"),
        ("state", "st"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in items {
        if v.is_empty() {
            map.remove(*k);
        } else {
            map.insert((*k).to_owned(), (*v).to_owned());
        }
    }
    map
}

fn run(items: &[(&str, &str)]) -> Result<Validated, AuthorizeError> {
    validate(
        &params(items),
        &provider(vec![strict(CB)]),
        &available(),
        false,
    )
}

fn redirect_err(items: &[(&str, &str)]) -> ErrorRedirect {
    match run(items) {
        Err(AuthorizeError::Redirect(r)) => r,
        other => panic!("expected error redirect, got {other:?}"),
    }
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn plain_code_request() {
    let ok = run(&[("scope", "openid email")]).unwrap();
    let r = ok.request;
    assert_eq!(ok.save_redirect, None);
    assert_eq!(r.client_id, "client");
    assert_eq!(r.redirect_uri, CB);
    assert_eq!(r.response_type, ResponseType::Code);
    assert_eq!(r.response_mode, ResponseMode::Query);
    assert_eq!(r.scopes, v(&["openid", "email"]));
    assert_eq!(r.state.as_deref(), Some("st"));
    assert!(r.prompt.is_empty());
    assert_eq!(r.code_challenge, None);
    assert_eq!(r.code_challenge_method, None);
    assert!(!r.github);
}

#[test]
fn missing_redirect_uri_is_a_page() {
    match run(&[("redirect_uri", "")]) {
        Err(AuthorizeError::Page { title, .. }) => assert_eq!(title, "Redirect URI Error"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unregistered_redirect_uri_is_a_page_even_with_other_errors() {
    match run(&[
        ("redirect_uri", "https://app.example.com.evil.com/cb"),
        ("response_type", "bogus"),
    ]) {
        Err(AuthorizeError::Page { title, .. }) => assert_eq!(title, REDIRECT_URI_ERROR_TITLE),
        other => panic!("{other:?}"),
    }
}

#[test]
fn forbidden_scheme_is_a_page_even_with_empty_list() {
    let p = params(&[("redirect_uri", "  JavaScript:alert(1)")]);
    match validate(&p, &provider(vec![]), &available(), false) {
        Err(AuthorizeError::Page { title, message }) => {
            assert_eq!(title, REDIRECT_URI_ERROR_TITLE);
            assert!(message.contains("scheme"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_list_saves_first_uri() {
    let ok = validate(&params(&[]), &provider(vec![]), &available(), false).unwrap();
    assert_eq!(ok.save_redirect, Some(strict(CB)));
}

#[test]
fn unsupported_response_type_mode_depends_on_raw_value() {
    let e = redirect_err(&[("response_type", "token")]);
    assert_eq!(e.code, ErrorCode::UnsupportedResponseType);
    assert_eq!(e.mode, ResponseMode::Fragment);
    assert!(
        e.url()
            .starts_with(&format!("{CB}#error=unsupported_response_type"))
    );
    let e = redirect_err(&[("response_type", "bogus")]);
    assert_eq!(e.mode, ResponseMode::Query);
    assert_eq!(
        e.url(),
        format!(
            "{CB}?error=unsupported_response_type&error_description=The+response_type+is+not+supported.&state=st"
        )
    );
    let e = redirect_err(&[("response_type", "")]);
    assert_eq!(e.code, ErrorCode::UnsupportedResponseType);
}

#[test]
fn response_types_in_any_order() {
    let ok = run(&[
        ("response_type", "token id_token code"),
        ("scope", "openid"),
        ("nonce", "n"),
    ])
    .unwrap();
    assert_eq!(ok.request.response_type, ResponseType::CodeIdTokenToken);
    assert_eq!(ok.request.response_mode, ResponseMode::Fragment);
}

#[test]
fn response_mode() {
    let ok = run(&[("response_mode", "form_post")]).unwrap();
    assert_eq!(ok.request.response_mode, ResponseMode::FormPost);
    let ok = run(&[("response_mode", "fragment")]).unwrap();
    assert_eq!(ok.request.response_mode, ResponseMode::Fragment);
    let e = redirect_err(&[("response_mode", "jwt")]);
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    assert_eq!(e.mode, ResponseMode::Query);
    let e = redirect_err(&[
        ("response_type", "id_token token"),
        ("response_mode", "query"),
        ("scope", "openid"),
        ("nonce", "n"),
    ]);
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    assert_eq!(e.mode, ResponseMode::Fragment);
}

#[test]
fn no_scope_means_all_allowed() {
    let ok = run(&[]).unwrap();
    assert_eq!(ok.request.scopes, available());
    // offline_access came with it, so consent is forced.
    assert_eq!(ok.request.prompt, v(&["consent"]));
}

#[test]
fn unknown_scopes_dropped_and_github_scopes_kept_only_on_github() {
    let ok = run(&[("scope", "openid user:email admin")]).unwrap();
    assert_eq!(ok.request.scopes, v(&["openid"]));
    let p = params(&[("scope", "user:email read:org admin")]);
    let ok = validate(&p, &provider(vec![strict(CB)]), &available(), true).unwrap();
    assert_eq!(ok.request.scopes, v(&["user:email", "read:org"]));
    assert!(ok.request.github);
}

#[test]
fn openid_required_for_implicit_and_hybrid() {
    for rt in ["id_token", "id_token token", "code token", "code id_token"] {
        let e = redirect_err(&[("response_type", rt), ("scope", "email"), ("nonce", "n")]);
        assert_eq!(e.code, ErrorCode::InvalidScope, "{rt}");
        assert_eq!(e.mode, ResponseMode::Fragment);
    }
    assert!(run(&[("scope", "email")]).is_ok());
}

#[test]
fn offline_access_rules() {
    let ok = run(&[("scope", "openid offline_access"), ("prompt", "login")]).unwrap();
    assert_eq!(ok.request.scopes, v(&["openid", "offline_access"]));
    assert_eq!(ok.request.prompt, v(&["login", "consent"]));
    let ok = run(&[
        ("response_type", "id_token token"),
        ("scope", "openid offline_access"),
        ("nonce", "n"),
    ])
    .unwrap();
    assert_eq!(ok.request.scopes, v(&["openid"]));
    assert!(ok.request.prompt.is_empty());
}

#[test]
fn nonce_required_when_id_token_from_authorize() {
    for rt in [
        "id_token",
        "id_token token",
        "code id_token",
        "code id_token token",
    ] {
        let e = redirect_err(&[("response_type", rt), ("scope", "openid")]);
        assert_eq!(e.code, ErrorCode::InvalidRequest, "{rt}");
        assert!(e.description.contains("nonce"));
    }
    // Not for code or code token.
    assert!(run(&[("scope", "openid")]).is_ok());
    assert!(run(&[("response_type", "code token"), ("scope", "openid")]).is_ok());
    let ok = run(&[
        ("response_type", "id_token"),
        ("scope", "openid"),
        ("nonce", "n1"),
    ])
    .unwrap();
    assert_eq!(ok.request.nonce.as_deref(), Some("n1"));
}

#[test]
fn pkce() {
    let ok = run(&[("code_challenge", "abc")]).unwrap();
    assert_eq!(ok.request.code_challenge.as_deref(), Some("abc"));
    assert_eq!(ok.request.code_challenge_method.as_deref(), Some("plain"));
    let ok = run(&[("code_challenge", "abc"), ("code_challenge_method", "S256")]).unwrap();
    assert_eq!(ok.request.code_challenge_method.as_deref(), Some("S256"));
    let e = redirect_err(&[("code_challenge", "abc"), ("code_challenge_method", "S512")]);
    assert_eq!(e.code, ErrorCode::InvalidRequest);
    // A method without a challenge is ignored.
    let ok = run(&[("code_challenge_method", "S512")]).unwrap();
    assert_eq!(ok.request.code_challenge_method, None);
}

#[test]
fn request_objects_not_supported() {
    let e = redirect_err(&[("request", "eyJ.x.y")]);
    assert_eq!(e.code, ErrorCode::RequestNotSupported);
    assert!(e.url().contains("error=request_not_supported"));
}

#[test]
fn prompt_and_max_age() {
    let ok = run(&[
        ("prompt", "none select_account login none"),
        ("max_age", "300"),
        ("scope", "openid"),
    ])
    .unwrap();
    assert_eq!(ok.request.prompt, v(&["none", "login"]));
    assert!(ok.request.has_prompt("none"));
    assert!(!ok.request.has_prompt("consent"));
    assert_eq!(ok.request.max_age, Some(300));
    let e = redirect_err(&[("max_age", "5m")]);
    assert_eq!(e.code, ErrorCode::InvalidRequest);
}

#[test]
fn error_redirect_keeps_existing_query_and_encodes_state() {
    let uri = "https://app.example.com/cb?tenant=a";
    let p = params(&[("redirect_uri", uri), ("request", "x"), ("state", "a b&c")]);
    let Err(AuthorizeError::Redirect(e)) =
        validate(&p, &provider(vec![strict(uri)]), &available(), false)
    else {
        panic!("expected redirect");
    };
    assert_eq!(
        e.url(),
        "https://app.example.com/cb?tenant=a&error=request_not_supported&error_description=Request+objects+are+not+supported.&state=a+b%26c"
    );
}

#[test]
fn error_redirect_without_state() {
    let e = redirect_err(&[("state", ""), ("request", "x")]);
    assert_eq!(e.state, None);
    assert!(!e.url().contains("state="));
    assert_eq!(e.params().len(), 2);
}

//! Corpus cases: provider and source property mappings of the system and example blueprints.
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::expr_corpus::{Case, Expect, case};
use super::expr_corpus_ldap::ldap_cases;
use super::expr_support::{group, request, user};

fn provider(user_value: Value) -> Value {
    let group_value = group("Admins Team", json!({}));
    json!({"request": request(user_value, json!({})), "group": group_value, "connection": null, "provider": {"$type": "provider", "name": "p"}})
}

fn kerberos(principal: &str) -> Value {
    json!({"principal": principal, "source": {"$type": "source", "slug": "krb", "realm": "EXAMPLE.COM"},
           "request": request(user("alice", vec![]), json!({}))})
}

fn skip(vars: Value) -> Case {
    Case {
        vars,
        expect: Expect::Skip,
    }
}

/// Cases of the mapping blueprints, keyed like [`super::expr_corpus::corpus`].
pub fn mapping_cases() -> BTreeMap<&'static str, Vec<Case>> {
    let groups = vec![
        group("staff", json!({"a": 1, "l": [1]})),
        group("admins", json!({"a": 2, "b": 1, "l": [2]})),
    ];
    let alice = user("alice", groups);
    let mut single_name = alice.clone();
    single_name["name"] = json!("Alice");
    let mut with_upn = alice.clone();
    with_upn["attributes"]["upn"] = json!("alice@corp.example");
    let mut connected = provider(alice.clone());
    connected["connection"] =
        json!({"$type": "connection", "attributes": {"on_premises_immutable_id": "imm-1"}});
    let mut google_connected = provider(alice.clone());
    google_connected["connection"] = json!({"$type": "connection", "attributes": {}});
    let p = provider(alice.clone());
    let mut cases = ldap_cases();
    cases.extend([
        (
            "goauthentik.io/providers/google_workspace/user#expression",
            vec![
                case(
                    p.clone(),
                    json!({"name": {"fullName": "Alice Example", "familyName": "Example", "givenName": "Alice",
                "displayName": "Alice Example"}, "suspended": false, "password": "pbkdf2_sha256$x"}),
                ),
                case(
                    provider(single_name.clone()),
                    json!({"name": {"fullName": "Alice ", "familyName": "", "givenName": "Alice",
                "displayName": "Alice "}, "suspended": false, "password": "pbkdf2_sha256$x"}),
                ),
                case(
                    google_connected,
                    json!({"name": {"fullName": "Alice Example", "familyName": "Example", "givenName": "Alice",
                "displayName": "Alice Example"}, "suspended": false}),
                ),
            ],
        ),
        (
            "goauthentik.io/providers/google_workspace/group#expression",
            vec![case(p.clone(), json!({"name": "Admins Team"}))],
        ),
        (
            "goauthentik.io/providers/microsoft_entra/user#expression",
            vec![
                case(
                    p.clone(),
                    json!({"display_name": "Alice Example", "account_enabled": true, "mail_nickname": "alice",
                "user_principal_name": "alice@example.com", "password_profile": {"password": "pbkdf2_sha256$x"},
                "on_premises_immutable_id": ["uid-7"]}),
                ),
                case(
                    connected,
                    json!({"display_name": "Alice Example", "account_enabled": true, "mail_nickname": "alice",
                "user_principal_name": "alice@example.com", "on_premises_immutable_id": "imm-1"}),
                ),
            ],
        ),
        (
            "goauthentik.io/providers/microsoft_entra/group#expression",
            vec![case(
                p.clone(),
                json!({
            "display_name": "Admins Team", "mail_enabled": false, "security_enabled": true, "mail_nickname": "admins-team"}),
            )],
        ),
        (
            "goauthentik.io/providers/oauth2/scope-openid#expression",
            vec![case(p.clone(), json!({}))],
        ),
        (
            "goauthentik.io/providers/oauth2/scope-email#expression",
            vec![case(
                p.clone(),
                json!({"email": "alice@example.com", "email_verified": true}),
            )],
        ),
        (
            "goauthentik.io/providers/oauth2/scope-profile#expression",
            vec![case(
                p.clone(),
                json!({"name": "Alice Example",
            "given_name": "Alice Example", "preferred_username": "alice", "nickname": "alice", "groups": ["staff", "admins"]}),
            )],
        ),
        (
            "goauthentik.io/providers/oauth2/scope-offline_access#expression",
            vec![case(p.clone(), json!({}))],
        ),
        (
            "goauthentik.io/providers/oauth2/scope-authentik_api#expression",
            vec![case(p.clone(), json!({}))],
        ),
        (
            "goauthentik.io/providers/proxy/scope-proxy#expression",
            vec![case(
                p.clone(),
                json!({"ak_proxy": {
            "user_attributes": {"a": 1, "b": 1, "l": [2, 1], "settings": {"locale": "de"}}, "is_superuser": false}}),
            )],
        ),
        (
            "goauthentik.io/providers/saml/upn#expression",
            vec![
                case(p.clone(), json!("alice@example.com")),
                case(provider(with_upn), json!("alice@corp.example")),
            ],
        ),
        (
            "goauthentik.io/providers/saml/name#expression",
            vec![case(p.clone(), json!("Alice Example"))],
        ),
        (
            "goauthentik.io/providers/saml/email#expression",
            vec![case(p.clone(), json!("alice@example.com"))],
        ),
        (
            "goauthentik.io/providers/saml/username#expression",
            vec![case(p.clone(), json!("alice"))],
        ),
        (
            "goauthentik.io/providers/saml/uid#expression",
            vec![case(p.clone(), json!(7))],
        ),
        (
            "goauthentik.io/providers/saml/groups#expression",
            vec![
                case(p.clone(), json!(["staff", "admins"])),
                case(provider(user("bob", vec![])), json!([])),
            ],
        ),
        (
            "goauthentik.io/providers/saml/ms-windowsaccountname#expression",
            vec![case(p.clone(), json!("alice"))],
        ),
        (
            "goauthentik.io/providers/scim/user#expression",
            vec![case(
                p.clone(),
                json!({"userName": "alice", "name": {"formatted": "Alice Example", "givenName": "Alice",
                "familyName": "Example"}, "displayName": "Alice Example",
                "photos": [{"value": "https://example.com/a.png", "type": "photo"}], "locale": "de", "active": true,
                "emails": [{"value": "alice@example.com", "type": "other", "primary": true}]}),
            )],
        ),
        (
            "goauthentik.io/providers/scim/group#expression",
            vec![case(p.clone(), json!({"displayName": "Admins Team"}))],
        ),
        (
            "goauthentik.io/sources/kerberos/user/default/multipart-principals-as-service-accounts#expression",
            vec![
                case(
                    kerberos("HTTP/web@EXAMPLE.COM"),
                    json!({"type": "service_account", "path": "goauthentik.io/service-accounts"}),
                ),
                case(kerberos("alice@EXAMPLE.COM"), json!({})),
            ],
        ),
        (
            "goauthentik.io/sources/kerberos/user/default/ignore-other-realms#expression",
            vec![
                case(kerberos("alice@example.com"), json!({})),
                skip(kerberos("alice@OTHER.ORG")),
            ],
        ),
        (
            "goauthentik.io/sources/kerberos/user/default/ignore-system-principals#expression",
            vec![
                skip(kerberos("krbtgt/EXAMPLE.COM@EXAMPLE.COM")),
                skip(kerberos("K/M@EXAMPLE.COM")),
                case(kerberos("alice@EXAMPLE.COM"), json!({})),
            ],
        ),
        (
            "goauthentik.io/sources/kerberos/user/realm-as-group#expression",
            vec![case(
                kerberos("alice@example.com"),
                json!({"groups": ["EXAMPLE.COM"]}),
            )],
        ),
    ]);
    cases
}

//! Corpus cases: LDAP source property mappings (system and example blueprints).
use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::expr_corpus::{Case, case};
use super::expr_support::{request, user};

const LDAP_ATTRS: &[&str] = &[
    "name",
    "mail",
    "sAMAccountName",
    "userPrincipalName",
    "givenName",
    "sn",
    "uid",
    "cn",
    "googleUid",
    "posixUid",
    "displayName",
    "memberOf",
    "title",
    "employeeNumber",
    "employeeType",
    "departmentNumber",
    "physicalDeliveryOfficeName",
    "jpegPhoto",
    "entryUuid",
    "objectSid",
    "uidNumber",
    "gidNumber",
    "homeDirectory",
    "loginShell",
    "sshPublicKey",
    "description",
    "member",
    "memberUid",
    "googleAdminCreated",
];

/// LDAP attributes as the LDAP source passes them: every value a two-element list.
fn ldap_vars() -> Value {
    let ldap: serde_json::Map<String, Value> = LDAP_ATTRS
        .iter()
        .map(|a| ((*a).to_owned(), json!([format!("{a}-1"), format!("{a}-2")])))
        .collect();
    let source = json!({"$type": "source", "slug": "ldap", "user_path_template": "goauthentik.io/sources/%(slug)s"});
    json!({"ldap": ldap, "dn": "cn=alice,ou=people,ou=staff,dc=example,dc=com", "source": source,
           "request": request(user("alice", vec![]), json!({}))})
}

fn l(attr: &str) -> Value {
    json!([format!("{attr}-1"), format!("{attr}-2")])
}

fn f(attr: &str) -> Value {
    json!(format!("{attr}-1"))
}

fn ldap(expected: Value) -> Vec<Case> {
    vec![case(ldap_vars(), expected)]
}

fn attrs(key: &str, value: Value) -> Vec<Case> {
    ldap(json!({"attributes": {key: value}}))
}

/// Cases of the LDAP mapping blueprints, keyed like [`super::expr_corpus::corpus`].
pub fn ldap_cases() -> BTreeMap<&'static str, Vec<Case>> {
    BTreeMap::from([
        (
            "goauthentik.io/sources/ldap/default-dn-path#expression",
            ldap(json!({"path": "goauthentik.io/sources/ldap/staff/people"})),
        ),
        (
            "goauthentik.io/sources/ldap/default-name#expression",
            ldap(json!({"name": l("name")})),
        ),
        (
            "goauthentik.io/sources/ldap/default-mail#expression",
            ldap(json!({"email": l("mail")})),
        ),
        (
            "goauthentik.io/sources/ldap/ms-samaccountname#expression",
            ldap(json!({"username": l("sAMAccountName")})),
        ),
        (
            "goauthentik.io/sources/ldap/ms-userprincipalname#expression",
            attrs("upn", f("userPrincipalName")),
        ),
        (
            "goauthentik.io/sources/ldap/ms-givenName#expression",
            attrs("givenName", f("givenName")),
        ),
        (
            "goauthentik.io/sources/ldap/ms-sn#expression",
            attrs("sn", f("sn")),
        ),
        (
            "goauthentik.io/sources/ldap/openldap-uid#expression",
            ldap(json!({"username": l("uid")})),
        ),
        (
            "goauthentik.io/sources/ldap/openldap-cn#expression",
            ldap(json!({"name": l("cn")})),
        ),
        (
            "goauthentik.io/sources/ldap/google-uid#expression",
            ldap(json!({"username": l("uid")})),
        ),
        (
            "goauthentik.io/sources/ldap/google-googleuid#expression",
            attrs("googleUid", l("googleUid")),
        ),
        (
            "goauthentik.io/sources/ldap/google-posixuid#expression",
            attrs("posixUid", l("posixUid")),
        ),
        (
            "goauthentik.io/sources/ldap/google-cn#expression",
            ldap(json!({"name": l("cn")})),
        ),
        (
            "goauthentik.io/sources/ldap/google-sn#expression",
            attrs("sn", f("sn")),
        ),
        (
            "goauthentik.io/sources/ldap/google-givenname#expression",
            attrs("givenName", f("givenName")),
        ),
        (
            "goauthentik.io/sources/ldap/google-displayname#expression",
            attrs("displayName", l("displayName")),
        ),
        (
            "goauthentik.io/sources/ldap/google-mail#expression",
            ldap(json!({"email": l("mail")})),
        ),
        (
            "goauthentik.io/sources/ldap/google-memberof#expression",
            attrs("memberOf", l("memberOf")),
        ),
        (
            "goauthentik.io/sources/ldap/google-title#expression",
            attrs("title", l("title")),
        ),
        (
            "goauthentik.io/sources/ldap/google-employeenumber#expression",
            attrs("employeeNumber", l("employeeNumber")),
        ),
        (
            "goauthentik.io/sources/ldap/google-employeetype#expression",
            attrs("employeeType", l("employeeType")),
        ),
        (
            "goauthentik.io/sources/ldap/google-departmentnumber#expression",
            attrs("departmentNumber", l("departmentNumber")),
        ),
        (
            "goauthentik.io/sources/ldap/google-physicaldeliveryofficename#expression",
            attrs(
                "physicalDeliveryOfficeName",
                l("physicalDeliveryOfficeName"),
            ),
        ),
        (
            "goauthentik.io/sources/ldap/google-jpegphoto#expression",
            attrs("jpegPhoto", l("jpegPhoto")),
        ),
        (
            "goauthentik.io/sources/ldap/google-entryuuid#expression",
            attrs("entryUuid", l("entryUuid")),
        ),
        (
            "goauthentik.io/sources/ldap/google-objectsid#expression",
            attrs("objectSid", l("objectSid")),
        ),
        (
            "goauthentik.io/sources/ldap/google-uidnumber#expression",
            attrs("uidNumber", l("uidNumber")),
        ),
        (
            "goauthentik.io/sources/ldap/google-gidnumber#expression",
            attrs("gidNumber", l("gidNumber")),
        ),
        (
            "goauthentik.io/sources/ldap/google-homedirectory#expression",
            attrs("homeDirectoy", l("homeDirectory")),
        ),
        (
            "goauthentik.io/sources/ldap/google-loginshell#expression",
            attrs("loginShell", l("loginShell")),
        ),
        (
            "goauthentik.io/sources/ldap/google-sshpublickey#expression",
            attrs("sshPublicKey", f("sshPublicKey")),
        ),
        (
            "goauthentik.io/sources/ldap/google-description#expression",
            attrs("description", f("description")),
        ),
        (
            "goauthentik.io/sources/ldap/google-member#expression",
            attrs("member", f("member")),
        ),
        (
            "goauthentik.io/sources/ldap/google-memberuid#expression",
            attrs("memberUid", f("memberUid")),
        ),
        (
            "goauthentik.io/sources/ldap/google-googleadmincreated#expression",
            attrs("googleAdminCreated", f("googleAdminCreated")),
        ),
    ])
}

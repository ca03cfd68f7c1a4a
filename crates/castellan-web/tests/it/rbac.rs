//! RBAC (spec §12) as the admin device API applies it (spec §5.2): roles attached to groups,
//! global and object permissions for roles and users, `view_/change_/delete_<model>` per device
//! model, role propagation to members of descendant groups, refused assignments, and blueprints
//! granting permissions.
use castellan_testkit::{TestApp, db_test};
use serde_json::{Value, json};

use crate::blueprints::apply;
use crate::mfa_api::call;
use crate::mfa_support::{static_device, totp_device};

const TOTP: &str = "authentik_stages_authenticator_totp";
const STATIC: &str = "authentik_stages_authenticator_static";

/// The `meta_model_name`s of what `token` sees in `/authenticators/admin/all/`.
async fn visible(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let r = call(app, token, "GET", "/api/v3/authenticators/admin/all/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut seen: Vec<(String, String)> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["meta_model_name"].as_str().unwrap().to_string(),
                d["pk"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    seen
}

async fn role(app: &TestApp, name: &str) -> String {
    let r = app
        .admin("POST", "/api/v3/rbac/roles/", Some(json!({"name": name})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["pk"].as_str().unwrap().to_string()
}

async fn assign_role(app: &TestApp, role: &str, body: Value) -> castellan_testkit::Response {
    let path = format!("/api/v3/rbac/permissions/assigned_by_roles/{role}/assign/");
    app.admin("POST", &path, Some(body)).await
}

db_test!(roles_grant_device_permissions, |app: TestApp| async move {
    let (ann, _) = app.user_with_token("ann").await;
    let (bob, bob_token) = app.user_with_token("bob").await;
    let totp = totp_device(&app, ann, "ann phone").await;
    let fixed = static_device(&app, ann, &["aaaabbbbcccc"]).await;
    let other_fixed = static_device(&app, bob, &["ddddeeeeffff"]).await;

    // Without permissions: nothing in `all/`, 403 on the class lists.
    assert!(visible(&app, &bob_token).await.is_empty());
    let r = call(
        &app,
        &bob_token,
        "GET",
        "/api/v3/authenticators/admin/totp/",
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // A role with `view_totpdevice`, attached to a group bob is in.
    let viewers = role(&app, "device viewers").await;
    let r = assign_role(
        &app,
        &viewers,
        json!({"permissions": [format!("{TOTP}.view_totpdevice")]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json[0]["id"], format!("{TOTP}.view_totpdevice"));
    let r = app
        .admin(
            "POST",
            "/api/v3/core/groups/",
            Some(json!({"name": "helpdesk", "users": [bob], "roles": [viewers]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["roles"], json!([viewers]));
    assert_eq!(r.json["roles_obj"][0]["name"], "device viewers");
    let helpdesk = r.json["pk"].as_str().unwrap().to_string();

    assert_eq!(
        visible(&app, &bob_token).await,
        vec![(format!("{TOTP}.totpdevice"), totp.to_string())]
    );
    let r = call(
        &app,
        &bob_token,
        "GET",
        "/api/v3/authenticators/admin/totp/",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["results"][0]["pk"], totp);
    let one = format!("/api/v3/authenticators/admin/totp/{totp}/");
    assert_eq!(call(&app, &bob_token, "GET", &one, None).await.status, 200);
    let r = call(
        &app,
        &bob_token,
        "GET",
        "/api/v3/authenticators/admin/static/",
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    // Viewing is not changing or deleting.
    let rename = Some(json!({"name": "renamed"}));
    let r = call(&app, &bob_token, "PATCH", &one, rename.clone()).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        call(&app, &bob_token, "DELETE", &one, None).await.status,
        403
    );
    assert_eq!(app.admin("GET", &one, None).await.json["name"], "ann phone");

    // An object permission for bob himself: one static device, not the other.
    let path = format!("/api/v3/rbac/permissions/assigned_by_users/{bob}/assign/");
    let body = json!({"permissions": ["view_staticdevice"],
                      "model": format!("{STATIC}.staticdevice"), "object_pk": fixed.to_string()});
    let r = app.admin("POST", &path, Some(body.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json[0]["id"].is_string(), "{}", r.text);
    let seen = visible(&app, &bob_token).await;
    assert!(seen.contains(&(format!("{STATIC}.staticdevice"), fixed.to_string())));
    assert!(!seen.contains(&(format!("{STATIC}.staticdevice"), other_fixed.to_string())));
    let r = call(
        &app,
        &bob_token,
        "GET",
        "/api/v3/authenticators/admin/static/",
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["pagination"]["count"], 1, "{}", r.text);
    let hidden = format!("/api/v3/authenticators/admin/static/{other_fixed}/");
    assert_eq!(
        call(&app, &bob_token, "GET", &hidden, None).await.status,
        404
    );

    // `change_totpdevice` through the role lets bob rename.
    let r = assign_role(
        &app,
        &viewers,
        json!({"permissions": [format!("{TOTP}.change_totpdevice")]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = call(&app, &bob_token, "PATCH", &one, rename).await;
    assert_eq!((r.status, r.json["name"].clone()), (200, json!("renamed")));

    // Unassigning takes it away again; removing bob's object grant too.
    let path = format!("/api/v3/rbac/permissions/assigned_by_roles/{viewers}/unassign/");
    let r = app
        .admin(
            "PATCH",
            &path,
            Some(json!({"permissions": [format!("{TOTP}.view_totpdevice")]})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let path = format!("/api/v3/rbac/permissions/assigned_by_users/{bob}/unassign/");
    assert_eq!(app.admin("PATCH", &path, Some(body)).await.status, 204);
    assert!(visible(&app, &bob_token).await.is_empty());

    // Deleting the role detaches it from the group.
    let path = format!("/api/v3/rbac/roles/{viewers}/");
    assert_eq!(app.admin("DELETE", &path, None).await.status, 204);
    let r = app
        .admin("GET", &format!("/api/v3/core/groups/{helpdesk}/"), None)
        .await;
    assert_eq!(r.json["roles"], json!([]), "{}", r.text);
});

db_test!(
    roles_reach_members_of_descendant_groups,
    |app: TestApp| async move {
        let (bob, bob_token) = app.user_with_token("bob").await;
        let (cid, cid_token) = app.user_with_token("cid").await;
        let totp = totp_device(&app, cid, "cid phone").await;
        let r = role(&app, "auditors").await;
        let perm = json!({"permissions": [format!("{TOTP}.view_totpdevice")]});
        assert_eq!(assign_role(&app, &r, perm).await.status, 200);
        let group = |body: Value| {
            let app = &app;
            async move {
                let r = app.admin("POST", "/api/v3/core/groups/", Some(body)).await;
                assert_eq!(r.status, 201, "{}", r.text);
                r.json["pk"].as_str().unwrap().to_string()
            }
        };
        let top = group(json!({"name": "top", "users": [cid]})).await;
        let staff = group(json!({"name": "staff", "parent": top, "roles": [r]})).await;
        group(json!({"name": "team", "parent": staff, "users": [bob]})).await;
        // bob is in a child of the role's group: he holds it. cid is in its parent: he does not.
        assert_eq!(
            visible(&app, &bob_token).await,
            vec![(format!("{TOTP}.totpdevice"), totp.to_string())]
        );
        assert!(visible(&app, &cid_token).await.is_empty());
        // A role serves one group only.
        let r = app
            .admin(
                "POST",
                "/api/v3/core/groups/",
                Some(json!({"name": "second", "roles": [r]})),
            )
            .await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(
            r.json["roles"],
            json!(["Roles can only be used with a single group."])
        );
    }
);

db_test!(refused_assignments, |app: TestApp| async move {
    let (bob, bob_token) = app.user_with_token("bob").await;
    let r = role(&app, "r").await;
    let path = format!("/api/v3/rbac/permissions/assigned_by_roles/{r}/assign/");
    for (body, field) in [
        (
            json!({"permissions": ["authentik_core.fly_user"]}),
            "permissions",
        ),
        (json!({"permissions": ["view_user"]}), "permissions"),
        (
            json!({"permissions": "authentik_core.view_user"}),
            "permissions",
        ),
        (json!({}), "permissions"),
        (
            json!({"permissions": ["authentik_core.view_user"], "model": "authentik_core.user"}),
            "object_pk",
        ),
        (
            json!({"permissions": ["view_user"], "model": "nope.nothing", "object_pk": "1"}),
            "model",
        ),
        (
            json!({"permissions": ["authentik_flows.view_flow"],
                   "model": "authentik_core.user", "object_pk": "1"}),
            "permissions",
        ),
    ] {
        let resp = app.admin("POST", &path, Some(body.clone())).await;
        assert_eq!(resp.status, 400, "{body}: {}", resp.text);
        assert!(resp.json[field].is_array(), "{body}: {}", resp.text);
    }
    let after = app
        .admin("GET", &format!("/api/v3/rbac/roles/{r}/"), None)
        .await;
    assert_eq!(after.status, 200);

    // Without the permission to assign: 403, for roles and for users; nor may bob make roles.
    let r2 = call(
        &app,
        &bob_token,
        "POST",
        &path,
        Some(json!({"permissions": ["authentik_core.view_user"]})),
    )
    .await;
    assert_eq!(r2.status, 403, "{}", r2.text);
    let own = format!("/api/v3/rbac/permissions/assigned_by_users/{bob}/assign/");
    let body = json!({"permissions": ["authentik_rbac.add_role"]});
    let r2 = call(&app, &bob_token, "POST", &own, Some(body)).await;
    assert_eq!(r2.status, 403, "{}", r2.text);
    let r2 = call(
        &app,
        &bob_token,
        "POST",
        "/api/v3/rbac/roles/",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(r2.status, 403, "{}", r2.text);
    let r2 = call(&app, &bob_token, "GET", "/api/v3/rbac/roles/", None).await;
    assert_eq!(r2.status, 403, "{}", r2.text);

    // With global `add_role` and `view_role` granted by a superuser, he may.
    let body = json!({"permissions": ["authentik_rbac.add_role", "authentik_rbac.view_role"]});
    assert_eq!(app.admin("POST", &own, Some(body)).await.status, 200);
    let r2 = call(
        &app,
        &bob_token,
        "POST",
        "/api/v3/rbac/roles/",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(r2.status, 201, "{}", r2.text);
    let r2 = call(
        &app,
        &bob_token,
        "GET",
        "/api/v3/rbac/roles/?ordering=name",
        None,
    )
    .await;
    assert_eq!(r2.json["pagination"]["count"], 2, "{}", r2.text);
    // Duplicate names are refused.
    let r2 = app
        .admin("POST", "/api/v3/rbac/roles/", Some(json!({"name": "x"})))
        .await;
    assert_eq!(r2.status, 400, "{}", r2.text);

    // The WebAuthn device types need their own view permission.
    let types = "/api/v3/stages/authenticator/webauthn_device_types/";
    assert_eq!(call(&app, &bob_token, "GET", types, None).await.status, 403);
    let body = json!({"permissions":
        ["authentik_stages_authenticator_webauthn.view_webauthndevicetype"]});
    assert_eq!(app.admin("POST", &own, Some(body)).await.status, 200);
    assert_eq!(call(&app, &bob_token, "GET", types, None).await.status, 200);

    // Devices cannot be created through the admin API.
    let r2 = app
        .admin(
            "POST",
            "/api/v3/authenticators/admin/totp/",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r2.status, 400, "{}", r2.text);
    assert!(
        r2.json["non_field_errors"][0]
            .as_str()
            .unwrap()
            .contains("setup stage")
    );
});

db_test!(blueprints_grant_permissions, |app: TestApp| async move {
    let (bob, bob_token) = app.user_with_token("bob").await;
    let (cid, _) = app.user_with_token("cid").await;
    let totp = totp_device(&app, cid, "cid phone").await;
    // A role with a global permission, attached to a group; and an object permission on
    // another role granted to bob by the entry's `permissions:`.
    let text = format!(
        r#"version: 1
entries:
  - model: authentik_rbac.role
    id: role
    identifiers: {{name: blueprint auditors}}
    attrs:
      permissions: [{TOTP}.view_totpdevice]
  - model: authentik_core.group
    identifiers: {{name: auditors}}
    attrs:
      users: [{bob}]
      roles: [!KeyOf role]
  - model: authentik_rbac.role
    identifiers: {{name: visible to bob}}
    permissions:
      - permission: view_role
        user: {bob}
"#
    );
    apply(&app, &text).await.unwrap();
    assert_eq!(
        visible(&app, &bob_token).await,
        vec![(format!("{TOTP}.totpdevice"), totp.to_string())]
    );
    let r = call(&app, &bob_token, "GET", "/api/v3/rbac/roles/", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let names: Vec<&str> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["visible to bob"]);
});

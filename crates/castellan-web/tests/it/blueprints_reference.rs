//! authentik's own blueprints against the database: its default set produces the same flows,
//! stages, bindings, policies, policy bindings and brand as Castellan's embedded defaults, and
//! every system and example blueprint applies unchanged.
use castellan_blueprints::Action;
use castellan_testkit::{TestApp, db_test};
use castellan_web::blueprints::{self, BlueprintSet};
use serde_json::Map;

use crate::blueprints_snapshot::{Snapshot, apply_all, reference_files, snapshot};

/// Objects of authentik's default set that Castellan's defaults do not create (the events
/// blueprint's matcher policies and their bindings to notification rules, and the RBAC role's
/// group, which holds no policy or flow).
const AUTHENTIK_ONLY_POLICIES: &[&str] = &[
    "default-match-configuration-error",
    "default-match-policy-exception",
    "default-match-property-mapping-exception",
    "default-match-update",
];

/// authentik's default blueprints as a set (meta entries resolve by metadata name).
fn default_set() -> (Vec<(String, String)>, BlueprintSet) {
    let files = reference_files("default");
    let mut set = BlueprintSet::new();
    for (path, text) in &files {
        set.add(path, text);
    }
    (files, set)
}

/// Removes what only authentik's set creates, checking it is there.
fn without_authentik_only(mut snap: Snapshot) -> Snapshot {
    for name in AUTHENTIK_ONLY_POLICIES {
        assert!(snap.policies.remove(*name).is_some(), "{name}");
    }
    let rule_bindings: Vec<String> = snap
        .policy_bindings
        .iter()
        .filter(|b| b.starts_with("rule:"))
        .cloned()
        .collect();
    assert_eq!(rule_bindings.len(), 4, "{rule_bindings:?}");
    for b in rule_bindings {
        snap.policy_bindings.remove(&b);
    }
    snap
}

db_test!(
    authentik_defaults_and_castellan_defaults_are_equivalent,
    |app: TestApp| async move {
        let (files, set) = default_set();
        apply_all(&app, &files, &set).await;
        let theirs = without_authentik_only(snapshot(&app).await);
        let other = TestApp::new(app.kind).await;
        blueprints::apply_defaults(&other.store, &Default::default())
            .await
            .expect("castellan defaults");
        let ours = snapshot(&other).await;
        assert_eq!(ours.flows, theirs.flows);
        assert_eq!(ours.stages, theirs.stages);
        assert_eq!(ours.bindings, theirs.bindings);
        assert_eq!(ours.policies, theirs.policies);
        assert_eq!(ours.policy_bindings, theirs.policy_bindings);
        assert_eq!(ours.prompts, theirs.prompts);
        assert_eq!(ours.brands, theirs.brands);
        assert_eq!(ours, theirs);
        assert_eq!(ours.flows.len(), 14);
        // Objects outside flows that only authentik's set has.
        let mut conn = app.store.conn().await.unwrap();
        for (model, names) in [
            (
                "authentik_events.notificationtransport",
                vec!["default-email-transport", "default-local-transport"],
            ),
            (
                "authentik_events.notificationrule",
                vec![
                    "default-notify-configuration-error",
                    "default-notify-exception",
                    "default-notify-update",
                ],
            ),
            ("authentik_rbac.role", vec!["authentik Read-only"]),
        ] {
            let found: Vec<String> = castellan_store::objects::list(&mut conn, model)
                .await
                .unwrap()
                .into_iter()
                .map(|o| o.name)
                .collect();
            assert_eq!(found, names, "{model}");
            let mut other_conn = other.store.conn().await.unwrap();
            assert!(
                castellan_store::objects::list(&mut other_conn, model)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        let role = castellan_store::objects::list(&mut conn, "authentik_rbac.role")
            .await
            .unwrap()
            .remove(0);
        let perms = role.config["permissions"].as_array().unwrap();
        assert!(perms.contains(&serde_json::json!("authentik_flows.view_flow")));
        let group = castellan_store::groups::get_by_name(&mut conn, "authentik Read-only")
            .await
            .unwrap()
            .expect("read-only group");
        let attached = castellan_store::rbac::roles_of_group(&mut conn, group.pk)
            .await
            .unwrap();
        assert_eq!(attached, vec![role.pk]);
        // Its members may read every model, MFA devices included, and change none.
        let (reader, token) = app.user_with_token("reader").await;
        castellan_store::groups::set_members(&mut conn, group.pk, &[reader])
            .await
            .unwrap();
        let device = crate::mfa_support::totp_device(&app, reader, "reader phone").await;
        let r = crate::mfa_api::call(
            &app,
            &token,
            "GET",
            "/api/v3/authenticators/admin/all/",
            None,
        )
        .await;
        assert_eq!(r.json[0]["pk"], device.to_string(), "{}", r.text);
        let path = format!("/api/v3/authenticators/admin/totp/{device}/");
        let r = crate::mfa_api::call(&app, &token, "DELETE", &path, None).await;
        assert_eq!(r.status, 403, "{}", r.text);
        // Applying authentik's set again changes nothing.
        let opts = blueprints::options(Map::new(), &Default::default());
        for (path, text) in &files {
            let report = blueprints::apply_text(&app.store, text, &opts, &set)
                .await
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            let changed = report.entries.iter().any(|e| {
                !matches!(
                    e.action,
                    Action::Unchanged | Action::Skipped | Action::AppliedBlueprint { .. }
                )
            });
            assert!(!changed, "{path}: {report:?}");
        }
    }
);

db_test!(
    system_and_example_blueprints_apply_unchanged,
    |app: TestApp| async move {
        let (defaults, mut set) = default_set();
        let system = reference_files("system");
        let examples = reference_files("example");
        for (path, text) in system.iter().chain(&examples) {
            set.add(path, text);
        }
        apply_all(&app, &defaults, &set).await;
        apply_all(&app, &system, &set).await;
        apply_all(&app, &examples, &set).await;
        let mut conn = app.store.conn().await.unwrap();
        let scopes =
            castellan_store::objects::list(&mut conn, "authentik_providers_oauth2.scopemapping")
                .await
                .unwrap();
        assert_eq!(scopes.len(), 6, "OAuth2 and proxy scopes");
        let ldap = castellan_store::objects::list(
            &mut conn,
            "authentik_sources_ldap.ldapsourcepropertymapping",
        )
        .await
        .unwrap();
        assert!(ldap.len() >= 30, "{}", ldap.len());
        for slug in [
            "default-enrollment-flow",
            "default-recovery-flow",
            "default-unenrollment-flow",
        ] {
            assert!(
                castellan_store::flows::get_by_slug(&mut conn, slug)
                    .await
                    .unwrap()
                    .is_some(),
                "{slug}"
            );
        }
        drop(conn);
        // System blueprints are re-applied at every start: doing so changes nothing.
        let opts = blueprints::options(Map::new(), &Default::default());
        for (path, text) in &system {
            let report = blueprints::apply_text(&app.store, text, &opts, &set)
                .await
                .unwrap_or_else(|e| panic!("{path} again: {e}"));
            assert!(!report.changes_anything(), "{path}: {report:?}");
        }
    }
);

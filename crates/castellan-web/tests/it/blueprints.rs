//! Blueprints against the database: the embedded defaults, all-or-nothing applies, every error
//! with its position, and validation identical to the REST API's.
use std::collections::BTreeMap;

use castellan_blueprints::{Action, ApplyReport};
use castellan_testkit::{TestApp, db_test};
use castellan_web::blueprints::{self, BlueprintSet, RunError};
use serde_json::{Map, Value, json};

/// Applies `text` with an empty context and environment.
pub async fn apply(app: &TestApp, text: &str) -> Result<ApplyReport, RunError> {
    apply_env(app, text, &[]).await
}

/// Applies `text` with `env` for `!Env`.
pub async fn apply_env(
    app: &TestApp,
    text: &str,
    env: &[(&str, &str)],
) -> Result<ApplyReport, RunError> {
    let env: BTreeMap<String, String> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let opts = blueprints::options(Map::new(), &env);
    blueprints::apply_text(&app.store, text, &opts, &BlueprintSet::new()).await
}

async fn count(app: &TestApp, path: &str) -> i64 {
    let r = app.admin("GET", path, None).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.json["pagination"]["count"].as_i64().unwrap()
}

db_test!(
    defaults_apply_once_and_reapply_without_changes,
    |app: TestApp| async move {
        let first = blueprints::apply_defaults(&app.store, &Default::default())
            .await
            .expect("defaults");
        assert_eq!(first.applied.len(), 10, "{:?}", first.skipped);
        assert!(first.changes_anything());
        for slug in [
            "default-authentication-flow",
            "default-invalidation-flow",
            "default-provider-invalidation-flow",
            "default-provider-authorization-explicit-consent",
            "default-provider-authorization-implicit-consent",
            "default-source-authentication",
            "default-source-enrollment",
            "default-source-pre-authentication",
            "default-user-settings-flow",
            "default-password-change",
            "default-authenticator-static-setup",
            "default-authenticator-totp-setup",
            "default-authenticator-webauthn-setup",
            "initial-setup",
        ] {
            let r = app
                .admin("GET", &format!("/api/v3/flows/instances/{slug}/"), None)
                .await;
            assert_eq!(r.status, 200, "{slug}: {}", r.text);
        }
        let flows = count(&app, "/api/v3/flows/instances/").await;
        let stages = count(&app, "/api/v3/stages/all/").await;
        let policies = count(&app, "/api/v3/policies/all/").await;
        let bindings = count(&app, "/api/v3/policies/bindings/").await;
        // Forced re-apply: every entry is unchanged, nothing new exists.
        let again = blueprints::apply_embedded(&app.store, &Default::default(), true)
            .await
            .expect("again");
        for (name, report) in &again.applied {
            for e in &report.entries {
                assert!(
                    matches!(e.action, Action::Unchanged | Action::Skipped),
                    "{name}: entry {} ({}) re-applied as {:?}",
                    e.index + 1,
                    e.model,
                    e.action
                );
            }
        }
        assert_eq!(count(&app, "/api/v3/flows/instances/").await, flows);
        assert_eq!(count(&app, "/api/v3/stages/all/").await, stages);
        assert_eq!(count(&app, "/api/v3/policies/all/").await, policies);
        assert_eq!(count(&app, "/api/v3/policies/bindings/").await, bindings);
        // Unchanged files are not applied again; each has a successful instance.
        let third = blueprints::apply_defaults(&app.store, &Default::default())
            .await
            .expect("third");
        assert!(third.applied.is_empty());
        assert_eq!(third.skipped.len(), 10);
        let r = app.admin("GET", "/api/v3/managed/blueprints/", None).await;
        assert_eq!(r.json["pagination"]["count"], 10, "{}", r.text);
        for i in r.json["results"].as_array().unwrap() {
            assert_eq!(i["status"], "successful", "{i}");
            assert_eq!(i["last_applied_hash"].as_str().unwrap().len(), 128);
        }
        // The default brand points at the default flows.
        let brands = app.admin("GET", "/api/v3/core/brands/", None).await;
        let brand = &brands.json["results"][0];
        assert_eq!(brand["domain"], "authentik-default");
        let auth = app
            .admin(
                "GET",
                "/api/v3/flows/instances/default-authentication-flow/",
                None,
            )
            .await;
        assert_eq!(brand["flow_authentication"], auth.json["pk"]);
    }
);

db_test!(
    a_malformed_blueprint_reports_every_error_and_writes_nothing,
    |app: TestApp| async move {
        let text = "\
version: 1
metadata:
  name: broken
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: broken-flow}
    attrs: {name: Broken, title: Broken, designation: authentication}
  - model: authentik_nope.thing
    identifiers: {name: x}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf missing, order: 0}
";
        let err = apply(&app, text).await.expect_err("invalid");
        let RunError::Invalid(errors) = &err else {
            panic!("{err}");
        };
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (9, 12), "{errors:?}");
        assert!(errors[0].message.contains("authentik_nope.thing"));
        assert_eq!(errors[1].line, 12, "{errors:?}");
        assert!(errors[1].message.contains("missing"), "{errors:?}");
        let r = app
            .admin("GET", "/api/v3/flows/instances/broken-flow/", None)
            .await;
        assert_eq!(r.status, 404);
    }
);

db_test!(
    a_failing_entry_rolls_back_the_whole_blueprint,
    |app: TestApp| async move {
        let text = "\
version: 1
entries:
  - model: authentik_flows.flow
    identifiers: {slug: rollback-flow}
    attrs: {name: Rollback, title: Rollback, designation: authentication}
  - model: authentik_stages_dummy.dummystage
    identifiers: {name: rollback-dummy}
  - model: authentik_flows.flow
    identifiers: {slug: rollback-other}
    attrs: {name: Other, title: Other, designation: nonsense}
";
        let err = apply(&app, text).await.expect_err("fails");
        let errors = err.errors();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 10, "{errors:?}");
        assert!(errors[0].message.contains("designation"), "{err}");
        let api = app
            .admin(
                "POST",
                "/api/v3/flows/instances/",
                Some(json!({"name": "Other", "slug": "other", "title": "Other", "designation": "nonsense"})),
            )
            .await;
        assert_eq!(api.status, 400);
        let message = api.json["designation"][0].as_str().unwrap();
        assert!(err.to_string().contains(message), "{err} / {message}");
        for slug in ["rollback-flow", "rollback-other"] {
            let r = app
                .admin("GET", &format!("/api/v3/flows/instances/{slug}/"), None)
                .await;
            assert_eq!(r.status, 404, "{slug}");
        }
        let stages = app
            .admin("GET", "/api/v3/stages/all/?name=rollback-dummy", None)
            .await;
        assert_eq!(stages.json["pagination"]["count"], 0);
    }
);

db_test!(
    expressions_must_compile_in_blueprints_and_the_api,
    |app: TestApp| async move {
        let bad = "return (";
        let api = app
            .admin(
                "POST",
                "/api/v3/policies/expression/",
                Some(json!({"name": "bad", "expression": bad})),
            )
            .await;
        assert_eq!(api.status, 400, "{}", api.text);
        let message = api.json["expression"][0].as_str().unwrap().to_owned();
        assert!(message.starts_with("line 1"), "{message}");
        let text = format!(
            "version: 1\nentries:\n  - model: authentik_policies_expression.expressionpolicy\n    identifiers: {{name: bad}}\n    attrs:\n      expression: \"{bad}\"\n"
        );
        let err = apply(&app, &text).await.expect_err("fails");
        assert!(err.to_string().contains(&message), "{err}");
        assert_eq!(err.errors()[0].line, 6, "{err}");
        let mapping = "version: 1\nentries:\n  - model: authentik_providers_oauth2.scopemapping\n    identifiers: {managed: test/bad}\n    attrs: {name: bad mapping, scope_name: x, expression: \"return (\"}\n";
        let err = apply(&app, mapping).await.expect_err("mapping fails");
        assert!(err.to_string().contains("expression"), "{err}");
        let good = app
            .admin(
                "POST",
                "/api/v3/policies/expression/",
                Some(json!({"name": "good", "expression": "return True"})),
            )
            .await;
        assert_eq!(good.status, 201, "{}", good.text);
    }
);

db_test!(
    policy_bindings_target_the_pbm_uuid,
    |app: TestApp| async move {
        let text = "\
version: 1
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: pbm-flow}
    attrs: {name: P, title: P, designation: authentication}
  - model: authentik_stages_dummy.dummystage
    id: stage
    identifiers: {name: pbm-dummy}
  - model: authentik_flows.flowstagebinding
    id: binding
    identifiers: {target: !KeyOf flow, stage: !KeyOf stage, order: 0}
  - model: authentik_policies_dummy.dummypolicy
    id: policy
    identifiers: {name: pbm-policy}
  - model: authentik_policies.policybinding
    identifiers: {target: !KeyOf flow, policy: !KeyOf policy, order: 0}
  - model: authentik_policies.policybinding
    identifiers: {target: !KeyOf binding, policy: !KeyOf policy, order: 1}
    attrs: {negate: true}
";
        let report = apply(&app, text).await.expect("apply");
        assert_eq!(report.entries.len(), 6);
        let flow = app
            .admin("GET", "/api/v3/flows/instances/pbm-flow/", None)
            .await;
        let bindings = app
            .admin(
                "GET",
                &format!(
                    "/api/v3/flows/bindings/?target={}",
                    flow.json["pk"].as_str().unwrap()
                ),
                None,
            )
            .await;
        let fsb_pbm = bindings.json["results"][0]["policybindingmodel_ptr_id"].clone();
        let pbs = app.admin("GET", "/api/v3/policies/bindings/", None).await;
        let targets: Vec<Value> = pbs.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["target"].clone())
            .collect();
        assert!(
            targets.contains(&flow.json["policybindingmodel_ptr_id"]),
            "{targets:?}"
        );
        assert!(targets.contains(&fsb_pbm), "{targets:?}");
        // Re-applying finds everything by its identifiers.
        let again = apply(&app, text).await.expect("again");
        assert!(!again.changes_anything(), "{again:?}");
    }
);

db_test!(
    users_tokens_and_groups_take_blueprint_extras,
    |app: TestApp| async move {
        let text = "\
version: 1
entries:
  - model: authentik_core.group
    id: group
    identifiers: {name: bp-group}
  - model: authentik_core.user
    id: user
    identifiers: {username: bp-user}
    attrs: {name: BP, email: bp@example.org, groups: [!KeyOf group], password: !Env BP_PASSWORD}
  - model: authentik_core.user
    identifiers: {username: bp-nopass}
    attrs: {name: No password, password: \"\"}
  - model: authentik_core.token
    identifiers: {identifier: bp-token, intent: api, expiring: false, user: !KeyOf user}
    attrs: {key: bp-secret-key}
";
        apply_env(&app, text, &[("BP_PASSWORD", "s3cret-pw")])
            .await
            .expect("apply");
        let mut conn = app.store.conn().await.unwrap();
        let user = castellan_store::users::get_by_username(&mut conn, "bp-user")
            .await
            .unwrap()
            .unwrap();
        assert!(castellan_crypto::password::is_usable_password(
            &user.password
        ));
        assert!(castellan_crypto::password::verify_password("s3cret-pw", &user.password).valid);
        let other = castellan_store::users::get_by_username(&mut conn, "bp-nopass")
            .await
            .unwrap()
            .unwrap();
        assert!(!castellan_crypto::password::is_usable_password(
            &other.password
        ));
        let token = castellan_store::tokens::get_by_identifier(&mut conn, "bp-token")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(token.key, "bp-secret-key");
        assert_eq!(token.user, user.pk);
        drop(conn);
        let groups = app
            .admin("GET", "/api/v3/core/groups/?name=bp-group", None)
            .await;
        assert_eq!(groups.json["results"][0]["users"], json!([user.pk]));
    }
);

db_test!(
    processes_sharing_postgres_take_turns_applying_defaults,
    |app: TestApp| async move {
        if app.kind != castellan_testkit::DbKind::Postgres {
            return;
        }
        // Two servers starting at once on one PostgreSQL database: both succeed.
        let other = castellan_store::Store::connect(&app.db.url, Default::default())
            .await
            .unwrap();
        let env = BTreeMap::new();
        let (a, b) = tokio::join!(
            blueprints::apply_defaults(&app.store, &env),
            blueprints::apply_defaults(&other, &env)
        );
        let (a, b) = (a.expect("first"), b.expect("second"));
        assert_eq!(a.applied.len() + b.applied.len(), 10);
        assert_eq!(count(&app, "/api/v3/managed/blueprints/").await, 10);
    }
);

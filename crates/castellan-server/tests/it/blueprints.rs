//! `castellan blueprint validate|plan|apply|export` on SQLite and PostgreSQL, and `serve`
//! applying the embedded defaults and the blueprints directory at start.
use std::path::Path;

use serde_json::Value;

use crate::support::{PgDatabase, Server, TempDir, describe, get, run};

const GOOD: &str = "\
version: 1
metadata:
  name: CLI test
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: cli-flow}
    attrs: {name: CLI flow, title: CLI, designation: authentication}
  - model: authentik_stages_dummy.dummystage
    id: stage
    identifiers: {name: cli-dummy}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf stage, order: 10}
";

/// Two static problems: an unknown model (line 8) and an unknown `!KeyOf` id (line 10).
const MALFORMED: &str = "\
version: 1
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: broken-flow}
    attrs: {name: B, title: B, designation: authentication}
  - identifiers: {name: x}
    model: authentik_nope.thing
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: !KeyOf nowhere, order: 0}
";

/// Valid structure, but the third entry fails (a binding to a stage that does not exist).
const FAILING: &str = "\
version: 1
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers: {slug: failing-flow}
    attrs: {name: F, title: F, designation: authentication}
  - model: authentik_flows.flowstagebinding
    identifiers: {target: !KeyOf flow, stage: 00000000-0000-4000-8000-000000000000, order: 0}
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The whole CLI cycle against the database `env` selects.
fn cycle(dir: &Path, env: &[(&str, String)]) {
    let good = write(dir, "good.yaml", GOOD);
    let malformed = write(dir, "malformed.yaml", MALFORMED);
    let failing = write(dir, "failing.yaml", FAILING);

    let out = run(dir, &["blueprint", "validate", &good], env);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("valid (3 entries)"),
        "{}",
        describe(&out)
    );

    for command in ["validate", "plan", "apply"] {
        let out = run(dir, &["blueprint", command, &malformed], env);
        assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "{malformed}:8:12: unknown or unsupported model `authentik_nope.thing`"
            )),
            "{err}"
        );
        assert!(err.contains(&format!("{malformed}:10:")), "{err}");
        assert!(err.contains("nowhere"), "{err}");
    }

    let out = run(dir, &["blueprint", "apply", &failing], env);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(stderr(&out).contains(&format!("{failing}:8:47: entry 2 (authentik_flows.flowstagebinding): invalid fields: stage: Invalid pk")), "{}", describe(&out));
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        describe(&out)
    );

    let out = run(dir, &["blueprint", "plan", &good], env);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stdout(&out).contains("+ create"), "{}", describe(&out));

    // Nothing of the failing, malformed or planned blueprints was written.
    for slug in ["broken-flow", "failing-flow", "cli-flow"] {
        let out = run(dir, &["blueprint", "export", "--flow", slug], env);
        assert_eq!(out.status.code(), Some(1), "{slug}: {}", describe(&out));
        assert!(
            stderr(&out).contains("does not exist"),
            "{}",
            describe(&out)
        );
    }

    let out = run(dir, &["blueprint", "apply", &good], env);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stdout(&out).contains("applied"), "{}", describe(&out));
    let out = run(dir, &["blueprint", "apply", &good], env);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(!stdout(&out).contains("+ create"), "{}", describe(&out));

    let out = run(dir, &["blueprint", "export", "--flow", "cli-flow"], env);
    assert!(out.status.success(), "{}", describe(&out));
    let exported = stdout(&out);
    assert!(exported.contains("slug: cli-flow"), "{exported}");
    assert!(
        exported.contains("model: authentik_stages_dummy.dummystage"),
        "{exported}"
    );
    let out = run(dir, &["blueprint", "export"], env);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(stdout(&out).contains("name: authentik Export - all flows"));
    // The export is itself a valid blueprint.
    let path = write(dir, "exported.yaml", &exported);
    let out = run(dir, &["blueprint", "validate", &path], env);
    assert!(out.status.success(), "{}", describe(&out));
}

#[test]
fn blueprint_commands_on_sqlite() {
    let dir = TempDir::new("blueprint-cli");
    cycle(dir.path(), &[]);
}

#[tokio::test]
async fn blueprint_commands_on_postgres() {
    let db = PgDatabase::create().await;
    let dir = TempDir::new("blueprint-cli-pg");
    let env = [("CASTELLAN_POSTGRESQL__URL", db.url.clone())];
    let path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || cycle(&path, &env))
        .await
        .unwrap();
}

const TOKEN: &str = "itBlueprintBootstrapToken0123456789abcdefghijklmnopqrstuvwxyz";

async fn api(server: &Server, path: &str) -> Value {
    let auth = format!("Bearer {TOKEN}");
    let (status, body) = get(server.ports.http, path, &[("Authorization", &auth)])
        .await
        .unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn serve_applies_defaults_and_the_blueprints_directory() {
    let dir = TempDir::new("blueprint-serve");
    let blueprints = dir.path().join("blueprints");
    std::fs::create_dir_all(&blueprints).unwrap();
    std::fs::write(blueprints.join("custom.yaml"), GOOD).unwrap();
    let env = vec![
        ("CASTELLAN_BOOTSTRAP_TOKEN", TOKEN.to_owned()),
        (
            "CASTELLAN_BLUEPRINTS_DIR",
            blueprints.to_string_lossy().into_owned(),
        ),
    ];
    for (round, log) in ["first.log", "second.log"].into_iter().enumerate() {
        let server = Server::start(dir.path(), log, &env).await;
        let flow = api(
            &server,
            "/api/v3/flows/instances/default-authentication-flow/",
        )
        .await;
        assert_eq!(flow["title"], "Welcome to authentik!");
        let flow = api(&server, "/api/v3/flows/instances/cli-flow/").await;
        assert_eq!(flow["name"], "CLI flow");
        let instances = api(&server, "/api/v3/managed/blueprints/").await;
        assert_eq!(instances["pagination"]["count"], 11, "{instances}");
        let available = api(&server, "/api/v3/managed/blueprints/available/").await;
        assert_eq!(available[0]["path"], "custom.yaml", "{available}");
        let lines = server.log_lines();
        let applied = lines
            .iter()
            .any(|l| l["message"] == "default blueprints applied");
        assert_eq!(applied, round == 0, "{}", server.log());
        let status = server.stop().await;
        assert!(status.success(), "exit {status}");
    }
}

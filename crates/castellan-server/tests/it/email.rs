//! `castellan test-email` against a real SMTP server (aiosmtpd): the global `email.*`
//! settings, a named email stage's own settings, and a clear failure when SMTP is down.
use castellan_testkit::smtp::SmtpServer;

use crate::support::{TempDir, describe, free_port, run};

fn smtp_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("CASTELLAN_EMAIL__HOST", "127.0.0.1".to_owned()),
        ("CASTELLAN_EMAIL__PORT", port.to_string()),
        ("CASTELLAN_EMAIL__FROM", "castellan@example.org".to_owned()),
        ("CASTELLAN_EMAIL__TIMEOUT", "5".to_owned()),
    ]
}

#[test]
fn test_email_uses_the_global_settings() {
    let smtp = SmtpServer::start();
    let dir = TempDir::new("testemail");
    let output = run(
        dir.path(),
        &["test-email", "jane@example.org"],
        &smtp_env(smtp.port),
    );
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("jane@example.org"), "{stdout}");
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["subject"], "authentik Test-Email");
    assert_eq!(mail[0]["mail_from"], "castellan@example.org");
    assert_eq!(mail[0]["rcpt_tos"], serde_json::json!(["jane@example.org"]));
    assert!(mail[0]["text"].as_str().unwrap().contains("test message"));
}

#[test]
fn test_email_reports_an_smtp_failure() {
    let dir = TempDir::new("testemail-down");
    let port = free_port();
    let output = run(
        dir.path(),
        &["test-email", "jane@example.org"],
        &smtp_env(port),
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "sending the test email to jane@example.org via 127.0.0.1:{port} failed"
        )),
        "{stderr}"
    );
}

#[test]
fn test_email_uses_a_stage_s_settings() {
    let smtp = SmtpServer::start();
    let dir = TempDir::new("testemail-stage");
    let blueprint = dir.path().join("stage.yaml");
    std::fs::write(
        &blueprint,
        format!(
            "version: 1\nentries:\n  - model: authentik_stages_email.emailstage\n    \
             identifiers:\n      name: mailer\n    attrs:\n      use_global_settings: false\n      \
             host: 127.0.0.1\n      port: {}\n      from_address: stage@example.org\n",
            smtp.port
        ),
    )
    .unwrap();
    // The global settings point nowhere: only the stage's reach the server.
    let env = smtp_env(free_port());
    let output = run(
        dir.path(),
        &["blueprint", "apply", blueprint.to_str().unwrap()],
        &env,
    );
    assert!(output.status.success(), "{}", describe(&output));
    let output = run(
        dir.path(),
        &["test-email", "jane@example.org", "-S", "mailer"],
        &env,
    );
    assert!(output.status.success(), "{}", describe(&output));
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0]["mail_from"], "stage@example.org");
    let output = run(
        dir.path(),
        &["test-email", "jane@example.org", "-S", "nope"],
        &env,
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no email stage named \"nope\""));
}

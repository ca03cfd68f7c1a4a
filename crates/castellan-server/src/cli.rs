//! The command line: `castellan [serve|migrate|check-config|user …|token …|blueprint …|openapi|
//! test-email]`.
//!
//! Every command loads the configuration first; when it is invalid, all
//! problems are printed to stderr and the process exits with status 2 before
//! anything else happens. Other failures exit with status 1.

use std::io::BufRead as _;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{ArgAction, Args, Parser, Subcommand};

use crate::commands;
use crate::config::{self, Settings, Tree, render_check, render_errors};
use crate::{logging, serve};

/// Exit status for an invalid configuration (or command line).
pub const EXIT_CONFIG: u8 = 2;

/// Castellan, an identity provider compatible with authentik 2024.10.
#[derive(Debug, Parser)]
#[command(name = "castellan", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// A subcommand.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (HTTP, HTTPS and metrics listeners).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Print the effective configuration with the origin of each value.
    CheckConfig,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Validate, plan, apply and export blueprints.
    #[command(subcommand)]
    Blueprint(BlueprintCommand),
    /// Print the OpenAPI document (JSON).
    Openapi,
    /// Send a test email with the global `email.*` settings (or an email stage's).
    TestEmail(TestEmail),
}

/// `castellan test-email`.
#[derive(Debug, Args)]
pub struct TestEmail {
    /// Recipient address.
    pub address: String,
    /// Use the connection settings of the email stage with this name.
    #[arg(short = 'S', long = "stage")]
    pub stage: Option<String>,
}

/// `castellan user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create(UserCreate),
    /// Set a user's password.
    SetPassword(SetPassword),
}

/// `castellan user create`. `Debug` redacts the password.
#[derive(Args)]
pub struct UserCreate {
    /// Login name.
    #[arg(long)]
    pub username: String,
    /// Display name (default: the username).
    #[arg(long)]
    pub name: Option<String>,
    /// Email address.
    #[arg(long, default_value = "")]
    pub email: String,
    /// Password; without it the user gets an unusable password.
    #[arg(long)]
    pub password: Option<String>,
    /// Add the user to `authentik Admins` (superuser).
    #[arg(long)]
    pub superuser: bool,
}

/// `castellan user set-password`. `Debug` redacts the password.
#[derive(Args)]
pub struct SetPassword {
    /// Login name.
    #[arg(long)]
    pub username: String,
    /// The new password.
    #[arg(
        long,
        required_unless_present = "password_stdin",
        conflicts_with = "password_stdin"
    )]
    pub password: Option<String>,
    /// Read the new password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
}

impl std::fmt::Debug for UserCreate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCreate")
            .field("username", &self.username)
            .field("name", &self.name)
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("superuser", &self.superuser)
            .finish()
    }
}

impl std::fmt::Debug for SetPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetPassword")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("password_stdin", &self.password_stdin)
            .finish()
    }
}

/// `castellan token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print its key (shown only once).
    Create(TokenCreate),
}

/// `castellan token create`.
#[derive(Debug, Args)]
pub struct TokenCreate {
    /// Owner of the token.
    #[arg(long)]
    pub username: String,
    /// Unique identifier (default: generated).
    #[arg(long)]
    pub identifier: Option<String>,
    /// Free-text description.
    #[arg(long, default_value = "")]
    pub description: String,
    /// Whether the token expires.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub expiring: bool,
    /// Expiry instant (RFC 3339); default: one day from now when expiring (`default_token_duration`).
    #[arg(long)]
    pub expires: Option<DateTime<Utc>>,
}

/// `castellan blueprint …`.
#[derive(Debug, Subcommand)]
pub enum BlueprintCommand {
    /// Check a blueprint file without the database: every problem with its line and column
    /// (exit status 1 when there is any).
    Validate(BlueprintFile),
    /// Show what applying a blueprint would change; nothing is written.
    Plan(BlueprintFile),
    /// Apply a blueprint in one transaction and print what it did; nothing is written when it
    /// fails.
    Apply(BlueprintFile),
    /// Print flows (with their stages, bindings, policies and prompts) as a blueprint.
    Export(BlueprintExport),
}

/// A blueprint file argument.
#[derive(Debug, Args)]
pub struct BlueprintFile {
    /// The blueprint file (YAML).
    pub file: std::path::PathBuf,
}

/// `castellan blueprint export`.
#[derive(Debug, Args)]
pub struct BlueprintExport {
    /// Export only the flow with this slug (default: every flow).
    #[arg(long)]
    pub flow: Option<String>,
}

/// Parses the process arguments and runs the command.
pub fn main() -> ExitCode {
    run(Cli::parse())
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let (settings, tree) = match config::load_from_os() {
        Ok(loaded) => loaded,
        Err(errors) => {
            eprintln!(
                "castellan: invalid configuration:\n{}",
                render_errors(&errors)
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::CheckConfig => check_config(&settings, &tree),
        Command::Openapi => openapi(),
        Command::Blueprint(BlueprintCommand::Validate(args)) => {
            commands::validate_blueprint(&args.file)
        }
        command => {
            logging::init(settings.log_level);
            for warning in &tree.warnings {
                tracing::warn!(warning = %warning, "configuration");
            }
            let serving = matches!(command, Command::Serve);
            match run_async(command, &settings) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    if serving {
                        tracing::error!(error = format!("{err:#}"), "server failed");
                    }
                    eprintln!("castellan: {err:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// `check-config`: the effective configuration on stdout, warnings on stderr.
fn check_config(settings: &Settings, tree: &Tree) -> ExitCode {
    for warning in &tree.warnings {
        eprintln!("warning: {warning}");
    }
    print!("{}", render_check(settings, tree));
    ExitCode::SUCCESS
}

/// `openapi`: the OpenAPI document, pretty-printed.
fn openapi() -> ExitCode {
    match serde_json::to_string_pretty(&castellan_web::openapi::document()) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("castellan: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a database or server command on a fresh Tokio runtime.
fn run_async(command: Command, settings: &Settings) -> anyhow::Result<()> {
    // Read stdin before the runtime starts: it blocks.
    let stdin_password = match &command {
        Command::User(UserCommand::SetPassword(args)) if args.password_stdin => {
            Some(read_password_line()?)
        }
        _ => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            Command::Serve => serve::run(settings).await,
            Command::Migrate => commands::migrate(settings).await,
            Command::User(UserCommand::Create(args)) => commands::create_user(settings, args).await,
            Command::User(UserCommand::SetPassword(args)) => {
                let password = stdin_password.or(args.password).unwrap_or_default();
                commands::set_password(settings, &args.username, password).await
            }
            Command::Token(TokenCommand::Create(args)) => {
                commands::create_token(settings, args).await
            }
            Command::Blueprint(BlueprintCommand::Plan(args)) => {
                commands::apply_blueprint(settings, &args.file, false).await
            }
            Command::Blueprint(BlueprintCommand::Apply(args)) => {
                commands::apply_blueprint(settings, &args.file, true).await
            }
            Command::Blueprint(BlueprintCommand::Export(args)) => {
                commands::export_blueprint(settings, args.flow.as_deref()).await
            }
            Command::TestEmail(args) => {
                commands::test_email(settings, &args.address, args.stage.as_deref()).await
            }
            Command::CheckConfig | Command::Openapi | Command::Blueprint(_) => Ok(()),
        }
    })
}

/// The first line of stdin without its line ending.
fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    Ok(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_is_the_default() {
        assert!(
            Cli::try_parse_from(["castellan"])
                .unwrap()
                .command
                .is_none()
        );
    }

    #[test]
    fn token_expiring_takes_a_value() {
        let cli = Cli::try_parse_from([
            "castellan",
            "token",
            "create",
            "--username",
            "u",
            "--expiring",
            "false",
        ])
        .unwrap();
        let Some(Command::Token(TokenCommand::Create(args))) = cli.command else {
            panic!("not token create");
        };
        assert!(!args.expiring);
        assert_eq!(args.identifier, None);
    }

    #[test]
    fn set_password_needs_a_source() {
        assert!(
            Cli::try_parse_from(["castellan", "user", "set-password", "--username", "u"]).is_err()
        );
        assert!(
            Cli::try_parse_from([
                "castellan",
                "user",
                "set-password",
                "--username",
                "u",
                "--password-stdin",
            ])
            .is_ok()
        );
        assert!(
            Cli::try_parse_from([
                "castellan",
                "user",
                "set-password",
                "--username",
                "u",
                "--password",
                "x",
                "--password-stdin",
            ])
            .is_err()
        );
    }
}

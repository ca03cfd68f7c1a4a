//! The database commands of the CLI: `migrate`, `user create`,
//! `user set-password`, `token create`, `blueprint validate|plan|apply|export` and
//! `test-email`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use castellan_core::token::{DEFAULT_TOKEN_LENGTH, Token, TokenIntent};
use castellan_core::user::{DEFAULT_USER_PATH, UserType, validate_username};
use castellan_store::users::NewUser;
use castellan_store::{StoreError, tokens, users};
use castellan_web::blueprints;
use uuid::Uuid;

use crate::bootstrap;
use crate::cli::{TokenCreate, UserCreate};
use crate::config::Settings;
use crate::startup;

/// `castellan migrate`: connect, migrate, print what was applied.
///
/// # Errors
/// Connection or migration failures (including a too-new database).
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let store = startup::connect(settings).await?;
    let report = startup::migrate(&store).await?;
    store.close().await;
    let applied = if report.applied.is_empty() {
        "none".to_owned()
    } else {
        report
            .applied
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("applied migrations: {applied}");
    println!("current version: {}", report.current);
    Ok(())
}

/// `castellan user create`.
///
/// # Errors
/// An invalid or taken username, or database failures.
pub async fn create_user(settings: &Settings, args: UserCreate) -> anyhow::Result<()> {
    validate_username(&args.username)?;
    let store = startup::open(settings).await?;
    let password = match args.password {
        Some(password) if !password.is_empty() => bootstrap::hash_password(password).await?,
        Some(_) => anyhow::bail!("the password must not be empty"),
        None => castellan_crypto::password::make_unusable_password(),
    };
    let mut tx = store.begin().await?;
    if users::get_by_username(&mut tx, &args.username)
        .await?
        .is_some()
    {
        anyhow::bail!("user {} already exists", args.username);
    }
    let new = NewUser {
        name: args.name.unwrap_or_else(|| args.username.clone()),
        username: args.username,
        email: args.email,
        password,
        is_active: true,
        path: DEFAULT_USER_PATH.to_owned(),
        user_type: UserType::Internal,
        attributes: serde_json::json!({}),
        last_login: None,
    };
    let user = match users::create(&mut tx, &new, store.now()).await {
        Err(StoreError::Conflict(_)) => anyhow::bail!("user {} already exists", new.username),
        other => other?,
    };
    if args.superuser {
        let (group, _) = bootstrap::ensure_admin_group(&mut tx).await?;
        users::add_to_group(&mut tx, user.pk, group.pk).await?;
    }
    tx.commit().await?;
    store.close().await;
    println!(
        "created user {} (pk {}){}",
        user.username,
        user.pk,
        if args.superuser { ", superuser" } else { "" }
    );
    Ok(())
}

/// `castellan user set-password`.
///
/// # Errors
/// An empty password, an unknown user or database failures.
pub async fn set_password(
    settings: &Settings,
    username: &str,
    password: String,
) -> anyhow::Result<()> {
    if password.is_empty() {
        anyhow::bail!("the password must not be empty");
    }
    let store = startup::open(settings).await?;
    let encoded = bootstrap::hash_password(password).await?;
    let mut conn = store.conn().await?;
    let user = users::get_by_username(&mut conn, username)
        .await?
        .with_context(|| format!("user {username} does not exist"))?;
    users::set_password(&mut conn, user.pk, &encoded, store.now()).await?;
    drop(conn);
    store.close().await;
    println!("password set for {username}");
    Ok(())
}

/// `castellan token create`: prints the key (and nothing else) on stdout.
///
/// # Errors
/// An unknown user, an invalid or taken identifier, or database failures.
pub async fn create_token(settings: &Settings, args: TokenCreate) -> anyhow::Result<()> {
    let identifier = match args.identifier {
        Some(identifier) => {
            validate_identifier(&identifier)?;
            identifier
        }
        None => format!(
            "{}-cli-{}",
            slug(&args.username),
            castellan_crypto::token::random_hex(4)
        ),
    };
    let store = startup::open(settings).await?;
    let now = store.now();
    let expires = match (args.expiring, args.expires) {
        (_, Some(expires)) => Some(expires),
        (true, None) => Some(now + castellan_core::token::default_token_duration()),
        (false, None) => None,
    };
    let mut tx = store.begin().await?;
    let user = users::get_by_username(&mut tx, &args.username)
        .await?
        .with_context(|| format!("user {} does not exist", args.username))?;
    if tokens::get_by_identifier(&mut tx, &identifier)
        .await?
        .is_some()
    {
        anyhow::bail!("a token with identifier {identifier} already exists");
    }
    let token = Token {
        token_uuid: Uuid::new_v4(),
        identifier,
        key: castellan_crypto::token::generate_key(DEFAULT_TOKEN_LENGTH),
        intent: TokenIntent::Api,
        user: user.pk,
        description: args.description,
        expires,
        expiring: args.expiring,
        managed: None,
    };
    match tokens::save(&mut tx, &token, true).await {
        Err(StoreError::Conflict(_)) => {
            anyhow::bail!(
                "a token with identifier {} already exists",
                token.identifier
            )
        }
        other => other?,
    }
    tx.commit().await?;
    store.close().await;
    eprintln!(
        "created token {} for {}{}",
        token.identifier,
        user.username,
        expires.map_or_else(String::new, |e| format!(", expires {}", e.to_rfc3339()))
    );
    println!("{}", token.key);
    Ok(())
}

/// Reads a blueprint file.
fn read_blueprint(file: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
}

/// Prints every problem as `file:line:column: message` on stderr.
fn print_errors(file: &Path, errors: &[castellan_blueprints::BlueprintError]) {
    for e in errors {
        eprintln!("{}:{}:{}: {}", file.display(), e.line, e.column, e.message);
    }
}

/// `castellan blueprint validate`: static checks only (no database); exit status 1 when the
/// file has problems, each printed with its position.
#[must_use]
pub fn validate_blueprint(file: &Path) -> ExitCode {
    let text = match read_blueprint(file) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("castellan: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let errors = blueprints::check(&text);
    if errors.is_empty() {
        let entries = castellan_blueprints::parse(&text).map_or(0, |bp| bp.entries.len());
        println!("{}: valid ({entries} entries)", file.display());
        ExitCode::SUCCESS
    } else {
        print_errors(file, &errors);
        eprintln!("{}: {} problem(s)", file.display(), errors.len());
        ExitCode::FAILURE
    }
}

/// `castellan blueprint plan` (`write` false: a dry run) and `castellan blueprint apply`
/// (`write` true: one transaction). Prints what was (or would be) done.
///
/// # Errors
/// An unreadable file, any problem of the blueprint (each printed with its position; nothing
/// is written), or database failures.
pub async fn apply_blueprint(settings: &Settings, file: &Path, write: bool) -> anyhow::Result<()> {
    let text = read_blueprint(file)?;
    let errors = blueprints::check(&text);
    if !errors.is_empty() {
        print_errors(file, &errors);
        anyhow::bail!(
            "{}: {} problem(s), nothing was written",
            file.display(),
            errors.len()
        );
    }
    let store = startup::open(settings).await?;
    let web = crate::state::web_settings(settings);
    let set = blueprints::instance_set(&store, web.blueprints_dir.as_deref()).await?;
    let opts = blueprints::options(serde_json::Map::new(), &web.blueprint_env.0);
    let outcome = if write {
        blueprints::apply_text(&store, &text, &opts, &set).await
    } else {
        blueprints::plan_text(&store, &text, &opts, &set).await
    };
    store.close().await;
    match outcome {
        Ok(report) => {
            print!("{}", castellan_blueprints::render_plan(&report));
            if write {
                println!("applied {}", file.display());
            }
            Ok(())
        }
        Err(e) => {
            print_errors(file, &e.errors());
            anyhow::bail!(
                "{}: the blueprint failed, nothing was written",
                file.display()
            )
        }
    }
}

/// `castellan blueprint export`: one flow (`--flow`) or every flow as a blueprint on stdout.
///
/// # Errors
/// An unknown flow or database failures.
pub async fn export_blueprint(settings: &Settings, flow: Option<&str>) -> anyhow::Result<()> {
    let store = startup::open(settings).await?;
    let mut conn = store.conn().await?;
    let text = match flow {
        Some(slug) => {
            let found = castellan_store::flows::get_by_slug(&mut conn, slug)
                .await?
                .with_context(|| format!("flow {slug} does not exist"))?;
            blueprints::export_flow(&mut conn, &found).await
        }
        None => blueprints::export_all(&mut conn).await,
    }
    .map_err(|e| anyhow::anyhow!("exporting: {e:?}"))?;
    drop(conn);
    store.close().await;
    print!("{text}");
    Ok(())
}

/// Identifiers are slugs (`[-a-zA-Z0-9_]+`), as authentik's `SlugField`.
fn validate_identifier(identifier: &str) -> anyhow::Result<()> {
    if identifier.is_empty()
        || !identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        anyhow::bail!("the identifier must consist of letters, digits, '-' and '_'");
    }
    Ok(())
}

/// `value` with every character outside the slug alphabet replaced by `-`.
fn slug(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `castellan test-email`: sends authentik's test message with the global settings, or with
/// the connection settings of the email stage named `stage`.
///
/// # Errors
/// An unknown stage, database failures, and SMTP failures (with the server's answer).
pub async fn test_email(
    settings: &Settings,
    address: &str,
    stage: Option<&str>,
) -> anyhow::Result<()> {
    let web = crate::state::web_settings(settings);
    // The database is opened only to look a stage up.
    let store = match stage {
        Some(_) => Some(startup::open(settings).await?),
        None => None,
    };
    let outcome = castellan_web::email::send_test(store.as_ref(), &web.email, address, stage).await;
    if let Some(store) = store {
        store.close().await;
    }
    match outcome {
        Ok(line) => {
            println!("{line}");
            Ok(())
        }
        Err(e) => anyhow::bail!("{e}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_slugs() {
        assert!(validate_identifier("my-token_1").is_ok());
        assert!(validate_identifier("").is_err());
        assert!(validate_identifier("a b").is_err());
        assert_eq!(slug("jane.doe@x"), "jane-doe-x");
    }
}

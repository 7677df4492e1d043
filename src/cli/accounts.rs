//! `vigie account …`: what an operator does to accounts from a shell (the
//! first administrator, a lost phone when no administrator can sign in).
//! Changes go through the same operation as an administrator's, audited
//! with no account (the command line) and mailed to the owner.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::auth::password;
use crate::auth::session::AdminScope;
use crate::config::Config;
use crate::db;
use crate::domain::ids::AccountId;
use crate::domain::status::Role;
use crate::domain::values::{EmailAddress, Uai};
use crate::error::AppError;
use crate::ops::Ops;
use crate::ops::account_admin::{self, AccountChange};

#[derive(Subcommand)]
pub(super) enum AccountCommand {
    /// Create an account (or reset it); the password is read from standard input.
    Add {
        /// E-mail address (the login).
        #[arg(long)]
        email: String,
        /// school_staff, helpline or admin.
        #[arg(long)]
        role: String,
        /// Name shown to other users (defaults to the e-mail address).
        #[arg(long)]
        name: Option<String>,
        /// UAI of a school the account is attached to (repeat for several).
        #[arg(long = "school")]
        schools: Vec<String>,
    },
    /// Turn an account off: it cannot sign in, its sessions end at once.
    Deactivate {
        /// E-mail address.
        #[arg(long)]
        email: String,
    },
    /// Make these the only schools of a school staff account (the others
    /// are detached, their cases leave the dashboard at once).
    Schools {
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// UAIs of the account's schools.
        #[arg(long, num_args = 1.., required = true)]
        set: Vec<String>,
    },
    /// Forget an account's second factor (a lost phone): it enrols a new
    /// app at its next login; its sessions end.
    ResetSecondFactor {
        /// E-mail address.
        #[arg(long)]
        email: String,
    },
}

/// Runs an account command.
pub(super) async fn run(
    config: &Config,
    pool: &sqlx::PgPool,
    command: AccountCommand,
) -> anyhow::Result<()> {
    let storage = crate::storage::open(&config.evidence_dir, config.evidence_s3.as_ref())?;
    let ops = Ops::new(pool.clone(), Arc::new(config.clone()), storage);
    match command {
        AccountCommand::Add {
            email,
            role,
            name,
            schools,
        } => add(pool, &email, &role, name, &schools).await,
        AccountCommand::Deactivate { email } => {
            let id = find(pool, &email).await?;
            apply(&ops, id, AccountChange::Deactivate).await?;
            println!("Account {email} deactivated; its sessions are ended.");
            Ok(())
        }
        AccountCommand::Schools { email, set } => set_schools(&ops, &email, &set).await,
        AccountCommand::ResetSecondFactor { email } => {
            let id = find(pool, &email).await?;
            apply(&ops, id, AccountChange::ResetSecondFactor).await?;
            println!("Second factor of {email} forgotten: it enrols a new app at its next login.");
            Ok(())
        }
    }
}

/// The account of `email`, active or not.
async fn find(pool: &sqlx::PgPool, email: &str) -> anyhow::Result<AccountId> {
    let id = db::accounts::account_by_email(pool, &email.trim().to_lowercase()).await?;
    id.map(AccountId)
        .with_context(|| format!("no account with address {email}"))
}

/// Applies a change as the command line; a refusal in plain words.
async fn apply(ops: &Ops, id: AccountId, change: AccountChange) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let scope = AdminScope::command_line();
    match account_admin::change(ops, &scope, id, change, now).await {
        Ok(()) => Ok(()),
        Err(AppError::Field(_, why)) => bail!("refused: {why}"),
        Err(e) => Err(e.into()),
    }
}

async fn set_schools(ops: &Ops, email: &str, set: &[String]) -> anyhow::Result<()> {
    let id = find(&ops.db, email).await?;
    let mut wanted = Vec::new();
    for typed in set {
        let uai = Uai::parse(typed).map_err(|e| anyhow::anyhow!("--set {typed}: {e}"))?;
        let school = db::schools::find_by_uai(&ops.db, &uai).await?;
        wanted.push(school.with_context(|| format!("no school with UAI {uai}"))?);
    }
    let current = db::accounts::school_ids(&ops.db, id).await?;
    for school in &wanted {
        if !current.contains(&school.id) {
            apply(ops, id, AccountChange::Attach(school.uai.clone())).await?;
        }
    }
    for school in current {
        if !wanted.iter().any(|w| w.id == school) {
            apply(ops, id, AccountChange::Detach(school)).await?;
        }
    }
    let uais: Vec<&str> = wanted.iter().map(|s| s.uai.as_str()).collect();
    println!(
        "Account {email} now reads the cases of: {}.",
        uais.join(", ")
    );
    Ok(())
}

async fn add(
    pool: &sqlx::PgPool,
    email: &str,
    role: &str,
    name: Option<String>,
    schools: &[String],
) -> anyhow::Result<()> {
    let email =
        EmailAddress::parse(email).map_err(|_| anyhow::anyhow!("invalid e-mail address"))?;
    let role = Role::parse(role).context("--role must be school_staff, helpline or admin")?;
    if role == Role::SchoolStaff && schools.is_empty() {
        bail!("a school_staff account needs at least one --school UAI");
    }
    if role != Role::SchoolStaff && !schools.is_empty() {
        bail!("only school_staff accounts are attached to schools");
    }
    let mut school_ids = Vec::new();
    for s in schools {
        let uai = Uai::parse(s).map_err(|e| anyhow::anyhow!("--school {s}: {e}"))?;
        let school = db::schools::find_by_uai(pool, &uai)
            .await?
            .with_context(|| {
                format!("no school with UAI {uai}: import it first (vigie school import)")
            })?;
        school_ids.push(school.id);
    }
    eprintln!(
        "Password (read from standard input, {} characters at least):",
        password::MIN_PASSWORD_CHARS
    );
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\n', '\r']).to_owned();
    let display_name = name.unwrap_or_else(|| email.as_str().to_owned());
    if let Err(why) = password::acceptable(&pw, email.as_str(), &display_name) {
        bail!("password refused: {why}");
    }
    let hash = password::hash_password(pw).await?;
    let mut tx = pool.begin().await?;
    let id = db::accounts::upsert_account(&mut *tx, &email, &display_name, role, &hash).await?;
    for s in school_ids {
        db::accounts::attach_school(&mut *tx, id, s).await?;
    }
    tx.commit().await?;
    println!(
        "Account {} ({}) is ready; it enrols its second factor at its first login.",
        email,
        role.as_str()
    );
    Ok(())
}

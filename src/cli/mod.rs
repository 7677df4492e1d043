//! The subcommands of the `vigie` binary.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

mod accounts;
mod files;

use crate::app::{AppState, build_router};
use crate::config::{Config, Environment};
use crate::db;
use crate::jobs;
use crate::mail::Mailer;

/// Vigie: cyber-harassment cases between schools and the e-Enfance helpline.
#[derive(Parser)]
#[command(name = "vigie", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies migrations first).
    Serve {
        /// Load the demo schools and accounts first (refused in production).
        #[arg(long)]
        demo: bool,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Run only the background jobs: mail, overdue reports, retention purge
    /// (several may run at once).
    Worker,
    /// Apply the retention rules now and say what was deleted.
    Purge,
    /// Load the demo schools, accounts and cases (refused in production).
    Demo {
        /// Also generate this many realistic cases over thousands of schools
        /// (for load measurements).
        #[arg(long, default_value_t = 0)]
        cases: u64,
    },
    /// Manage schools.
    School {
        #[command(subcommand)]
        command: SchoolCommand,
    },
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        command: accounts::AccountCommand,
    },
    /// Check an exported dossier.
    Dossier {
        #[command(subcommand)]
        command: DossierCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check the evidence files.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCommand,
    },
    /// Manage the evidence store.
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
}

#[derive(Subcommand)]
enum DossierCommand {
    /// Check that an exported dossier is signed by this installation's key
    /// (`SIGNING_KEY`) and that every file has its recorded SHA-256.
    Verify {
        /// The dossier's ZIP file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit chain from the latest signed checkpoint; name
    /// the first broken row.
    Verify,
}

#[derive(Subcommand)]
enum EvidenceCommand {
    /// Re-read every stored file and check its SHA-256 against the one
    /// recorded at upload; print what is missing or altered.
    Verify,
}

#[derive(Subcommand)]
enum StorageCommand {
    /// Copy every stored file from the local folder (`EVIDENCE_DIR`) to the
    /// object store of `EVIDENCE_STORE`, checking each copy's SHA-256.
    Migrate,
}

#[derive(Subcommand)]
enum SchoolCommand {
    /// Import or update schools from a CSV file with the header `uai,name,town,academie`.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

/// Runs a command.
pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    // Checking a dossier needs no database.
    if let Command::Dossier {
        command: DossierCommand::Verify { file },
    } = &cli.command
    {
        return files::verify_dossier(&config, file);
    }
    let started = Instant::now();
    // The server and the worker own the embedded cluster; the short
    // commands use the one a running `vigie serve` started, if any.
    let owns = matches!(cli.command, Command::Serve { .. } | Command::Worker);
    let database = db::connect(&config, !owns).await?;
    db::migrate(&database.pool).await?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "database ready"
    );
    let result = match cli.command {
        Command::Serve { demo } => {
            if demo {
                seed_demo(&config, &database.pool).await?;
            }
            serve(config, database.pool.clone(), started).await
        }
        Command::Migrate => {
            println!("Migrations applied.");
            Ok(())
        }
        Command::Worker => worker(&config, database.pool.clone()).await,
        Command::Purge => purge(&config, &database.pool).await,
        Command::Demo { cases } => demo(&config, &database.pool, cases).await,
        Command::School {
            command: SchoolCommand::Import { file },
        } => import_schools(&config, &database.pool, &file).await,
        Command::Account { command } => accounts::run(&config, &database.pool, command).await,
        Command::Storage {
            command: StorageCommand::Migrate,
        } => files::migrate_storage(&config, &database.pool).await,
        Command::Dossier { .. } => unreachable!("handled above"),
        Command::Audit {
            command: AuditCommand::Verify,
        } => files::verify_audit(&config, &database.pool).await,
        Command::Evidence {
            command: EvidenceCommand::Verify,
        } => files::verify_evidence(&config, &database.pool).await,
    };
    database.pool.close().await;
    // Dropping the database stops the embedded cluster, if any.
    tokio::task::spawn_blocking(move || drop(database)).await?;
    result
}

/// Runs the background jobs alone until SIGTERM or Ctrl-C.
async fn worker(config: &Config, pool: sqlx::PgPool) -> anyhow::Result<()> {
    let mailer = Mailer::new(&config.mail.smtp_url, &config.mail.from)?;
    let storage = crate::storage::open(&config.evidence_dir, config.evidence_s3.as_ref())?;
    let config = Arc::new(config.clone());
    tracing::info!("outbox worker running");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let idle = Duration::from_secs(2);
    let running = tokio::spawn(jobs::run(pool, mailer, config, storage, idle, stopped));
    shutdown_signal().await;
    jobs::drain(&stop, running).await;
    Ok(())
}

/// Applies the retention rules now and says what went.
async fn purge(config: &Config, pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let storage = crate::storage::open(&config.evidence_dir, config.evidence_s3.as_ref())?;
    let c = jobs::purge(pool, storage.as_ref(), config, chrono::Utc::now()).await?;
    let pending = db::deletions::pending(pool).await?;
    println!(
        "Purge: {} cases, {} reports, {} audit entries deleted; {} file(s) deleted; {pending} file(s) still to delete (retried by the background jobs).",
        c.cases, c.reports, c.audit, c.files_deleted
    );
    Ok(())
}

/// The demo data, and `cases` generated cases over many schools.
async fn demo(config: &Config, pool: &sqlx::PgPool, cases: u64) -> anyhow::Result<()> {
    seed_demo(config, pool).await?;
    if cases > 0 {
        let started = Instant::now();
        crate::demo::generate(pool, cases).await?;
        println!(
            "{cases} cases generated in {:.1} s.",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

async fn seed_demo(config: &Config, pool: &sqlx::PgPool) -> anyhow::Result<()> {
    if config.environment == Environment::Production {
        bail!("demo data is refused when VIGIE_ENV=production");
    }
    let storage = crate::storage::open(&config.evidence_dir, config.evidence_s3.as_ref())?;
    let ops = crate::ops::Ops::new(pool.clone(), Arc::new(config.clone()), storage);
    crate::demo::seed(&ops).await?;
    println!(
        "Demo data ready: see README.md for the accounts. Their second factor: the secret {} in an authenticator app (or `oathtool --totp -b {}`).",
        crate::demo::DEMO_TOTP_SECRET,
        crate::demo::DEMO_TOTP_SECRET
    );
    Ok(())
}

async fn serve(config: Config, pool: sqlx::PgPool, started: Instant) -> anyhow::Result<()> {
    let storage = crate::storage::open(&config.evidence_dir, config.evidence_s3.as_ref())?;
    // Uploads a killed process was receiving (another process on the same
    // folder may be receiving newer ones).
    let removed = crate::storage::spool::clean(&config.spool_dir, Duration::from_secs(3600))?;
    if removed > 0 {
        tracing::info!(removed, "old spooled uploads removed");
    }
    let addr = config.bind_addr;
    let public_url = config.public_url.clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = if config.mail.worker_in_serve {
        let mailer = Mailer::new(&config.mail.smtp_url, &config.mail.from)?;
        Some(tokio::spawn(jobs::run(
            pool.clone(),
            mailer,
            Arc::new(config.clone()),
            storage.clone(),
            Duration::from_secs(2),
            stopped,
        )))
    } else {
        None
    };
    let header_timeout = config.header_timeout;
    let metrics_addr = config.metrics_addr;
    let state = AppState::new(pool.clone(), config, storage);
    state.auth.start(pool.clone()).await;
    if let Some(addr) = metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr} (METRICS_ADDR)"))?;
        let router = crate::metrics::router(state.metrics.clone(), pool.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        tracing::info!(%addr, "metrics served");
    }
    let limits_db = pool;
    let app = build_router(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (BIND_ADDR)"))?;
    let cleanup = tokio::spawn(tidy(limits_db));
    tracing::info!(%addr, startup_ms = started.elapsed().as_millis() as u64, "Vigie is listening");
    // On stderr: stdout carries only log lines (JSON with LOG_FORMAT=json).
    eprintln!("Vigie listens on {public_url} (Ctrl-C to stop)");
    crate::server::serve(listener, app, header_timeout, shutdown_signal()).await;
    cleanup.abort();
    // Requests are drained; then the jobs finish their round.
    if let Some(w) = worker {
        jobs::drain(&stop, w).await;
    }
    tracing::info!("Vigie stopped");
    Ok(())
}

/// Every five minutes: stale attempt limits, expired account links and
/// expired sessions go.
async fn tidy(pool: sqlx::PgPool) {
    let store = tower_sessions_sqlx_store::PostgresStore::new(pool.clone());
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
    loop {
        tick.tick().await;
        if let Err(e) = crate::db::limits::prune(&pool).await {
            tracing::warn!(error = %e, "could not prune attempt limits");
        }
        if let Err(e) = crate::db::account_tokens::prune(&pool).await {
            tracing::warn!(error = %e, "could not prune account links");
        }
        if let Err(e) = tower_sessions::session_store::ExpiredDeletion::delete_expired(&store).await
        {
            tracing::warn!(error = %e, "could not delete expired sessions");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {},
        _ = term.recv() => {},
    }
}

async fn import_schools(
    config: &Config,
    pool: &sqlx::PgPool,
    file: &PathBuf,
) -> anyhow::Result<()> {
    let reader =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let rows = crate::domain::school_csv::parse(std::io::BufReader::new(reader))
        .map_err(|bad| anyhow::anyhow!("{bad}"))?;
    let storage = crate::storage::open(&config.evidence_dir, config.evidence_s3.as_ref())?;
    let ops = crate::ops::Ops::new(pool.clone(), Arc::new(config.clone()), storage);
    let scope = crate::auth::session::AdminScope::command_line();
    // All rows or none: a bad line leaves the table as it was.
    let count = crate::ops::schools::import(&ops, &scope, &rows).await?;
    println!("{count} schools imported.");
    Ok(())
}

//! All SQL lives here, one file per aggregate. Functions that read or change
//! cases, evidence or reports take a `CaseScope` and filter with it in SQL.

pub mod account_admin;
pub mod account_tokens;
pub mod accountability;
pub mod accounts;
pub mod audit;
pub mod cases;
pub mod deletions;
pub mod events;
pub mod evidence;
pub mod health;
pub mod inbox;
pub mod integrity;
pub mod kept;
pub mod limits;
pub mod outbox;
pub mod purge;
pub mod queue;
pub mod records;
pub mod reminders;
pub mod report_thread;
pub mod reports;
pub mod school_figures;
pub mod school_overview;
pub mod schools;
pub mod statistics;
pub mod stats;
pub mod supervision;
pub mod system;
pub mod two_factor;

use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::config::Config;
use crate::embedded_pg::{EmbeddedOptions, EmbeddedPostgres};

/// A transaction on the pool.
pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Postgres>;

/// A database connection pool, and the embedded cluster behind it if one was
/// started (it stops when dropped).
pub struct Database {
    /// The pool.
    pub pool: PgPool,
    /// The private cluster, when no `DATABASE_URL` was given.
    pub embedded: Option<EmbeddedPostgres>,
}

/// Connects to `DATABASE_URL`, or starts the embedded cluster in `DATA_DIR`;
/// with `join_running`, a cluster a running `vigie serve` started there is
/// used as it is (and left running).
pub async fn connect(config: &Config, join_running: bool) -> anyhow::Result<Database> {
    let (url, embedded) = match &config.database_url {
        Some(url) => (url.clone(), None),
        None => {
            let dir = config.data_dir.clone();
            let pg = tokio::task::spawn_blocking(move || {
                let opts = EmbeddedOptions {
                    join_running,
                    ..EmbeddedOptions::default()
                };
                EmbeddedPostgres::start(&dir, "vigie", &opts)
            })
            .await??;
            (pg.database_url("vigie"), Some(pg))
        }
    };
    let pool = pool(&url).await?;
    Ok(Database { pool, embedded })
}

/// A pool on `url`.
pub async fn pool(url: &str) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(20)
        // Plans are made once per statement and connection, then reused:
        // planning was a quarter of PostgreSQL's time per page. The few
        // queries with optional filters plan with their values in a
        // transaction of their own (`set local plan_cache_mode`).
        .after_connect(|conn, _| {
            Box::pin(async move {
                // JIT compiles expressions for queries its estimates deem
                // long; for short OLTP queries it costs milliseconds each.
                sqlx::Executor::execute(
                    conn,
                    "set plan_cache_mode = force_generic_plan; set jit = off",
                )
                .await?;
                Ok(())
            })
        })
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .context("cannot connect to PostgreSQL (check DATABASE_URL)")
}

/// Where a keyset page starts: after the row with this rank (its place in a
/// list's order of groups), time and id. Used by lists ordered by a rank
/// then a time (the inbox, the dashboard).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RankCursor<I> {
    /// The row's rank.
    pub rank: i32,
    /// The row's time in that order.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The row's id.
    pub id: I,
}

impl<I: std::fmt::Display + std::str::FromStr> RankCursor<I> {
    /// `rank.micros.id`, for a URL.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.rank, self.at.timestamp_micros(), self.id)
    }

    /// Parses [`RankCursor::encode`]; anything else is the first page.
    pub fn decode(s: &str) -> Option<RankCursor<I>> {
        let mut parts = s.splitn(3, '.');
        let rank = parts.next()?.parse().ok()?;
        let micros = parts.next()?.parse().ok()?;
        Some(RankCursor {
            rank,
            at: chrono::DateTime::from_timestamp_micros(micros)?,
            id: parts.next()?.parse().ok()?,
        })
    }
}

/// The words of a search box, trimmed; `None` when empty.
pub fn search_words(typed: Option<&str>) -> Option<&str> {
    typed.map(str::trim).filter(|s| !s.is_empty())
}

/// An `ILIKE` pattern matching text that contains `words` literally.
pub fn contains_pattern(words: &str) -> String {
    let escaped = words
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Folds what every change of a case appends (counts per school and status,
/// migration 0026; schools' touches, migration 0028): read the same, cheaper.
pub async fn fold_appended(pool: &PgPool) -> sqlx::Result<()> {
    cases::fold_status_counts(pool).await?;
    school_overview::fold_touches(pool).await?;
    Ok(())
}

/// A transaction whose statements are planned with their values: for a
/// query whose best plan depends on which optional filters are set (the
/// pool otherwise reuses one generic plan per statement, which cannot tell
/// that a filter keeps few rows or none).
pub async fn planned_with_values(
    pool: &PgPool,
) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("set local plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Applies the migrations in `migrations/` and the session store's table.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::migrate!("./migrations")
        .run(pool)
        .await
        .context("migrations failed")?;
    tower_sessions_sqlx_store::PostgresStore::new(pool.clone())
        .migrate()
        .await
        .context("session table migration failed")?;
    Ok(())
}

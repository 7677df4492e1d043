//! Background work, run inside `vigie serve` or alone by `vigie worker`:
//! overdue reports, mail delivery, the hourly retention purge. Every job is
//! safe with several processes running it (`FOR UPDATE SKIP LOCKED`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::config::Config;
use crate::db::{self, purge::PurgeCounts};
use crate::mail::{Mailer, messages, worker};
use crate::storage::Storage;

/// How often the retention purge runs.
const PURGE_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Runs rounds of every job, waiting `idle` between rounds, until `stop`
/// turns true: a round under way is finished first (a job is never cut off
/// between sending a mail and recording it sent).
pub async fn run(
    pool: PgPool,
    mailer: Mailer,
    config: Arc<Config>,
    storage: Arc<dyn Storage>,
    idle: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let policy = worker::RetryPolicy::of(&config.mail);
    while !*stop.borrow() {
        let now = Utc::now();
        if let Err(e) = messages::flag_overdue_reports(
            &pool,
            &messages::MailContext::of(&config),
            &config.mail.helpline_desk,
            now,
        )
        .await
        {
            tracing::error!(error = %format!("{e:#}"), "overdue report job error");
        }
        if let Err(e) = worker::deliver_due(&pool, &mailer, &policy, now).await {
            tracing::error!(error = %format!("{e:#}"), "outbox worker error");
        }
        if let Err(e) = crate::ops::files::delete_pending(&pool, storage.as_ref(), now).await {
            tracing::error!(error = %e, "pending deletions error");
        }
        match db::purge::last_run(&pool).await {
            Ok(last) if last.is_none_or(|t| now - t >= PURGE_EVERY) => {
                if let Err(e) = purge(&pool, storage.as_ref(), &config, now).await {
                    tracing::error!(error = %format!("{e:#}"), "retention purge error");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "retention purge check error"),
        }
        tokio::select! {
            _ = tokio::time::sleep(idle) => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!("background jobs stopped");
}

/// Stops the jobs started with `stop`'s sender and waits (at most a minute)
/// for their round under way to end.
pub async fn drain(stop: &tokio::sync::watch::Sender<bool>, jobs: tokio::task::JoinHandle<()>) {
    let _ = stop.send(true);
    if tokio::time::timeout(Duration::from_secs(60), jobs)
        .await
        .is_err()
    {
        tracing::warn!("background jobs did not stop within a minute");
    }
}

/// Applies the retention rules at `now`: rows in one transaction (which
/// queues their files for deletion), then the files.
pub async fn purge(
    pool: &PgPool,
    storage: &dyn Storage,
    config: &Config,
    now: DateTime<Utc>,
) -> anyhow::Result<PurgeCounts> {
    let (mut counts, keys) = db::purge::run(pool, now, &config.retention).await?;
    (counts.files_deleted, counts.files_pending) =
        crate::ops::files::delete_pending(pool, storage, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    if counts != PurgeCounts::default() {
        tracing::info!(
            cases = counts.cases,
            reports = counts.reports,
            files = keys.len(),
            audit = counts.audit,
            "retention purge"
        );
    }
    Ok(counts)
}

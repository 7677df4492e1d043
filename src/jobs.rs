//! Background work, run inside `vigie serve` or alone by `vigie worker`:
//! overdue reports, mail delivery, statistics, the hourly retention purge. Every job is
//! safe with several processes running it (`FOR UPDATE SKIP LOCKED`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::config::Config;
use crate::db::{self, purge::PurgeCounts};
use crate::mail::{Mailer, messages, reminders, worker};
use crate::storage::Storage;

/// How often the retention purge runs.
const PURGE_EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// How often every stored file is re-read and its hash checked.
const VERIFY_EVERY: chrono::TimeDelta = chrono::TimeDelta::days(7);

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
    // The weekly verification reads every file: it runs beside the rounds
    // so that mail does not wait for it.
    let verifier = tokio::spawn(verify_weekly(pool.clone(), storage.clone(), stop.clone()));
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
        let ctx = messages::MailContext::of(&config);
        let days = config.queue.question_days;
        if let Err(e) = reminders::remind_unanswered_questions(&pool, &ctx, days, now).await {
            tracing::error!(error = %format!("{e:#}"), "question reminder job error");
        }
        let today = now.with_timezone(&chrono_tz::Europe::Paris).date_naive();
        if let Err(e) = messages::anchor_audit_head(&pool, &config, today).await {
            tracing::error!(error = %format!("{e:#}"), "audit anchor error");
        }
        if let Err(e) = worker::deliver_due(&pool, &mailer, &policy, now).await {
            tracing::error!(error = %format!("{e:#}"), "outbox worker error");
        }
        if let Err(e) = crate::ops::files::delete_pending(&pool, storage.as_ref(), now).await {
            tracing::error!(error = %e, "pending deletions error");
        }
        fold_counts(&pool).await;
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
    let _ = verifier.await;
    tracing::info!("background jobs stopped");
}

/// Brings the statistics and the schools' counts per status up to date,
/// and folds the schools' revisions.
async fn fold_counts(pool: &PgPool) {
    if let Err(e) = db::statistics::refresh(pool).await {
        tracing::error!(error = %e, "statistics refresh error");
    }
    if let Err(e) = db::fold_appended(pool).await {
        tracing::error!(error = %e, "status counts or school revisions error");
    }
}

/// Every hour, runs the full evidence verification if the last one is a
/// week old and no other process is running it (an advisory lock).
async fn verify_weekly(
    pool: PgPool,
    storage: Arc<dyn Storage>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    while !*stop.borrow() {
        if let Err(e) = verify_if_due(&pool, storage.as_ref(), Utc::now()).await {
            tracing::error!(error = %format!("{e:#}"), "evidence verification error");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs the verification if due and not under way elsewhere; whether it ran.
pub async fn verify_if_due(
    pool: &PgPool,
    storage: &dyn Storage,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let due = async || -> sqlx::Result<bool> {
        Ok(db::integrity::last_run(pool)
            .await?
            .is_none_or(|r| now - r.started_at >= VERIFY_EVERY))
    };
    if !due().await? {
        return Ok(false);
    }
    let mut conn = pool.acquire().await?;
    if !db::integrity::try_hold(&mut conn).await? {
        return Ok(false);
    }
    // Another process may have finished a run just before the lock came.
    let result = match due().await {
        Ok(true) => crate::ops::integrity::verify_all(pool, storage, now).await,
        Ok(false) => {
            db::integrity::release(&mut conn).await?;
            return Ok(false);
        }
        Err(e) => Err(e.into()),
    };
    db::integrity::release(&mut conn).await?;
    let (run, _) = result?;
    tracing::info!(
        checked = run.checked,
        missing = run.missing,
        altered = run.altered,
        "evidence verification"
    );
    Ok(true)
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
    let (mut counts, keys) = db::purge::run(pool, now, &config.retention, &config.seal).await?;
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

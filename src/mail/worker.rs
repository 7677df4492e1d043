//! Delivers the outbox: each mail is taken with `FOR UPDATE SKIP LOCKED`, so
//! several workers (in several processes) never send the same row; failures
//! are retried with exponential back-off and jitter, then marked dead.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use sqlx::PgPool;

use super::Mailer;
use crate::config::MailSettings;
use crate::db::outbox;

/// Retry policy.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts before a mail is dead.
    pub max_attempts: i32,
    /// Delay after the first failure.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl RetryPolicy {
    /// The policy of the configured outbox.
    pub fn of(mail: &MailSettings) -> RetryPolicy {
        RetryPolicy {
            max_attempts: mail.max_attempts,
            base: mail.retry_base,
            max: mail.retry_max,
        }
    }

    /// When to try again after `attempts` failed attempts, or `None` when the
    /// mail is dead. The delay doubles each time, ±20 % jitter.
    pub fn next_attempt(&self, now: DateTime<Utc>, attempts: i32) -> Option<DateTime<Utc>> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exp = self.base.as_secs_f64() * 2f64.powi((attempts - 1).max(0));
        let capped = exp.min(self.max.as_secs_f64());
        let jitter = rand::thread_rng().gen_range(0.8..=1.2);
        Some(now + chrono::TimeDelta::milliseconds((capped * jitter * 1000.0) as i64))
    }
}

/// Sends every mail due at `now`, one at a time; returns how many were sent.
/// A failure is recorded on the mail and does not stop the others.
pub async fn deliver_due(
    pool: &PgPool,
    mailer: &Mailer,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut sent = 0;
    let mut failed = 0;
    loop {
        let mut tx = pool.begin().await?;
        let Some(mail) = outbox::claim_due(&mut tx, now).await? else {
            break;
        };
        match mailer.send(&mail).await {
            Ok(()) => {
                outbox::mark_sent(&mut tx, mail.id).await?;
                sent += 1;
            }
            Err(e) => {
                let attempts = mail.attempts + 1;
                let retry_at = policy.next_attempt(now, attempts);
                // The error text comes from the SMTP exchange: no mail content.
                let error = format!("{e:#}");
                tracing::warn!(
                    mail_id = mail.id,
                    attempts,
                    dead = retry_at.is_none(),
                    "mail delivery failed"
                );
                outbox::mark_failed(&mut tx, mail.id, &error, retry_at).await?;
                failed += 1;
            }
        }
        tx.commit().await?;
    }
    if sent + failed > 0 {
        tracing::info!(sent, failed, "outbox delivered");
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_with_jitter_and_ends() {
        let p = RetryPolicy {
            max_attempts: 4,
            base: Duration::from_secs(60),
            max: Duration::from_secs(150),
        };
        let now = Utc::now();
        let d = |a| (p.next_attempt(now, a).unwrap() - now).num_seconds();
        assert!((48..=72).contains(&d(1)), "{}", d(1));
        assert!((96..=144).contains(&d(2)), "{}", d(2));
        assert!((120..=180).contains(&d(3)), "capped: {}", d(3));
        assert_eq!(p.next_attempt(now, 4), None);
    }
}

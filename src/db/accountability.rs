//! How platforms answered the helpline's requests (the view a trusted
//! flagger reports under the EU Digital Services Act): per platform and
//! kind of request, in a period of sending. Counts and delays only.

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::domain::case::RequestKind;

/// One platform and kind of request in a period.
pub struct PlatformRow {
    /// Platform code.
    pub platform: String,
    /// Kind of request.
    pub kind: RequestKind,
    /// Requests sent.
    pub sent: i64,
    /// Obtained.
    pub done: i64,
    /// Refused.
    pub refused: i64,
    /// Closed without an answer.
    pub no_answer: i64,
    /// Still waiting.
    pub pending: i64,
    /// Waiting for longer than the configured delay.
    pub pending_late: i64,
    /// Median days from sending to an answer (obtained or refused).
    pub median_days: Option<f64>,
    /// 90th percentile of the same.
    pub p90_days: Option<f64>,
}

impl PlatformRow {
    /// Share of `n` among the requests sent, in whole percent.
    pub fn share(&self, n: &i64) -> i64 {
        if self.sent == 0 {
            0
        } else {
            (n * 100 + self.sent / 2) / self.sent
        }
    }
}

/// Requests sent from `from` to `until` (excluded), by platform and kind;
/// pending ones older than `late_days` on `today` counted as late.
pub async fn by_platform(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    late_days: i32,
    today: NaiveDate,
) -> sqlx::Result<Vec<PlatformRow>> {
    sqlx::query_as!(
        PlatformRow,
        r#"select t.platform, r.kind as "kind: RequestKind",
                  count(*) as "sent!",
                  count(*) filter (where r.outcome = 'done') as "done!",
                  count(*) filter (where r.outcome = 'refused') as "refused!",
                  count(*) filter (where r.outcome = 'no_answer') as "no_answer!",
                  count(*) filter (where r.outcome = 'pending') as "pending!",
                  count(*) filter (where r.outcome = 'pending' and r.sent_on < $4::date - $3::int) as "pending_late!",
                  percentile_cont(0.5) within group (order by (r.outcome_on - r.sent_on))
                      filter (where r.outcome in ('done', 'refused') and r.outcome_on is not null) as median_days,
                  percentile_cont(0.9) within group (order by (r.outcome_on - r.sent_on))
                      filter (where r.outcome in ('done', 'refused') and r.outcome_on is not null) as p90_days
           from platform_requests r join online_targets t on t.id = r.target_id
           where r.sent_on >= $1 and r.sent_on < $2
           group by t.platform, r.kind
           order by count(*) desc, t.platform, r.kind"#,
        from as NaiveDate,
        until as NaiveDate,
        late_days,
        today as NaiveDate
    )
    .fetch_all(pool)
    .await
}

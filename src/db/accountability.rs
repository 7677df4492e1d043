//! How platforms answered the helpline's requests (the view a trusted
//! flagger reports under the EU Digital Services Act): per platform and
//! kind of request, in a period of sending. Counts and delays only, read
//! from the rollup the purge never touches (`db::statistics`); the late
//! ones among those still pending from the requests' keys (as of the same
//! fold).

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::domain::case::{RequestKind, RequestOutcome};
use crate::domain::histogram::percentile;

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
    fn empty(platform: String, kind: RequestKind) -> PlatformRow {
        PlatformRow {
            platform,
            kind,
            sent: 0,
            done: 0,
            refused: 0,
            no_answer: 0,
            pending: 0,
            pending_late: 0,
            median_days: None,
            p90_days: None,
        }
    }

    /// Share of `n` among the requests sent, in whole percent.
    pub fn share(&self, n: &i64) -> i64 {
        if self.sent == 0 {
            0
        } else {
            (n * 100 + self.sent / 2) / self.sent
        }
    }
}

/// Requests sent from `from` to `until` (excluded; first days of months),
/// by platform and kind; pending ones older than `late_days` on `today`
/// counted as late.
pub async fn by_platform(
    pool: &PgPool,
    from: NaiveDate,
    until: NaiveDate,
    late_days: i32,
    today: NaiveDate,
) -> sqlx::Result<Vec<PlatformRow>> {
    let counted = sqlx::query!(
        r#"select platform as "platform!", kind as "kind!: RequestKind",
                  outcome as "outcome!: RequestOutcome", days::bigint as "days!",
                  sum(requests)::bigint as "n!"
           from stat_requests where month >= $1 and month < $2
           group by 1, 2, 3, 4 having sum(requests) > 0"#,
        from as NaiveDate,
        until as NaiveDate
    )
    .fetch_all(pool)
    .await?;
    let late = sqlx::query!(
        r#"select platform, kind as "kind!: RequestKind", count(*) as "n!"
           from request_stat_keys
           where outcome = 'pending' and sent_on >= $1 and sent_on < $2
             and sent_on < $4::date - $3::int
           group by 1, 2"#,
        from as NaiveDate,
        until as NaiveDate,
        late_days,
        today as NaiveDate
    )
    .fetch_all(pool)
    .await?;
    let mut rows = fold(
        counted
            .into_iter()
            .map(|c| (c.platform, c.kind, c.outcome, c.days, c.n)),
    );
    for row in &mut rows {
        row.pending_late = late
            .iter()
            .filter(|l| l.platform == row.platform && l.kind == row.kind)
            .map(|l| l.n)
            .sum();
    }
    rows.sort_by(|a, b| {
        (b.sent, &a.platform, a.kind.code()).cmp(&(a.sent, &b.platform, b.kind.code()))
    });
    Ok(rows)
}

/// One row per platform and kind from the counted (platform, kind, outcome,
/// days to the answer, requests), with the median and 90th percentile of
/// the days to an answer obtained or refused.
fn fold(
    counted: impl Iterator<Item = (String, RequestKind, RequestOutcome, i64, i64)>,
) -> Vec<PlatformRow> {
    let mut rows: Vec<PlatformRow> = Vec::new();
    let mut answered: Vec<Vec<(i64, i64)>> = Vec::new();
    for (platform, kind, outcome, days, n) in counted {
        let i = match rows
            .iter()
            .position(|r| r.platform == platform && r.kind == kind)
        {
            Some(i) => i,
            None => {
                rows.push(PlatformRow::empty(platform, kind));
                answered.push(Vec::new());
                rows.len() - 1
            }
        };
        let row = &mut rows[i];
        row.sent += n;
        match outcome {
            RequestOutcome::Done => row.done += n,
            RequestOutcome::Refused => row.refused += n,
            RequestOutcome::NoAnswer => row.no_answer += n,
            RequestOutcome::Pending => row.pending += n,
        }
        if matches!(outcome, RequestOutcome::Done | RequestOutcome::Refused) && days >= 0 {
            answered[i].push((days, n));
        }
    }
    for (row, days) in rows.iter_mut().zip(&answered) {
        row.median_days = percentile(days, 0.5);
        row.p90_days = percentile(days, 0.9);
    }
    rows
}

//! When a school must have handled a report: working days skip weekends
//! (Paris time); a report in danger is due within hours.

use chrono::{DateTime, Datelike, TimeDelta, Utc, Weekday};
use chrono_tz::Europe::Paris;

/// The deadline of a report received at `received`: `working_days` later
/// (Saturdays and Sundays do not count), or `danger_hours` later for danger.
/// Public holidays are not known here and count as working days.
pub fn report_due(
    received: DateTime<Utc>,
    danger: bool,
    working_days: u32,
    danger_hours: u32,
) -> DateTime<Utc> {
    if danger {
        return received + TimeDelta::hours(i64::from(danger_hours));
    }
    let mut t = received.with_timezone(&Paris);
    let mut left = working_days;
    // A report received at the weekend starts counting on Monday morning.
    while matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
        t = (t + TimeDelta::days(1))
            .date_naive()
            .and_hms_opt(8, 0, 0)
            .and_then(|d| d.and_local_timezone(Paris).earliest())
            .unwrap_or(t + TimeDelta::days(1));
    }
    while left > 0 {
        t += TimeDelta::days(1);
        if !matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    t.with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_local_timezone(Paris)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn two_working_days_skip_the_weekend() {
        // Thursday 10:00 → Monday 10:00.
        assert_eq!(
            report_due(paris("2026-11-19 10:00"), false, 2, 4),
            paris("2026-11-23 10:00")
        );
        // Monday 10:00 → Wednesday 10:00.
        assert_eq!(
            report_due(paris("2026-11-23 10:00"), false, 2, 4),
            paris("2026-11-25 10:00")
        );
        // Saturday 15:00 → counted from Monday 08:00 → Wednesday 08:00.
        assert_eq!(
            report_due(paris("2026-11-21 15:00"), false, 2, 4),
            paris("2026-11-25 08:00")
        );
    }

    #[test]
    fn danger_is_due_within_hours_even_at_the_weekend() {
        assert_eq!(
            report_due(paris("2026-11-21 15:00"), true, 2, 4),
            paris("2026-11-21 19:00")
        );
    }
}

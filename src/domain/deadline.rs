//! When a school must have handled a report: working days skip weekends and
//! the public holidays of the school's calendar (Paris time); a report in
//! danger is due within hours.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Europe::Paris;

use super::holidays::Calendar;

/// The deadline of a report received at `received`: `working_days` later
/// (weekends and the holidays of `calendar` do not count), or
/// `danger_hours` later for danger.
pub fn report_due(
    received: DateTime<Utc>,
    danger: bool,
    working_days: u32,
    danger_hours: u32,
    calendar: Calendar,
) -> DateTime<Utc> {
    if danger {
        return received + TimeDelta::hours(i64::from(danger_hours));
    }
    let mut t = received.with_timezone(&Paris);
    let mut left = working_days;
    // A report received on a day off starts counting the next working
    // morning.
    while !calendar.is_working_day(t.date_naive()) {
        t = (t + TimeDelta::days(1))
            .date_naive()
            .and_hms_opt(8, 0, 0)
            .and_then(|d| d.and_local_timezone(Paris).earliest())
            .unwrap_or(t + TimeDelta::days(1));
    }
    while left > 0 {
        t += TimeDelta::days(1);
        if calendar.is_working_day(t.date_naive()) {
            left -= 1;
        }
    }
    t.with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NATIONAL: Calendar = Calendar::National;

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
            report_due(paris("2026-11-19 10:00"), false, 2, 4, NATIONAL),
            paris("2026-11-23 10:00")
        );
        // Monday 10:00 → Wednesday 10:00.
        assert_eq!(
            report_due(paris("2026-11-23 10:00"), false, 2, 4, NATIONAL),
            paris("2026-11-25 10:00")
        );
        // Saturday 15:00 → counted from Monday 08:00 → Wednesday 08:00.
        assert_eq!(
            report_due(paris("2026-11-21 15:00"), false, 2, 4, NATIONAL),
            paris("2026-11-25 08:00")
        );
    }

    #[test]
    fn danger_is_due_within_hours_even_at_the_weekend() {
        assert_eq!(
            report_due(paris("2026-11-21 15:00"), true, 2, 4, NATIONAL),
            paris("2026-11-21 19:00")
        );
    }

    #[test]
    fn holidays_of_the_school_do_not_count() {
        // Tuesday 10 November 2026 → 11 November is a holiday → Thursday 12.
        assert_eq!(
            report_due(paris("2026-11-10 10:00"), false, 1, 4, NATIONAL),
            paris("2026-11-12 10:00")
        );
        // Thursday 24 December in Alsace: 25 and 26 off, then the weekend
        // → Monday 28.
        assert_eq!(
            report_due(
                paris("2026-12-24 10:00"),
                false,
                1,
                4,
                Calendar::AlsaceMoselle
            ),
            paris("2026-12-28 10:00")
        );
        // Elsewhere the 26th is a Saturday anyway; Thursday 2 April 2026 in
        // Moselle: Good Friday, the weekend, Easter Monday → Tuesday 7.
        assert_eq!(
            report_due(
                paris("2026-04-02 10:00"),
                false,
                1,
                4,
                Calendar::AlsaceMoselle
            ),
            paris("2026-04-07 10:00")
        );
        assert_eq!(
            report_due(paris("2026-04-02 10:00"), false, 1, 4, NATIONAL),
            paris("2026-04-03 10:00")
        );
        // Received on a holiday: counted from the next working morning.
        assert_eq!(
            report_due(paris("2026-05-27 15:00"), false, 1, 4, Calendar::Guadeloupe),
            paris("2026-05-29 08:00")
        );
    }
}

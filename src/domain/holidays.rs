//! French public holidays, which working-day deadlines skip: the national
//! ones, plus Good Friday and 26 December in Alsace-Moselle, and the day of
//! the abolition of slavery in each overseas académie. Easter is computed
//! (anonymous Gregorian algorithm), the rest follows from it.

use chrono::{Datelike, NaiveDate, Weekday};

/// Which calendar of holidays a school follows, from its UAI's département.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    /// The national holidays.
    National,
    /// Bas-Rhin, Haut-Rhin, Moselle: also Good Friday and 26 December.
    AlsaceMoselle,
    /// Guadeloupe: also 27 May.
    Guadeloupe,
    /// Martinique: also 22 May.
    Martinique,
    /// Guyane: also 10 June.
    Guyane,
    /// La Réunion: also 20 December.
    Reunion,
    /// Mayotte: also 27 April.
    Mayotte,
}

impl Calendar {
    /// The calendar of a school, from the département in its UAI's first
    /// three characters (`067…`, `971…`).
    pub fn of_uai(uai: &str) -> Calendar {
        match uai.get(..3) {
            Some("057" | "067" | "068") => Calendar::AlsaceMoselle,
            Some("971") => Calendar::Guadeloupe,
            Some("972") => Calendar::Martinique,
            Some("973") => Calendar::Guyane,
            Some("974") => Calendar::Reunion,
            Some("976") => Calendar::Mayotte,
            _ => Calendar::National,
        }
    }

    /// Whether `day` is a public holiday here.
    pub fn is_holiday(self, day: NaiveDate) -> bool {
        let easter = easter(day.year());
        let from_easter = (day - easter).num_days();
        let fixed = (day.month(), day.day());
        // Easter Monday, Ascension, Whit Monday.
        if matches!(from_easter, 1 | 39 | 50)
            || matches!(
                fixed,
                (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
            )
        {
            return true;
        }
        match self {
            Calendar::National => false,
            Calendar::AlsaceMoselle => from_easter == -2 || fixed == (12, 26),
            Calendar::Guadeloupe => fixed == (5, 27),
            Calendar::Martinique => fixed == (5, 22),
            Calendar::Guyane => fixed == (6, 10),
            Calendar::Reunion => fixed == (12, 20),
            Calendar::Mayotte => fixed == (4, 27),
        }
    }

    /// Whether `day` is a working day: not a weekend, not a holiday.
    pub fn is_working_day(self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.is_holiday(day)
    }
}

/// Easter Sunday of `year` (Gregorian calendar).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
        .expect("the formula gives a day of March or April")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn easter_matches_known_years() {
        for (year, date) in [
            (2000, "2000-04-23"),
            (2008, "2008-03-23"),
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
        ] {
            assert_eq!(easter(year), d(date), "{year}");
        }
    }

    #[test]
    fn national_holidays_of_2026() {
        let national: Vec<NaiveDate> = (0..365)
            .map(|i| d("2026-01-01") + TimeDelta::days(i))
            .filter(|day| Calendar::National.is_holiday(*day))
            .collect();
        let expected = [
            "2026-01-01",
            "2026-04-06",
            "2026-05-01",
            "2026-05-08",
            "2026-05-14",
            "2026-05-25",
            "2026-07-14",
            "2026-08-15",
            "2026-11-01",
            "2026-11-11",
            "2026-12-25",
        ];
        assert_eq!(national, expected.map(d));
    }

    #[test]
    fn easter_based_holidays_of_2027_and_2028() {
        // (Good Friday, Easter Monday, Ascension, Whit Monday).
        for (good_friday, monday, ascension, whit_monday) in [
            ("2027-03-26", "2027-03-29", "2027-05-06", "2027-05-17"),
            ("2028-04-14", "2028-04-17", "2028-05-25", "2028-06-05"),
        ] {
            for day in [monday, ascension, whit_monday] {
                assert!(Calendar::National.is_holiday(d(day)), "{day}");
                assert!(Calendar::AlsaceMoselle.is_holiday(d(day)), "{day}");
            }
            assert!(Calendar::AlsaceMoselle.is_holiday(d(good_friday)));
            assert!(!Calendar::National.is_holiday(d(good_friday)));
            // The days around are working days.
            let after = d(ascension) + TimeDelta::days(1);
            assert!(!Calendar::National.is_holiday(after), "{after}");
        }
    }

    #[test]
    fn local_holidays_follow_the_uai() {
        assert_eq!(Calendar::of_uai("0670001A"), Calendar::AlsaceMoselle);
        assert_eq!(Calendar::of_uai("0571234B"), Calendar::AlsaceMoselle);
        assert_eq!(Calendar::of_uai("0541234B"), Calendar::National);
        assert_eq!(Calendar::of_uai("9741234C"), Calendar::Reunion);
        // Good Friday 2026 is 3 April; 26 December.
        assert!(Calendar::AlsaceMoselle.is_holiday(d("2026-04-03")));
        assert!(Calendar::AlsaceMoselle.is_holiday(d("2026-12-26")));
        assert!(!Calendar::National.is_holiday(d("2026-04-03")));
        assert!(Calendar::Guadeloupe.is_holiday(d("2026-05-27")));
        assert!(Calendar::Martinique.is_holiday(d("2026-05-22")));
        assert!(Calendar::Guyane.is_holiday(d("2026-06-10")));
        assert!(Calendar::Reunion.is_holiday(d("2026-12-20")));
        assert!(Calendar::Mayotte.is_holiday(d("2026-04-27")));
        assert!(!Calendar::Mayotte.is_holiday(d("2026-12-20")));
        assert!(!Calendar::National.is_working_day(d("2026-11-11")));
        assert!(Calendar::National.is_working_day(d("2026-11-12")));
    }
}

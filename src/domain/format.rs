//! How dates, durations and sizes are written on pages (French, Paris time).

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Paris;

/// A timestamp, however many references deep the template hands it over.
pub trait Instant {
    /// The timestamp.
    fn instant(&self) -> DateTime<Utc>;
}

impl Instant for DateTime<Utc> {
    fn instant(&self) -> DateTime<Utc> {
        *self
    }
}

impl<T: Instant + ?Sized> Instant for &T {
    fn instant(&self) -> DateTime<Utc> {
        (**self).instant()
    }
}

/// A calendar date, however many references deep.
pub trait Day {
    /// The date.
    fn day(&self) -> NaiveDate;
}

impl Day for NaiveDate {
    fn day(&self) -> NaiveDate {
        *self
    }
}

impl<T: Day + ?Sized> Day for &T {
    fn day(&self) -> NaiveDate {
        (**self).day()
    }
}

/// "22/11/2026 à 14:05", Paris time.
pub fn datetime(dt: impl Instant) -> String {
    // Written out rather than with `format`, which parses its pattern on
    // every call (a queue page writes 50 of these).
    let t = dt.instant().with_timezone(&Paris);
    format!(
        "{:02}/{:02}/{} à {:02}:{:02}",
        t.day(),
        t.month(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// "22/11/2026".
pub fn date(d: impl Day) -> String {
    let d = d.day();
    format!("{:02}/{:02}/{}", Datelike::day(&d), d.month(), d.year())
}

/// "2026-11-22", for `<input type="date">`.
pub fn iso_date(d: impl Day) -> String {
    let d = d.day();
    format!("{}-{:02}-{:02}", d.year(), d.month(), Datelike::day(&d))
}

/// The first `max` characters of `text`, with "…" when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// The ISO form for `<time datetime>`.
pub fn iso(dt: impl Instant) -> String {
    dt.instant()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// "il y a 3 jours", from now.
pub fn age(dt: impl Instant) -> String {
    duration(Utc::now().signed_duration_since(dt.instant()))
}

/// A duration in words: "moins d'une heure", "5 h", "3 jours".
pub fn duration(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes < 60 {
        if minutes <= 1 {
            "à l'instant".into()
        } else {
            format!("{minutes} min")
        }
    } else if minutes < 48 * 60 {
        format!("{} h", minutes / 60)
    } else {
        format!("{} jours", minutes / (24 * 60))
    }
}

/// "512 octets", "12,5 Ko", "1,2 Mo".
pub fn bytes(n: impl std::borrow::Borrow<i64>) -> String {
    let n = (*n.borrow()).max(0) as f64;
    if n < 1024.0 {
        format!("{n} octets")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.1} Ko", n / 1024.0).replace('.', ",")
    } else {
        format!("{:.1} Mo", n / (1024.0 * 1024.0)).replace('.', ",")
    }
}

/// `text` with every e-mail address in it masked (SMTP errors quote the
/// recipient) and cut to 300 characters.
pub fn mask_emails(text: &str) -> String {
    let in_address = |c: char| c.is_alphanumeric() || "._%+-@".contains(c);
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('@') {
            out.push_str("[adresse masquée]");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if in_address(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    match out.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &out[..i]),
        None => out,
    }
}

/// A retention delay in days, as a person says it: "3 ans", "2 mois",
/// "45 jours".
pub fn delay_days(days: i32) -> String {
    let plural = |n: i32, one: &str, many: &str| format!("{n} {}", if n > 1 { many } else { one });
    if days >= 365 && days % 365 <= 2 {
        plural(days / 365, "an", "ans")
    } else if days >= 58 {
        format!("{} mois", (f64::from(days) / 30.44).round() as i32)
    } else {
        plural(days, "jour", "jours")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_formats() {
        let dt = DateTime::parse_from_rfc3339("2026-07-14T12:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(datetime(dt), "14/07/2026 à 14:30");
        let winter = DateTime::parse_from_rfc3339("2026-01-05T08:07:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(datetime(winter), "05/01/2026 à 09:07");
        let day = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(
            (date(day), iso_date(day)),
            ("09/03/2026".into(), "2026-03-09".into())
        );
        assert_eq!(bytes(512), "512 octets");
        assert_eq!(bytes(1536), "1,5 Ko");
        assert_eq!(duration(chrono::TimeDelta::hours(3)), "3 h");
        assert_eq!(duration(chrono::TimeDelta::days(4)), "4 jours");
    }

    #[test]
    fn addresses_are_masked_in_errors() {
        assert_eq!(
            mask_emails("550 5.1.1 <jean.dupont+x@exemple.fr>: Recipient address rejected"),
            "550 5.1.1 <[adresse masquée]>: Recipient address rejected"
        );
        assert_eq!(mask_emails("connection refused"), "connection refused");
        assert_eq!(mask_emails(&"é".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn retention_delays_read_as_people_say_them() {
        assert_eq!(delay_days(61), "2 mois");
        assert_eq!(delay_days(1095), "3 ans");
        assert_eq!(delay_days(365), "1 an");
        assert_eq!(delay_days(400), "13 mois");
        assert_eq!(delay_days(30), "30 jours");
        assert_eq!(delay_days(1), "1 jour");
    }
}

/// A count with its thousands set apart as French writes them: "298 017"
/// (narrow no-break spaces).
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// [`small_count`] for a page: "< 5", or the count [`grouped`].
pub fn shown_count(n: i64) -> String {
    match n {
        1..=4 => "< 5".to_owned(),
        _ => grouped(n),
    }
}

/// A count as shown where it could identify a pupil (the CNIL's small-cell
/// rule): 1 to 4 become "< 5"; 0 and 5 or more are shown as they are.
pub fn small_count(n: i64) -> String {
    match n {
        1..=4 => "< 5".to_owned(),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod small_count_tests {
    #[test]
    fn thousands_are_set_apart() {
        let shown: Vec<String> = [0, 3, 999, 1000, 298_017, -12_345]
            .map(super::grouped)
            .to_vec();
        assert_eq!(
            shown,
            [
                "0",
                "3",
                "999",
                "1\u{202f}000",
                "298\u{202f}017",
                "-12\u{202f}345"
            ]
        );
        assert_eq!(super::shown_count(3), "< 5");
        assert_eq!(super::shown_count(12_000), "12\u{202f}000");
    }

    #[test]
    fn one_to_four_are_masked() {
        let shown: Vec<String> = [0, 1, 4, 5, 120].map(super::small_count).to_vec();
        assert_eq!(shown, ["0", "< 5", "< 5", "5", "120"]);
    }
}

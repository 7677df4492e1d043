//! Validated values: a value with rules is a type that can only hold a valid one.

use std::fmt;

use chrono::NaiveDate;

/// Why a value was refused, in French for the form that typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub &'static str);

/// A school's national id: 7 digits and one letter, e.g. `0750001A`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uai(String);

impl Uai {
    /// Parses a UAI, tolerating spaces and a lowercase letter.
    pub fn parse(input: &str) -> Result<Uai, Invalid> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() == 8
            && bytes[..7].iter().all(u8::is_ascii_digit)
            && bytes[7].is_ascii_uppercase()
        {
            Ok(Uai(s))
        } else {
            Err(Invalid(
                "Le code UAI compte 7 chiffres suivis d'une lettre (ex. 0750001A).",
            ))
        }
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, trimmed and lowercased, with a plausible shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses an address: one `@`, a non-empty local part, a dotted domain,
    /// no spaces or control characters, at most 254 characters.
    pub fn parse(input: &str) -> Result<EmailAddress, Invalid> {
        let s = input.trim().to_lowercase();
        let bad = Invalid("Saisissez une adresse électronique valide (ex. nom@exemple.fr).");
        if s.is_empty() || s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(bad);
        };
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad);
        }
        Ok(EmailAddress(s))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A human-readable case reference, `YYYY-NNNNNN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseReference(String);

impl CaseReference {
    /// Builds the reference from the year and the sequence number.
    pub fn new(year: i32, number: i64) -> CaseReference {
        CaseReference(format!("{year}-{number:06}"))
    }

    /// Parses a reference typed by a user (for search).
    pub fn parse(input: &str) -> Option<CaseReference> {
        let s = input.trim();
        let (y, n) = s.split_once('-')?;
        if y.len() == 4
            && y.bytes().all(|b| b.is_ascii_digit())
            && n.len() >= 6
            && n.bytes().all(|b| b.is_ascii_digit())
        {
            Some(CaseReference(s.to_owned()))
        } else {
            None
        }
    }

    /// The reference text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trims `input` and checks it has between `min` and `max` characters;
/// the messages say what is wrong in French.
pub fn bounded_text(
    input: &str,
    min: usize,
    max: usize,
    empty_message: &'static str,
    long_message: &'static str,
) -> Result<String, Invalid> {
    let s = input.trim();
    let n = s.chars().count();
    if n < min {
        return Err(Invalid(empty_message));
    }
    if n > max {
        return Err(Invalid(long_message));
    }
    Ok(s.to_owned())
}

/// The bounds of a free text and what to say when it is outside them.
#[derive(Clone, Copy, Debug)]
pub struct TextRule {
    /// Fewest characters (0: optional).
    pub min: usize,
    /// Most characters.
    pub max: usize,
    /// Message when shorter than `min`.
    pub empty: &'static str,
    /// Message when longer than `max`.
    pub long: &'static str,
}

impl TextRule {
    /// An optional text of at most `max` characters.
    pub const fn optional(max: usize, long: &'static str) -> TextRule {
        TextRule {
            min: 0,
            max,
            empty: "",
            long,
        }
    }

    /// A required text of 1 to `max` characters.
    pub const fn required(max: usize, empty: &'static str, long: &'static str) -> TextRule {
        TextRule {
            min: 1,
            max,
            empty,
            long,
        }
    }

    /// The same rule, with an empty text accepted.
    pub const fn or_empty(self) -> TextRule {
        TextRule { min: 0, ..self }
    }

    /// The trimmed text, if within the bounds.
    pub fn parse(&self, input: &str) -> Result<String, Invalid> {
        bounded_text(input, self.min, self.max, self.empty, self.long)
    }

    /// The trimmed text, `None` when empty.
    pub fn parse_optional(&self, input: &str) -> Result<Option<String>, Invalid> {
        self.parse(input).map(|s| (!s.is_empty()).then_some(s))
    }
}

const DATE_FORMAT: &str = "Saisissez une date au format jj/mm/aaaa.";

/// A date typed in a date field (`YYYY-MM-DD`, what browsers send).
pub fn date(input: &str) -> Result<NaiveDate, Invalid> {
    match NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d") {
        Ok(d) => Ok(d),
        Err(_) if input.trim().is_empty() => Err(Invalid("Indiquez la date.")),
        Err(_) => Err(Invalid(DATE_FORMAT)),
    }
}

/// A date that has happened: not after `today`.
pub fn past_date(input: &str, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let d = date(input)?;
    if d > today {
        return Err(Invalid("La date ne peut pas être dans le futur."));
    }
    Ok(d)
}

/// An optional date that has happened.
pub fn optional_past_date(input: &str, today: NaiveDate) -> Result<Option<NaiveDate>, Invalid> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    past_date(input, today).map(Some)
}

/// A telephone number as people type it: digits, spaces, dots, dashes,
/// brackets and a leading +; 10 to 15 digits. Kept as digits (and +).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Parses a typed number.
    pub fn parse(input: &str) -> Result<Phone, Invalid> {
        let p = input.trim();
        let kept: String = p
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let only_allowed = p
            .chars()
            .all(|c| c.is_ascii_digit() || " .+-()".contains(c));
        if only_allowed && (10..=15).contains(&kept.len()) {
            Ok(Phone(kept))
        } else {
            Err(Invalid(
                "Ce numéro ne semble pas valide (exemple : 06 12 34 56 78). Vous pouvez aussi le laisser vide.",
            ))
        }
    }

    /// The number as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stored form.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uai_accepts_seven_digits_and_a_letter() {
        assert_eq!(Uai::parse(" 0750001a ").unwrap().as_str(), "0750001A");
        assert!(Uai::parse("075000A").is_err());
        assert!(Uai::parse("07500011").is_err());
        assert!(Uai::parse("A7500011").is_err());
        assert!(Uai::parse("0750001AB").is_err());
        assert!(Uai::parse("").is_err());
    }

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse(" Principal@College.FR ")
                .unwrap()
                .as_str(),
            "principal@college.fr"
        );
        for bad in [
            "", "a", "a@b", "@b.fr", "a@@b.fr", "a b@c.fr", "a@.fr", "a@b.", "a@b..fr",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reference_is_zero_padded_and_parsed() {
        assert_eq!(CaseReference::new(2026, 123).as_str(), "2026-000123");
        assert!(CaseReference::parse("2026-000123").is_some());
        assert!(CaseReference::parse("2026-12").is_none());
        assert!(CaseReference::parse("Dupont").is_none());
    }

    #[test]
    fn bounded_text_trims_and_limits() {
        assert_eq!(bounded_text("  ab ", 1, 3, "vide", "long").unwrap(), "ab");
        assert_eq!(
            bounded_text("   ", 1, 3, "vide", "long"),
            Err(Invalid("vide"))
        );
        assert_eq!(
            bounded_text("abcd", 1, 3, "vide", "long"),
            Err(Invalid("long"))
        );
        assert_eq!(bounded_text("", 0, 3, "vide", "long").unwrap(), "");
    }

    #[test]
    fn dates_are_checked_once() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(past_date("2026-11-23", today).unwrap(), today);
        assert!(past_date("2026-11-24", today).is_err());
        assert!(past_date("23/11/2026", today).is_err());
        assert_eq!(past_date("", today), Err(Invalid("Indiquez la date.")));
        assert_eq!(optional_past_date(" ", today), Ok(None));
        assert!(date("2030-01-01").is_ok());
    }

    #[test]
    fn phones_keep_digits() {
        assert_eq!(
            Phone::parse("06 12.34-56 78").unwrap().as_str(),
            "0612345678"
        );
        assert_eq!(
            Phone::parse("+33 6 12 34 56 78").unwrap().as_str(),
            "+33612345678"
        );
        assert!(Phone::parse("06 12").is_err());
        assert!(Phone::parse("06 12 34 56 7x").is_err());
    }

    #[test]
    fn text_rules_bound_and_trim() {
        const R: TextRule = TextRule::optional(3, "long");
        assert_eq!(R.parse_optional("  "), Ok(None));
        assert_eq!(R.parse_optional(" ab "), Ok(Some("ab".into())));
        assert!(R.parse("abcd").is_err());
    }
}

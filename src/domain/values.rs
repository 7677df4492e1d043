//! Validated values: a value with rules is a type that can only hold a valid one.

use std::fmt;

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
}

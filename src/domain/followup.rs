//! The follow-up code a reporter receives: 100 random bits written as 20
//! Crockford base-32 characters in groups of four, shown once and stored only
//! as its SHA-256 (a fast hash is enough for 100 bits of entropy).

use rand::RngCore;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 20;

/// A follow-up code.
#[derive(Clone, PartialEq, Eq)]
pub struct FollowUpCode(String);

impl std::fmt::Debug for FollowUpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never printed, even in debug output.
        f.write_str("FollowUpCode(…)")
    }
}

impl FollowUpCode {
    /// A new random code.
    pub fn generate() -> FollowUpCode {
        let mut bytes = [0u8; LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        // 32 divides 256: taking 5 bits of each byte keeps the draw uniform.
        FollowUpCode(
            bytes
                .iter()
                .map(|b| ALPHABET[(b & 31) as usize] as char)
                .collect(),
        )
    }

    /// Parses a typed code: case, spaces and dashes do not matter, and the
    /// letters O, I and L read as 0, 1 and 1.
    pub fn parse(input: &str) -> Option<FollowUpCode> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        (s.len() == LEN && s.bytes().all(|b| ALPHABET.contains(&b))).then_some(FollowUpCode(s))
    }

    /// The code as shown to the reporter: `ABCD-EFGH-JKMN-PQRS-TVWX`.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).expect("ASCII"))
            .collect::<Vec<_>>()
            .join("-")
    }

    /// What is stored: the SHA-256 of the canonical code.
    pub fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_100_bits_and_read_back_however_typed() {
        let c = FollowUpCode::generate();
        let shown = c.grouped();
        assert_eq!(shown.len(), 24);
        assert_eq!(shown.matches('-').count(), 4);
        let typed = shown.to_lowercase().replace('-', " ");
        assert_eq!(FollowUpCode::parse(&typed), Some(c.clone()));
        assert_eq!(FollowUpCode::parse(&shown).unwrap().hash(), c.hash());
        assert_eq!(c.hash().len(), 32);
        assert_ne!(FollowUpCode::generate(), c);
        assert!(!format!("{c:?}").contains(&shown[..4]));
    }

    #[test]
    fn confusable_letters_are_forgiven_and_junk_refused() {
        let c = FollowUpCode::parse("0000-1111-2222-3333-4444").unwrap();
        assert_eq!(
            FollowUpCode::parse("oooo-iiii-2222-3333-4444"),
            Some(c.clone())
        );
        assert_eq!(FollowUpCode::parse("OOOO LLLL 2222 3333 4444"), Some(c));
        assert_eq!(FollowUpCode::parse("0000-1111-2222-3333"), None);
        assert_eq!(FollowUpCode::parse("0000-1111-2222-3333-444U"), None);
        assert_eq!(FollowUpCode::parse(""), None);
    }

    #[test]
    fn every_character_of_the_alphabet_appears() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.extend(FollowUpCode::generate().0.bytes());
        }
        assert_eq!(seen.len(), 32);
    }
}
